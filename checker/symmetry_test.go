package checker

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"jobctl/model"
	"jobctl/scenario"
	"jobctl/variants"
)

// summary is what thread symmetry must keep of a check: the verdict, the
// violated properties with the length of each shortest trace, and the set
// of outcomes (not their counts).
func summary(r *Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "verdict %s incomplete %q\n", r.Verdict, r.Incomplete)
	for _, f := range r.Violations {
		fmt.Fprintf(&b, "violation %s, %d steps\n", f.Property, len(f.Trace))
	}
	var outs []string
	for _, o := range r.Outcomes {
		outs = append(outs, o.Text)
	}
	sort.Strings(outs)
	for _, o := range outs {
		fmt.Fprintf(&b, "outcome %s\n", o)
	}
	return b.String()
}

// checkRealTraces replays every trace of a reduced check in the unreduced
// model: each must run, a violation's must end in a state that violates
// its property (for the built-in properties), an outcome's in a state
// with that outcome.
func checkRealTraces(t *testing.T, name string, m *model.Machine, r *Result) {
	t.Helper()
	for _, f := range r.Violations {
		if len(f.Trace) == 0 {
			continue
		}
		states, _, err := Replay(m, f.Trace)
		if err != nil {
			t.Errorf("%s: %s: the trace does not replay: %v", name, f.Property, err)
			continue
		}
		if p, ok := model.ParseProp(f.Property); ok {
			last := &states[len(states)-1]
			if m.Explain(last, p) != f.Message {
				t.Errorf("%s: %s: message %q, the replayed state explains %q", name, f.Property, f.Message, m.Explain(last, p))
			}
		}
	}
	for _, o := range r.Outcomes {
		states, _, err := Replay(m, o.Trace)
		if err != nil {
			t.Errorf("%s: outcome %q: the trace does not replay: %v", name, o.Text, err)
			continue
		}
		if got := m.Outcome(&states[len(states)-1]); got != o.Text {
			t.Errorf("%s: outcome %q: the trace ends in %q", name, o.Text, got)
		}
	}
}

// TestSymmetryCorpus: on every built-in scenario × design where thread
// symmetry applies, --symmetry gives the verdicts, violated properties,
// shortest-trace lengths and outcome sets of the full search, with real
// traces; and it applies (with fewer states) at least to the scaling
// family.
func TestSymmetryCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped under -short: checks every built-in scenario under every design (./test.sh runs it)")
	}
	all, err := scenario.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	// Two more with checks that fail: traces of violations, and
	// outcomes that tell the threads apart (the fallback).
	for _, x := range symExtra {
		sc, err := scenario.Parse(x.name+".jc", []byte(x.src))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, sc)
	}
	fellBack := false
	applied := map[string]bool{}
	reduced := false
	for _, sc := range all {
		p, err := model.Compile(sc)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(sc.Name, "builtin:")
		if !model.NewSymmetry(p).Applies() {
			continue
		}
		applied[name] = true
		for _, v := range variants.All() {
			m := model.NewMachine(v.Kernel(sc.RT), p)
			full, err := Check(m, Options{})
			if err != nil {
				t.Fatal(err)
			}
			sym, err := Check(m, Options{Symmetry: true})
			if err != nil {
				t.Fatalf("%s under %s: %v", name, v.Name, err)
			}
			cell := name + " under " + v.Name
			if a, b := summary(full), summary(sym); a != b {
				t.Errorf("%s: without symmetry:\n%swith:\n%s", cell, a, b)
			}
			if !sym.Symmetry {
				fellBack = true
				if !strings.HasPrefix(sym.SymmetryNote, "symmetry not used") || sym.States != full.States {
					t.Errorf("%s: not reduced (%s), %d states against %d", cell, sym.SymmetryNote, sym.States, full.States)
				}
				continue
			}
			if sym.States > full.States {
				t.Errorf("%s: %d states with symmetry, %d without", cell, sym.States, full.States)
			}
			reduced = reduced || sym.States < full.States
			checkRealTraces(t, cell, m, sym)
		}
	}
	var names []string
	for n := range applied {
		names = append(names, n)
	}
	sort.Strings(names)
	t.Logf("symmetry applies to: %s", strings.Join(names, ", "))
	for _, want := range []string{"scale-gstop-3t", "scale-gstop-4t"} {
		if !applied[want] {
			t.Errorf("symmetry does not apply to %s", want)
		}
	}
	if !reduced {
		t.Error("symmetry reduced no check")
	}
	if !fellBack {
		t.Error("no check fell back to the full search")
	}
}

var symExtra = []struct{ name, src string }{
	// final and always fail; the outcomes are symmetric.
	{"sym-failing-checks", `actor S F W
process G threads G1 G2 G3 parent W
S: kill G SIGSTOP
S: kill G SIGCONT
F: freeze G
F: thaw G
final G2.state=T G3.state=T
always G2.state!=T G3.state!=T
`},
	// stuck, final and always fail; some outcomes tell G2 from G3
	// (one asleep, one stopped), so symmetry falls back.
	{"sym-fallback", `actor S F W L
process G threads G1 G2 G3 parent W
G2: sleep
G3: sleep
F: freeze G
S: kill G SIGSTOP
L: lock tasklist
final G1.state=T G2.state=T G3.state=T
always G2.state!=D G3.state!=D
`},
}

// TestSymmetryQuotient: the reduced search finds exactly the canonical
// forms of the states the full search finds (a breadth-first search over
// whole states, written out here), for scale-gstop-3t and 4t — no state
// is lost and none is added.
func TestSymmetryQuotient(t *testing.T) {
	for _, n := range []int{3, 4} {
		m, init := scaleMachine(t, n)
		p := m.P
		y := model.NewSymmetry(p)
		seen := map[model.State]bool{init: true}
		canon := map[model.State]bool{}
		frontier := []model.State{init}
		for len(frontier) > 0 {
			var next []model.State
			for _, s := range frontier {
				c := s
				y.Canon(p, &c)
				d := c
				if y.Canon(p, &d) {
					t.Fatalf("%dt: Canon is not idempotent", n)
				}
				canon[c] = true
				for _, mv := range Enabled(m, &s) {
					u := s
					m.Step(&u, mv)
					if !seen[u] {
						seen[u] = true
						next = append(next, u)
					}
				}
			}
			frontier = next
		}
		r, err := Check(m, Options{Symmetry: true, Exact: true})
		if err != nil {
			t.Fatal(err)
		}
		if !r.Symmetry || r.States != len(canon) {
			t.Errorf("%dt: the reduced search has %d states (symmetry %v), the full one %d with %d canonical forms", n, r.States, r.Symmetry, len(seen), len(canon))
		}
		t.Logf("%dt: %d states, %d canonical forms", n, len(seen), len(canon))
	}
}

// TestSymmetryWorkers: with symmetry, the result is the same at any
// number of workers.
func TestSymmetryWorkers(t *testing.T) {
	m, _ := scaleMachine(t, 4)
	var want *Result
	for _, w := range []int{1, 2, 3} {
		r, err := Check(m, Options{Symmetry: true, Workers: w})
		if err != nil {
			t.Fatal(err)
		}
		r.Elapsed, r.Memory = 0, 0
		if want == nil {
			want = r
			continue
		}
		if !reflect.DeepEqual(r, want) {
			t.Errorf("workers %d: %+v, workers 1: %+v", w, r, want)
		}
	}
}
