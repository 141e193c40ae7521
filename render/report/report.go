// Package report writes the result of 'jobctl check' as one self-contained
// HTML file: the scorecard matrix (each cell links to its counterexample),
// every counterexample drawn as an SVG sequence diagram (package
// render/svg) with the state of every task at each step shown on hover or
// click, and each scenario's source beside its results. Styles, script and
// pictures are inline; the file loads nothing from anywhere.
//
// The output is a pure function of the results, but for the timings: the
// same check gives the same file.
package report

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"strings"

	"jobctl/checker"
	"jobctl/model"
	"jobctl/render/svg"
	"jobctl/scenario"
	"jobctl/view"
)

// CSS and StateJS are the report's styles and its state-table script; the
// explorer serves the same ones.
var (
	//go:embed assets/style.css
	CSS string
	//go:embed assets/state.js
	StateJS string
)

// Report is the results of one 'jobctl check'.
type Report struct {
	Command  string   // the command line that made it
	Variants []string // the columns
	Rows     []Row
	Summary  string // the matrix's summary line
}

// Row is one scenario under every variant.
type Row struct {
	Scenario *scenario.Scenario
	Name     string
	Cells    []Cell // one per variant, in the order of Report.Variants
}

// Status is how a cell compares with its scenario's verdict.
type Status string

const (
	AsExpected Status = "as expected"
	Differs    Status = "DIFFERS"
	Unknown    Status = "not known (a limit was hit)"
	Failed     Status = "error"
)

// Cell is one (scenario, variant) check.
type Cell struct {
	Variant  string
	RT       bool
	Text     string // the matrix cell: "pass", "I2,I4", "I4!"
	Status   Status
	Expected string // "pass", "violation I2,I4"
	Machine  *model.Machine
	Result   *checker.Result // nil when the check failed (Err)
	Err      string
}

// Write writes the report.
func Write(w io.Writer, r *Report) error {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
	b.WriteString(`<meta name="viewport" content="width=device-width, initial-scale=1">` + "\n")
	b.WriteString(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">` + "\n")
	fmt.Fprintf(&b, "<title>jobctl check: %d scenarios × %d designs</title>\n", len(r.Rows), len(r.Variants))
	b.WriteString("<style>\n" + CSS + "</style>\n</head><body>\n")
	fmt.Fprintf(&b, "<header class=\"top\"><h1>jobctl check</h1><div class=\"sub mono\">%s</div><div class=\"sub\">%s</div></header>\n<main>\n", esc(r.Command), esc(r.Summary))
	writeMatrix(&b, r)
	for _, row := range r.Rows {
		if err := writeScenario(&b, &row); err != nil {
			return err
		}
	}
	b.WriteString("</main>\n<script>\n" + StateJS + "</script>\n</body></html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func esc(s string) string { return html.EscapeString(s) }

// ID is the anchor of a scenario ("sc-R1-kill-frozen-stopped"), of a cell
// (with the variant) and of a counterexample (with the property).
func ID(parts ...string) string {
	var b strings.Builder
	b.WriteString("sc")
	for _, p := range parts {
		b.WriteByte('-')
		for _, c := range p {
			switch {
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '.', c == '_':
				b.WriteRune(c)
			default:
				b.WriteByte('_')
			}
		}
	}
	return b.String()
}

func cellClass(c *Cell) string {
	switch {
	case c.Status == Differs:
		return "differs"
	case c.Result == nil || c.Status == Unknown:
		return "unknown"
	case c.Result.Verdict == checker.Violation:
		return "viol"
	}
	return "pass"
}

// target is where a matrix cell links: its first counterexample with an
// interleaving, else the cell's section.
func target(row *Row, c *Cell) string {
	if c.Result != nil {
		for _, fd := range c.Result.Violations {
			if fd.Trace != nil {
				return ID(row.Name, c.Variant, fd.Property)
			}
		}
	}
	return ID(row.Name, c.Variant)
}

func writeMatrix(b *strings.Builder, r *Report) {
	b.WriteString("<table class=\"matrix\" id=\"matrix\"><thead><tr><th>scenario</th>")
	for _, v := range r.Variants {
		fmt.Fprintf(b, "<th>%s</th>", esc(v))
	}
	b.WriteString("<th>states</th></tr></thead><tbody>\n")
	for i := range r.Rows {
		row := &r.Rows[i]
		fmt.Fprintf(b, "<tr><th><a href=\"#%s\">%s</a></th>", ID(row.Name), esc(row.Name))
		states := 0
		for j := range row.Cells {
			c := &row.Cells[j]
			title := fmt.Sprintf("%s under %s: expected %s (%s)", row.Name, c.Variant, c.Expected, c.Status)
			fmt.Fprintf(b, "<td class=\"%s\" title=\"%s\"><a href=\"#%s\">%s</a></td>", cellClass(c), esc(title), target(row, c), esc(c.Text))
			if c.Result != nil {
				states += c.Result.States
			}
		}
		fmt.Fprintf(b, "<td class=\"num\">%d</td></tr>\n", states)
	}
	b.WriteString("</tbody></table>\n")
	b.WriteString(`<div class="legend">Each cell is <b>pass</b> or the properties violated (I1–I14, stuck; final/always/sometimes: the scenario's own checks); a trailing ! is not what the scenario's verdict expects, ? a limit stopped the search first. A cell links to its first counterexample. In a diagram, hover a step to see the state of every task after it, click to pin it; values the step changed are highlighted.</div>` + "\n")
}

func writeScenario(b *strings.Builder, row *Row) error {
	sc := row.Scenario
	fmt.Fprintf(b, "<section class=\"scenario\" id=\"%s\">\n<h2>%s", ID(row.Name), esc(row.Name))
	if sc.Title != "" {
		fmt.Fprintf(b, ": %s", esc(sc.Title))
	}
	b.WriteString("</h2>\n<div class=\"scgrid\">\n<pre class=\"src\">")
	for i, l := range strings.Split(strings.TrimRight(sc.Text, "\n"), "\n") {
		fmt.Fprintf(b, "<span class=\"ln\">%d</span>%s\n", i+1, esc(l))
	}
	b.WriteString("</pre>\n<div class=\"results\">\n")
	var passes []string
	for j := range row.Cells {
		c := &row.Cells[j]
		if c.Result != nil && c.Result.Verdict == checker.Pass && c.Status == AsExpected {
			passes = append(passes, fmt.Sprintf("<a id=\"%s\"></a>%s", ID(row.Name, c.Variant), esc(c.Variant)))
		}
	}
	if len(passes) > 0 {
		fmt.Fprintf(b, "<div class=\"passes\">pass, as expected, under: %s</div>\n", strings.Join(passes, ", "))
	}
	for j := range row.Cells {
		c := &row.Cells[j]
		if c.Result != nil && c.Result.Verdict == checker.Pass && c.Status == AsExpected {
			continue
		}
		if err := writeCell(b, row, c); err != nil {
			return err
		}
	}
	b.WriteString("</div></div></section>\n")
	return nil
}

func writeCell(b *strings.Builder, row *Row, c *Cell) error {
	name := c.Variant
	if c.RT {
		name += " (PREEMPT_RT)"
	}
	fmt.Fprintf(b, "<div class=\"cell\" id=\"%s\">\n", ID(row.Name, c.Variant))
	if c.Result == nil {
		fmt.Fprintf(b, "<h3>%s: <span class=\"err\">error</span></h3><div class=\"err mono\">%s</div></div>\n", esc(name), esc(c.Err))
		return nil
	}
	res := c.Result
	got := res.Verdict
	if res.Verdict == checker.Violation {
		var ps []string
		for _, fd := range res.Violations {
			ps = append(ps, fd.Property)
		}
		got += " " + strings.Join(ps, ",")
	}
	fmt.Fprintf(b, "<h3>%s: %s <span class=\"stats\">(expected %s: %s)</span></h3>\n", esc(name), esc(got), esc(c.Expected), esc(string(c.Status)))
	fmt.Fprintf(b, "<div class=\"stats\">%d states, %d transitions, depth %d, %d terminal states", res.States, res.Transitions, res.Depth, res.Terminal)
	if res.Incomplete != "" {
		fmt.Fprintf(b, "; incomplete: %s", esc(res.Incomplete))
	}
	b.WriteString("</div>\n")
	drawn := map[string]string{} // schedule -> the property drawn with it
	for _, fd := range res.Violations {
		id := ID(row.Name, c.Variant, fd.Property)
		if fd.Trace == nil {
			fmt.Fprintf(b, "<div class=\"cex\" id=\"%s\"><h4>%s</h4><div class=\"msg\">%s</div><div class=\"stats\">%s</div></div>\n", id, esc(fd.Property), esc(fd.Message), esc(fd.NoTrace()))
			continue
		}
		ms := fd.Trace
		sched := view.Schedule(c.Machine, ms)
		if prev, ok := drawn[sched]; ok {
			fmt.Fprintf(b, "<div class=\"cex\" id=\"%s\"><h4>%s: the interleaving drawn for <a href=\"#%s\">%s</a></h4><div class=\"msg\">%s</div></div>\n",
				id, esc(fd.Property), ID(row.Name, c.Variant, prev), esc(prev), esc(fd.Message))
			continue
		}
		drawn[sched] = fd.Property
		if err := writeCex(b, id, row, c, fd, ms, sched); err != nil {
			return err
		}
	}
	b.WriteString("</div>\n")
	return nil
}

func writeCex(b *strings.Builder, id string, row *Row, c *Cell, fd checker.Found, ms []view.Move, sched string) error {
	race, err := view.NewRace(c.Machine, ms, view.Props(row.Scenario))
	if err != nil {
		return fmt.Errorf("report: the %s counterexample of %s under %s does not replay: %v", fd.Property, row.Name, c.Variant, err)
	}
	mark := 0
	for _, st := range race.Steps {
		if mark == 0 && len(st.Violates) > 0 {
			mark = st.N
		}
	}
	if mark == 0 {
		mark = len(race.Steps)
	}
	fmt.Fprintf(b, "<div class=\"cex\" id=\"%s\" data-mark=\"%d\"><h4>%s: counterexample of %d steps: schedule <code class=\"sched\">%s</code></h4>\n",
		id, mark, esc(fd.Property), len(ms), esc(sched))
	fmt.Fprintf(b, "<div class=\"msg\">%s violated: %s</div>\n", esc(fd.Property), esc(fd.Message))
	replay := fmt.Sprintf("jobctl run %s --variant %s --schedule %q", row.Name, c.Variant, sched)
	if c.RT && !row.Scenario.RT {
		replay += " --rt"
	}
	fmt.Fprintf(b, "<div class=\"stats mono\">replay: %s</div>\n", esc(replay))
	b.WriteString("<div class=\"cexbody\"><div class=\"diagram\">")
	if err := svg.Write(b, race, svg.Options{ID: id + "-svg", Title: fmt.Sprintf("%s under %s: %s", row.Name, c.Variant, fd.Property)}); err != nil {
		return err
	}
	data, err := json.Marshal(race.States) // escapes <, > and &: safe inside <script>
	if err != nil {
		return err
	}
	fmt.Fprintf(b, "</div><div class=\"state\"></div></div>\n<script type=\"application/json\" class=\"states\">%s</script>\n</div>\n", data)
	return nil
}
