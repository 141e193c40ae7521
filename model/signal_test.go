package model

import "testing"

// Signal wakeups, prepare_signal(), complete_signal() and the group stop,
// pinned against kernel/signal.c and include/linux/sched/signal.h (v6.1
// and v6.18 where they agree).

// TestSignalWakeUp pins signal_wake_up() and ptrace_signal_wake_up()
// (include/linux/sched/signal.h, v5.19+, 31cae1eaae4f): a fatal wakeup
// clears JOBCTL_STOPPED|JOBCTL_TRACED whatever the wakeup's outcome,
// unless JOBCTL_PTRACE_FROZEN, and wakes with
// TASK_WAKEKILL|__TASK_TRACED; ptrace_signal_wake_up(t, true) clears only
// JOBCTL_TRACED and wakes __TASK_TRACED. Both set TIF_SIGPENDING and add
// TASK_INTERRUPTIBLE (signal_wake_up_state(), kernel/signal.c).
func TestSignalWakeUp(t *testing.T) {
	const (
		sigWakeUp = iota
		ptraceSigWakeUp
	)
	cases := []struct {
		name       string
		k          func() *Kernel
		fn         int
		arg        bool // fatal / resume
		state, sav uint16
		jobctl     uint32
		// after
		jobctl2 uint32
		state2  uint16
		sav2    uint16
		onRq    bool
		woke    uint16
	}{
		{"fatal, stopped", kD3, sigWakeUp, true, TASK_STOPPED, 0, JOBCTL_STOPPED,
			0, TASK_RUNNING, 0, true, TASK_WAKEKILL | __TASK_TRACED | TASK_INTERRUPTIBLE},
		{"not fatal, stopped: nothing but TIF_SIGPENDING", kD3, sigWakeUp, false, TASK_STOPPED, 0, JOBCTL_STOPPED,
			JOBCTL_STOPPED, TASK_STOPPED, 0, false, TASK_INTERRUPTIBLE},
		{"fatal, traced (0x8)", kD3, sigWakeUp, true, __TASK_TRACED, 0, JOBCTL_TRACED,
			0, TASK_RUNNING, 0, true, TASK_WAKEKILL | __TASK_TRACED | TASK_INTERRUPTIBLE},
		{"fatal, traced, PTRACE_FROZEN: deferred (R6)", kD3, sigWakeUp, true, __TASK_TRACED, 0, JOBCTL_TRACED | JOBCTL_PTRACE_FROZEN,
			JOBCTL_TRACED | JOBCTL_PTRACE_FROZEN, __TASK_TRACED, 0, false, TASK_INTERRUPTIBLE},
		{"fatal, frozen stopped, d3: cleared, saved_state RUNNING (R1)", kD3, sigWakeUp, true, TASK_FROZEN, TASK_STOPPED, JOBCTL_STOPPED,
			0, TASK_FROZEN, TASK_RUNNING, false, TASK_WAKEKILL | __TASK_TRACED | TASK_INTERRUPTIBLE},
		{"fatal, frozen stopped, d2: cleared though the wakeup fails (R1)", kD2, sigWakeUp, true, TASK_FROZEN, 0, JOBCTL_STOPPED,
			0, TASK_FROZEN, 0, false, TASK_WAKEKILL | __TASK_TRACED | TASK_INTERRUPTIBLE},
		{"fatal, frozen traced, d2 (R2)", kD2, sigWakeUp, true, TASK_FROZEN, 0, JOBCTL_TRACED,
			0, TASK_FROZEN, 0, false, TASK_WAKEKILL | __TASK_TRACED | TASK_INTERRUPTIBLE},
		{"resume, traced", kD3, ptraceSigWakeUp, true, __TASK_TRACED, 0, JOBCTL_TRACED | JOBCTL_LISTENING,
			JOBCTL_LISTENING, TASK_RUNNING, 0, true, __TASK_TRACED | TASK_INTERRUPTIBLE},
		{"no resume, traced", kD3, ptraceSigWakeUp, false, __TASK_TRACED, 0, JOBCTL_TRACED,
			JOBCTL_TRACED, __TASK_TRACED, 0, false, TASK_INTERRUPTIBLE},
		{"resume ignores PTRACE_FROZEN (R15)", kD3, ptraceSigWakeUp, true, __TASK_TRACED, 0, JOBCTL_TRACED | JOBCTL_PTRACE_FROZEN,
			JOBCTL_PTRACE_FROZEN, TASK_RUNNING, 0, true, __TASK_TRACED | TASK_INTERRUPTIBLE},
		{"resume does not touch a job-control stop", kD3, ptraceSigWakeUp, true, TASK_STOPPED, 0, JOBCTL_STOPPED,
			JOBCTL_STOPPED, TASK_STOPPED, 0, false, __TASK_TRACED | TASK_INTERRUPTIBLE},
		{"resume, frozen traced, d3 (R3)", kD3, ptraceSigWakeUp, true, TASK_FROZEN, __TASK_TRACED, JOBCTL_TRACED,
			0, TASK_FROZEN, TASK_RUNNING, false, __TASK_TRACED | TASK_INTERRUPTIBLE},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := NewMachine(tc.k(), compile(t, srcOne))
			s := m.Fresh()
			T := &s.Task[0]
			T.State, T.Saved, T.Jobctl, T.OnRq, T.Loc = tc.state, tc.sav, tc.jobctl, false, LocDSSSleep
			c := ctxOf(m, &s)
			if tc.fn == sigWakeUp {
				c.K.SignalWakeUp(c, 0, tc.arg)
			} else {
				c.K.PtraceSignalWakeUp(c, 0, tc.arg)
			}
			if T.Jobctl != tc.jobctl2 {
				t.Errorf("jobctl %s, want %s", JobctlString(T.Jobctl), JobctlString(tc.jobctl2))
			}
			if T.State != tc.state2 || T.Saved != tc.sav2 || T.OnRq != tc.onRq {
				t.Errorf("__state %s saved_state %s on_rq %v, want %s %s %v",
					StateString(T.State), StateString(T.Saved), T.OnRq, StateString(tc.state2), StateString(tc.sav2), tc.onRq)
			}
			if !T.SigPending {
				t.Error("TIF_SIGPENDING not set")
			}
			if c.Woke[0] != tc.woke {
				t.Errorf("wakeup mask %#x, want %#x", c.Woke[0], tc.woke)
			}
		})
	}
}

// TestPrepareSignalSIGCONT pins prepare_signal()'s SIGCONT branch
// (kernel/signal.c, v6.1 and v6.18) on a completed
// group stop: the stop is cancelled and every stopped thread woken at send
// time, SIGNAL_CLD_CONTINUED|SIGNAL_STOP_CONTINUED replace
// SIGNAL_STOP_STOPPED, and the SIGCONT itself, ignored by default for an
// untraced process, is not queued: no thread gets TIF_SIGPENDING.
func TestPrepareSignalSIGCONT(t *testing.T) {
	m, s := machine(t, kD3(), srcStopped)
	T := &s.Task[0]
	if T.Loc != LocDSSSleep || T.State != TASK_STOPPED || T.Jobctl&JOBCTL_STOPPED == 0 || s.Proc[0].Flags != SIGNAL_STOP_STOPPED {
		t.Fatalf("prelude: T not stopped: loc %v %s %s flags %#x", T.Loc, StateString(T.State), JobctlString(T.Jobctl), s.Proc[0].Flags)
	}
	c := ctxOf(m, &s)
	c.K.SendSignalLocked(c, SIGCONT, SiUser, 0, true)
	if T.Jobctl&JOBCTL_STOPPED != 0 || T.State != TASK_RUNNING || !T.OnRq {
		t.Errorf("T not woken: %s %s on_rq %v", JobctlString(T.Jobctl), StateString(T.State), T.OnRq)
	}
	if c.Woke[0] != __TASK_STOPPED {
		t.Errorf("wakeup mask %#x, want __TASK_STOPPED", c.Woke[0])
	}
	if got, want := s.Proc[0].Flags, SIGNAL_CLD_CONTINUED|SIGNAL_STOP_CONTINUED; got != want {
		t.Errorf("signal->flags %#x, want %#x", got, want)
	}
	if s.Proc[0].GroupStopCount != 0 || s.Proc[0].GroupExitCode != 0 {
		t.Errorf("group_stop_count %d group_exit_code %d, want 0 0", s.Proc[0].GroupStopCount, s.Proc[0].GroupExitCode)
	}
	if s.Proc[0].Shared&sigmask(SIGCONT) != 0 || T.Pending&sigmask(SIGCONT) != 0 || T.SigPending {
		t.Errorf("SIGCONT was queued (shared %#x private %#x TIF_SIGPENDING %v)", s.Proc[0].Shared, T.Pending, T.SigPending)
	}
	// The woken thread reports CLD_CONTINUED from get_signal.
	step(t, m, &s, "T")
	if T.Loc != LocNotifyCld || T.Why != CLD_CONTINUED || s.Proc[0].Flags&SIGNAL_CLD_MASK != 0 {
		t.Errorf("after the wakeup: loc %v why %d flags %#x; want get_signal notifying CLD_CONTINUED", T.Loc, T.Why, s.Proc[0].Flags)
	}
	step(t, m, &s, "T")
	if s.Proc[0].CldContinued != 1 || s.Proc[0].CldStopped != 1 {
		t.Errorf("notifications: CLD_STOPPED %d CLD_CONTINUED %d, want 1 1", s.Proc[0].CldStopped, s.Proc[0].CldContinued)
	}
}

// TestPrepareSignalSIGCONTPartial: a SIGCONT during a partial group stop
// yields SIGNAL_CLD_STOPPED ("report stopped, pretend the continue was
// lost", kernel/signal.c:prepare_signal(), v6.18; docs/SCENARIOS.md,
// R14) and cancels the pending participation of the
// threads that have not stopped yet.
func TestPrepareSignalSIGCONTPartial(t *testing.T) {
	m, s := machine(t, kD3(), srcTwo)
	c := ctxOf(m, &s)
	c.K.SendSignalLocked(c, SIGSTOP, SiUser, 0, true)
	step(t, m, &s, "T1", "T1") // T1 initiates the group stop and sleeps
	T1, T2 := &s.Task[0], &s.Task[1]
	if s.Proc[0].GroupStopCount != 1 || T2.Jobctl&(JOBCTL_STOP_PENDING|JOBCTL_STOP_CONSUME) == 0 || T1.Loc != LocDSSSleep {
		t.Fatalf("setup: count %d T2 %s T1 at %v", s.Proc[0].GroupStopCount, JobctlString(T2.Jobctl), T1.Loc)
	}
	c = ctxOf(m, &s)
	c.K.SendSignalLocked(c, SIGCONT, SiUser, 0, true)
	if got, want := s.Proc[0].Flags, SIGNAL_CLD_STOPPED|SIGNAL_STOP_CONTINUED; got != want {
		t.Errorf("signal->flags %#x, want %#x", got, want)
	}
	if s.Proc[0].GroupStopCount != 0 {
		t.Errorf("group_stop_count %d, want 0", s.Proc[0].GroupStopCount)
	}
	if T2.Jobctl&(JOBCTL_STOP_PENDING|JOBCTL_STOP_CONSUME|JOBCTL_STOP_DEQUEUED) != 0 {
		t.Errorf("T2 still pending: %s", JobctlString(T2.Jobctl))
	}
	if T1.State != TASK_RUNNING || !T1.OnRq || T1.Jobctl&JOBCTL_STOPPED != 0 {
		t.Errorf("T1 not woken: %s %s", StateString(T1.State), JobctlString(T1.Jobctl))
	}
	if bad := m.CheckState(&s, All); bad != 0 {
		t.Errorf("state violates %s", bad)
	}
}

// TestPrepareSignalNoStop: SIGCONT to a process that is not stopped sets
// no flags; stop signals and SIGCONT flush each other from the queues
// (prepare_signal()); a traced process queues SIGCONT (sig_ignored() is
// false for a ptraced task).
func TestPrepareSignalNoStop(t *testing.T) {
	m := NewMachine(kD3(), compile(t, srcOne))
	s := m.Fresh()
	c := ctxOf(m, &s)
	c.K.SendSignalLocked(c, SIGCONT, SiUser, 0, true)
	if s.Proc[0].Flags != 0 || s.Proc[0].Shared != 0 || s.Task[0].SigPending {
		t.Errorf("SIGCONT to a running process: flags %#x shared %#x sigpending %v", s.Proc[0].Flags, s.Proc[0].Shared, s.Task[0].SigPending)
	}
	c.K.SendSignalLocked(c, SIGSTOP, SiUser, 0, true)
	if s.Proc[0].Shared != sigmask(SIGSTOP) || !s.Task[0].SigPending {
		t.Fatalf("SIGSTOP not queued: shared %#x", s.Proc[0].Shared)
	}
	c.K.SendSignalLocked(c, SIGCONT, SiUser, 0, true)
	if s.Proc[0].Shared != 0 {
		t.Errorf("SIGCONT did not flush the pending SIGSTOP: shared %#x", s.Proc[0].Shared)
	}

	s = m.Fresh()
	s.Task[0].Ptrace, s.Task[0].Tracer = PT_PTRACED, 3
	c = ctxOf(m, &s)
	c.K.SendSignalLocked(c, SIGCONT, SiUser, 0, true)
	if s.Proc[0].Shared != sigmask(SIGCONT) || !s.Task[0].SigPending {
		t.Errorf("traced: SIGCONT not queued: shared %#x sigpending %v", s.Proc[0].Shared, s.Task[0].SigPending)
	}
	c.K.SendSignalLocked(c, SIGTSTP, SiUser, 0, true)
	if s.Proc[0].Shared != sigmask(SIGTSTP) {
		t.Errorf("traced: SIGTSTP did not flush SIGCONT: shared %#x", s.Proc[0].Shared)
	}
}

// TestPrepareSignalGroupExit pins the group-exit drop: since 9a95f78eab70
// (v6.1) prepare_signal() drops every signal to a group with
// SIGNAL_GROUP_EXIT; up to v6.0 it fell through to !sig_ignored(), so a
// thread-directed SIGKILL is queued and wakes.
func TestPrepareSignalGroupExit(t *testing.T) {
	for _, tc := range []struct {
		name   string
		drop   bool
		queued bool
	}{{"v6.1+: dropped", true, false}, {"≤v6.0: queued", false, true}} {
		t.Run(tc.name, func(t *testing.T) {
			k := kD3()
			k.DropAfterGroupExit = tc.drop
			m := NewMachine(k, compile(t, srcOne))
			s := m.Fresh()
			c := ctxOf(m, &s)
			c.K.SendSignalLocked(c, SIGKILL, SiUser, 0, true)
			if s.Proc[0].Flags != SIGNAL_GROUP_EXIT {
				t.Fatalf("flags %#x after SIGKILL", s.Proc[0].Flags)
			}
			// T dequeues its private SIGKILL on the way to do_group_exit.
			step(t, m, &s, "T")
			if s.Task[0].Loc != LocExit || s.Task[0].Pending != 0 {
				t.Fatalf("T at %v pending %#x", s.Task[0].Loc, s.Task[0].Pending)
			}
			before := s
			c = ctxOf(m, &s)
			c.K.SendSignalLocked(c, SIGKILL, SiTkill, 0, false) // tgkill
			if got := s.Task[0].Pending&sigmask(SIGKILL) != 0; got != tc.queued {
				t.Errorf("private SIGKILL queued = %v, want %v", got, tc.queued)
			}
			if tc.queued && c.Woke[0] != TASK_WAKEKILL|__TASK_TRACED|TASK_INTERRUPTIBLE {
				t.Errorf("wakeup mask %#x, want signal_wake_up(t, 1)", c.Woke[0])
			}
			s = before
			c = ctxOf(m, &s)
			c.K.SendSignalLocked(c, SIGCONT, SiUser, 0, true)
			if s != before {
				t.Error("SIGCONT to a dying group changed the state")
			}
		})
	}
}

// TestCompleteSignalFatal pins complete_signal()'s group-kill shortcut
// (kernel/signal.c): a fatal signal whose default action is not a core
// dump, to an untraced group (or SIGKILL to any), sets SIGNAL_GROUP_EXIT
// alone, records the signal in group_exit_code, ends the group stop, and
// for every thread clears the pending jobctl bits, queues a private
// SIGKILL and does signal_wake_up(t, 1).
func TestCompleteSignalFatal(t *testing.T) {
	m, s := machine(t, kD3(), srcTwo+"init W: kill P SIGSTOP\ninit W: wait T1 WUNTRACED\n")
	for i := range 2 {
		if T := &s.Task[i]; T.Loc != LocDSSSleep || T.Jobctl&JOBCTL_STOPPED == 0 {
			t.Fatalf("prelude: T%d not stopped (%v %s)", i+1, T.Loc, JobctlString(T.Jobctl))
		}
	}
	c := ctxOf(m, &s)
	c.K.SendSignalLocked(c, SIGKILL, SiUser, 0, true)
	sg := &s.Proc[0]
	if sg.Flags != SIGNAL_GROUP_EXIT || sg.GroupExitCode != SIGKILL || sg.GroupStopCount != 0 {
		t.Errorf("flags %#x group_exit_code %d group_stop_count %d", sg.Flags, sg.GroupExitCode, sg.GroupStopCount)
	}
	if sg.Shared != sigmask(SIGKILL) {
		t.Errorf("shared %#x, want SIGKILL", sg.Shared)
	}
	for i := range 2 {
		T := &s.Task[i]
		if T.Pending != sigmask(SIGKILL) || !T.SigPending {
			t.Errorf("T%d: private %#x sigpending %v", i+1, T.Pending, T.SigPending)
		}
		if T.Jobctl&(JOBCTL_PENDING_MASK|JOBCTL_STOPPED|JOBCTL_TRACED) != 0 {
			t.Errorf("T%d: jobctl %s", i+1, JobctlString(T.Jobctl))
		}
		if T.State != TASK_RUNNING || !T.OnRq {
			t.Errorf("T%d not woken: %s", i+1, StateString(T.State))
		}
	}
}

// TestCompleteSignalNoShortcut: complete_signal() does not pick stopped
// or traced threads for a non-SIGKILL signal (wants_signal()), so a
// SIGTERM to a stopped group stays queued; a core-dump signal and a signal
// to a traced task take no shortcut and wake one thread with
// signal_wake_up(t, 0).
func TestCompleteSignalNoShortcut(t *testing.T) {
	t.Run("SIGTERM to a stopped group", func(t *testing.T) {
		m, s := machine(t, kD3(), srcStopped)
		before := s
		m.K.SendSignalLocked(ctxOf(m, &s), 15, SiUser, 0, true)
		after := s
		after.Proc[0].Shared &^= sigmask(15)
		if s.Proc[0].Shared != sigmask(15) || after != before {
			t.Errorf("SIGTERM did more than queue: flags %#x, T %s %s", s.Proc[0].Flags, StateString(s.Task[0].State), JobctlString(s.Task[0].Jobctl))
		}
	})
	for _, tc := range []struct {
		name   string
		sig    int
		traced bool
	}{{"SIGQUIT (core dump)", 3, false}, {"SIGTERM to a traced task", 15, true}} {
		t.Run(tc.name, func(t *testing.T) {
			m := NewMachine(kD3(), compile(t, srcOne))
			s := m.Fresh()
			if tc.traced {
				s.Task[0].Ptrace, s.Task[0].Tracer = PT_PTRACED, 3
			}
			c := ctxOf(m, &s)
			c.K.SendSignalLocked(c, tc.sig, SiUser, 0, true)
			if s.Proc[0].Flags != 0 || s.Task[0].Pending != 0 {
				t.Errorf("shortcut taken: flags %#x private %#x", s.Proc[0].Flags, s.Task[0].Pending)
			}
			if !s.Task[0].SigPending || c.Woke[0] != TASK_INTERRUPTIBLE {
				t.Errorf("sigpending %v wake mask %#x, want signal_wake_up(t, 0)", s.Task[0].SigPending, c.Woke[0])
			}
		})
	}
}

// TestDoSignalStopGroup follows do_signal_stop() (kernel/signal.c, v6.18)
// through a two-thread group stop: the thread that dequeues SIGSTOP
// initiates it (group_exit_code = SIGSTOP; group_stop_count = one per
// thread that accepted STOP_PENDING|STOP_CONSUME; the others are woken
// with signal_wake_up(t, 0)), participates (count 2 -> 1) and stops
// without notifying; the last participant (1 -> 0) sets
// SIGNAL_STOP_STOPPED and sends the one CLD_STOPPED.
func TestDoSignalStopGroup(t *testing.T) {
	m, s := machine(t, kD3(), srcTwo)
	T1, T2, sg := &s.Task[0], &s.Task[1], &s.Proc[0]
	m.K.SendSignalLocked(ctxOf(m, &s), SIGSTOP, SiUser, 0, true)
	if !T1.SigPending || T2.SigPending {
		t.Fatalf("complete_signal should pick the leader: T1 %v T2 %v", T1.SigPending, T2.SigPending)
	}
	check := func(what string) {
		t.Helper()
		if bad := m.CheckState(&s, All); bad != 0 {
			t.Errorf("%s: state violates %s", what, bad)
		}
	}

	step(t, m, &s, "T1") // get_signal: dequeue SIGSTOP, do_signal_stop(SIGSTOP)
	if sg.GroupExitCode != SIGSTOP || sg.GroupStopCount != 1 || sg.Flags&SIGNAL_STOP_STOPPED != 0 {
		t.Errorf("after T1: group_exit_code %d count %d flags %#x", sg.GroupExitCode, sg.GroupStopCount, sg.Flags)
	}
	if want := JOBCTL_STOPPED | SIGSTOP; T1.Jobctl != want || T1.State != TASK_STOPPED || T1.Loc != LocDSSSchedule {
		t.Errorf("T1: jobctl %s|%d __state %s loc %v", JobctlString(T1.Jobctl), T1.Jobctl&JOBCTL_STOP_SIGMASK, StateString(T1.State), T1.Loc)
	}
	if want := JOBCTL_STOP_PENDING | JOBCTL_STOP_CONSUME | SIGSTOP; T2.Jobctl != want || !T2.SigPending {
		t.Errorf("T2: jobctl %#x sigpending %v, want %#x", T2.Jobctl, T2.SigPending, want)
	}
	check("T1 stopped")

	step(t, m, &s, "T1") // schedule()
	if T1.OnRq || T1.Loc != LocDSSSleep {
		t.Errorf("T1 did not block")
	}
	step(t, m, &s, "T2") // get_signal: STOP_PENDING -> do_signal_stop(0)
	if sg.GroupStopCount != 0 || sg.Flags != SIGNAL_STOP_STOPPED || T2.Why != CLD_STOPPED || T2.Loc != LocDSSNotify {
		t.Errorf("after T2: count %d flags %#x why %d loc %v", sg.GroupStopCount, sg.Flags, T2.Why, T2.Loc)
	}
	if sg.CldStopped != 0 {
		t.Error("CLD_STOPPED sent before the last participant's notification step")
	}
	check("T2 stopped")
	step(t, m, &s, "T2", "T2") // notify, schedule()
	if sg.CldStopped != 1 || T2.OnRq || T2.Loc != LocDSSSleep {
		t.Errorf("CLD_STOPPED %d, T2 on_rq %v loc %v", sg.CldStopped, T2.OnRq, T2.Loc)
	}
	if !blocked(m, &s, actor(t, m, "T1")) || !blocked(m, &s, actor(t, m, "T2")) {
		t.Error("a stopped thread can still step")
	}
}

// TestDoSignalStopNoDequeue: without STOP_PENDING, a group stop is
// initiated only if a stop signal was dequeued (JOBCTL_STOP_DEQUEUED) and
// the group is not exiting.
func TestDoSignalStopNoDequeue(t *testing.T) {
	m := NewMachine(kD3(), compile(t, srcOne))
	s := m.Fresh()
	before := s
	if m.K.DoSignalStop(ctxOf(m, &s), 0, SIGSTOP) || s != before {
		t.Error("do_signal_stop stopped without JOBCTL_STOP_DEQUEUED")
	}
	s.Task[0].Jobctl = JOBCTL_STOP_DEQUEUED
	s.Proc[0].Flags = SIGNAL_GROUP_EXIT
	before = s
	if m.K.DoSignalStop(ctxOf(m, &s), 0, SIGSTOP) || s != before {
		t.Error("do_signal_stop stopped a dying group")
	}
}
