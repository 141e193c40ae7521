package model

import "jobctl/scenario"

// The actors outside the thread groups: signal senders, the freezer, the
// tracer, waiters and the RT lock holder. Each op of a script is a small
// sequence of atomic steps; Actor.Step says which one is next.

// actorStep runs one step of outside actor a; false when it cannot step.
func (c *Ctx) actorStep(a int) bool {
	A := &c.S.Actor[a]
	script := c.P.Actors[a].Script
	if int(A.PC) >= len(script) {
		return false
	}
	op := &script[A.PC]
	if A.Step == 0 && !c.After(op) {
		return false // "after B#N": B's N-th op has not returned yet
	}
	switch op.Kind {
	case scenario.OpKill, scenario.OpTkill:
		T := &c.S.Task[op.T]
		if T.ExitState == EXIT_DEAD {
			c.Label = "kill: no such process"
			return c.Done(a, ResErrno|ESRCH)
		}
		if op.Kind == scenario.OpKill {
			c.Label = "kill: group_send_sig_info -> send_signal_locked"
		} else {
			c.Label = "tgkill: send_signal_locked(PIDTYPE_PID)"
		}
		si := SiTkill
		if op.Kind == scenario.OpKill {
			si = SiUser
		}
		c.K.SendSignalLocked(c, op.Sig, si, op.T, op.Kind == scenario.OpKill)
		return c.Done(a, ResOK)
	case scenario.OpFreeze, scenario.OpThaw:
		if c.P.Cgroups[op.Cg].V2 {
			return c.K.CgroupFreezeWrite(c, a, op, op.Kind == scenario.OpFreeze)
		}
		if op.Kind == scenario.OpFreeze {
			return c.K.FreezerWriteFrozen(c, a, op)
		}
		return c.K.FreezerWriteThawed(c, a, op)
	case scenario.OpAttach, scenario.OpSeize:
		return c.K.SysPtraceAttach(c, a, op)
	case scenario.OpInterrupt, scenario.OpPtraceKill, scenario.OpCont, scenario.OpDetach,
		scenario.OpListen, scenario.OpGetregs, scenario.OpPtraceSyscall, scenario.OpGetsiginfo, scenario.OpSetoptions:
		return c.K.SysPtrace(c, a, op)
	case scenario.OpWait, scenario.OpWaitid:
		return c.K.DoWait(c, a, op)
	case scenario.OpExit:
		if h := c.S.Holder[LockTasklist]; h != 0 && int(h) != a+1 {
			return false
		}
		c.Label = "do_exit: exit_ptrace: __ptrace_detach"
		c.K.ExitPtrace(c, a)
		return c.Done(a, ResOK)
	case scenario.OpLock:
		l := lockIndex(op.Src.Target)
		if c.S.Holder[l] != 0 {
			return false
		}
		c.Label = lockLabels[l]
		c.S.Holder[l] = uint8(a + 1)
		return c.Done(a, ResOK)
	case scenario.OpUnlock:
		l := lockIndex(op.Src.Target)
		c.Label = unlockLabels[l]
		c.S.Holder[l] = 0
		// The rtlock unlock wakes the waiters with
		// wake_up_state(TASK_RTLOCK_WAIT); it matches __state only.
		for t := range c.P.Tasks {
			T := &c.S.Task[t]
			if T.Loc == LocRTWait && !T.OnRq && lockFor(T.RTRet) == l && T.State == TASK_RTLOCK_WAIT {
				T.State = TASK_RUNNING
				T.OnRq = true
				c.Woke[t] |= TASK_RTLOCK_WAIT
			}
		}
		return c.Done(a, ResOK)
	case scenario.OpObserve:
		if len(op.Keys) == 0 {
			c.Label = "read /proc/PID/stat"
			return c.Done(a, ResLetter|Result(c.Letter(op.T)))
		}
		// One atomic read of every key: the oracle reads them within
		// a few microseconds of each other.
		c.Label = "read /proc/PID/task/TID/{stat,status,wchan}, freezer.state"
		slot := op.Res
		for _, k := range op.Keys {
			c.encodeKey(k, op.T, c.S.Res[slot:slot+k.Width()])
			slot += k.Width()
		}
		return c.Done(a, c.S.Res[op.Res])
	case scenario.OpSettle:
		if !c.Quiescent() {
			return false
		}
		c.Label = "settle: every tracee thread asleep, in user mode with no signal to handle, or exited"
		return c.Done(a, ResOK)
	}
	return false
}

// Quiescent reports whether every tracee thread is where only another
// actor can move it, as the prelude leaves them (Machine.Initial): asleep
// in the kernel (not on a runqueue), in user mode with no signal work
// (TIF_SIGPENDING clear), or exited. It is what the oracle waits for in a
// settle op: every thread's /proc state unchanged for a while, a running
// one counting in user mode, and a stopped group stopped in all its tasks.
func (c *Ctx) Quiescent() bool {
	for t := range c.P.Tasks {
		T := &c.S.Task[t]
		switch {
		case T.ExitState != 0, !T.OnRq:
		case T.Loc == LocUser && !T.SigPending:
		default:
			return false
		}
	}
	return true
}

// done finishes the current op of actor a with result r.
func (c *Ctx) Done(a int, r Result) bool {
	A := &c.S.Actor[a]
	if slot := c.P.Actors[a].Script[A.PC].Res; slot >= 0 {
		c.S.Res[slot] = r
	}
	*A = Actor{PC: A.PC + 1}
	return true
}

// attachStep is PTRACE_ATTACH / PTRACE_SEIZE: ptrace_attach() under
// tasklist_lock, then wait_on_bit(JOBCTL_TRAPPING) until a stopped tracee
// has re-trapped into TRACED.
func SysPtraceAttach(c *Ctx, a int, op *Op) bool {
	A := &c.S.Actor[a]
	if A.Step == 0 {
		if c.S.Task[op.T].ExitState == EXIT_DEAD {
			// sys_ptrace(): find_get_task_by_vpid() finds no task for
			// a reaped thread's pid: -ESRCH before ptrace_attach(),
			// which says -EPERM only to a zombie (kernel/ptrace.c,
			// v6.18).
			c.Label = "ptrace: find_get_task_by_vpid: no such process"
			return c.Done(a, ResErrno|ESRCH)
		}
		if c.S.Holder[LockTasklist] != 0 {
			return false
		}
		c.Label = "ptrace_attach: link; ptrace_set_stopped"
		if e := c.K.PtraceAttach(c, a, op.T, op.Kind == scenario.OpSeize); e != 0 {
			return c.Done(a, ResErrno|Result(e))
		}
		// PTRACE_SEIZE's options: task->ptrace = PT_PTRACED|PT_SEIZED|
		// (data << PT_OPT_FLAG_SHIFT), in the same section.
		c.S.Task[op.T].Ptrace |= uint32(op.Flags) << PT_OPT_FLAG_SHIFT
		A.Step = 1
		return true
	}
	if c.S.Task[op.T].Jobctl&JOBCTL_TRAPPING != 0 {
		return false
	}
	c.Label = "ptrace_attach: wait_on_bit(JOBCTL_TRAPPING) done"
	return c.Done(a, ResOK)
}

// requestStep is sys_ptrace() for a request on an attached tracee:
// ptrace_check_attach() (S1 under tasklist_lock read, with
// ptrace_freeze_traced(); S2 wait_task_inactive()), the request, and
// ptrace_unfreeze_traced() unless a DETACH succeeded.
func SysPtrace(c *Ctx, a int, op *Op) bool {
	A := &c.S.Actor[a]
	t := op.T
	T := &c.S.Task[t]
	ignoreState := op.Kind == scenario.OpInterrupt || op.Kind == scenario.OpPtraceKill
	switch A.Step {
	case 0:
		if c.S.Holder[LockTasklist] != 0 {
			return false
		}
		c.Label = "ptrace_check_attach: ptrace_freeze_traced"
		ok := T.Ptrace != 0 && int(T.Tracer) == a+1
		if ok && !ignoreState {
			ok = c.K.PtraceFreezeTraced(c, t)
		}
		if !ok {
			return c.Done(a, ResErrno|ESRCH)
		}
		if ignoreState {
			A.Step = 2
		} else {
			A.Step = 1
		}
		return true
	case 1:
		ok, wait := c.K.WaitTaskInactive(c, t, c.K.CheckAttachMask)
		if wait {
			return false
		}
		if !ok {
			// WARN_ON_ONCE(!wait_task_inactive()): -ESRCH, and
			// sys_ptrace() skips ptrace_unfreeze_traced().
			c.Label = "ptrace_check_attach: wait_task_inactive failed: WARN, -ESRCH"
			c.WTIFailed = true
			return c.Done(a, ResErrno|ESRCH)
		}
		c.Label = "ptrace_check_attach: wait_task_inactive ok"
		A.Hold = uint8(t + 1)
		A.Step = 2
		return true
	case 2:
		return c.K.PtraceRequest(c, a, op)
	default:
		c.Label = "ptrace_unfreeze_traced"
		c.K.PtraceUnfreezeTraced(c, t)
		if A.Tmp != 0 {
			return c.Done(a, ResErrno|Result(A.Tmp))
		}
		if op.Kind == scenario.OpGetsiginfo {
			return c.Done(a, Result(A.Aux)<<8|Result(A.Flags))
		}
		return c.Done(a, ResOK)
	}
}

// request runs the request itself (arch_ptrace -> ptrace_request), one step.
func PtraceRequest(c *Ctx, a int, op *Op) bool {
	A := &c.S.Actor[a]
	t := op.T
	T := &c.S.Task[t]
	var errno int
	switch op.Kind {
	case scenario.OpCont, scenario.OpPtraceSyscall:
		c.Label = "ptrace_resume: exit_code = data; clear JOBCTL_TRACED; wake_up_state(__TASK_TRACED)"
		if op.Kind == scenario.OpPtraceSyscall {
			T.Flags |= TIF_SYSCALL_TRACE
		} else {
			T.Flags &^= TIF_SYSCALL_TRACE
		}
		c.K.PtraceResume(c, t, op.Sig)
		A.Hold = 0
	case scenario.OpGetregs:
		c.Label = "ptrace_getregs"
	case scenario.OpGetsiginfo:
		c.Label = "ptrace_getsiginfo: copy *last_siginfo"
		r := c.Siginfo(t)
		if r&resKindMask == ResErrno {
			errno = int(r &^ resKindMask)
			break
		}
		A.Aux, A.Flags = uint8(r>>8), uint8(r)
	case scenario.OpSetoptions:
		// ptrace_setoptions(): the options replace the old ones.
		c.Label = "ptrace_setoptions"
		T.Ptrace = T.Ptrace&^PT_OPT_MASK | uint32(op.Flags)<<PT_OPT_FLAG_SHIFT
	case scenario.OpListen:
		c.Label = "ptrace_request(PTRACE_LISTEN)"
		if T.Ptrace&PT_SEIZED == 0 || T.LastSiginfo != SiEventStop {
			errno = EIO
			break
		}
		T.Jobctl |= JOBCTL_LISTENING
		A.Hold = 0 // the request no longer touches the tracee (docs/SCENARIOS.md, R15)
		if T.Jobctl&JOBCTL_TRAP_NOTIFY != 0 {
			c.K.PtraceSignalWakeUp(c, t, true)
		}
	case scenario.OpInterrupt:
		c.Label = "ptrace_request(PTRACE_INTERRUPT)"
		if T.Ptrace&PT_SEIZED == 0 {
			errno = EIO
			break
		}
		if c.TaskSetJobctlPending(t, JOBCTL_TRAP_STOP) {
			c.K.PtraceSignalWakeUp(c, t, T.Jobctl&JOBCTL_LISTENING != 0)
		}
	case scenario.OpPtraceKill:
		if c.K.PtraceKillSends {
			c.Label = "ptrace_request(PTRACE_KILL): send_sig_info(SIGKILL)"
			c.K.SendSignalLocked(c, SIGKILL, SiKernel, t, false)
		} else {
			// ≤ v5.18: resume a traced tracee with exit_code = SIGKILL.
			c.Label = "arch_ptrace(PTRACE_KILL): ptrace_resume(SIGKILL)"
			if T.ExitState == 0 {
				c.K.PtraceResume(c, t, SIGKILL)
			}
		}
	case scenario.OpDetach:
		if c.S.Holder[LockTasklist] != 0 {
			return false
		}
		c.Label = "ptrace_detach: __ptrace_detach -> __ptrace_unlink"
		T.ExitCode = uint16(op.Sig)
		c.K.PtraceDetach(c, a, t)
		return c.Done(a, ResOK)
	}
	A.Tmp = uint8(errno)
	A.Step = 3
	return true
}

// lockIndex maps a scenario lock name to its index.
func lockIndex(name string) int {
	for i, n := range LockNames {
		if n == name {
			return i
		}
	}
	return LockTasklist
}

var (
	lockLabels   = [NumLocks]string{"write_lock(tasklist_lock)", "spin_lock(css_set_lock)"}
	unlockLabels = [NumLocks]string{"write_unlock(tasklist_lock): rtlock wakeup", "spin_unlock(css_set_lock): rtlock wakeup"}
	rtGotLabels  = [NumLocks]string{"rtlock: got tasklist_lock, restored saved_state; ", "rtlock: got css_set_lock, restored saved_state; "}
	rtWaitLabels = [NumLocks]string{
		"rtlock_slowlock(tasklist_lock): saved_state = __state; __state = TASK_RTLOCK_WAIT; schedule_rtlock()",
		"rtlock_slowlock(css_set_lock): saved_state = __state; __state = TASK_RTLOCK_WAIT; schedule_rtlock()",
	}
)
