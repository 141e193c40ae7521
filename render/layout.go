package render

import (
	"fmt"
	"io"
	"strings"

	"jobctl/model"
	"jobctl/scenario"
)

// DefaultWidth is the width a diagram of one or two columns fits by
// default: a kernel commit message wraps at 75.
const DefaultWidth = 75

// minColumn is the narrowest a column gets, however little room there is.
const minColumn = 16

// WidthFor is the default width of a diagram with cols columns: 75 for
// one or two, and room for about 37 more per further column.
func WidthFor(cols int) int {
	if cols <= 2 {
		return DefaultWidth
	}
	return DefaultWidth + 37*(cols-2)
}

// ANSI colours of a diagram drawn for a terminal.
const (
	colorMark  = "\x1b[1;31m" // a property's first violation: bold red
	colorStep  = "\x1b[1m"    // the label of the step that violates: bold
	colorReset = "\x1b[0m"
)

// Paint wraps s in an ANSI colour when on is set.
func Paint(on bool, color, s string) string {
	if !on || s == "" {
		return s
	}
	return color + s + colorReset
}

// WrapStrict breaks s at spaces into lines of at most width bytes. A word
// longer than width is broken after a '|' (a set of bits), a ',' or a '('
// where it can, and cut where it cannot, so that no line is longer than
// width.
func WrapStrict(s string, width int) []string {
	if width < 1 {
		width = 1
	}
	// A piece of a word that was cut ends its line: the next piece must
	// not be joined to it with a space.
	type piece struct {
		s   string
		cut bool
	}
	var words []piece
	for _, w := range strings.Fields(s) {
		ps := splitWord(w, width)
		for i, p := range ps {
			words = append(words, piece{p, i < len(ps)-1})
		}
	}
	if len(words) == 0 {
		return []string{""}
	}
	var lines []string
	cur := words[0].s
	for i, w := range words[1:] {
		if words[i].cut || len(cur)+1+len(w.s) > width {
			lines = append(lines, cur)
			cur = w.s
			continue
		}
		cur += " " + w.s
	}
	return append(lines, cur)
}

// splitWord cuts a word longer than width into pieces that fit, after a
// '|', ',' or '(' where possible.
func splitWord(w string, width int) []string {
	var out []string
	for len(w) > width {
		cut := strings.LastIndexAny(w[:width], "|,(")
		if cut < 0 {
			cut = width - 1
		}
		out = append(out, w[:cut+1])
		w = w[cut+1:]
	}
	if w != "" {
		out = append(out, w)
	}
	return out
}

// indented wraps text to width with the first line indented by first and
// the others by cont spaces.
func indented(text string, width, first, cont int) []string {
	var out []string
	lines := WrapStrict(text, width-first)
	out = append(out, strings.Repeat(" ", first)+lines[0])
	if len(lines) > 1 {
		// The rest is wrapped again from the text itself, not from the
		// lines joined with spaces: where the first line ends inside a
		// cut word, the word goes on, with no space put into it
		// ("TIF_SIGPE" "NDING", not "TIF_SIGPE NDIN G").
		rest := strings.TrimPrefix(strings.Join(strings.Fields(text), " "), lines[0])
		for _, l := range WrapStrict(rest, width-cont) {
			out = append(out, strings.Repeat(" ", cont)+l)
		}
	}
	return out
}

// cellLine is one line of a step's cell and whether it is coloured.
type cellLine struct {
	text  string
	color string
}

// cell is the text one step puts in its column of width w: the label, its
// effects under it, its marks; continuation lines indented.
func cell(st *Step, w int) []cellLine {
	label := st.Label
	if label == "" {
		label = "(step)"
	}
	var out []cellLine
	labelColor := ""
	if len(st.Marks) > 0 {
		labelColor = colorStep
	}
	for _, l := range indented(label, w, 0, contIndent) {
		out = append(out, cellLine{l, labelColor})
	}
	for _, e := range st.Effects {
		for _, l := range indented(e, w, effectIndent, effectIndent+contIndent) {
			out = append(out, cellLine{l, ""})
		}
	}
	for _, p := range st.Marks {
		for _, l := range indented("=> violates "+p, w, effectIndent, effectIndent+contIndent) {
			out = append(out, cellLine{l, colorMark})
		}
	}
	return out
}

// naturalWidth is the width a step's cell wants: its longest line
// unwrapped, at most Wrap.
func naturalWidth(st *Step) int {
	n := min(len(st.Label), Wrap)
	for _, e := range st.Effects {
		n = max(n, min(effectIndent+len(e), Wrap))
	}
	for _, p := range st.Marks {
		n = max(n, effectIndent+len("=> violates "+p))
	}
	return n
}

// Columns returns the actors that take part in the race (that make at
// least one step), in actor order.
func (r *Race) Columns() []int {
	used := make([]bool, len(r.Actors))
	for _, st := range r.Steps {
		used[st.Actor] = true
	}
	var cols []int
	for a, u := range used {
		if u {
			cols = append(cols, a)
		}
	}
	return cols
}

// width is the width every line of the drawing fits.
func (r *Race) width() int {
	if r.Width > 0 {
		return r.Width
	}
	return WidthFor(len(r.Columns()))
}

// fitColumns gives each column a width: what it wants if everything fits
// in avail, else the room shared out, the narrow columns first keeping
// what they want.
func fitColumns(want []int, avail int) []int {
	n := len(want)
	got := make([]int, n)
	budget := avail - Gap*(n-1)
	total := 0
	for _, w := range want {
		total += w
	}
	if total <= budget {
		copy(got, want)
		return got
	}
	done := make([]bool, n)
	for left := n; left > 0; left-- {
		// The narrowest column not yet placed.
		k := -1
		for i := range want {
			if !done[i] && (k < 0 || want[i] < want[k]) {
				k = i
			}
		}
		got[k] = max(min(want[k], budget/left), minColumn)
		budget -= got[k]
		done[k] = true
	}
	return got
}

// bestSplit shares the room of two columns so that the drawing has the
// fewest lines (the wrapping of each cell depends on its column's width),
// the more even split on a tie.
func (r *Race) bestSplit(colOf []int, want []int, avail int) []int {
	budget := avail - Gap
	best, bestLines := []int{budget / 2, budget - budget/2}, -1
	for w0 := minColumn; w0 <= budget-minColumn; w0++ {
		w := []int{min(w0, want[0]), min(budget-w0, want[1])}
		lines := 0
		for i := range r.Steps {
			lines += len(cell(&r.Steps[i], w[colOf[r.Steps[i].Actor]]))
		}
		even := func(x []int) int { return max(x[0]-x[1], x[1]-x[0]) }
		if bestLines < 0 || lines < bestLines || (lines == bestLines && even(w) < even(best)) {
			best, bestLines = w, lines
		}
	}
	return best
}

// WriteDiagram draws the race: a header naming each column "CPUn (ACTOR)",
// then each step in its actor's column, its effects under it, wrapped so
// that every line fits the race's Width (by default 75 columns for one or
// two CPUs). Every line starts with prefix and a space; no line has
// trailing blanks.
func (r *Race) WriteDiagram(w io.Writer, prefix string) error {
	var b strings.Builder
	line := func(s string) {
		b.WriteString(strings.TrimRight(prefix+" "+s, " "))
		b.WriteByte('\n')
	}
	avail := r.width() - len(prefix) - 1
	for _, p := range r.Start {
		for _, l := range indented("(initial state) => violates "+p, avail, 0, contIndent) {
			line(Paint(r.Color, colorMark, l))
		}
	}
	cols := r.Columns()
	if len(cols) == 0 {
		line("(no step: the state after the prelude)")
		_, err := io.WriteString(w, b.String())
		return err
	}
	colOf := make([]int, len(r.Actors))
	headers := make([]string, len(cols))
	want := make([]int, len(cols))
	for i, a := range cols {
		colOf[a] = i
		headers[i] = fmt.Sprintf("CPU%d (%s)", i, r.Actors[a])
		want[i] = len(headers[i])
	}
	for i := range r.Steps {
		c := colOf[r.Steps[i].Actor]
		want[c] = max(want[c], naturalWidth(&r.Steps[i]))
	}
	width := fitColumns(want, avail)
	if len(cols) == 2 && width[0]+width[1] < want[0]+want[1] {
		width = r.bestSplit(colOf, want, avail)
	}
	offset := make([]int, len(cols))
	for i := 1; i < len(cols); i++ {
		offset[i] = offset[i-1] + width[i-1] + Gap
	}
	var hdr strings.Builder
	for i, h := range headers {
		hdr.WriteString(strings.Repeat(" ", max(offset[i]-hdr.Len(), 1)*min(i, 1)))
		hdr.WriteString(h)
	}
	line(hdr.String())
	for i := range r.Steps {
		c := colOf[r.Steps[i].Actor]
		pad := strings.Repeat(" ", offset[c])
		for _, l := range cell(&r.Steps[i], width[c]) {
			text := strings.TrimLeft(l.text, " ")
			ind := l.text[:len(l.text)-len(text)]
			line(pad + ind + Paint(r.Color && l.color != "", l.color, text))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteFinal writes the final state of each task, indented by prefix and
// wrapped to the race's width.
func (r *Race) WriteFinal(w io.Writer, prefix string) error {
	var b strings.Builder
	b.WriteString(prefix + " final state:\n")
	for _, l := range r.Final {
		for _, x := range indented(l, r.width()-len(prefix), 3, 5) {
			b.WriteString(prefix + x + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Write draws the race and then the final state of each task.
func (r *Race) Write(w io.Writer, prefix string) error {
	if err := r.WriteDiagram(w, prefix); err != nil {
		return err
	}
	return r.WriteFinal(w, prefix)
}

// Schedule is the trace as schedule tokens, one per step (the actor's
// name, and the outcome where a step has several: "S:T2"): the argument of
// `jobctl run --schedule` and of a scenario's "schedule" line.
func (r *Race) Schedule() string {
	names := make([]string, len(r.Steps))
	for i, st := range r.Steps {
		names[i] = st.Token
		if names[i] == "" {
			names[i] = r.Actors[st.Actor]
		}
	}
	return strings.Join(names, " ")
}

func exitStateName(es uint8) string {
	switch es {
	case 0:
		return "0"
	case model.EXIT_ZOMBIE:
		return "EXIT_ZOMBIE"
	case model.EXIT_DEAD:
		return "EXIT_DEAD"
	}
	return fmt.Sprintf("%#x", es)
}

func exitHow(T *model.Task) string {
	switch T.ExitKind {
	case model.ExitExited:
		return fmt.Sprintf(" (exited with %d)", T.ExitVal)
	case model.ExitKilled:
		return " (killed by " + scenario.SigName(int(T.ExitVal)) + ")"
	}
	return ""
}
