package main

import (
	"io"
	"os"
	"strconv"
	"strings"

	"jobctl/render"
)

// outStyle is how output is drawn for where it goes: the width it fits
// and whether it is coloured.
type outStyle struct {
	width int  // --width N, 0 if not given
	term  int  // the terminal's width (COLUMNS, else the tty's), 0 if unknown
	color bool // ANSI colour: stdout is a terminal and NO_COLOR is not set
}

// newStyle looks at stdout and the environment. A --width below 40 is
// raised to 40.
func newStyle(stdout io.Writer, width int) outStyle {
	st := outStyle{width: width}
	if width > 0 && width < 40 {
		st.width = 40
	}
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		st.term = n
	} else {
		st.term = terminalWidth(stdout)
	}
	st.color = isTerminal(stdout) && os.Getenv("NO_COLOR") == ""
	return st
}

// textWidth is the width prose lines fit: --width, else 75.
func (o outStyle) textWidth() int {
	if o.width > 0 {
		return o.width
	}
	return render.DefaultWidth
}

// raceWidth is the width a race diagram of cols columns fits: --width;
// else 75 for one or two CPUs (a commit message); else the terminal's
// width, else render.WidthFor(cols).
func (o outStyle) raceWidth(cols int) int {
	switch {
	case o.width > 0:
		return o.width
	case cols <= 2:
		return render.DefaultWidth
	case o.term > 0:
		return max(o.term, render.DefaultWidth)
	}
	return render.WidthFor(cols)
}

// tableWidth is the width a table (the matrix) fits: --width, else the
// terminal's width, else 0 (as wide as it is).
func (o outStyle) tableWidth() int {
	if o.width > 0 {
		return o.width
	}
	return o.term
}

// ANSI colours.
const (
	ansiGreen  = "\x1b[32m"
	ansiRed    = "\x1b[31m"
	ansiBold   = "\x1b[1m"
	ansiBadRed = "\x1b[1;31m"
	ansiYellow = "\x1b[33m"
)

// paint colours s when the style has colour.
func (o outStyle) paint(color, s string) string { return render.Paint(o.color, color, s) }

// wrapLine appends line to b wrapped at width: the continuation lines are
// indented by the line's own indentation plus cont.
func wrapLine(b *strings.Builder, line string, width, cont int) {
	text := strings.TrimLeft(line, " ")
	ind := len(line) - len(text)
	if len(line) <= width || text == "" {
		b.WriteString(line + "\n")
		return
	}
	parts := wrapSoft(text, width-ind)
	b.WriteString(line[:ind] + parts[0] + "\n")
	if len(parts) > 1 {
		pad := strings.Repeat(" ", ind+cont)
		for _, l := range wrapSoft(strings.Join(parts[1:], " "), width-ind-cont) {
			b.WriteString(pad + l + "\n")
		}
	}
}

// wrapSoft breaks s at spaces into lines of at most width bytes; a word
// longer than that (a file name) is never cut: it gets a line of its own.
func wrapSoft(s string, width int) []string {
	words := strings.Fields(s)
	if len(words) == 0 {
		return []string{""}
	}
	var lines []string
	cur := words[0]
	for _, w := range words[1:] {
		if len(cur)+1+len(w) > width {
			lines = append(lines, cur)
			cur = w
			continue
		}
		cur += " " + w
	}
	return append(lines, cur)
}

// wrapAll wraps every line of text at width (continuations indented by cont).
func wrapAll(text string, width, cont int) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(text, "\n") {
		if l == "" {
			continue
		}
		wrapLine(&b, strings.TrimSuffix(l, "\n"), width, cont)
	}
	if !strings.HasSuffix(text, "\n") {
		return strings.TrimSuffix(b.String(), "\n")
	}
	return b.String()
}
