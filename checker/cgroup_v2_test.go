package checker_test

import (
	"testing"

	"jobctl/checker"
	"jobctl/internal/jctest"
	"jobctl/model"
)

// The cgroup v2 freezer's properties can fail: each is broken on purpose
// in a design of its own, and the checker finds it; mainline passes.

const v2Trap = `actor F S
process T
F: freeze T v2
S: kill T SIGKILL
F: thaw T v2
`

const v2Thaw = `actor F
process T
F: freeze T v2
F: thaw T v2
`

func v2Machine(t *testing.T, src string, k *model.Kernel) *model.Machine {
	t.Helper()
	return jctest.Machine(t, jctest.Parse(t, src), k)
}

// violated reports whether the search found property p.
func violated(r *checker.Result, p string) bool { return violation(r, p) != nil }

func TestV2PropertiesHoldOnMainline(t *testing.T) {
	for _, src := range []string{v2Trap, v2Thaw} {
		r := check(t, v2Machine(t, src, model.Mainline()), checker.Options{})
		if r.Verdict != checker.Pass {
			t.Errorf("mainline: %s %+v", r.Verdict, r.Violations)
		}
	}
}

// I13: an unfreeze that clears JOBCTL_TRAP_FREEZE but forgets
// wake_up_process() leaves the task asleep in do_freezer_trap().
func TestI13UnfreezeWithoutWakeup(t *testing.T) {
	k := model.Mainline()
	k.CgroupFreezeTask = func(c *model.Ctx, t int, freeze bool) {
		if freeze {
			model.CgroupFreezeTask(c, t, true)
			return
		}
		c.S.Task[t].Jobctl &^= model.JOBCTL_TRAP_FREEZE
	}
	r := check(t, v2Machine(t, v2Thaw, k), checker.Options{})
	if !violated(r, "I13") {
		t.Errorf("no I13: %s %+v", r.Verdict, r.Violations)
	}
}

// I14: a fatal signal whose wakeup does not reach TASK_INTERRUPTIBLE
// (signal_wake_up(t, true) reduced to setting TIF_SIGPENDING) is held by
// the trap.
func TestI14FatalHeldByTrap(t *testing.T) {
	k := model.Mainline()
	k.SignalWakeUp = func(c *model.Ctx, t int, fatal bool) {
		if fatal && c.S.Task[t].Loc == model.LocTrapSleep {
			c.S.Task[t].SigPending = true
			return
		}
		model.SignalWakeUp(c, t, fatal)
	}
	r := check(t, v2Machine(t, v2Trap, k), checker.Options{})
	if !violated(r, "I14") {
		t.Errorf("no I14: %s %+v", r.Verdict, r.Violations)
	}
}

// I12: a cgroup_leave_frozen() that never leaves keeps the task counted
// frozen after it returned to user mode: the cgroup says frozen while it
// runs.
func TestI12LeaveFrozenNeverLeaves(t *testing.T) {
	k := model.Mainline()
	k.CgroupLeaveFrozen = func(c *model.Ctx, t int, always bool) {}
	// Without the leave, get_signal() would loop on cgroup_task_frozen():
	// let it go on to user mode, as a leave would.
	k.GetSignal = func(c *model.Ctx, t int, deliver int) {
		model.GetSignal(c, t, deliver)
		if c.S.Task[t].Loc == model.LocLeaveFrozen {
			c.S.Task[t].Loc = model.LocUser
		}
	}
	r := check(t, v2Machine(t, v2Thaw, k), checker.Options{})
	if !violated(r, "I12") {
		t.Errorf("no I12: %s %+v", r.Verdict, r.Violations)
	}
}
