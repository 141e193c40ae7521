package main

import (
	"fmt"
	"io"
	"strings"

	"jobctl/variants"
)

var cmdScenarios = &command{
	name:    "scenarios",
	summary: "list the built-in scenarios, or show one's source",
	usage: `  jobctl scenarios
  jobctl scenarios --show NAME`,
	help: `
Lists the scenarios built into jobctl (scenario/corpus), one per line: its
name and title. With --show, prints the source text of one (a built-in
name or unique prefix such as R1, or a file).
`,
	run: func(args []string, stdout, stderr io.Writer) (int, error) {
		var show string
		fs := newFlags("scenarios")
		fs.StringVar(&show, "show", "", "")
		pos, err := parseFlags(fs, args)
		if err != nil {
			return exitUsage, err
		}
		if len(pos) > 0 {
			return exitUsage, usagef("unexpected argument %q (to show a scenario: --show NAME)", pos[0])
		}
		if show != "" {
			sc, err := loadScenario(show)
			if err != nil {
				return exitUsage, err
			}
			io.WriteString(stdout, sc.Text)
			if !strings.HasSuffix(sc.Text, "\n") {
				io.WriteString(stdout, "\n")
			}
			return exitOK, nil
		}
		all, err := builtin()
		if err != nil {
			return exitUsage, err
		}
		w := 0
		for _, sc := range all {
			w = max(w, len(scenarioName(sc)))
		}
		var b strings.Builder
		for _, sc := range all {
			fmt.Fprintf(&b, "%s\n", strings.TrimRight(fmt.Sprintf("%-*s  %s", w, scenarioName(sc), sc.Title), " "))
		}
		io.WriteString(stdout, b.String())
		return exitOK, nil
	},
}

var cmdVariants = &command{
	name:    "variants",
	summary: "list the kernel designs, diff two, or write a new one",
	usage: `  jobctl variants
  jobctl variants --diff A B
  jobctl variants new NAME [--base DESIGN] [--hook FIELD ...] [--dir ROOT]`,
	help: `
Lists the kernel designs the model implements (docs/DESIGNS.md), oldest
first: the name to pass to --variant, the short id, and a summary. With
--diff, the kernel functions and constants in which designs A and B differ
(names or short ids).

'variants new NAME' writes variants/NAME.go (with underscores for NAME's
dashes and dots: forgets-stopped goes to variants/forgets_stopped.go) in
the clone of jobctl around the working directory (or --dir ROOT): a design
that derives from --base (default mainline) and registers itself, with a
stub for each kernel function named by --hook (a field of model.Kernel:
SetStopped, CompleteSignal, DoSignalStop, ...; repeat it or separate with
commas) that calls the base design's own, ready for the patch. 'go run
./cmd/jobctl check --variant NAME' then checks it. docs/PATCH.md walks
through it.
`,
	run: func(args []string, stdout, stderr io.Writer) (int, error) {
		if len(args) > 0 && args[0] == "new" {
			return runVariantsNew(args[1:], stdout)
		}
		var diff bool
		fs := newFlags("variants")
		fs.BoolVar(&diff, "diff", false, "")
		pos, err := parseFlags(fs, args)
		if err != nil {
			return exitUsage, err
		}
		var b strings.Builder
		if diff {
			if len(pos) != 2 {
				return exitUsage, usagef("--diff wants two variants, got %d", len(pos))
			}
			a, err := getVariant(pos[0])
			if err != nil {
				return exitUsage, err
			}
			c, err := getVariant(pos[1])
			if err != nil {
				return exitUsage, err
			}
			d := variants.Diff(a, c)
			named := func(v *variants.Variant) string {
				if v.ID == "" {
					return v.Name
				}
				return v.Name + " (" + v.ID + ")"
			}
			fmt.Fprintf(&b, "%s vs %s: %s\n", named(a), named(c), plural(len(d), "difference"))
			for _, l := range d {
				b.WriteString(l + "\n")
			}
			io.WriteString(stdout, b.String())
			return exitOK, nil
		}
		if len(pos) > 0 {
			return exitUsage, usagef("unexpected argument %q (to compare two variants: --diff A B)", pos[0])
		}
		nw, iw := 0, 0
		for _, v := range variants.All() {
			nw = max(nw, len(v.Name))
			iw = max(iw, len(v.ID))
		}
		for _, v := range variants.All() {
			fmt.Fprintf(&b, "%-*s  %-*s  %s\n", nw, v.Name, iw, v.ID, v.Summary)
		}
		io.WriteString(stdout, b.String())
		return exitOK, nil
	},
}
