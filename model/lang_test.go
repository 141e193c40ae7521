package model

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"jobctl/scenario"
)

// The keys the model encodes are the scenario language's, in its order.
func TestKeysAreTheLanguages(t *testing.T) {
	if !slices.Equal(keyNames[:], scenario.ObserveKeys) {
		t.Errorf("model keys %q, scenario.ObserveKeys %q", keyNames, scenario.ObserveKeys)
	}
	if !slices.Equal(keyNames[:KeyFreezer], scenario.ThreadKeys) || !slices.Equal(keyNames[KeyFreezer:], scenario.ProcessKeys) {
		t.Errorf("model keys %q, ThreadKeys %q, ProcessKeys %q", keyNames, scenario.ThreadKeys, scenario.ProcessKeys)
	}
}

// Every value the model prints for a key is in that key's domain, so that
// the parser accepts every value the model can produce: the final keys
// and each key recorded mid-script, over every state of a walk through
// scenarios that reach every wchan the model has (but RT's).
func TestValuesInDomains(t *testing.T) {
	srcs := []string{
		srcStopped + "init F: freeze T\nS: kill T SIGKILL\nF: thaw T\nW: wait T\nP: observe T state exit ran tracer pending sigpnd shdpnd wchan freezer\n",
		srcOne + "P: seize T\nP: interrupt T\nP: wait T\nP: listen T\nS: kill T SIGSTOP\nF: freeze T\nF: thaw T\n",
		srcTwo + "T2: sleep\nS: kill P SIGSTOP\nS: kill P SIGCONT\nF: freeze P\nF: observe T2 wchan\nF: thaw P\nW: wait T2 WUNTRACED|WCONTINUED\n",
		srcOne + "F: freeze T v2\nF: observe T wchan frozen freezer\nF: thaw T v2\nS: kill T SIGSTOP\nW: waitid T WSTOPPED|WEXITED\nP: wait any WNOHANG\n",
	}
	seen := map[string]bool{}
	for _, src := range srcs {
		m := NewMachine(Mainline(), compile(t, src))
		var actors []string
		for _, a := range m.P.Actors[:m.P.NOutside] {
			actors = append(actors, a.Name)
		}
		s, err := m.Initial()
		if err != nil {
			t.Fatal(err)
		}
		// Breadth-first over every state (the scenarios are small).
		queue, visited := []State{s}, map[State]bool{s: true}
		for len(queue) > 0 {
			s := queue[0]
			queue = queue[1:]
			for _, o := range m.Observe(&s) {
				key := o.Key[strings.LastIndexAny(o.Key, ".")+1:]
				if strings.Contains(o.Key, "#") && !strings.Contains(o.Key, ".") {
					continue // an op's own result: ResultDomain, below
				}
				d, ok := scenario.KeyDomain(key, actors)
				if strings.Contains(o.Key, "#") {
					d, ok = scenario.KeyResultDomain(key, actors)
				}
				if !ok {
					t.Fatalf("%s: no domain for %q", o.Key, key)
				}
				if ok, _ := d.Check(o.Value); !ok {
					t.Errorf("%s=%s is outside its domain %s", o.Key, o.Value, d.Forms)
				}
				if key == "wchan" {
					seen[o.Value] = true
				}
			}
			for a := range m.P.Actors[:m.P.NOutside] {
				for i, op := range m.P.Actors[a].Script {
					if len(op.Keys) == 0 {
						v := m.P.ResultText(&s, a, i)
						var threads []string
						for _, td := range m.P.Tasks {
							threads = append(threads, td.Name)
						}
						if ok, _ := scenario.ResultDomain(op.Src, threads).Check(v); !ok {
							t.Errorf("%s#%d (%s) = %s is outside its domain", m.P.Actors[a].Name, i+1, op.Src.String(), v)
						}
					}
				}
			}
			for a := range m.P.Actors {
				next := s
				if _, ok := m.Step(&next, Act(a)); ok && !visited[next] {
					visited[next] = true
					queue = append(queue, next)
				}
			}
		}
	}
	for _, w := range scenario.Wchans {
		if !seen[w] && w != "cgroup_enter_frozen" && w != "cgroup_leave_frozen" {
			t.Errorf("no state shows wchan %s", w)
		}
	}
}

// Every limit of the model is an error at the position that exceeds it,
// naming the limit.
func TestLimits(t *testing.T) {
	many := func(prefix, sep string, n int) string {
		var parts []string
		for i := 1; i <= n; i++ {
			parts = append(parts, fmt.Sprintf("%s%d", prefix, i))
		}
		return strings.Join(parts, sep)
	}
	procs := func(n int) string {
		var b strings.Builder
		for i := 1; i <= n; i++ {
			fmt.Fprintf(&b, "process P%d\n", i)
		}
		return b.String()
	}
	ops := func(actor, op string, n int) string { return strings.Repeat(actor+": "+op+"\n", n) }
	for _, tc := range []struct {
		name, src, want string
	}{
		{"processes", "actor A\n" + procs(MaxProcs+1),
			"test.jc:6:1: a 5th process: the model's limit is 4 processes (MaxProcs)"},
		{"threads", "actor A\nprocess P threads " + many("T", " ", MaxTasks+1) + "\n",
			"test.jc:2:1: thread T9 is the 9th: the model's limit is 8 tracee threads over all processes (MaxTasks)"},
		{"actors", "actor " + many("A", " ", MaxActors+1) + "\nprocess T\n",
			"test.jc:1:31: actor A9 is the 9th: the model's limit is 8 actors besides the tracee threads (MaxActors)"},
		{"ops", "actor A\nprocess T\n" + ops("A", "observe T", MaxOps+1),
			"test.jc:35:4: op 33 of A: the model's limit is 32 ops per actor (MaxOps)"},
		{"thread ops", "actor A\nprocess T\n" + ops("T", "syscall", MaxOps+1),
			"test.jc:35:4: op 33 of T: the model's limit is 32 ops per actor (MaxOps)"},
		{"result slots", "actor " + many("A", " ", 8) + "\nprocess T\n" + func() string {
			var b strings.Builder
			for i := 1; i <= 8; i++ {
				b.WriteString(ops(fmt.Sprintf("A%d", i), "observe T state exit ran tracer pending", 8))
			}
			return b.String()
		}(),
			"test.jc:45:5: with this op's result the scenario needs 258 result slots: the model's limit is 256 result slots over all scripts and the prelude (MaxResults; an op takes one, an observe op one per key and two per signal set)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc, err := scenario.Parse("test.jc", []byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Compile(sc); err == nil || err.Error() != tc.want {
				t.Errorf("error\n got %v\nwant %s", err, tc.want)
			}
		})
	}
	// At the limits, a scenario compiles.
	var b strings.Builder
	b.WriteString("actor " + many("A", " ", MaxActors) + "\n")
	b.WriteString("process P threads " + many("T", " ", MaxTasks-MaxProcs+1) + "\n" + procs(MaxProcs-1))
	b.WriteString(ops("A1", "kill P SIGCONT", MaxOps))
	if _, err := Compile(jparse(t, b.String())); err != nil {
		t.Errorf("at the limits: %v", err)
	}
}

func jparse(t *testing.T, src string) *scenario.Scenario {
	t.Helper()
	sc, err := scenario.Parse("test.jc", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}
