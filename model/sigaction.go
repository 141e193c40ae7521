package model

// The tracee's own signal state: dispositions (rt_sigaction), the blocked
// mask (rt_sigprocmask), and running a handler (handle_signal,
// rt_sigreturn), after kernel/signal.c and arch/x86/kernel/signal.c (v6.18).

// maxFrames is how many signal frames Task.Frames holds.
const maxFrames = 6

// DoSigaction is do_sigaction() (kernel/signal.c, v6.18) under siglock, one
// step: SIGKILL and SIGSTOP cannot be caught or ignored (-EINVAL,
// sig_kernel_only()); setting a disposition that ignores the signal
// (SIG_IGN, or SIG_DFL for SIGCONT, SIGCHLD, SIGURG, SIGWINCH) discards it
// from the shared queue and every thread's private one ("POSIX 3.3.1.3").
// TIF_SIGPENDING is left as it is: a thread that wakes for nothing finds
// nothing in get_signal().
func DoSigaction(c *Ctx, t int, sig int, handler int) {
	if sigKernelOnly&sigmask(sig) != 0 {
		return
	}
	s := c.Sig(t)
	m := sigmask(sig)
	s.Ignored &^= m
	s.Handled &^= m
	switch handler {
	case SIG_IGN:
		s.Ignored |= m
	case SIG_HANDLER:
		s.Handled |= m
	}
	if sigHandlerIgnored(handler, sig) {
		s.Shared &^= m
		for _, u := range c.Threads(t) {
			c.S.Task[u].FlushPending(m)
		}
	}
}

// SetCurrentBlocked is __set_current_blocked() -> __set_task_blocked()
// (kernel/signal.c, v6.18) under siglock: the signals this thread now
// blocks that are pending in the shared queue are handed to a thread that
// can take them (retarget_shared_pending()), then the mask changes and
// TIF_SIGPENDING is recalculated. SIGKILL and SIGSTOP are never blocked
// (sys_rt_sigprocmask() and sigreturn remove them first).
func SetCurrentBlocked(c *Ctx, t int, blocked uint32) {
	T := &c.S.Task[t]
	blocked &^= sigKernelOnly
	if T.SigPending && len(c.Threads(t)) > 1 {
		c.RetargetSharedPending(t, blocked&^T.Blocked)
	}
	T.Blocked = blocked
	c.RecalcSigpending(t)
}

// RetargetSharedPending is retarget_shared_pending(tsk, which): for the
// shared signals in which, wake the other threads (in thread-list order)
// that do not block one of them, until each has a taker.
func (c *Ctx) RetargetSharedPending(t int, which uint32) {
	retarget := c.Sig(t).Shared & which
	if retarget == 0 {
		return
	}
	threads := c.Threads(t)
	start := 0
	for i, u := range threads {
		if u == t {
			start = i
		}
	}
	for i := 1; i < len(threads); i++ {
		u := threads[(start+i)%len(threads)]
		U := &c.S.Task[u]
		if U.Flags&PF_EXITING != 0 || !U.Alive() {
			continue
		}
		if retarget&^U.Blocked == 0 {
			continue
		}
		retarget &= U.Blocked
		if !U.SigPending {
			c.K.SignalWakeUp(c, u, false)
		}
		if retarget == 0 {
			break
		}
	}
}

// HandleSignal is handle_signal() (arch/x86/kernel/signal.c, v6.18) for
// the signal get_signal() returned with a handler, after siglock was
// dropped: an interrupted nanosleep() returns -EINTR (its op ends:
// -ERESTART_RESTARTBLOCK is never restarted when a handler runs), the
// frame is pushed, and signal_delivered() blocks the signal while the
// handler runs (no sa_mask, no SA_NODEFER) with set_current_blocked().
// The thread returns to user mode in the handler.
func HandleSignal(c *Ctx, t int) {
	T := &c.S.Task[t]
	sig := T.Sig
	T.Sig, T.SigInfo = 0, 0
	if T.Flags&ERESTART_RESTARTBLOCK != 0 {
		T.Flags &^= ERESTART_RESTARTBLOCK
		T.ScriptPC++ // the sleep op is over: -EINTR
	}
	T.Frames = T.Frames<<5 | uint32(sig)
	c.K.SetCurrentBlocked(c, t, T.Blocked|sigmask(int(sig)))
	T.Loc = LocUser
}

// SysRtSigreturn is the handler returning: the user code of the handler
// (nothing) and rt_sigreturn() (arch/x86/kernel/signal_64.c, v6.18), which
// restores the mask the frame saved — the one before the signal was
// blocked for the handler — with set_current_blocked().
func SysRtSigreturn(c *Ctx, t int) {
	T := &c.S.Task[t]
	sig := int(T.Frames & 31)
	T.Frames >>= 5
	c.K.SetCurrentBlocked(c, t, T.Blocked&^sigmask(sig))
}

// IsCurrentPgrpOrphaned is is_current_pgrp_orphaned() (kernel/exit.c,
// v6.18) under tasklist_lock: will_become_orphaned_pgrp() of current's
// process group. Each scenario process is its own group, orphaned exactly
// when the scenario says so.
func IsCurrentPgrpOrphaned(c *Ctx, t int) bool {
	return c.P.Procs[c.P.Tasks[t].Proc].Orphaned
}
