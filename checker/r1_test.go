package checker_test

// The R1 acceptance test: SIGKILL to a frozen, job-control-stopped task
// (docs/SCENARIOS.md, R1; scenario/corpus/R1-kill-frozen-stopped.jc). The checker
// must find Peter Zijlstra's lost wakeup when the only change to a correct
// design is his hunk, and must find nothing in the correct designs.
//
//   F (freezer)                     S (sender)                     T
//   freeze_task(T):                                                TASK_STOPPED, JOBCTL_STOPPED
//     __set_task_frozen()                                          __state = TASK_FROZEN
//                                   kill(T, SIGKILL):
//                                     complete_signal(): GROUP_EXIT
//                                     signal_wake_up(T, 1):
//                                       ttwu(WAKEKILL|__TASK_TRACED) fails against TASK_FROZEN
//                                       broken: JOBCTL_STOPPED kept
//   __thaw_task(T):
//     __set_task_special(): JOBCTL_STOPPED -> __state = TASK_STOPPED, no wakeup
//                                                                  asleep forever, SIGKILL pending

import (
	"jobctl/internal/jctest"
	"reflect"
	"testing"

	"jobctl/checker"
	"jobctl/model"
	"jobctl/scenario"
	"jobctl/variants"
)

// brokenSignalWakeUp is signal_wake_up() with the disputed hunk of
// "[PATCH v2 1/5] sched,signal,ptrace: Rework TASK_TRACED, TASK_STOPPED
// state": JOBCTL_STOPPED/TRACED are cleared only if wake_up_state()
// succeeded.
func brokenSignalWakeUp(c *model.Ctx, t int, fatal bool) {
	T := c.Task(t)
	var state uint16
	if fatal && T.Jobctl&c.K.PtraceFrozenBit == 0 {
		state = model.TASK_WAKEKILL | model.TaskTracedBit
	}
	T.SigPending = true
	if c.K.TryToWakeUp(c, t, state|model.TASK_INTERRUPTIBLE) {
		T.Jobctl &^= model.JOBCTL_STOPPED | model.JOBCTL_TRACED
	}
}

// brokenDesign is a released design with only signal_wake_up() replaced.
func brokenDesign(t *testing.T, base string) *model.Kernel {
	v, err := variants.Get(base)
	if err != nil {
		t.Fatal(err)
	}
	k := v.Kernel(false)
	k.Name = base + "+clear-on-wakeup-success"
	k.SignalWakeUp = brokenSignalWakeUp
	return k
}

func r1Machine(t *testing.T, k *model.Kernel) *model.Machine {
	sc, err := scenario.Load("R1-kill-frozen-stopped")
	if err != nil {
		t.Fatal(err)
	}
	return jctest.Machine(t, sc, k)
}

func violation(r *checker.Result, prop string) *checker.Found {
	for i := range r.Violations {
		if r.Violations[i].Property == prop {
			return &r.Violations[i]
		}
	}
	return nil
}

// The shortest lost-wakeup interleaving, step by step (actor: label).
var r1LostWakeup = []string{
	"F: freezer_write(FROZEN): freezer_apply_state: CGROUP_FREEZING",
	"F: freeze_cgroup: freeze_task(T)",
	"F: update_if_frozen: FROZEN",
	"F: read /proc/PID/stat",
	"F: freezer_write(THAWED): clear CGROUP_FREEZING",
	"S: kill: group_send_sig_info -> send_signal_locked",
	"F: unfreeze_cgroup: __thaw_task(T)",
}

// TestR1BrokenD2: v6.1 (d2: TASK_FROZEN freezer, thaw from jobctl, no
// saved_state) with the broken signal_wake_up(). The checker reports I4
// with exactly the interleaving above, and the final state is the lost
// wakeup: T asleep in TASK_STOPPED, JOBCTL_STOPPED set, SIGNAL_GROUP_EXIT,
// SIGKILL pending.
func TestR1BrokenD2(t *testing.T) {
	m := r1Machine(t, brokenDesign(t, "v6.1"))
	r := check(t, m, checker.Options{})
	if r.Verdict != checker.Violation {
		t.Fatalf("verdict %s", r.Verdict)
	}
	f := violation(r, "I4")
	if f == nil {
		t.Fatalf("no I4 among %+v", r.Violations)
	}
	states, ctxs, err := checker.Replay(m, f.Trace)
	if err != nil {
		t.Fatal(err)
	}
	var steps []string
	for i, c := range ctxs {
		steps = append(steps, m.P.Actors[f.Trace[i].Actor].Name+": "+c.StepLabel())
	}
	if !reflect.DeepEqual(steps, r1LostWakeup) {
		t.Errorf("I4 counterexample\n got %q\nwant %q", steps, r1LostWakeup)
	}
	if len(states) != len(r1LostWakeup)+1 {
		t.Fatalf("%d states for %d steps", len(states), len(r1LostWakeup))
	}
	// The kill lands while T is TASK_FROZEN, and its wakeup fails.
	before, after := states[5].Task[0], states[6].Task[0]
	if before.State != model.TASK_FROZEN || after.State != model.TASK_FROZEN || after.OnRq {
		t.Errorf("around the kill: __state %s -> %s, on_rq %v",
			model.StateString(before.State), model.StateString(after.State), after.OnRq)
	}
	if after.Jobctl&model.JOBCTL_STOPPED == 0 {
		t.Error("the broken clear dropped JOBCTL_STOPPED although the wakeup failed")
	}
	final := states[len(states)-1]
	T := final.Task[0]
	if T.State != model.TASK_STOPPED || T.OnRq || T.Loc != model.LocDSSSleep {
		t.Errorf("final: __state %s on_rq %v at %v; want asleep in do_signal_stop in TASK_STOPPED",
			model.StateString(T.State), T.OnRq, T.Loc)
	}
	if T.Jobctl&model.JOBCTL_STOPPED == 0 || final.Proc[0].Flags&model.SIGNAL_GROUP_EXIT == 0 || !T.FatalSignalPending() {
		t.Errorf("final: jobctl %s flags %#x private %#x", model.JobctlString(T.Jobctl), final.Proc[0].Flags, T.Pending)
	}
	if len(checker.Enabled(m, &final)) != 0 || !m.CheckTerminal(&final, model.All).Has(model.I4) {
		t.Error("the final state is not a terminal I4 violation")
	}
	if f.Message != "T asleep in do_signal_stop (TASK_STOPPED) forever — "+model.PropDocs[model.I4] {
		t.Errorf("message %q", f.Message)
	}
	// Peter's own design loses the wakeup in the same interleaving.
	pv := r1Machine(t, mustKernel(t, "peterz-v2"))
	if g := violation(check(t, pv, checker.Options{}), "I4"); g == nil || !reflect.DeepEqual(g.Trace, f.Trace) {
		t.Errorf("peterz-v2's I4 trace differs: %+v", g)
	}
}

// TestR1BrokenD3: the same broken signal_wake_up() on mainline (d3) does
// not lose the wakeup: since v6.7 __set_task_frozen() keeps TASK_STOPPED
// in saved_state, so the kill's ttwu() matches saved_state and reports
// success (try_to_wake_up()'s saved_state match, kernel/sched/core.c,
// v6.8+), and the conditional clear happens anyway.
// The hunk is wrong, but d3's saved_state hides it in R1.
func TestR1BrokenD3(t *testing.T) {
	m := r1Machine(t, brokenDesign(t, "mainline"))
	if r := check(t, m, checker.Options{}); r.Verdict != checker.Pass {
		t.Errorf("verdict %s: %+v", r.Verdict, r.Violations)
	}
	// The trace above, replayed: the kill's wakeup hits saved_state.
	tr := make([]model.Move, len(r1LostWakeup))
	for i, s := range r1LostWakeup {
		tr[i] = model.Act(actorIndex(t, m, s[:1]))
	}
	states, _, err := checker.Replay(m, tr)
	if err != nil {
		t.Fatal(err)
	}
	if T := states[6].Task[0]; T.State != model.TASK_FROZEN || T.Saved != model.TASK_RUNNING || T.Jobctl&model.JOBCTL_STOPPED != 0 {
		t.Errorf("after the kill: __state %s saved %s jobctl %s", model.StateString(T.State), model.StateString(T.Saved), model.JobctlString(T.Jobctl))
	}
	if T := states[7].Task[0]; !T.OnRq {
		t.Error("the thaw did not wake T")
	}
}

// TestR1Designs: mainline and ebiederm pass R1; peterz-v2 fails with I4.
func TestR1Designs(t *testing.T) {
	for _, tc := range []struct {
		variant string
		verdict string
		props   []string
	}{
		{"mainline", checker.Pass, nil},
		{"v6.1", checker.Pass, nil},
		{"ebiederm", checker.Pass, nil},
		{"peterz-v2", checker.Violation, []string{"I2", "I4", "final"}},
	} {
		t.Run(tc.variant, func(t *testing.T) {
			r := check(t, r1Machine(t, mustKernel(t, tc.variant)), checker.Options{})
			var props []string
			for _, v := range r.Violations {
				props = append(props, v.Property)
			}
			if r.Verdict != tc.verdict || !reflect.DeepEqual(props, tc.props) {
				t.Errorf("verdict %s %q, want %s %q", r.Verdict, props, tc.verdict, tc.props)
			}
		})
	}
}

func mustKernel(t *testing.T, name string) *model.Kernel {
	v, err := variants.Get(name)
	if err != nil {
		t.Fatal(err)
	}
	return v.Kernel(false)
}

func actorIndex(t *testing.T, m *model.Machine, name string) int {
	for i, a := range m.P.Actors {
		if a.Name == name {
			return i
		}
	}
	t.Fatalf("no actor %s", name)
	return -1
}
