package graph

import (
	"bytes"
	"errors"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"jobctl/checker"
	"jobctl/internal/jctest"
	"jobctl/model"
	"jobctl/scenario"
)

func machine(t *testing.T, name, variant string) *model.Machine {
	t.Helper()
	all, err := scenario.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range all {
		if strings.TrimPrefix(sc.Name, "builtin:") == name {
			return jctest.Machine(t, sc, jctest.Kernel(t, variant, sc.RT))
		}
	}
	t.Fatalf("no scenario %s", name)
	return nil
}

// The graph holds exactly the states, steps and terminal states the
// checker counts, and its red marks are the properties the checker finds.
func TestGraphAgreesWithChecker(t *testing.T) {
	for _, c := range []struct{ scenario, variant string }{
		{"R1-kill-frozen-stopped", "peterz-v2"}, {"R1-kill-frozen-stopped", "mainline"},
		{"R11-rt-thaw-unfrozen-tracee", "v6.1"}, {"gstop-mt-sleeping-thread", "v5.18"},
	} {
		m := machine(t, c.scenario, c.variant)
		g, err := Build(m, 0)
		if err != nil {
			t.Fatal(err)
		}
		res, err := checker.Check(m, checker.Options{Exact: true, Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		terminal := 0
		marks := map[string]bool{}
		for _, n := range g.Nodes {
			if n.Terminal {
				terminal++
			}
			for _, p := range n.Bad {
				marks[p] = true
			}
		}
		for _, e := range g.Edges {
			for _, p := range e.Bad {
				marks[p] = true
			}
		}
		if len(g.Nodes) != res.States || len(g.Edges) != res.Transitions || terminal != res.Terminal {
			t.Errorf("%s under %s: graph %d states, %d steps, %d terminal; checker %d, %d, %d",
				c.scenario, c.variant, len(g.Nodes), len(g.Edges), terminal, res.States, res.Transitions, res.Terminal)
		}
		for _, v := range res.Violations {
			if v.Property != "sometimes" && v.Property != "always" && !marks[v.Property] {
				t.Errorf("%s under %s: the checker finds %s, the graph marks no state or step with it", c.scenario, c.variant, v.Property)
			}
		}
		if res.Verdict == checker.Pass && len(marks) > 0 {
			t.Errorf("%s under %s passes, but the graph marks %v", c.scenario, c.variant, marks)
		}
		labels := map[string]int{}
		for i := range g.Nodes {
			l := strings.Join(g.Label(i), "\n")
			if j, ok := labels[l]; ok {
				t.Errorf("%s: states %d and %d have the same label %q", c.scenario, j, i, l)
			}
			labels[l] = i
		}
	}
}

func TestTooLarge(t *testing.T) {
	_, err := Build(machine(t, "R1-kill-frozen-stopped", "mainline"), 5)
	var tl *ErrTooLarge
	if !errors.As(err, &tl) || tl.Limit != 5 || !strings.Contains(err.Error(), "more than 5 reachable states") {
		t.Errorf("a bound of 5: %v", err)
	}
}

func TestDot(t *testing.T) {
	g, err := Build(machine(t, "R1-kill-frozen-stopped", "peterz-v2"), 0)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := g.WriteDot(&b, `R1 "under" peterz-v2`); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.HasPrefix(out, `digraph "R1 \"under\" peterz-v2" {`) || len(regexp.MustCompile(`(?m)^  s\d+ -> s\d+ \[`).FindAllString(out, -1)) != len(g.Edges) {
		t.Errorf("dot: %.200s", out)
	}
	dot, err := exec.LookPath("dot")
	if err != nil {
		t.Skipf("Graphviz's dot is not installed (%v): the dot text is not rendered", err)
	}
	cmd := exec.Command(dot, "-Tsvg")
	cmd.Stdin = strings.NewReader(out)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	svg, err := cmd.Output()
	if err != nil || !bytes.Contains(svg, []byte("<svg")) {
		t.Errorf("dot -Tsvg: %v: %s", err, stderr.String())
	}
}
