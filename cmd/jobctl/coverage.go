package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"

	"jobctl/checker"
	"jobctl/model"
	"jobctl/scenario"
	"jobctl/variants"
)

var cmdCoverage = &command{
	name:    "coverage",
	summary: "which of the model's steps and branches the scenarios reach",
	usage:   "  jobctl coverage [SCENARIO ...] [--variant V[,V...]|all] [--max-states N] [--json]",
	help: `
Checks each scenario (default: the built-in corpus) under the design
(default mainline; a list, or all: their union) and reports which of the
model's coverage points the checks reached, the way TLC's -coverage counts
actions — per kernel function, covered of total, then every point not
reached. The points are known before anything runs:
  step      an atomic step of a kernel function (the label a trace shows)
  modifier  what a step adds to its label (it did not block, it took the
            rtlock it waited for, ...)
  branch    a decision inside a kernel function: where the task goes next,
            whether a wakeup or a signal lands
A point of a function only some designs have (the old freezer's, the
≤ v5.18 ptrace_stop()'s) is reached only under those designs.

Flags:
  --variant V       the design(s): a name, a list (v6.1,mainline) or all
  --max-states N    bound of each check (default 5000000; an incomplete
                    check counts what it reached)
  --json            one object: scenarios, variants, covered, total,
                    functions [{function, covered, total, points [{kind,
                    name, covered}]}]
`,
	run: runCoverage,
}

type covPointJSON struct {
	Kind    string `json:"kind"`
	Name    string `json:"name"`
	Covered bool   `json:"covered"`
}

type covFuncJSON struct {
	Function string         `json:"function"`
	Covered  int            `json:"covered"`
	Total    int            `json:"total"`
	Points   []covPointJSON `json:"points"`
}

type covJSON struct {
	Scenarios  int           `json:"scenarios"`
	Variants   []string      `json:"variants"`
	Covered    int           `json:"covered"`
	Total      int           `json:"total"`
	Incomplete []string      `json:"incomplete"`
	Functions  []covFuncJSON `json:"functions"`
}

func runCoverage(args []string, stdout, stderr io.Writer) (int, error) {
	fs := newFlags("coverage")
	variant := fs.String("variant", "mainline", "")
	maxStates := fs.Int("max-states", 5_000_000, "")
	asJSON := fs.Bool("json", false, "")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return exitUsage, err
	}
	if *maxStates < 1 {
		return exitUsage, usagef("--max-states wants a positive number, got %d", *maxStates)
	}
	vs, err := variantList(*variant)
	if err != nil {
		return exitUsage, err
	}
	var scs []*scenario.Scenario
	if len(pos) == 0 {
		if scs, err = builtin(); err != nil {
			return exitUsage, err
		}
	}
	for _, a := range pos {
		sc, err := loadScenario(a)
		if err != nil {
			return exitUsage, err
		}
		scs = append(scs, sc)
	}
	cov := model.NewCoverage(nil)
	var incomplete []string
	code := exitOK
	for _, sc := range scs {
		p, err := compile(sc)
		if err != nil {
			return exitUsage, err
		}
		for _, v := range vs {
			m := model.NewMachine(v.Kernel(sc.RT), p)
			r, err := checker.Check(m, checker.Options{MaxStates: *maxStates, MaxMemory: defaultMaxMemory(4 << 30), Coverage: true})
			if err != nil {
				return exitUsage, &inputError{fmt.Errorf("%s under %s: %v", scenarioName(sc), v.Name, err)}
			}
			cov.Merge(r.Coverage)
			if r.Incomplete != "" {
				incomplete = append(incomplete, fmt.Sprintf("%s under %s: %s", scenarioName(sc), v.Name, r.Incomplete))
				code = exitIncomplete
			}
		}
	}
	if u := cov.Unregistered(); len(u) > 0 {
		fmt.Fprintf(stderr, "jobctl coverage: internal error: steps set labels that are no coverage point (go generate ./model): %q\n", u)
		code = exitInternal
	}
	rep := coverageOf(cov, len(scs), vs, incomplete)
	if *asJSON {
		b, _ := json.MarshalIndent(rep, "", "  ")
		fmt.Fprintln(stdout, string(b))
		return code, nil
	}
	writeCoverage(stdout, rep)
	return code, nil
}

// coverageOf groups the points by function, functions sorted by name.
func coverageOf(cov *model.Coverage, scenarios int, vs []*variants.Variant, incomplete []string) covJSON {
	rep := covJSON{Scenarios: scenarios, Total: len(model.Points()), Incomplete: incomplete}
	if rep.Incomplete == nil {
		rep.Incomplete = []string{}
	}
	for _, v := range vs {
		rep.Variants = append(rep.Variants, v.Name)
	}
	byFunc := map[string]*covFuncJSON{}
	for i, p := range model.Points() {
		f := byFunc[p.Func]
		if f == nil {
			f = &covFuncJSON{Function: p.Func}
			byFunc[p.Func] = f
		}
		c := cov.Covered(model.Point(i))
		f.Points = append(f.Points, covPointJSON{Kind: p.Kind.String(), Name: p.Name, Covered: c})
		f.Total++
		if c {
			f.Covered++
			rep.Covered++
		}
	}
	for _, f := range byFunc {
		rep.Functions = append(rep.Functions, *f)
	}
	sort.Slice(rep.Functions, func(i, j int) bool { return rep.Functions[i].Function < rep.Functions[j].Function })
	return rep
}

func writeCoverage(w io.Writer, rep covJSON) {
	kinds := map[string][2]int{}
	for _, f := range rep.Functions {
		for _, p := range f.Points {
			k := kinds[p.Kind]
			k[1]++
			if p.Covered {
				k[0]++
			}
			kinds[p.Kind] = k
		}
	}
	fmt.Fprintf(w, "coverage of %d scenario(s) under %s: %d of %d points (%d%%): steps %d/%d, modifiers %d/%d, branches %d/%d\n\n",
		rep.Scenarios, joinNames(rep.Variants), rep.Covered, rep.Total, 100*rep.Covered/max(rep.Total, 1),
		kinds["step"][0], kinds["step"][1], kinds["modifier"][0], kinds["modifier"][1], kinds["branch"][0], kinds["branch"][1])
	fmt.Fprintf(w, "%-30s %8s\n", "function", "covered")
	for _, f := range rep.Functions {
		fmt.Fprintf(w, "%-30s %4d/%-3d\n", f.Function, f.Covered, f.Total)
	}
	n := rep.Total - rep.Covered
	fmt.Fprintf(w, "\nnot covered (%d):\n", n)
	for _, f := range rep.Functions {
		for _, p := range f.Points {
			if !p.Covered {
				fmt.Fprintf(w, "  %-28s %-8s %s\n", f.Function, p.Kind, p.Name)
			}
		}
	}
	for _, s := range rep.Incomplete {
		fmt.Fprintf(w, "incomplete: %s\n", s)
	}
}

func joinNames(ns []string) string {
	if len(ns) > 4 {
		return fmt.Sprintf("%d designs", len(ns))
	}
	s := ""
	for i, n := range ns {
		if i > 0 {
			s += ","
		}
		s += n
	}
	return s
}
