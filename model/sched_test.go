package model

import "testing"

// The scheduler primitives, pinned against kernel/sched/core.c and
// include/linux/sched/signal.h.

// TestTryToWakeUp pins __task_state_match() and try_to_wake_up()
// (kernel/sched/core.c: ttwu_state_match() inline up to v6.1,
// __task_state_match() since v6.6, saved_state unconditional since v6.8
// "sched/core: Remove ifdeffery for saved_state"). A __state match wakes;
// a saved_state match only records the wakeup (saved_state = TASK_RUNNING)
// and reports success, the task stays blocked.
func TestTryToWakeUp(t *testing.T) {
	const (
		none = iota
		d3   // saved_state on every config (v6.7+)
		rt   // saved_state because of PREEMPT_RT only
	)
	cases := []struct {
		name       string
		saved      int // which kernels have saved_state
		state, sav uint16
		mask       uint16
		match      int
		ret        bool
		state2     uint16
		sav2       uint16
		onRq       bool
	}{
		{"TASK_STOPPED, fatal mask", none, TASK_STOPPED, TASK_RUNNING, TASK_WAKEKILL | __TASK_TRACED | TASK_INTERRUPTIBLE, 1, true, TASK_RUNNING, TASK_RUNNING, true},
		{"TASK_STOPPED, SIGCONT mask", none, TASK_STOPPED, TASK_RUNNING, __TASK_STOPPED, 1, true, TASK_RUNNING, TASK_RUNNING, true},
		{"TASK_STOPPED, fake signal (INTERRUPTIBLE)", none, TASK_STOPPED, TASK_RUNNING, TASK_INTERRUPTIBLE, 0, false, TASK_STOPPED, TASK_RUNNING, false},
		{"TASK_TRACED (0x8), WAKEKILL alone does not match", none, __TASK_TRACED, TASK_RUNNING, TASK_WAKEKILL | TASK_INTERRUPTIBLE, 0, false, __TASK_TRACED, TASK_RUNNING, false},
		{"TASK_TRACED (0x108, ≤v5.18), WAKEKILL matches", none, taskTracedOld, TASK_RUNNING, TASK_WAKEKILL | TASK_INTERRUPTIBLE, 1, true, TASK_RUNNING, TASK_RUNNING, true},
		{"TASK_TRACED, resume mask", none, __TASK_TRACED, TASK_RUNNING, __TASK_TRACED, 1, true, TASK_RUNNING, TASK_RUNNING, true},
		{"TASK_FROZEN, thaw mask", none, TASK_FROZEN, TASK_RUNNING, TASK_FROZEN, 1, true, TASK_RUNNING, TASK_RUNNING, true},
		{"TASK_FROZEN, TASK_NORMAL does not match", d3, TASK_FROZEN, TASK_RUNNING, TASK_NORMAL, 0, false, TASK_FROZEN, TASK_RUNNING, false},
		// R1 step 2: d2 loses the wakeup in __state; d3 records it in saved_state.
		{"frozen stopped, d2 (no saved_state)", none, TASK_FROZEN, TASK_STOPPED, TASK_WAKEKILL | __TASK_TRACED | TASK_INTERRUPTIBLE, 0, false, TASK_FROZEN, TASK_STOPPED, false},
		{"frozen stopped, d3", d3, TASK_FROZEN, TASK_STOPPED, TASK_WAKEKILL | __TASK_TRACED | TASK_INTERRUPTIBLE, -1, true, TASK_FROZEN, TASK_RUNNING, false},
		{"frozen traced, d3, SIGCONT mask misses", d3, TASK_FROZEN, __TASK_TRACED, __TASK_STOPPED, 0, false, TASK_FROZEN, __TASK_TRACED, false},
		// R9: SIGCONT while the stopping task waits for an rtlock.
		{"rtlock wait, stopped, RT", rt, TASK_RTLOCK_WAIT, TASK_STOPPED, __TASK_STOPPED, -1, true, TASK_RTLOCK_WAIT, TASK_RUNNING, false},
		{"rtlock wait, stopped, !RT", none, TASK_RTLOCK_WAIT, TASK_STOPPED, __TASK_STOPPED, 0, false, TASK_RTLOCK_WAIT, TASK_STOPPED, false},
		// __state is tested first: a __state match wakes and leaves saved_state alone.
		{"__state wins over saved_state", d3, TASK_INTERRUPTIBLE, TASK_STOPPED, TASK_INTERRUPTIBLE | __TASK_STOPPED, 1, true, TASK_RUNNING, TASK_STOPPED, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			k := kD2()
			switch tc.saved {
			case d3:
				k = kD3()
			case rt:
				k.RT = true
			}
			m := NewMachine(k, compile(t, srcOne))
			s := m.Fresh()
			T := &s.Task[0]
			T.State, T.Saved, T.OnRq, T.Loc = tc.state, tc.sav, false, LocDSSSleep
			c := ctxOf(m, &s)
			if got := c.TaskStateMatch(0, tc.mask); got != tc.match {
				t.Errorf("match(%s, %s) = %d, want %d", StateString(tc.state), StateString(tc.mask), got, tc.match)
			}
			if got := c.K.TryToWakeUp(c, 0, tc.mask); got != tc.ret {
				t.Errorf("ttwu = %v, want %v", got, tc.ret)
			}
			if T.State != tc.state2 || T.Saved != tc.sav2 || T.OnRq != tc.onRq {
				t.Errorf("after ttwu: __state %s saved_state %s on_rq %v; want %s %s %v",
					StateString(T.State), StateString(T.Saved), T.OnRq, StateString(tc.state2), StateString(tc.sav2), tc.onRq)
			}
			if c.Woke[0] != tc.mask {
				t.Errorf("Woke = %#x, want the mask %#x", c.Woke[0], tc.mask)
			}
		})
	}
}

// TestTryToWakeUpExited: try_to_wake_up() never wakes a task that has exited.
func TestTryToWakeUpExited(t *testing.T) {
	m := NewMachine(kD3(), compile(t, srcOne))
	s := m.Fresh()
	s.Task[0].State, s.Task[0].OnRq, s.Task[0].ExitState = TASK_DEAD, false, EXIT_ZOMBIE
	if m.K.TryToWakeUp(ctxOf(m, &s), 0, ^uint16(0)) || s.Task[0].OnRq {
		t.Fatal("ttwu woke a zombie")
	}
}

// TestSignalPendingState pins signal_pending_state()
// (include/linux/sched/signal.h, identical in v5.17, v5.19, v6.1 and
// v6.18): schedule() does not block when it is true.
func TestSignalPendingState(t *testing.T) {
	cases := []struct {
		name       string
		state      uint16
		sigpending bool
		sigkill    bool
		want       bool
	}{
		{"TASK_STOPPED never sleeps with SIGKILL pending", TASK_STOPPED, true, true, true},
		{"TASK_STOPPED sleeps with another signal pending", TASK_STOPPED, true, false, false},
		{"TASK_STOPPED: SIGKILL queued but TIF_SIGPENDING clear", TASK_STOPPED, false, true, false},
		{"TASK_TRACED (0x8, v5.19+) sleeps regardless", __TASK_TRACED, true, true, false},
		{"TASK_TRACED (0x108, ≤v5.18, b, c) does not sleep with SIGKILL", taskTracedOld, true, true, true},
		{"TASK_TRACED (0x108) sleeps with a non-fatal signal", taskTracedOld, true, false, false},
		{"TASK_INTERRUPTIBLE with any signal", TASK_INTERRUPTIBLE, true, false, true},
		{"TASK_INTERRUPTIBLE|TASK_FREEZABLE with any signal", TASK_INTERRUPTIBLE | TASK_FREEZABLE, true, false, true},
		{"TASK_INTERRUPTIBLE without a signal", TASK_INTERRUPTIBLE, false, false, false},
		{"TASK_UNINTERRUPTIBLE sleeps", TASK_UNINTERRUPTIBLE, true, true, false},
		{"TASK_KILLABLE with SIGKILL", TASK_WAKEKILL | TASK_UNINTERRUPTIBLE, true, true, true},
		{"TASK_FROZEN always sleeps", TASK_FROZEN, true, true, false},
		{"TASK_RTLOCK_WAIT always sleeps", TASK_RTLOCK_WAIT, true, true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			T := &Task{State: tc.state, SigPending: tc.sigpending}
			if tc.sigkill {
				T.Pending = sigmask(SIGKILL)
			}
			if got := signalPendingState(tc.state, T); got != tc.want {
				t.Errorf("signal_pending_state(%s) = %v, want %v", StateString(tc.state), got, tc.want)
			}
			// schedule() (kernel/sched/core.c __schedule()): blocks
			// unless RUNNING or signal_pending_state(); when it refuses
			// it sets TASK_RUNNING.
			m := NewMachine(kD3(), compile(t, srcOne))
			s := m.Fresh()
			s.Task[0] = *T
			s.Task[0].OnRq = true
			blockedNow := m.K.Schedule(ctxOf(m, &s), 0)
			if blockedNow == tc.want {
				t.Errorf("schedule() blocked = %v, want %v", blockedNow, !tc.want)
			}
			if tc.want && (s.Task[0].State != TASK_RUNNING || !s.Task[0].OnRq) {
				t.Errorf("schedule() refused but left __state %s on_rq %v", StateString(s.Task[0].State), s.Task[0].OnRq)
			}
			if !tc.want && (s.Task[0].State != tc.state || s.Task[0].OnRq) {
				t.Errorf("schedule() blocked but left __state %s on_rq %v", StateString(s.Task[0].State), s.Task[0].OnRq)
			}
		})
	}
}

// TestScheduleRunning: schedule() with __state == TASK_RUNNING (a wakeup
// came between set_special_state() and schedule()) does not block.
func TestScheduleRunning(t *testing.T) {
	m := NewMachine(kD3(), compile(t, srcOne))
	s := m.Fresh()
	if m.K.Schedule(ctxOf(m, &s), 0) || !s.Task[0].OnRq {
		t.Fatal("a TASK_RUNNING task blocked")
	}
}

// TestWaitTaskInactive pins wait_task_inactive(p, match_state) as
// ptrace_check_attach() uses it (kernel/sched/core.c): exact equality up
// to v6.0, a mask test on __state in v6.1 (9204a97f7ae8), and from v6.6
// (2bc8ed6efa50) __task_state_match(), where a saved_state match counts
// as "queued": the tracer sleeps a tick and retries.
// match_state 0 means any state (Eric's [PATCH 7/9]).
func TestWaitTaskInactive(t *testing.T) {
	cases := []struct {
		name       string
		match      WTIMatch
		rt         bool
		mask       uint16
		state, sav uint16
		onRq       bool
		ok, wait   bool
	}{
		{"exact: TASK_TRACED", WTIExact, false, __TASK_TRACED, __TASK_TRACED, 0, false, true, false},
		{"exact: 0x108 is not 0x8", WTIExact, false, __TASK_TRACED, taskTracedOld, 0, false, false, false},
		{"exact: TASK_FROZEN fails (R18, v5.19)", WTIExact, false, __TASK_TRACED, TASK_FROZEN, 0, false, false, false},
		{"exact: still queued", WTIExact, false, __TASK_TRACED, __TASK_TRACED, 0, true, false, true},
		{"exact: match_state 0 is any state", WTIExact, false, 0, TASK_FROZEN, 0, false, true, false},
		{"mask: 0x108 & 0x8", WTIMask, false, __TASK_TRACED, taskTracedOld, 0, false, true, false},
		{"mask: TASK_FROZEN with __TASK_TRACED|TASK_FROZEN (v6.1)", WTIMask, false, __TASK_TRACED | TASK_FROZEN, TASK_FROZEN, 0, false, true, false},
		{"mask: running task in another state", WTIMask, false, __TASK_TRACED | TASK_FROZEN, TASK_RUNNING, 0, true, false, false},
		{"mask: rtlock wait fails (R7, v6.1 RT)", WTIMask, true, __TASK_TRACED | TASK_FROZEN, TASK_RTLOCK_WAIT, __TASK_TRACED, false, false, false},
		{"mask+saved: rtlock wait is queued (R7, v6.6+ RT)", WTIMaskSaved, true, __TASK_TRACED | TASK_FROZEN, TASK_RTLOCK_WAIT, __TASK_TRACED, false, false, true},
		{"mask+saved: off-CPU TASK_TRACED", WTIMaskSaved, false, __TASK_TRACED | TASK_FROZEN, __TASK_TRACED, 0, false, true, false},
		{"mask+saved: preempted before schedule() (R16)", WTIMaskSaved, false, __TASK_TRACED | TASK_FROZEN, __TASK_TRACED, 0, true, false, true},
		{"mask+saved: no match", WTIMaskSaved, false, __TASK_TRACED | TASK_FROZEN, TASK_STOPPED, 0, false, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			k := kD2()
			k.WTIMatch = tc.match
			k.RT = tc.rt
			m := NewMachine(k, compile(t, srcOne))
			s := m.Fresh()
			s.Task[0].State, s.Task[0].Saved, s.Task[0].OnRq = tc.state, tc.sav, tc.onRq
			before := s
			ok, wait := m.K.WaitTaskInactive(ctxOf(m, &s), 0, tc.mask)
			if ok != tc.ok || wait != tc.wait {
				t.Errorf("wait_task_inactive(%s) = (ok %v, wait %v), want (%v, %v)", StateString(tc.state), ok, wait, tc.ok, tc.wait)
			}
			if s != before {
				t.Error("wait_task_inactive changed the state")
			}
		})
	}
}

// TestTaskIsStoppedTraced pins task_is_stopped()/task_is_traced(): on
// __state up to v5.18, on jobctl since v5.19 (include/linux/sched.h;
// 31cae1eaae4f).
func TestTaskIsStoppedTraced(t *testing.T) {
	cases := []struct {
		name            string
		canonical       bool
		state           uint16
		jobctl          uint32
		stopped, traced bool
	}{
		{"jobctl: frozen stopped task is stopped", true, TASK_FROZEN, JOBCTL_STOPPED, true, false},
		{"jobctl: TASK_STOPPED without the bit is not", true, TASK_STOPPED, 0, false, false},
		{"jobctl: TRACED bit", true, TASK_RUNNING, JOBCTL_TRACED, false, true},
		{"__state: TASK_STOPPED", false, TASK_STOPPED, 0, true, false},
		{"__state: frozen is neither", false, TASK_FROZEN, JOBCTL_STOPPED, false, false},
		{"__state: __TASK_TRACED", false, __TASK_TRACED, 0, false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			k := kD3()
			k.JobctlCanonical = tc.canonical
			m := NewMachine(k, compile(t, srcOne))
			s := m.Fresh()
			s.Task[0].State, s.Task[0].Jobctl = tc.state, tc.jobctl
			c := ctxOf(m, &s)
			if c.TaskIsStopped(0) != tc.stopped || c.TaskIsTraced(0) != tc.traced {
				t.Errorf("stopped %v traced %v, want %v %v", c.TaskIsStopped(0), c.TaskIsTraced(0), tc.stopped, tc.traced)
			}
		})
	}
}

// TestStopWoken: a task woken in do_signal_stop()'s schedule() is at
// get_signal's relock since v6.1 (plain schedule(), then "goto relock"),
// the same state as one whose schedule() did not block; with the old
// freezer, freezable_schedule()'s try_to_freeze() still runs first, so it
// stays in do_signal_stop(). A wakeup of a task still on the runqueue
// (before its schedule()) moves nothing.
func TestStopWoken(t *testing.T) {
	for _, old := range []bool{false, true} {
		k := kD3()
		k.OldFreezer = old
		m := NewMachine(k, compile(t, srcOne))
		s := m.Fresh()
		T := &s.Task[0]
		T.State, T.OnRq, T.Loc = TASK_STOPPED, false, LocDSSSleep
		c := m.ctx(&s)
		if !TryToWakeUp(&c, 0, __TASK_STOPPED) {
			t.Fatal("SIGCONT's wakeup of TASK_STOPPED failed")
		}
		want := LocRelock
		if old {
			want = LocDSSSleep
		}
		if T.Loc != want || !T.OnRq {
			t.Errorf("old freezer %v: woken at %v (on_rq %v), want %v", old, T.Loc, T.OnRq, want)
		}
		T.State, T.OnRq, T.Loc = TASK_STOPPED, true, LocDSSSchedule
		TryToWakeUp(&c, 0, __TASK_STOPPED)
		if T.Loc != LocDSSSchedule {
			t.Errorf("old freezer %v: a wakeup before schedule() moved the task to %v", old, T.Loc)
		}
	}
}
