package model

import (
	"strings"
	"testing"

	"jobctl/scenario"
)

// The tracee's own signal state (dispositions, the blocked mask, handlers),
// the orphaned-pgrp rule, and the ptrace requests and options of issue 11,
// pinned against kernel/signal.c, kernel/ptrace.c and kernel/exit.c (v6.18).

const sigUSR1, sigUSR2 = scenario.SIGUSR1, scenario.SIGUSR2

// TestSigIgnored pins sig_ignored()/sig_task_ignored(): blocked signals and
// a traced task's signals (SIGKILL aside) are never ignored; otherwise
// SIG_IGN, or SIG_DFL with the default action "ignore".
func TestSigIgnored(t *testing.T) {
	cases := []struct {
		name             string
		sig              int
		ignored, handled bool
		blocked          bool
		ptrace           uint32
		want             bool
	}{
		{"SIG_DFL, default terminate", sigUSR1, false, false, false, 0, false},
		{"SIG_DFL SIGCHLD: default ignore", SIGCHLD, false, false, false, 0, true},
		{"SIG_DFL SIGCONT: default ignore", SIGCONT, false, false, false, 0, true},
		{"SIG_IGN", sigUSR1, true, false, false, 0, true},
		{"a handler", SIGCHLD, false, true, false, 0, false},
		{"SIG_IGN but blocked", sigUSR1, true, false, true, 0, false},
		{"SIG_IGN but traced", sigUSR1, true, false, false, PT_PTRACED, false},
		{"SIG_DFL SIGCHLD, traced", SIGCHLD, false, false, false, PT_PTRACED | PT_SEIZED, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, s := machine(t, Mainline(), "process T\n")
			T := &s.Task[0]
			if tc.ignored {
				s.Proc[0].Ignored |= sigmask(tc.sig)
			}
			if tc.handled {
				s.Proc[0].Handled |= sigmask(tc.sig)
			}
			if tc.blocked {
				T.Blocked |= sigmask(tc.sig)
			}
			T.Ptrace = tc.ptrace
			if got := m.K.SigIgnored(ctxOf(m, &s), 0, tc.sig); got != tc.want {
				t.Errorf("sig_ignored(%s) = %v, want %v", scenario.SigName(tc.sig), got, tc.want)
			}
		})
	}
}

// TestDoSigaction pins do_sigaction(): SIGKILL/SIGSTOP cannot be changed;
// a disposition that ignores the signal flushes it from every queue; a
// handler does not.
func TestDoSigaction(t *testing.T) {
	m, s := machine(t, Mainline(), "process P threads P1 P2\n")
	c := ctxOf(m, &s)
	for _, sig := range []int{SIGKILL, SIGSTOP} {
		m.K.DoSigaction(c, 0, sig, SIG_IGN)
		m.K.DoSigaction(c, 0, sig, SIG_HANDLER)
		if s.Proc[0].Ignored|s.Proc[0].Handled != 0 {
			t.Fatalf("%s: disposition changed to %#x/%#x, want SIG_DFL (EINVAL)", scenario.SigName(sig), s.Proc[0].Ignored, s.Proc[0].Handled)
		}
	}
	s.Proc[0].Shared = sigmask(sigUSR1) | sigmask(SIGCONT)
	s.Task[1].Pending = sigmask(sigUSR1)
	s.Task[1].PendingKernel = sigmask(sigUSR1)
	m.K.DoSigaction(c, 0, sigUSR1, SIG_HANDLER)
	if s.Proc[0].Shared&sigmask(sigUSR1) == 0 || s.Task[1].Pending == 0 {
		t.Fatalf("a handler flushed the pending SIGUSR1")
	}
	m.K.DoSigaction(c, 0, sigUSR1, SIG_IGN)
	if s.Proc[0].Shared != sigmask(SIGCONT) || s.Task[1].Pending != 0 || s.Task[1].PendingKernel != 0 {
		t.Fatalf("SIG_IGN: shared %#x, T2 pending %#x (SI_KERNEL %#x), want SIGCONT only and none",
			s.Proc[0].Shared, s.Task[1].Pending, s.Task[1].PendingKernel)
	}
	if c.SigHandler(1, sigUSR1) != SIG_IGN {
		t.Fatalf("dispositions are per group: T2 sees %d", c.SigHandler(1, sigUSR1))
	}
	m.K.DoSigaction(c, 0, SIGCONT, SIG_DFL)
	if s.Proc[0].Shared != 0 {
		t.Fatalf("SIG_DFL SIGCONT (default ignore) kept the pending SIGCONT")
	}
}

// TestSetCurrentBlocked pins __set_current_blocked(): SIGKILL and SIGSTOP
// are never blocked, a newly blocked shared signal goes to another thread
// (retarget_shared_pending()), and TIF_SIGPENDING follows the mask.
func TestSetCurrentBlocked(t *testing.T) {
	m, s := machine(t, Mainline(), "process P threads P1 P2 P3\n")
	c := ctxOf(m, &s)
	m.K.SetCurrentBlocked(c, 0, sigmask(SIGKILL)|sigmask(SIGSTOP)|sigmask(sigUSR2))
	if s.Task[0].Blocked != sigmask(sigUSR2) {
		t.Fatalf("blocked = %s, want SIGUSR2", sigsetString(s.Task[0].Blocked))
	}
	// SIGUSR1 pending in the shared queue, P1 was to take it; P2 blocks it.
	s.Proc[0].Shared = sigmask(sigUSR1)
	s.Task[0].SigPending = true
	s.Task[1].Blocked = sigmask(sigUSR1)
	m.K.SetCurrentBlocked(c, 0, sigmask(sigUSR1))
	if s.Task[0].SigPending {
		t.Errorf("P1 blocks the only pending signal but keeps TIF_SIGPENDING")
	}
	if s.Task[1].SigPending || !s.Task[2].SigPending {
		t.Errorf("retarget: P2 %v, P3 %v; want P3 (P2 blocks SIGUSR1 too)", s.Task[1].SigPending, s.Task[2].SigPending)
	}
	m.K.SetCurrentBlocked(c, 0, 0)
	if !s.Task[0].SigPending {
		t.Errorf("unblocking a pending signal does not set TIF_SIGPENDING")
	}
}

// TestNextSignal pins next_signal(): unblocked only, synchronous first.
func TestNextSignal(t *testing.T) {
	cases := []struct {
		pending, blocked uint32
		want             int
	}{
		{sigmask(sigUSR1) | sigmask(sigUSR2), 0, sigUSR1},
		{sigmask(sigUSR1) | sigmask(sigUSR2), sigmask(sigUSR1), sigUSR2},
		{sigmask(sigUSR1) | sigmask(scenario.SIGSEGV), 0, scenario.SIGSEGV},
		{sigmask(SIGSTOP) | sigmask(SIGTRAP), 0, SIGTRAP},
		{sigmask(sigUSR1), sigmask(sigUSR1), 0},
	}
	for _, tc := range cases {
		if got := nextSignal(tc.pending, tc.blocked); got != tc.want {
			t.Errorf("next_signal(%s, blocked %s) = %d, want %d", sigsetString(tc.pending), sigsetString(tc.blocked), got, tc.want)
		}
	}
}

// TestDequeueSiginfo: the si_code kept per queued signal is what
// PTRACE_GETSIGINFO shows in the signal-delivery-stop.
func TestDequeueSiginfo(t *testing.T) {
	m, s := machine(t, Mainline(), "process T\n")
	c := ctxOf(m, &s)
	s.Task[0].Ptrace = PT_PTRACED                                // not a group kill: the signals stay queued
	m.K.SendSignalLocked(ctxOf(m, &s), sigUSR1, SiUser, 0, true) // one step each: one choice point
	m.K.SendSignalLocked(ctxOf(m, &s), sigUSR2, SiTkill, 0, false)
	m.K.SendSignalLocked(ctxOf(m, &s), SIGSTOP, SiKernel, 0, false)
	want := []struct {
		sig int
		si  uint8
	}{{sigUSR2, SiTkill}, {SIGSTOP, SiKernel}, {sigUSR1, SiUser | SigInfoShared}}
	for _, w := range want {
		if got := m.K.DequeueSignal(c, 0); got != w.sig || s.Task[0].SigInfo != w.si {
			t.Errorf("dequeue = %d (si %#x), want %d (si %#x)", got, s.Task[0].SigInfo, w.sig, w.si)
		}
	}
	if s.Task[0].PendingKernel|s.Task[0].PendingUser != 0 {
		t.Errorf("siginfo bits left behind: %#x %#x", s.Task[0].PendingKernel, s.Task[0].PendingUser)
	}
}

// TestHandlerFrames: handle_signal() blocks the signal while its handler
// runs and rt_sigreturn() restores the mask, innermost frame first.
func TestHandlerFrames(t *testing.T) {
	m, s := machine(t, Mainline(), "process T\n")
	c := ctxOf(m, &s)
	T := &s.Task[0]
	T.Blocked = sigmask(SIGCHLD)
	for _, sig := range []int{sigUSR1, sigUSR2} {
		T.Sig = uint8(sig)
		T.Loc = LocHandleSignal
		m.K.HandleSignal(c, 0)
	}
	if T.Blocked != sigmask(SIGCHLD)|sigmask(sigUSR1)|sigmask(sigUSR2) || framesName(T.Frames) != "SIGUSR2,SIGUSR1" {
		t.Fatalf("after two deliveries: blocked %s, frames %s", sigsetString(T.Blocked), framesName(T.Frames))
	}
	m.K.SysRtSigreturn(c, 0)
	if T.Blocked != sigmask(SIGCHLD)|sigmask(sigUSR1) {
		t.Fatalf("the inner rt_sigreturn restored %s, want SIGCHLD,SIGUSR1", sigsetString(T.Blocked))
	}
	m.K.SysRtSigreturn(c, 0)
	if T.Blocked != sigmask(SIGCHLD) || T.Frames != 0 {
		t.Fatalf("after both: blocked %s, frames %s", sigsetString(T.Blocked), framesName(T.Frames))
	}
}

// TestNanosleepRestart: a stop restarts an interrupted nanosleep(), a
// handler ends it with -EINTR so that the next op runs.
func TestNanosleepRestart(t *testing.T) {
	const src = "actor S W\nprocess T parent W\ninit T: handle SIGUSR1\n" +
		"T: sleep\nT: exit_group 7\nS: kill T SIGSTOP\nS: kill T SIGCONT\nS: kill T SIGUSR1\nW: wait T\n"
	m, s := machine(t, Mainline(), src)
	step(t, m, &s, "T")
	if s.Task[0].Loc != LocPause {
		t.Fatalf("T is at %v, want asleep in nanosleep", s.Task[0].Loc)
	}
	step(t, m, &s, "S") // SIGSTOP: woken, -ERESTART_RESTARTBLOCK, get_signal stops
	runOut(t, m, &s, "T")
	if s.Task[0].Loc != LocDSSSleep {
		t.Fatalf("after SIGSTOP T is at %v, want stopped", s.Task[0].Loc)
	}
	step(t, m, &s, "S") // SIGCONT
	runOut(t, m, &s, "T")
	if s.Task[0].Loc != LocPause || s.Task[0].ScriptPC != 1 { // op 0 is the prelude's handle
		t.Fatalf("after the stop T is at %v (op %d), want asleep again in the same op", s.Task[0].Loc, s.Task[0].ScriptPC)
	}
	step(t, m, &s, "S")
	runOut(t, m, &s, "T")
	runOut(t, m, &s, "W")
	if got := m.P.Result(&s, actor(t, m, "W"), 0); got != ResExited|7 {
		t.Fatalf("W's wait = %v, want exited(7): the handler ends the sleep", got)
	}
}

// TestCompileChecks: traceme needs a parent actor that does not exit, and
// a group has at most maxFrames handled signals.
func TestCompileChecks(t *testing.T) {
	cases := []struct{ src, want string }{
		{"process T\nT: traceme\n", "give process T a parent actor"},
		{"actor P\nprocess T parent P\nT: traceme\nP: exit\n", "whose parent P exits is not modelled"},
		{"process T\ninit T: handle 1\nT: handle 2\nT: handle 3\nT: handle 4\nT: handle 5\nT: handle 6\nT: handle 7\n",
			"at most 6 signals with a handler"},
	}
	for _, tc := range cases {
		sc, err := scenario.Parse("test.jc", []byte(tc.src))
		if err != nil {
			t.Fatalf("parse %q: %v", tc.src, err)
		}
		if _, err := Compile(sc); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("compile %q: %v, want an error with %q", tc.src, err, tc.want)
		}
	}
}

// TestResultStrings pins the printed forms of the new results.
func TestResultStrings(t *testing.T) {
	cases := []struct {
		r    Result
		want string
	}{
		{ResSiginfo | sigUSR1 | Result(SiTkill)<<5, "siginfo(SIGUSR1,SI_TKILL)"},
		{ResSiginfo | SIGSTOP | Result(SiEventStop)<<5, "siginfo(SIGSTOP,EVENT_STOP)"},
		{ResSiginfo | SIGTRAP | Result(SiTrapGood)<<5, "siginfo(SIGTRAP,SIGTRAP|0x80)"},
		{ResSiginfo | SIGTRAP | Result(SiEventExit)<<5, "siginfo(SIGTRAP,EVENT_EXIT)"},
		{ResErrno | EINVAL, "EINVAL"},
		{ResStopped | SIGTRAP | 0x80, "stopped(SIGTRAP|0x80)"},
		{ResStopped | SIGTRAP | ResEventExit, "stopped(SIGTRAP,EVENT_EXIT)"},
	}
	for _, tc := range cases {
		if got := tc.r.String(); got != tc.want {
			t.Errorf("%#x: %q, want %q", uint16(tc.r), got, tc.want)
		}
	}
}

// TestPtraceOptions: SEIZE's options and SETOPTIONS land in task->ptrace
// as the kernel's PT_* bits; TRACESYSGOOD sets 0x80 in a syscall stop;
// TRACEME links the real parent.
func TestPtraceOptions(t *testing.T) {
	if PT_TRACESYSGOOD != 0x8 || PT_TRACE_EXIT != 0x200 || PT_EXITKILL != 0x800000 {
		t.Fatalf("PT_* bits %#x %#x %#x, want 0x8 0x200 0x800000 (include/linux/ptrace.h)", PT_TRACESYSGOOD, PT_TRACE_EXIT, PT_EXITKILL)
	}
	m, s := machine(t, Mainline(), "actor P\nprocess T\ninit P: seize T TRACESYSGOOD,EXITKILL\n")
	if s.Task[0].Ptrace != PT_PTRACED|PT_SEIZED|PT_TRACESYSGOOD|PT_EXITKILL {
		t.Fatalf("ptrace = %s", ptraceName(s.Task[0].Ptrace))
	}
	if PtraceSyscallCode(&s.Task[0]) != SIGTRAP|0x80 {
		t.Fatalf("syscall stop code without 0x80 under TRACESYSGOOD")
	}
	m2, s2 := machine(t, Mainline(), "actor P\nprocess T parent P\ninit T: traceme\n")
	if s2.Task[0].Ptrace != PT_PTRACED || m2.P.Actors[s2.Task[0].Tracer-1].Name != "P" {
		t.Fatalf("traceme: ptrace %s, tracer %d", ptraceName(s2.Task[0].Ptrace), s2.Task[0].Tracer)
	}
	_ = m
}
