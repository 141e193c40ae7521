// Package svg draws an interleaving as an SVG sequence diagram, the
// picture of a race in a commit message: one column per actor that steps,
// time flowing down, each step a box in its actor's column with the kernel
// function, the step within it, the fields it changed and the wakeups that
// missed, the step that first violates a property outlined in red, and
// what is violated at the end under the last step.
//
// Each step is a <g class="step" data-step="N"> (N = 0 for the initial
// state) with a <title>, so that a page can show the state after it on
// hover or click. The drawing is a pure function of the race: the same
// race gives the same bytes. Text is escaped; the SVG references nothing
// outside itself.
package svg

import (
	"fmt"
	"html"
	"io"
	"strings"

	"jobctl/render"
	"jobctl/view"
)

// Layout, in pixels of a 12px monospace font.
const (
	fontSize   = 12
	charW      = 7.25 // the advance of one monospace character at fontSize
	lineH      = 16
	pad        = 8
	gutter     = 34 // the step numbers
	headerH    = 34
	wrapChars  = 46 // a line of a step box wraps at this many characters
	minColumn  = 150
	rowGap     = 6
	finalLines = 40 // at most this many lines under the last step
)

// Options tune one drawing.
type Options struct {
	// ID prefixes the ids of the drawing's elements, so that several
	// drawings can share a page.
	ID string
	// Title is the drawing's accessible name.
	Title string
	// Standalone: a file of its own (with the SVG namespace declaration),
	// not inline in an HTML page.
	Standalone bool
}

type line struct {
	text  string
	class string // fn, st, ch, note, bad
}

// Columns returns the actor indices that make at least one step, in actor order.
func Columns(r *view.Race) []int {
	used := make([]bool, len(r.Actors))
	for _, mv := range r.Moves {
		if int(mv.Actor) < len(used) {
			used[mv.Actor] = true
		}
	}
	var cols []int
	for a, u := range used {
		if u {
			cols = append(cols, a)
		}
	}
	return cols
}

// ChangeText is a change as a step box shows it: "T: __state A → B", and
// an op's result as "F: freeze T returns 0".
func ChangeText(c view.Change) string {
	if strings.HasPrefix(c.Field, "#") && c.From == "pending" {
		_, op, _ := strings.Cut(c.Field, " ")
		return fmt.Sprintf("%s: %s returns %s", c.Who, op, c.To)
	}
	return fmt.Sprintf("%s: %s %s → %s", c.Who, c.Field, c.From, c.To)
}

// shown: whether a step box lists the change.
func shown(c view.Change) bool { return !c.Minor() }

func wrap(out []line, text, class string, width int) []line {
	for i, l := range render.WrapText(text, width) {
		if i > 0 {
			l = "  " + l
		}
		out = append(out, line{l, class})
	}
	return out
}

// cellLines is the text of step st's box.
func cellLines(st *view.Step) []line {
	var out []line
	out = wrap(out, st.Function, "fn", wrapChars)
	if st.Step != "" {
		out = wrap(out, st.Step, "st", wrapChars)
	}
	for _, c := range st.Changes {
		if shown(c) {
			out = wrap(out, ChangeText(c), "ch", wrapChars)
		}
	}
	for _, n := range st.Notes {
		out = wrap(out, n, "note", wrapChars)
	}
	for _, p := range st.Violates {
		out = append(out, line{"✗ violates " + p, "bad"})
	}
	return out
}

// StateLines is the state of every task after a step, one line each, as
// the hover text shows it.
func StateLines(s *view.State) []string {
	var out []string
	for _, t := range s.Tasks {
		where := t.Where
		switch {
		case t.ExitState != "0":
			where = "exited, " + t.ExitState + " " + t.Exit
		case t.Asleep:
			where = "asleep in " + t.Wchan
		default:
			where = "runnable, " + where
		}
		out = append(out, fmt.Sprintf("%s: __state %s, saved_state %s, jobctl %s, pending %s; %s",
			t.Name, t.State, t.SavedState, t.Jobctl, t.Pending, where))
	}
	return out
}

// Write draws race r.
func Write(w io.Writer, r *view.Race, opt Options) error {
	cols := Columns(r)
	colOf := map[int]int{}
	widths := make([]float64, len(cols))
	cells := make([][]line, len(r.Steps))
	for i, a := range cols {
		colOf[a] = i
		widths[i] = float64(len(header(i, r.Actors[a])))*charW + 2*pad
	}
	for i := range r.Steps {
		cells[i] = cellLines(&r.Steps[i])
		c := colOf[int(r.Moves[i].Actor)]
		for _, l := range cells[i] {
			widths[c] = max(widths[c], float64(len([]rune(l.text)))*charW+2*pad+8)
		}
	}
	xs := make([]float64, len(cols)+1)
	xs[0] = gutter
	for i := range cols {
		widths[i] = max(widths[i], minColumn)
		xs[i+1] = xs[i] + widths[i]
	}
	total := xs[len(cols)]
	// Lines under the last step: the final state and what is violated at the end.
	var final []line
	if len(r.End) > 0 || r.Terminal {
		final = append(final, line{"final state:", "fn"})
		for _, l := range StateLines(&r.States[len(r.States)-1]) {
			final = wrap(final, l, "ch", int((total-gutter-2*pad)/charW))
		}
		for _, v := range r.End {
			final = wrap(final, "✗ "+v.Property+" violated: "+v.Message, "bad", int((total-gutter-2*pad)/charW))
		}
		if len(final) > finalLines {
			final = append(final[:finalLines], line{"…", "ch"})
		}
	}
	total = max(total, gutter+300)

	var b strings.Builder
	y := float64(headerH + rowGap)
	initH := float64(lineH + pad)
	rowsH := initH + rowGap
	for i := range cells {
		rowsH += float64(len(cells[i])*lineH+pad) + rowGap
	}
	height := y + rowsH + float64(len(final)*lineH) + 2*pad
	id := opt.ID
	if opt.Standalone {
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	}
	fmt.Fprintf(&b, `<svg%s class="race" id="%s" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace" font-size="%d" role="img" aria-label="%s">`+"\n",
		map[bool]string{true: ` xmlns="http://www.w3.org/2000/svg"`}[opt.Standalone], esc(id), total+pad, height, total+pad, height, fontSize, esc(opt.Title))
	b.WriteString(`<style>.race .fn{font-weight:bold;fill:#111}.race .st{fill:#333}.race .ch{fill:#1f4e8c}.race .note{fill:#9a5b00;font-style:italic}.race .bad{fill:#b00020;font-weight:bold}.race .hdr{font-weight:bold;fill:#fff}.race .num{fill:#777}.race g.step{cursor:pointer}.race g.step:hover rect.box,.race g.step.sel rect.box{stroke:#222;stroke-width:2}</style>` + "\n")
	// Lifelines and headers.
	for i, a := range cols {
		cx := xs[i] + widths[i]/2
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%.1f" stroke="#bbb" stroke-dasharray="4 3"/>`+"\n", cx, headerH, cx, y+rowsH)
		fmt.Fprintf(&b, `<rect x="%.1f" y="2" width="%.1f" height="%d" rx="4" fill="#34495e"/>`, xs[i]+4, widths[i]-8, headerH-6)
		fmt.Fprintf(&b, `<text class="hdr" x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", cx, headerH/2+5, esc(header(i, r.Actors[a])))
	}
	// The initial state, as step 0.
	fmt.Fprintf(&b, `<g class="step" data-step="0" tabindex="0"><title>%s</title>`, esc("initial state (after the prelude)\n"+strings.Join(StateLines(&r.States[0]), "\n")))
	fmt.Fprintf(&b, `<rect class="box" x="%d" y="%.1f" width="%.1f" height="%.1f" rx="3" fill="#eef2f5" stroke="#ccd"/>`, gutter+4, y, total-gutter-8, initH)
	initText := "initial state (after the prelude)"
	if len(r.Start) > 0 {
		initText += " ✗ violates " + strings.Join(r.Start, ",")
	}
	fmt.Fprintf(&b, `<text class="num" x="%d" y="%.1f">0</text><text class="st" x="%d" y="%.1f">%s</text></g>`+"\n", 6, y+lineH, gutter+4+pad, y+lineH, esc(initText))
	y += initH + rowGap
	for i := range r.Steps {
		st := &r.Steps[i]
		c := colOf[int(r.Moves[i].Actor)]
		h := float64(len(cells[i])*lineH + pad)
		fill, stroke, sw := "#f7f9fb", "#c9d3dd", 1
		if len(st.Violates) > 0 {
			fill, stroke, sw = "#fdecee", "#b00020", 2
		}
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#eee"/>`+"\n", gutter, y-rowGap/2, total, y-rowGap/2)
		title := fmt.Sprintf("after step %d (%s: %s)\n%s", st.N, st.Move, st.Function, strings.Join(StateLines(&r.States[i+1]), "\n"))
		fmt.Fprintf(&b, `<g class="step" id="%s-s%d" data-step="%d" tabindex="0"><title>%s</title>`, esc(id), st.N, st.N, esc(title))
		fmt.Fprintf(&b, `<rect class="box" x="%.1f" y="%.1f" width="%.1f" height="%.1f" rx="3" fill="%s" stroke="%s" stroke-width="%d"/>`, xs[c]+4, y, widths[c]-8, h, fill, stroke, sw)
		fmt.Fprintf(&b, `<text class="num" x="6" y="%.1f">%d</text>`, y+lineH, st.N)
		for k, l := range cells[i] {
			fmt.Fprintf(&b, `<text class="%s" x="%.1f" y="%.1f" xml:space="preserve">%s</text>`, l.class, xs[c]+4+pad, y+float64((k+1)*lineH), esc(l.text))
		}
		b.WriteString("</g>\n")
		y += h + rowGap
	}
	if len(final) > 0 {
		fmt.Fprintf(&b, `<g class="final">`)
		for k, l := range final {
			fmt.Fprintf(&b, `<text class="%s" x="%d" y="%.1f" xml:space="preserve">%s</text>`, l.class, gutter+4, y+float64((k+1)*lineH), esc(l.text))
		}
		b.WriteString("</g>\n")
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func header(col int, name string) string { return fmt.Sprintf("CPU%d (%s)", col, name) }

func esc(s string) string { return html.EscapeString(s) }
