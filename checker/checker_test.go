package checker_test

import (
	"fmt"
	"jobctl/internal/jctest"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"jobctl/checker"
	"jobctl/model"
)

// machine compiles an inline scenario under a design ("" for mainline).
func machine(t testing.TB, variant, src string) *model.Machine {
	t.Helper()
	return jctest.Inline(t, variant, src)
}

func check(t testing.TB, m *model.Machine, opt checker.Options) *checker.Result {
	t.Helper()
	r, err := checker.Check(m, opt)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// names renders a trace as actor names.
func names(m *model.Machine, tr []model.Move) string { return checker.Schedule(m, tr) }

// Three scenarios small enough to count by hand (under mainline). In the
// comments, "A1" means actor A has finished its op, T's place is its Loc.
const (
	// kill: one SIGKILL to a running task. A chain:
	//   s0 -S-> s1  complete_signal(): SIGNAL_GROUP_EXIT, SIGKILL queued, TIF_SIGPENDING
	//   s1 -T-> s2  get_signal(): fatal, T heads for do_exit
	//   s2 -T-> s3  do_exit(): PF_EXITING, exit_code = SIGKILL
	//   s3 -T-> s4  exit_notify(): zombie (terminal)
	// 5 states, 4 transitions, 1 terminal, depth 4, one outcome.
	srcKill = "actor S\nprocess T\nS: kill T SIGKILL\n"

	// diamond: two SIGCONTs to a running, untraced task. prepare_signal()
	// finds no stop to cancel and drops the ignored SIGCONT (it ends with
	// "return !sig_ignored(...)"), so only the actors' progress changes:
	//   s0 -A-> sA -B-> sAB,  s0 -B-> sB -A-> sAB
	// 4 states (sAB reached twice), 4 transitions, 1 terminal, depth 2.
	srcDiamond = "actor A B\nprocess T\nA: kill T SIGCONT\nB: kill T SIGCONT\n"

	// stopcont: SIGSTOP from A races SIGCONT from B.
	//   s0 -A-> s1 (SIGSTOP queued)        s0 -B-> s2 (nothing to cancel)
	//   s2 -A-> s3 (SIGSTOP queued, B done)
	//   s1 -B-> s4 (SIGCONT flushes the SIGSTOP; TIF_SIGPENDING stays)
	//   s1 -T-> s5 (do_signal_stop S1: STOPPED, TASK_STOPPED, STOP_STOPPED)
	//   s3 -T-> s6 (the same with B done)
	//   s4 -T-> s7 (get_signal finds nothing: user mode)             terminal R
	//   s5 -T-> s8 (S2: CLD_STOPPED)    s5 -B-> s9 (SIGCONT: woken, CLD_CONTINUED|STOP_CONTINUED)
	//   s6 -T-> s10 (S2)
	//   s8 -T-> s11 (S4: blocks)        s8 -B-> s12 (woken before schedule())
	//   s9 -T-> s12 (S2; the same state as s8 -B->)
	//   s10 -T-> s14 (S4: blocks)                                    terminal T
	//   s11 -B-> s15 (woken in schedule(): at relock, as after
	//                 do_signal_stop() returns, since v6.1)
	//   s12 -T-> s15 (schedule() does not block: relock; the same state)
	//   s15 -T-> s16 (relock: SIGNAL_CLD_CONTINUED seen)
	//   s16 -T-> s17 (CLD_CONTINUED sent)   s17 -T-> s18 (user mode)    terminal R
	// 18 states, 19 transitions, 3 terminals (s7 and s18 read alike), depth 8.
	srcStopCont = "actor A B\nprocess T\nA: kill T SIGSTOP\nB: kill T SIGCONT\n"
)

type counted struct {
	states, transitions, terminal, depth int
	outcomes                             []string // "COUNT TRACE | TEXT", sorted by text
}

func summary(m *model.Machine, r *checker.Result) counted {
	c := counted{states: r.States, transitions: r.Transitions, terminal: r.Terminal, depth: r.Depth}
	for _, o := range r.Outcomes {
		c.outcomes = append(c.outcomes, strings.Join([]string{itoa(o.Count), names(m, o.Trace), "|", o.Text}, " "))
	}
	return c
}

func itoa(n int) string { return strconv.Itoa(n) }

var handCounted = []struct {
	name string
	src  string
	want counted
	// mutant changes the scenario so that every counted quantity differs:
	// the assertions above can fail.
	mutant string
}{
	{"kill", srcKill, counted{5, 4, 1, 4, []string{
		"1 S T T T | T.state=Z T.exit=killed(SIGKILL) T.ran=no T.tracer=none T.pending=SIGKILL T.sigpnd=none T.shdpnd=SIGKILL T.wchan=0 T.freezer=THAWED S.done=yes S#1=0"}},
		"actor S\nprocess T\nS: kill T SIGCONT\n"},
	{"diamond", srcDiamond, counted{4, 4, 1, 2, []string{
		"1 A B | T.state=R T.exit=none T.ran=yes T.tracer=none T.pending=none T.sigpnd=none T.shdpnd=none T.wchan=0 T.freezer=THAWED A.done=yes A#1=0 B.done=yes B#1=0"}},
		"actor A B\nprocess T\nA: kill T SIGCONT\nB: kill T SIGKILL\n"},
	{"stopcont", srcStopCont, counted{18, 19, 3, 8, []string{
		"2 A B T | T.state=R T.exit=none T.ran=yes T.tracer=none T.pending=none T.sigpnd=none T.shdpnd=none T.wchan=0 T.freezer=THAWED A.done=yes A#1=0 B.done=yes B#1=0",
		"1 B A T T T | T.state=T T.exit=none T.ran=no T.tracer=none T.pending=none T.sigpnd=none T.shdpnd=none T.wchan=do_signal_stop T.freezer=THAWED A.done=yes A#1=0 B.done=yes B#1=0"}},
		"actor A B\nprocess T\nA: kill T SIGSTOP\nB: kill T SIGKILL\nB: kill T SIGCONT\n"},
}

// TestHandCounted: exact state, transition and terminal counts, depth,
// and the exact set of final outcomes (with how many terminal states show
// each and the first trace to it), counted by hand in the comments above.
func TestHandCounted(t *testing.T) {
	for _, tc := range handCounted {
		t.Run(tc.name, func(t *testing.T) {
			m := machine(t, "", tc.src)
			r := check(t, m, checker.Options{Workers: 1})
			if r.Verdict != checker.Pass || len(r.Violations) != 0 || r.Incomplete != "" {
				t.Errorf("verdict %s %+v", r.Verdict, r.Violations)
			}
			if got := summary(m, r); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
			// The same assertions fail on the mutant, quantity by quantity.
			mm := machine(t, "", tc.mutant)
			mut := summary(mm, check(t, mm, checker.Options{Workers: 1}))
			if mut.states == tc.want.states || mut.transitions == tc.want.transitions ||
				mut.depth == tc.want.depth || reflect.DeepEqual(mut.outcomes, tc.want.outcomes) {
				t.Errorf("the mutant is not told apart: %+v", mut)
			}
		})
	}
}

// TestScenarioChecks: a scenario's always/final/sometimes checks pass on
// stopcont and each fails on a mutant where B sends SIGKILL instead.
func TestScenarioChecks(t *testing.T) {
	const checks = "always T.exit!=killed(SIGKILL)\nfinal T.exit=none\nsometimes T.state=T\n"
	m := machine(t, "", srcStopCont+checks)
	if r := check(t, m, checker.Options{}); r.Verdict != checker.Pass {
		t.Fatalf("stopcont: %s %+v", r.Verdict, r.Violations)
	}
	mm := machine(t, "", strings.Replace(srcStopCont, "B: kill T SIGCONT", "B: kill T SIGKILL", 1)+checks)
	r := check(t, mm, checker.Options{})
	var got []string
	for _, v := range r.Violations {
		got = append(got, v.Property+": "+v.Message)
	}
	want := []string{
		"always: test.jc:5:1: always T.exit!=killed(SIGKILL) is false",
		"final: test.jc:6:1: final T.exit=none is false in outcome: T.state=Z T.exit=killed(SIGKILL) T.ran=no T.tracer=none T.pending=SIGKILL,SIGSTOP T.sigpnd=none T.shdpnd=SIGKILL,SIGSTOP T.wchan=0 T.freezer=THAWED A.done=yes A#1=0 B.done=yes B#1=0",
		"sometimes: test.jc:7:1: sometimes T.state=T: no final outcome has it",
	}
	sort.Strings(got) // the order among scenario checks is not specified
	if r.Verdict != checker.Violation || !reflect.DeepEqual(got, want) {
		t.Errorf("verdict %s\n got %q\nwant %q", r.Verdict, got, want)
	}
	for _, v := range r.Violations {
		if v.Property == "sometimes" && v.Trace != nil {
			t.Errorf("a sometimes failure has no trace, got %v", v.Trace)
		}
		if v.Property != "sometimes" {
			if _, _, err := checker.Replay(mm, v.Trace); err != nil {
				t.Errorf("%s: trace does not replay: %v", v.Property, err)
			}
		}
	}
}

// sameResult compares two results on everything but the elapsed time and
// the dedup mode.
func sameResult(a, b *checker.Result) bool {
	x, y := *a, *b
	x.Elapsed, y.Elapsed = 0, 0
	x.Exact, y.Exact = false, false
	x.Memory, y.Memory = 0, 0 // what the runtime holds varies
	return reflect.DeepEqual(x, y)
}

// TestDeterminism: 1, 2 and 8 workers give identical results — states,
// transitions, outcomes with their traces, every violation with its trace
// — and whole-state deduplication (Exact) gives the same as fingerprints.
func TestDeterminism(t *testing.T) {
	r1 := r1Inline
	for _, tc := range []struct {
		name, variant, src string
	}{
		{"stopcont", "", srcStopCont},
		{"R1 peterz-v2 (violations)", "peterz-v2", r1},
		{"R1 peterz-v1-thaw", "peterz-v1-thaw", r1},
		{"group stop, 3 threads, freezer", "v6.1", scaleSrc(3)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := machine(t, tc.variant, tc.src)
			base := check(t, m, checker.Options{Workers: 1})
			if base.States < 10 {
				t.Fatalf("only %d states", base.States)
			}
			for _, w := range []int{2, 8} {
				if r := check(t, m, checker.Options{Workers: w}); !sameResult(base, r) {
					t.Errorf("Workers %d differs from Workers 1:\n%+v\n%+v", w, r, base)
				}
			}
			// The level's end shared out however small the level (as in
			// a large search), also with --exact, and cut by
			// --max-states at several places mid-level.
			var cuts []int
			var c1 []*checker.Result
			for _, cut := range []int{1, 2, base.States / 3, base.States * 2 / 3, base.States - 1} {
				cuts = append(cuts, cut)
				c1 = append(c1, check(t, m, checker.Options{Workers: 1, MaxStates: cut}))
			}
			restore := checker.SplitEverything()
			defer restore()
			for _, w := range []int{2, 3, 8} {
				if r := check(t, m, checker.Options{Workers: w}); !sameResult(base, r) {
					t.Errorf("Workers %d, every pass split, differs from Workers 1:\n%+v\n%+v", w, r, base)
				}
			}
			if r := check(t, m, checker.Options{Workers: 3, Exact: true}); !sameResult(base, r) {
				t.Errorf("Exact, Workers 3, every pass split, differs from Workers 1:\n%+v\n%+v", r, base)
			}
			for i, cut := range cuts {
				if c3 := check(t, m, checker.Options{Workers: 3, MaxStates: cut}); !sameResult(c1[i], c3) {
					t.Errorf("MaxStates %d: Workers 3, every pass split, differs from Workers 1:\n%+v\n%+v", cut, c3, c1[i])
				}
			}
			restore()
			ex := check(t, m, checker.Options{Workers: 2, Exact: true})
			if !ex.Exact || !sameResult(base, ex) {
				t.Errorf("Exact differs from fingerprints:\n%+v\n%+v", ex, base)
			}
		})
	}
}

// TestLimits: a search stopped by MaxStates or MaxMemory is
// "incomplete", says why, and does not evaluate final/sometimes checks
// (which need every terminal state).
func TestLimits(t *testing.T) {
	src := srcStopCont + "sometimes T.state=Z\n" // false in every complete search
	m := machine(t, "", src)
	if r := check(t, m, checker.Options{}); r.Verdict != checker.Violation {
		t.Fatalf("complete search: %s", r.Verdict)
	}
	for _, tc := range []struct {
		opt  checker.Options
		why  string
		most int
	}{
		{checker.Options{MaxStates: 5}, "--max-states 5 reached", 18},
		{checker.Options{MaxMemory: 1}, "memory bound 0 MiB reached", 3},
	} {
		r := check(t, m, tc.opt)
		if r.Verdict != checker.Incomplete || r.Incomplete != tc.why || len(r.Violations) != 0 {
			t.Errorf("%+v: verdict %s incomplete %q violations %+v", tc.opt, r.Verdict, r.Incomplete, r.Violations)
		}
		if r.States >= 19 || r.States > tc.most || r.States < 3 {
			t.Errorf("%+v: %d states", tc.opt, r.States)
		}
	}
	// A violation found before the limit still makes the verdict; the
	// limit is tested after each BFS level, so the count may overshoot it.
	mv := machine(t, "peterz-v2", r1Inline)
	full := check(t, mv, checker.Options{})
	r := check(t, mv, checker.Options{MaxStates: 8})
	if r.Verdict != checker.Violation || r.Incomplete != "--max-states 8 reached" || r.States < 8 || r.States >= full.States {
		t.Errorf("peterz-v2, 8 states: verdict %s incomplete %q, %d of %d states", r.Verdict, r.Incomplete, r.States, full.States)
	}
	if len(r.Violations) != 1 || r.Violations[0].Property != "I2" || len(full.Violations) != 3 {
		t.Errorf("violations %+v of %+v", r.Violations, full.Violations)
	}
}

// TestReplayAndEnabled: Replay re-executes a trace and refuses a step
// that cannot be taken; Enabled lists the actors that can move.
func TestReplayAndEnabled(t *testing.T) {
	m := machine(t, "", srcStopCont)
	s0, _ := m.Initial()
	if got := checker.Enabled(m, &s0); !reflect.DeepEqual(got, []model.Move{model.Act(0), model.Act(1)}) {
		t.Errorf("Enabled(s0) = %v, want A and B", got)
	}
	states, ctxs, err := checker.Replay(m, []model.Move{model.Act(0), model.Act(2), model.Act(2)})
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, c := range ctxs {
		labels = append(labels, c.StepLabel())
	}
	want := []string{
		"kill: group_send_sig_info -> send_signal_locked",
		"get_signal: do_signal_stop: jobctl |= JOBCTL_STOPPED; set_special_state(TASK_STOPPED)",
		"do_signal_stop: do_notify_parent_cldstop(CLD_STOPPED)",
	}
	if len(states) != 4 || !reflect.DeepEqual(labels, want) {
		t.Errorf("%d states, labels %q", len(states), labels)
	}
	if states[3].Task[0].State != model.TASK_STOPPED {
		t.Errorf("T not stopping: %s", model.StateString(states[3].Task[0].State))
	}
	if _, _, err := checker.Replay(m, []model.Move{model.Act(2)}); err == nil || err.Error() != "step 1: T cannot step" {
		t.Errorf("Replay of an impossible step: %v", err)
	}
}

// scenarioFile reads a scenario of the corpus by file.
func scenarioFile(t testing.TB, name string) string {
	t.Helper()
	src, err := os.ReadFile("../scenario/corpus/" + name + ".jc")
	if err != nil {
		t.Fatal(err)
	}
	return string(src)
}

// scaleSrc is the scale-gstop-Nt family written inline: a process of n
// threads, a SIGSTOP then SIGCONT sender, and a freezer that freezes and
// thaws the group.
func scaleSrc(n int) string {
	threads := ""
	for i := 1; i <= n; i++ {
		threads += fmt.Sprintf(" G%d", i)
	}
	return "actor S F W\nprocess G threads" + threads + " parent W\n" +
		"S: kill G SIGSTOP\nS: kill G SIGCONT\nF: freeze G\nF: thaw G\n"
}

// r1Inline is R1 (docs/SCENARIOS.md) as a fixed inline scenario (the corpus file grows
// with observations; the acceptance test in r1_test.go reads it).
const r1Inline = `actor W F S
process T parent W
init W: kill T SIGSTOP
init W: wait T WUNTRACED
F: freeze T
F: thaw T
S: kill T SIGKILL
final T.exit=killed(SIGKILL)
`
