package model

// ptrace, after kernel/ptrace.c (v6.18).

// PtraceFreezeTraced is ptrace_freeze_traced() (v5.19+): hold a traced
// tracee for a request by setting JOBCTL_PTRACE_FROZEN, which makes
// signal_wake_up() defer fatal wakeups. It refuses a LISTENING tracee
// (lock-free test; only the tracer sets LISTENING) and one with a fatal
// signal pending.
func PtraceFreezeTraced(c *Ctx, t int) bool {
	T := &c.S.Task[t]
	if T.Jobctl&JOBCTL_LISTENING != 0 {
		c.Cover(brFreezeTracedNo)
		return false
	}
	if c.TaskIsTraced(t) && !T.FatalSignalPending() {
		T.Jobctl |= c.K.PtraceFrozenBit
		return true
	}
	c.Cover(brFreezeTracedNo)
	return false
}

// PtraceUnfreezeTraced is ptrace_unfreeze_traced() (v5.19+, with Sven
// Schnelle's fix "ptrace: fix clearing of JOBCTL_TRACED in
// ptrace_unfreeze_traced()"): release the hold; a fatal signal that came
// during the request now ends the stop.
func PtraceUnfreezeTraced(c *Ctx, t int) {
	T := &c.S.Task[t]
	if !T.Alive() {
		return // lock_task_sighand() failed
	}
	T.Jobctl &^= c.K.PtraceFrozenBit
	if T.FatalSignalPending() {
		c.Cover(brUnfreezeFatal)
		T.Jobctl &^= JOBCTL_TRACED
		c.K.TryToWakeUp(c, t, __TASK_TRACED)
	}
}

// ptraceAttach is the linking half of ptrace_attach() under tasklist_lock
// (write) and the tracee's siglock: it reports the errno, or 0.
func PtraceAttach(c *Ctx, a int, t int, seize bool) int {
	T := &c.S.Task[t]
	if T.ExitState != 0 || T.Ptrace != 0 {
		c.Cover(brAttachEPERM)
		return EPERM
	}
	T.Ptrace = PT_PTRACED
	if seize {
		T.Ptrace |= PT_SEIZED
	}
	T.Tracer = uint8(a + 1)
	T.PtraceSeq = uint8(c.ptracedCount(a)) // ptrace_link(): list_add() at the head
	if !seize {
		c.K.SendSignalLocked(c, SIGSTOP, SiKernel, t, false) // send_signal_locked(SIGSTOP, SEND_SIG_PRIV, task, PIDTYPE_PID)
	}
	// ptrace_set_stopped(): "If the task is already STOPPED, set
	// JOBCTL_TRAP_STOP and TRAPPING, and kick it so that it transits to
	// TRACED."
	if c.TaskIsStopped(t) && c.TaskSetJobctlPending(t, JOBCTL_TRAP_STOP|JOBCTL_TRAPPING) {
		c.Cover(brAttachStopped)
		T.Jobctl &^= JOBCTL_STOPPED
		c.K.SignalWakeUpState(c, t, __TASK_STOPPED)
	}
	return 0
}

// PtraceUnlink is __ptrace_unlink() (tasklist_lock write, then the
// tracee's siglock): the tracee goes back to its real parent; a pending
// or completed group stop is re-armed, and a ptrace stop is ended.
func PtraceUnlink(c *Ctx, t int) {
	T := &c.S.Task[t]
	for u := range c.P.Tasks { // list_del_init(&child->ptrace_entry)
		if U := &c.S.Task[u]; U.Tracer == T.Tracer && U.PtraceSeq > T.PtraceSeq {
			U.PtraceSeq--
		}
	}
	T.Tracer = 0
	T.Ptrace = 0
	T.PtraceSeq = 0
	T.Flags &^= TIF_SYSCALL_TRACE // "clear syscall-trace work"
	if !T.Alive() {
		return // PF_EXITING: nothing to re-arm, nothing to wake
	}
	c.TaskClearJobctlPending(t, JOBCTL_TRAP_MASK)
	c.TaskClearJobctlTrapping(t)
	s := c.Sig(t)
	if T.Flags&PF_EXITING == 0 && (s.Flags&SIGNAL_STOP_STOPPED != 0 || s.GroupStopCount != 0) {
		c.Cover(brUnlinkRestop)
		T.Jobctl |= JOBCTL_STOP_PENDING
	}
	if T.Jobctl&JOBCTL_STOP_PENDING != 0 || c.TaskIsTraced(t) {
		c.Cover(brUnlinkWake)
		c.K.PtraceSignalWakeUp(c, t, true)
	}
}

// PtraceDetach is __ptrace_detach(tracer, p) (kernel/ptrace.c, v6.18),
// from PTRACE_DETACH and from the tracer's exit_ptrace(): unlink, and a
// zombie is handed on — a thread is released, a leader whose group is
// empty goes to its real parent with do_notify_parent() (the tracer is
// never that parent here: it would have reaped it as its own child).
func PtraceDetach(c *Ctx, tracer int, t int) {
	T := &c.S.Task[t]
	c.K.PtraceUnlink(c, t)
	if T.ExitState != EXIT_ZOMBIE {
		return
	}
	c.Cover(brDetachZombie)
	if !c.P.Tasks[t].Leader {
		c.K.ReleaseTask(c, t)
		return
	}
	if c.ThreadGroupEmpty(t) && c.P.Procs[c.P.Tasks[t].Proc].Parent != tracer {
		c.K.DoNotifyParent(c, t)
	}
}

// ptraceResume is ptrace_resume() under siglock (always, since v5.19,
// 5b4197cb287d): the resume signal, JOBCTL_TRACED cleared, the wakeup.
func PtraceResume(c *Ctx, t int, data int) {
	T := &c.S.Task[t]
	T.ExitCode = uint16(data)
	T.Jobctl &^= JOBCTL_TRACED
	c.K.TryToWakeUp(c, t, __TASK_TRACED)
}

// PtraceTraceme is ptrace_traceme() (kernel/ptrace.c, v6.18) under
// tasklist_lock (write): a task not yet traced becomes the tracee of its
// real parent (PT_PTRACED, ptrace_link()); one already traced gets -EPERM
// and nothing changes. It does not stop: the tracee's next signal makes
// the first stop.
func PtraceTraceme(c *Ctx, t int) {
	T := &c.S.Task[t]
	if T.Ptrace != 0 {
		return
	}
	T.Ptrace = PT_PTRACED
	T.Tracer = uint8(c.P.Procs[c.P.Tasks[t].Proc].Parent + 1)
}

// ExitPtrace is exit_ptrace() (kernel/ptrace.c, v6.18), called by a
// tracer's exit_notify() under tasklist_lock (write): every tracee with
// PTRACE_O_EXITKILL gets SIGKILL (send_sig_info(SIGKILL, SEND_SIG_PRIV)),
// then each is detached (__ptrace_detach() -> __ptrace_unlink()).
func ExitPtrace(c *Ctx, a int) {
	for t := range c.P.Tasks {
		T := &c.S.Task[t]
		if int(T.Tracer) != a+1 {
			continue
		}
		if T.Ptrace&PT_EXITKILL != 0 {
			c.K.SendSignalLocked(c, SIGKILL, SiKernel, t, false)
		}
		c.K.PtraceDetach(c, a, t)
	}
}

// Siginfo is PTRACE_GETSIGINFO's answer: a copy of *last_siginfo
// (kernel/ptrace.c:ptrace_getsiginfo(), v6.18), or -EINVAL when there is
// none (a group stop of an ATTACHed tracee: ptrace_stop(..., NULL)).
func (c *Ctx) Siginfo(t int) Result {
	T := &c.S.Task[t]
	if T.LastSiginfo == SiNone {
		return ResErrno | EINVAL
	}
	return ResSiginfo | Result(T.LastSigno&31) | Result(T.LastSiginfo)<<5
}
