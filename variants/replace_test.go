package variants_test

import (
	"slices"
	"strings"
	"testing"

	"jobctl/checker"
	"jobctl/model"
	"jobctl/scenario"
	"jobctl/variants"
)

// A patch to complete_signal() or do_signal_stop() is one design file: the
// two designs below are written as a file in variants/ would be, outside
// package model, with nothing but what model exports. Each breaks the
// built-in scenario that exposes it, and the checker says so.

// leaderOnly is complete_signal() as the model had it before it left the
// pick to the scheduler: the thread the signal was sent to (here the group
// leader) takes it whenever it may want it, a runnable thread with
// TIF_SIGPENDING counting as one on a CPU; else the first thread from the
// leader that wants it. signal->curr_target is never used.
var leaderOnly = &variants.Variant{
	Name: "leader-only", Base: "mainline",
	Summary: "mainline, but complete_signal() always picks the leader when it may want the signal",
	Source:  "variants/replace_test.go (a test design)",
	Apply: func(k *model.Kernel) {
		k.CompleteSignal = completeSignalLeaderOnly
	},
}

func completeSignalLeaderOnly(c *model.Ctx, sig int, p int, group bool) {
	t := -1
	if c.WantsSignal(sig, p) != model.WantNo {
		t = p
	} else if group {
		for _, u := range c.Threads(p) {
			if c.WantsSignal(sig, u) != model.WantNo {
				t = u
				break
			}
		}
	}
	if t < 0 {
		return
	}
	s := c.Sig(p)
	if c.SigFatal(p, sig) && s.Flags&model.SIGNAL_GROUP_EXIT == 0 &&
		(sig == model.SIGKILL || c.Task(p).Ptrace == 0) && !model.SigKernelCoredump(sig) {
		s.Flags = model.SIGNAL_GROUP_EXIT
		s.GroupExitCode = uint8(sig)
		s.GroupStopCount = 0
		for _, u := range c.Threads(p) {
			if !c.Task(u).Alive() {
				continue
			}
			c.TaskClearJobctlPending(u, model.JOBCTL_PENDING_MASK)
			c.Task(u).Pending |= model.Sigmask(model.SIGKILL)
			c.K.SignalWakeUp(c, u, true)
		}
		return
	}
	c.K.SignalWakeUp(c, t, sig == model.SIGKILL)
}

// noWakeOthers is do_signal_stop() with one line gone: the thread that
// initiates a group stop sets JOBCTL_STOP_PENDING on the others but does
// not signal_wake_up() them, so a sleeping thread never takes part.
var noWakeOthers = &variants.Variant{
	Name: "no-wake-others", Base: "mainline",
	Summary: "mainline, but do_signal_stop() does not wake the other threads",
	Source:  "variants/replace_test.go (a test design)",
	Apply: func(k *model.Kernel) {
		k.DoSignalStop = doSignalStopNoWakeOthers
	},
}

// doSignalStopNoWakeOthers is model.DoSignalStop (kernel/signal.c:
// do_signal_stop(), v6.18) without signal_wake_up(t, 0) for an untraced
// thread that is asked to stop.
func doSignalStopNoWakeOthers(c *model.Ctx, t int, signr int) bool {
	T := c.Task(t)
	s := c.Sig(t)
	const gstop = model.JOBCTL_STOP_PENDING | model.JOBCTL_STOP_CONSUME
	if T.Jobctl&model.JOBCTL_STOP_PENDING == 0 {
		if T.Jobctl&model.JOBCTL_STOP_DEQUEUED == 0 || s.Flags&model.SIGNAL_GROUP_EXIT != 0 {
			return false
		}
		if s.Flags&model.SIGNAL_STOP_STOPPED == 0 {
			s.GroupExitCode = uint8(signr)
		}
		s.GroupStopCount = 0
		if c.TaskSetJobctlPending(t, uint32(signr)|gstop) {
			s.GroupStopCount++
		}
		for _, u := range c.Threads(t) {
			U := c.Task(u)
			if u == t || !U.Alive() {
				continue
			}
			if !c.TaskIsStopped(u) && c.TaskSetJobctlPending(u, uint32(signr)|gstop) {
				s.GroupStopCount++
				if U.Ptrace&model.PT_SEIZED != 0 {
					c.PtraceTrapNotify(u)
				}
				// the patch: no signal_wake_up(u, 0)
			}
		}
	}
	if T.Ptrace == 0 {
		T.Why = 0
		if c.K.TaskParticipateGroupStop(c, t) {
			T.Why = model.CLD_STOPPED
		}
		c.Label = "get_signal: do_signal_stop: jobctl |= JOBCTL_STOPPED; set_special_state(TASK_STOPPED)"
		c.K.SetStopped(c, t)
		if T.Why != 0 {
			T.Loc = model.LocDSSNotify
		} else {
			T.Loc = c.AfterNotify(model.LocDSSEnterFrozen, model.LocDSSSchedule)
		}
		return true
	}
	c.TaskSetJobctlPending(t, model.JOBCTL_TRAP_STOP)
	return false
}

// builtin is the named built-in scenario.
func builtin(t *testing.T, name string) *scenario.Scenario {
	t.Helper()
	all, err := scenario.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range all {
		if sc.Name == name {
			return sc
		}
	}
	t.Fatalf("no built-in scenario %s", name)
	return nil
}

// checkUnder checks sc under k and returns the result, the violated
// properties and the values of the observation key in the outcomes.
func checkUnder(t *testing.T, sc *scenario.Scenario, k *model.Kernel, key string) (*checker.Result, []string, []string) {
	t.Helper()
	p, err := model.Compile(sc)
	if err != nil {
		t.Fatal(err)
	}
	r, err := checker.Check(model.NewMachine(k, p), checker.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Incomplete != "" {
		t.Fatalf("%s under %s: incomplete: %s", sc.Name, k.Name, r.Incomplete)
	}
	var props, vals []string
	for _, v := range r.Violations {
		props = append(props, v.Property)
	}
	for _, o := range r.Outcomes {
		for _, f := range strings.Fields(o.Text) {
			if v, ok := strings.CutPrefix(f, key+"="); ok && !slices.Contains(vals, v) {
				vals = append(vals, v)
			}
		}
	}
	slices.Sort(vals)
	return r, props, vals
}

// TestReplaceCompleteSignal: with the leader-only complete_signal(), the
// second thread never takes a group SIGSTOP while the leader is merely
// runnable, so the tracer's wait never reports the group stop that thread
// initiates (stopped(SIGSTOP,EVENT_STOP)), which the kernel produces and
// mainline allows; the scenario's 'sometimes' line fails.
func TestReplaceCompleteSignal(t *testing.T) {
	sc := builtin(t, "gstop-signal-target-thread")
	const gstop = "stopped(SIGSTOP,EVENT_STOP)"
	main, err := variants.Get("mainline")
	if err != nil {
		t.Fatal(err)
	}
	r, props, vals := checkUnder(t, sc, main.Kernel(false), "P#2")
	if r.Verdict != checker.Pass || !slices.Contains(vals, gstop) {
		t.Fatalf("mainline: %s %v, P#2 in %v", r.Verdict, props, vals)
	}
	lr, lprops, lvals := checkUnder(t, sc, leaderOnly.Kernel(false), "P#2")
	if slices.Contains(lvals, gstop) {
		t.Errorf("leader-only: P#2=%s is still reachable (P#2 in %v)", gstop, lvals)
	}
	for _, v := range lvals {
		if !slices.Contains(vals, v) {
			t.Errorf("leader-only: P#2=%s, which mainline does not allow", v)
		}
	}
	if lr.Verdict == checker.Pass || !slices.Equal(lprops, []string{"sometimes"}) {
		t.Errorf("leader-only: %s %v, want a violation of the scenario's sometimes line only", lr.Verdict, lprops)
	}
	if len(variants.Diff(main, leaderOnly)) != 1 {
		t.Errorf("the design differs from mainline in %v, want CompleteSignal only", variants.Diff(main, leaderOnly))
	}
}

// TestReplaceDoSignalStop: without the wakeup, the sleeping thread of a
// two-thread group never takes part in the group stop, the stop never
// completes and the parent's wait(WUNTRACED) blocks for ever; mainline
// passes.
func TestReplaceDoSignalStop(t *testing.T) {
	sc := builtin(t, "gstop-mt-sleeping-thread")
	main, err := variants.Get("mainline")
	if err != nil {
		t.Fatal(err)
	}
	r, props, _ := checkUnder(t, sc, main.Kernel(false), "W#1")
	if r.Verdict != checker.Pass {
		t.Fatalf("mainline: %s %v", r.Verdict, props)
	}
	nr, nprops, nvals := checkUnder(t, sc, noWakeOthers.Kernel(false), "W#1")
	if nr.Verdict == checker.Pass || !slices.Contains(nprops, "stuck") {
		t.Errorf("no-wake-others: %s %v, want stuck", nr.Verdict, nprops)
	}
	if slices.Contains(nvals, "stopped(SIGSTOP)") {
		t.Errorf("no-wake-others: W#1 in %v: the group stop completed", nvals)
	}
	if len(variants.Diff(main, noWakeOthers)) != 1 {
		t.Errorf("the design differs from mainline in %v, want DoSignalStop only", variants.Diff(main, noWakeOthers))
	}
}

// TestZombieKeepsPending: a raise(SIGTERM) that ends the group leaves
// SIGTERM in the zombie's private set under v6.1 (as 6.1.192 shows it),
// none under mainline (as 6.18 does).
func TestZombieKeepsPending(t *testing.T) {
	sc := builtin(t, "signal-kicked-syscall-first")
	for _, tc := range []struct {
		design string
		want   string
	}{{"mainline", "none"}, {"v6.1", "SIGTERM"}, {"v6.1.y", "SIGTERM"}} {
		v, err := variants.Get(tc.design)
		if err != nil {
			t.Fatal(err)
		}
		r, _, _ := checkUnder(t, sc, v.Kernel(false), "P.sigpnd")
		var zombie []string
		for _, o := range r.Outcomes {
			if strings.Contains(o.Text, "P.state=Z") {
				for _, f := range strings.Fields(o.Text) {
					if s, ok := strings.CutPrefix(f, "P.sigpnd="); ok && !slices.Contains(zombie, s) {
						zombie = append(zombie, s)
					}
				}
			}
		}
		if !slices.Equal(zombie, []string{tc.want}) {
			t.Errorf("%s: the zombie's P.sigpnd in %v, want only %s", tc.design, zombie, tc.want)
		}
	}
}
