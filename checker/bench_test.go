package checker

// Benchmarks of the explorer. Run (see docs/PERFORMANCE.md):
//
//	go test -run=NONE -bench=. -benchmem ./checker
//
// and with the larger members of the scaling family (5, 6, 7 threads:
// seconds to minutes each, so not by default), with thread symmetry or
// without:
//
//	go test -run=NONE -bench=Check/scale -benchtime=1x ./checker -threads=7 [-symmetry]

import (
	"flag"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"testing"

	"jobctl/model"
	"jobctl/scenario"
)

// threads is the largest scale-gstop-Nt of BenchmarkCheck (the corpus has
// 2 to 4; 5 and more are written inline).
var threads = flag.Int("threads", 4, "BenchmarkCheck: check scale-gstop-Nt up to this many threads")

// symmetry runs BenchmarkCheck's checks with Options.Symmetry.
var symmetry = flag.Bool("symmetry", false, "BenchmarkCheck: check with thread symmetry (Options.Symmetry)")

// benchScenario is a scenario with its state count under mainline.
type benchScenario struct {
	name   string
	m      *model.Machine
	states int
}

// scaleFallback is the scale-gstop-Nt family inline, for a corpus that
// does not have it: n threads, SIGSTOP then SIGCONT, freeze then thaw.
func scaleFallback(n int) string {
	threads := ""
	for i := 1; i <= n; i++ {
		threads += fmt.Sprintf(" G%d", i)
	}
	return "actor S F W\nprocess G threads" + threads + " parent W\n" +
		"S: kill G SIGSTOP\nS: kill G SIGCONT\nF: freeze G\nF: thaw G\n"
}

// scaleMachine is scale-gstop-Nt under mainline, and its initial state.
func scaleMachine(tb testing.TB, n int) (*model.Machine, model.State) {
	sc, err := scenario.Parse("scale.jc", []byte(scaleFallback(n)))
	if err != nil {
		tb.Fatal(err)
	}
	p, err := model.Compile(sc)
	if err != nil {
		tb.Fatal(err)
	}
	m := model.NewMachine(model.Mainline(), p)
	s, err := m.Initial()
	if err != nil {
		tb.Fatal(err)
	}
	return m, s
}

// largest returns the n built-in scenarios with the most states under
// mainline, smallest first, plus the scale-gstop family (inline if the
// corpus lacks it).
func largest(b *testing.B, n int) []benchScenario {
	all, err := scenario.Builtin()
	if err != nil {
		b.Fatal(err)
	}
	for k := 2; k <= max(*threads, 4); k++ {
		name := fmt.Sprintf("scale-gstop-%dt", k)
		found := false
		for _, sc := range all {
			found = found || strings.TrimPrefix(sc.Name, "builtin:") == name
		}
		if !found {
			sc, err := scenario.Parse(name+".jc", []byte(scaleFallback(k)))
			if err != nil {
				b.Fatal(err)
			}
			all = append(all, sc)
		}
	}
	var out []benchScenario
	for _, sc := range all {
		p, err := model.Compile(sc)
		if err != nil {
			b.Fatal(err)
		}
		k := model.Mainline()
		k.RT = sc.RT
		m := model.NewMachine(k, p)
		states := 0
		if !strings.HasPrefix(strings.TrimPrefix(sc.Name, "builtin:"), "scale-gstop-") { // the family is picked anyway
			r, err := Check(m, Options{})
			if err != nil {
				b.Fatal(err)
			}
			states = r.States
		}
		out = append(out, benchScenario{strings.TrimPrefix(sc.Name, "builtin:"), m, states})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].states > out[j].states })
	var pick []benchScenario
	for i, s := range out {
		if i < n || strings.HasPrefix(s.name, "scale-gstop-") {
			pick = append(pick, s)
		}
	}
	// The scaling family last, by thread count; the others by size.
	rank := func(s benchScenario) int {
		var n int
		if _, err := fmt.Sscanf(s.name, "scale-gstop-%dt", &n); err == nil {
			return 1<<30 + n
		}
		return s.states
	}
	sort.SliceStable(pick, func(i, j int) bool { return rank(pick[i]) < rank(pick[j]) })
	return pick
}

// BenchmarkCheck explores whole scenarios under mainline, with the
// default workers (GOMAXPROCS) and with one. It reports states/s (of wall
// time), states/cpu-s (per second of the process's CPU time, which other
// load on a shared machine disturbs far less), the bytes of one stored
// state (state-B: the scenario's packed size, model.Layout), the bytes
// allocated per distinct state (B/state, from runtime.MemStats) and, with
// -benchmem, B/op and allocs/op for the whole check, and stored-B/state:
// the visited set and parent links per stored state.
func BenchmarkCheck(b *testing.B) {
	for _, s := range largest(b, 3) {
		for _, w := range []int{0, 1} {
			name := s.name
			if w == 1 {
				name += "/workers=1"
			}
			b.Run(name, func(b *testing.B) {
				var states int
				var stored float64
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				cpu0 := cpuTime()
				b.ReportAllocs()
				for b.Loop() {
					// The scaling family's larger members pass the
					// default bounds (19 M states at 7 threads).
					r, err := Check(s.m, Options{Workers: w, Symmetry: *symmetry, MaxStates: 1 << 30, MaxMemory: DefaultMaxMemory(16 << 30)})
					if err != nil || r.Verdict != Pass {
						b.Fatalf("%v %v", err, r.Verdict)
					}
					states, stored = r.States, r.BytesPerState()
				}
				cpu := cpuTime() - cpu0
				runtime.ReadMemStats(&after)
				total := float64(states) * float64(b.N)
				b.ReportMetric(float64(states), "states")
				b.ReportMetric(total/b.Elapsed().Seconds(), "states/s")
				if cpu > 0 {
					b.ReportMetric(total/cpu.Seconds(), "states/cpu-s")
				}
				b.ReportMetric(float64(s.m.P.Layout.Size), "state-B")
				b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/total, "B/state")
				b.ReportMetric(stored, "stored-B/state")
			})
		}
	}
}

// benchState is a state in the middle of scale-gstop-4t: the fifth state
// of a fixed walk from the initial state.
func benchState(b *testing.B) (*model.Machine, model.State) {
	m, s := scaleMachine(b, 4)
	for i := 0; i < 5; i++ {
		en := Enabled(m, &s)
		m.Step(&s, en[i%len(en)])
	}
	return m, s
}

// BenchmarkFingerprint hashes one state whole (fpState), as the explorer
// hashes the initial state and each state it expands: no allocation.
func BenchmarkFingerprint(b *testing.B) {
	m, s := benchState(b)
	hp := newHashPlan(&m.P.Layout)
	var sink uint64
	b.ReportAllocs()
	b.SetBytes(int64(m.P.Layout.Size))
	for b.Loop() {
		sink ^= hp.fpState(&s)
	}
	_ = sink
}

// BenchmarkDelta hashes a successor as the explorer does: by comparing it
// with its parent group by group and hashing the groups that differ (here
// one task's jobctl and one result slot).
func BenchmarkDelta(b *testing.B) {
	m, s := benchState(b)
	hp := newHashPlan(&m.P.Layout)
	var h [maxGroups]uint64
	sum := hp.groups(&s, &h)
	next := s
	next.Task[1].Jobctl ^= 1 << 3
	next.Res[0] ^= 1
	var sink uint64
	b.ReportAllocs()
	for b.Loop() {
		d, mask := hp.delta(&next, &s, &h, sum)
		sink ^= d + mask
	}
	_ = sink
}

// BenchmarkSuccessors is the explorer's inner loop on one state: for
// every actor, step in the worker's buffer, compare and hash by groups,
// check the transition properties, keep the changed groups and put them
// back; check the state properties of each successor (as if every one
// were new). One op is one state expanded.
func BenchmarkSuccessors(b *testing.B) {
	m, s := benchState(b)
	n := m.NumActors()
	hp := newHashPlan(&m.P.Layout)
	var h [maxGroups]uint64
	var vals [maxGroups][4]uint64
	var sink uint64
	next, c := new(model.State), new(model.Ctx) // the worker's buffers, as in expand
	*next = s
	b.ReportAllocs()
	for b.Loop() {
		sum := hp.groups(&s, &h)
		for a := 0; a < n; a++ {
			for k := 0; ; k++ {
				ok := m.StepInto(c, next, model.Move{Actor: uint8(a), Choice: uint8(k)})
				if !ok && k >= int(c.NChoice) {
					hp.restore(next, &s, hp.all)
				}
				if ok {
					d, mask := hp.delta(next, &s, &h, sum)
					if mask != 0 {
						bad := m.CheckState(next, model.All) | m.CheckTransition(&s, next, c, model.All)
						sink ^= fingerprint(d) + uint64(bad)
						hp.save(&vals, next, mask)
						hp.restore(next, &s, mask)
					}
				}
				if !ok && k == 0 || k+1 >= int(c.NChoice) {
					break
				}
			}
		}
	}
	_ = sink
}
