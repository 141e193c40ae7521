package model

import "testing"

// ptrace, pinned against kernel/ptrace.c and kernel/signal.c (v6.1,
// v6.18; v5.17 for the old ptrace_stop()).

// srcTraced: P has attached to a stopped T, which re-trapped into
// TASK_TRACED (a group-stop trap: exit_code SIGSTOP, no siginfo).
const srcTraced = srcStopped + "init P: attach T\n"

// TestPtraceStopEarlyReturn pins ptrace_stop()'s early return (v5.19+:
// 57b6de08b5f6, 2500ad1c7fa4): with SIGKILL pending, or no
// tracer, it does not stop and sets nothing.
func TestPtraceStopEarlyReturn(t *testing.T) {
	m := NewMachine(kD3(), compile(t, srcOne))
	s := m.Fresh()
	s.Task[0].Ptrace, s.Task[0].Tracer = PT_PTRACED, uint8(actor(t, m, "P")+1)
	m.K.SendSignalLocked(ctxOf(m, &s), SIGKILL, SiTkill, 0, false)
	before := s
	if m.K.PtraceStop(ctxOf(m, &s), 0, SIGTRAP, CLD_TRAPPED, SiSignal, RetSyscallEntry) || s != before {
		t.Errorf("ptrace_stop stopped with SIGKILL pending: jobctl %s", JobctlString(s.Task[0].Jobctl))
	}
	s = m.Fresh()
	before = s
	if m.K.PtraceStop(ctxOf(m, &s), 0, SIGTRAP, CLD_TRAPPED, SiSignal, RetSyscallEntry) || s != before {
		t.Error("ptrace_stop stopped an untraced task")
	}
}

// TestPtraceStopLeak is Oleg Nesterov's leak (docs/SCENARIOS.md, R5;
// <20220425174719.GB12412@redhat.com>) in the ptrace_stop() of v5.18 and
// of the b/c proposals: no early return, TASK_TRACED = 0x108, so with
// SIGKILL pending ptrace_stop() commits (JOBCTL_TRACED), schedule() does
// not block, and the wake path clears only LISTENING/DELAY_WAKEKILL:
// JOBCTL_TRACED stays set on a running task (I9).
func TestPtraceStopLeak(t *testing.T) {
	m := NewMachine(kLeak(), compile(t, srcOne))
	s := m.Fresh()
	T := &s.Task[0]
	T.Ptrace, T.Tracer = PT_PTRACED, uint8(actor(t, m, "P")+1)
	m.K.SendSignalLocked(ctxOf(m, &s), SIGKILL, SiTkill, 0, false)
	// The syscall-exit stop: after it, back to user mode.
	if !m.K.PtraceStop(ctxOf(m, &s), 0, SIGTRAP, CLD_TRAPPED, SiSignal, RetSyscallExit) {
		t.Fatal("ptrace_stop did not commit")
	}
	if T.Jobctl&JOBCTL_TRACED == 0 || T.State != taskTracedOld || T.Loc != LocPSNotify {
		t.Fatalf("after S1: %s %s %v", JobctlString(T.Jobctl), StateString(T.State), T.Loc)
	}
	step(t, m, &s, "T") // S2: notify the tracer
	c := step(t, m, &s, "T")
	if c.StepLabel() != "ptrace_stop: schedule() (does not block)" || !T.OnRq || T.State != TASK_RUNNING {
		t.Fatalf("S4 %q: on_rq %v __state %s", c.StepLabel(), T.OnRq, StateString(T.State))
	}
	step(t, m, &s, "T") // S6
	if T.Loc != LocUser || T.Jobctl&JOBCTL_TRACED == 0 {
		t.Fatalf("S6: loc %v jobctl %s; want user mode with the leaked JOBCTL_TRACED", T.Loc, JobctlString(T.Jobctl))
	}
	if bad := m.CheckState(&s, All); !bad.Has(I9) {
		t.Errorf("leaked JOBCTL_TRACED in user mode: CheckState = %q, want I9", bad)
	}
}

// TestPtraceAttachRetrap pins ptrace_attach() on a stopped task (kernel/
// ptrace.c ptrace_set_stopped(), v6.18; docs/SCENARIOS.md, R13): the attach queues a
// private SIGSTOP, sets JOBCTL_TRAP_STOP|JOBCTL_TRAPPING, clears
// JOBCTL_STOPPED and wakes __TASK_STOPPED; the tracer waits on TRAPPING,
// which the tracee clears in ptrace_stop() as it re-traps into TASK_TRACED.
func TestPtraceAttachRetrap(t *testing.T) {
	m, s := machine(t, kD3(), srcStopped+"P: attach T\n")
	T := &s.Task[0]
	P := actor(t, m, "P")
	step(t, m, &s, "P")
	if T.Ptrace != PT_PTRACED || int(T.Tracer) != P+1 {
		t.Errorf("ptrace %#x tracer %d", T.Ptrace, T.Tracer)
	}
	if want := JOBCTL_TRAP_STOP | JOBCTL_TRAPPING; T.Jobctl&^JOBCTL_STOP_SIGMASK != want {
		t.Errorf("jobctl %s, want TRAP_STOP|TRAPPING", JobctlString(T.Jobctl))
	}
	if T.Pending != sigmask(SIGSTOP) || T.State != TASK_RUNNING || !T.OnRq {
		t.Errorf("private %#x __state %s on_rq %v", T.Pending, StateString(T.State), T.OnRq)
	}
	if !blocked(m, &s, P) {
		t.Error("the tracer did not wait for JOBCTL_TRAPPING")
	}
	step(t, m, &s, "T") // woken: get_signal -> do_jobctl_trap -> ptrace_stop S1
	if T.Jobctl&(JOBCTL_TRAPPING|JOBCTL_TRAP_STOP) != 0 || T.Jobctl&JOBCTL_TRACED == 0 || T.State != __TASK_TRACED {
		t.Errorf("re-trap: jobctl %s __state %s", JobctlString(T.Jobctl), StateString(T.State))
	}
	if T.ExitCode != SIGSTOP || T.LastSiginfo != SiNone {
		t.Errorf("group-stop trap: exit_code %d siginfo %d, want SIGSTOP and none", T.ExitCode, T.LastSiginfo)
	}
	c := step(t, m, &s, "P")
	if m.P.Result(&s, P, 0) != ResOK || c.StepLabel() != "ptrace_attach: wait_on_bit(JOBCTL_TRAPPING) done" {
		t.Errorf("attach result %v (%q)", m.P.Result(&s, P, 0), c.StepLabel())
	}
	runOut(t, m, &s, "T")
	if got := ctxOf(m, &s).Letter(0); got != 't' || T.OnRq {
		t.Errorf("/proc letter %c on_rq %v, want a sleeping 't'", got, T.OnRq)
	}
}

// TestPtraceAttachFrozen is R13's frozen variant on d3: the attach's
// wakeup hits saved_state (TASK_STOPPED -> TASK_RUNNING) and the tracer
// stays in wait_on_bit() until the thaw wakes T from TASK_FROZEN.
func TestPtraceAttachFrozen(t *testing.T) {
	m, s := machine(t, kD3(), srcStopped+"init F: freeze T\nF: thaw T\nP: attach T\n")
	T := &s.Task[0]
	if T.State != TASK_FROZEN || T.Saved != TASK_STOPPED {
		t.Fatalf("prelude: %s saved %s", StateString(T.State), StateString(T.Saved))
	}
	step(t, m, &s, "P")
	if T.State != TASK_FROZEN || T.Saved != TASK_RUNNING || T.OnRq || T.Jobctl&JOBCTL_STOPPED != 0 {
		t.Errorf("attach on a frozen task: %s saved %s on_rq %v %s", StateString(T.State), StateString(T.Saved), T.OnRq, JobctlString(T.Jobctl))
	}
	if !blocked(m, &s, actor(t, m, "P")) || !blocked(m, &s, actor(t, m, "T")) {
		t.Fatal("tracer or tracee ran before the thaw")
	}
	step(t, m, &s, "F", "F") // clear freezing; __thaw_task(T)
	if T.State != TASK_RUNNING || !T.OnRq {
		t.Fatalf("thaw did not wake T: %s", StateString(T.State))
	}
	step(t, m, &s, "T", "P")
	if T.Jobctl&JOBCTL_TRACED == 0 || s.Actor[actor(t, m, "P")].PC != 1 {
		t.Errorf("attach not finished after the thaw: %s", JobctlString(T.Jobctl))
	}
}

// TestPtraceUnlinkRearm pins __ptrace_unlink() (kernel/ptrace.c): a
// detached tracee of a stopped group gets JOBCTL_STOP_PENDING back and is
// woken out of ptrace_stop() (ptrace_signal_wake_up(t, true)); it passes
// through get_signal and re-enters TASK_STOPPED via do_signal_stop()
// without consuming a group_stop_count.
func TestPtraceUnlinkRearm(t *testing.T) {
	m, s := machine(t, kD3(), srcTraced+"P: detach T\n")
	T, sg := &s.Task[0], &s.Proc[0]
	if T.Loc != LocPSSleep || T.OnRq || T.Jobctl&JOBCTL_TRACED == 0 || sg.Flags != SIGNAL_STOP_STOPPED {
		t.Fatalf("prelude: T at %v %s flags %#x", T.Loc, JobctlString(T.Jobctl), sg.Flags)
	}
	step(t, m, &s, "P") // ptrace_check_attach: ptrace_freeze_traced
	if T.Jobctl&JOBCTL_PTRACE_FROZEN == 0 {
		t.Fatalf("not PTRACE_FROZEN: %s", JobctlString(T.Jobctl))
	}
	step(t, m, &s, "P", "P") // wait_task_inactive; ptrace_detach
	if T.Ptrace != 0 || T.Tracer != 0 {
		t.Errorf("still linked: ptrace %#x tracer %d", T.Ptrace, T.Tracer)
	}
	if T.Jobctl&JOBCTL_STOP_PENDING == 0 || T.Jobctl&(JOBCTL_TRACED|JOBCTL_STOP_CONSUME) != 0 {
		t.Errorf("jobctl %s, want STOP_PENDING without CONSUME and TRACED", JobctlString(T.Jobctl))
	}
	if T.State != TASK_RUNNING || !T.OnRq {
		t.Errorf("not woken: %s", StateString(T.State))
	}
	step(t, m, &s, "T") // ptrace_stop S6: clears PTRACE_FROZEN
	if T.Jobctl&JOBCTL_PTRACE_FROZEN != 0 || T.Loc != LocRelock {
		t.Errorf("S6: jobctl %s loc %v", JobctlString(T.Jobctl), T.Loc)
	}
	if got := ctxOf(m, &s).Letter(0); got != 'R' {
		t.Errorf("between the stops /proc shows %c, want R", got)
	}
	step(t, m, &s, "T") // relock -> do_signal_stop(0)
	if T.Jobctl&JOBCTL_STOPPED == 0 || T.Jobctl&JOBCTL_STOP_PENDING != 0 || T.State != TASK_STOPPED || sg.GroupStopCount != 0 {
		t.Errorf("re-stop: %s %s count %d", JobctlString(T.Jobctl), StateString(T.State), sg.GroupStopCount)
	}
	if T.Why != 0 {
		t.Errorf("re-entering a completed stop notified the parent again (why %d)", T.Why)
	}
	runOut(t, m, &s, "T")
	if got := ctxOf(m, &s).Letter(0); got != 'T' || T.OnRq {
		t.Errorf("/proc %c on_rq %v, want a sleeping 'T'", got, T.OnRq)
	}
}

// TestPtraceFreezeTraced pins ptrace_freeze_traced() and
// ptrace_unfreeze_traced() (kernel/ptrace.c v5.19+ with Sven Schnelle's
// fix, <20220706101625.2100298-1-svens@linux.ibm.com>).
func TestPtraceFreezeTraced(t *testing.T) {
	setup := func(jobctl uint32, fatal bool) (*Machine, State) {
		m := NewMachine(kD3(), compile(t, srcOne))
		s := m.Fresh()
		T := &s.Task[0]
		T.Ptrace, T.Tracer = PT_PTRACED, uint8(actor(t, m, "P")+1)
		T.Jobctl, T.State, T.OnRq, T.Loc = jobctl, __TASK_TRACED, false, LocPSSleep
		if fatal {
			T.Pending = sigmask(SIGKILL)
			T.SigPending = true
		}
		return m, s
	}
	freeze := []struct {
		name   string
		jobctl uint32
		fatal  bool
		ok     bool
	}{
		{"traced", JOBCTL_TRACED, false, true},
		{"LISTENING", JOBCTL_TRACED | JOBCTL_LISTENING, false, false},
		{"fatal signal pending", JOBCTL_TRACED, true, false},
		{"not traced", 0, false, false},
	}
	for _, tc := range freeze {
		t.Run("freeze "+tc.name, func(t *testing.T) {
			m, s := setup(tc.jobctl, tc.fatal)
			before := s
			ok := PtraceFreezeTraced(ctxOf(m, &s), 0)
			if ok != tc.ok {
				t.Fatalf("ptrace_freeze_traced = %v, want %v", ok, tc.ok)
			}
			if ok && s.Task[0].Jobctl != tc.jobctl|JOBCTL_PTRACE_FROZEN {
				t.Errorf("jobctl %s", JobctlString(s.Task[0].Jobctl))
			}
			if !ok && s != before {
				t.Error("a refused freeze changed the state")
			}
		})
	}
	t.Run("unfreeze", func(t *testing.T) {
		m, s := setup(JOBCTL_TRACED|JOBCTL_PTRACE_FROZEN, false)
		PtraceUnfreezeTraced(ctxOf(m, &s), 0)
		if s.Task[0].Jobctl != JOBCTL_TRACED || s.Task[0].State != __TASK_TRACED || s.Task[0].OnRq {
			t.Errorf("jobctl %s __state %s", JobctlString(s.Task[0].Jobctl), StateString(s.Task[0].State))
		}
	})
	t.Run("unfreeze with SIGKILL pending (R6)", func(t *testing.T) {
		m, s := setup(JOBCTL_TRACED|JOBCTL_PTRACE_FROZEN, true)
		c := ctxOf(m, &s)
		PtraceUnfreezeTraced(c, 0)
		if s.Task[0].Jobctl != 0 || s.Task[0].State != TASK_RUNNING || !s.Task[0].OnRq || c.Woke[0] != __TASK_TRACED {
			t.Errorf("jobctl %s __state %s wake %#x", JobctlString(s.Task[0].Jobctl), StateString(s.Task[0].State), c.Woke[0])
		}
	})
	t.Run("unfreeze of a reaped task", func(t *testing.T) {
		m, s := setup(JOBCTL_TRACED|JOBCTL_PTRACE_FROZEN, true)
		s.Task[0].ExitState = EXIT_DEAD
		before := s
		PtraceUnfreezeTraced(ctxOf(m, &s), 0)
		if s != before {
			t.Error("lock_task_sighand() should have failed")
		}
	})
}

// TestPtraceResume pins ptrace_resume() (v5.19+, always under siglock,
// 5b4197cb287d): exit_code = data, JOBCTL_TRACED cleared,
// wake_up_state(__TASK_TRACED) — which on a frozen d3 tracee only records
// the wakeup in saved_state (R18: a frozen tracee is not run before the thaw).
func TestPtraceResume(t *testing.T) {
	for _, tc := range []struct {
		name         string
		state, saved uint16
		state2, sav2 uint16
		onRq         bool
	}{
		{"traced", __TASK_TRACED, 0, TASK_RUNNING, 0, true},
		{"frozen traced (d3)", TASK_FROZEN, __TASK_TRACED, TASK_FROZEN, TASK_RUNNING, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := NewMachine(kD3(), compile(t, srcOne))
			s := m.Fresh()
			T := &s.Task[0]
			T.Jobctl, T.State, T.Saved, T.OnRq, T.ExitCode = JOBCTL_TRACED, tc.state, tc.saved, false, SIGTRAP
			m.K.PtraceResume(ctxOf(m, &s), 0, 15)
			if T.ExitCode != 15 || T.Jobctl != 0 || T.State != tc.state2 || T.Saved != tc.sav2 || T.OnRq != tc.onRq {
				t.Errorf("exit_code %d jobctl %s __state %s saved %s on_rq %v",
					T.ExitCode, JobctlString(T.Jobctl), StateString(T.State), StateString(T.Saved), T.OnRq)
			}
		})
	}
}
