package main

import (
	"fmt"
	"io"
	"strings"

	"jobctl/model"
	"jobctl/render"
)

var cmdProps = &command{
	name:    "props",
	summary: "what each property (I1..I14, stuck, final, ...) asserts",
	usage: `  jobctl props [NAME ...]
  jobctl help properties [NAME ...]`,
	help: `
Prints the definition of every property the checker reports (or of the
named ones: I4, stuck, final): what it asserts, when it is checked, and the
kernel rule it stands for. The text is the checker's own table
(model.PropDocTable); docs/PROPERTIES.md adds which designs break each one.
`,
	run: func(args []string, stdout, stderr io.Writer) (int, error) {
		fs := newFlags("props")
		pos, err := parseFlags(fs, args)
		if err != nil {
			return exitUsage, err
		}
		return writeProps(stdout, pos)
	},
}

// writeProps prints the definitions of the named properties (all when
// names is empty), each wrapped to fit 75 columns.
func writeProps(w io.Writer, names []string) (int, error) {
	table := model.PropDocTable()
	var sel []model.PropDoc
	if len(names) == 0 {
		sel = table
	}
	for _, n := range names {
		found := false
		for _, d := range table {
			if strings.EqualFold(d.Name, n) {
				sel = append(sel, d)
				found = true
				break
			}
		}
		if !found {
			var all []string
			for _, d := range table {
				all = append(all, d.Name)
			}
			return exitUsage, usagef("unknown property %q (want one of: %s)", n, strings.Join(all, ", "))
		}
	}
	var b strings.Builder
	for i, d := range sel {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%s: %s\n", d.Name, d.Title)
		para := func(label, text string) {
			first, rest := render.WrapStrict(label+text, 71), []string(nil)
			if len(first) > 1 {
				rest = render.WrapStrict(strings.Join(first[1:], " "), 69)
			}
			b.WriteString("    " + first[0] + "\n")
			for _, l := range rest {
				b.WriteString("      " + l + "\n")
			}
		}
		para("", d.Statement+".")
		para("Checked: ", d.When+".")
		para("Asserts: ", d.Asserts)
		para("Kernel rule: ", d.Rule)
	}
	io.WriteString(w, b.String())
	return exitOK, nil
}
