package model

import "jobctl/scenario"

// The tracee threads: each is an actor whose program counter (Task.Loc) is
// a place in the kernel. One call of threadStep is one atomic step: the code
// between two interleaving points (a lock dropped, schedule()).

// threadStep runs one step of tracee thread t; it reports false when the
// thread cannot step (blocked, spinning on a lock, or running user code
// with nothing left to do).
func (c *Ctx) threadStep(t int) bool {
	T := &c.S.Task[t]
	switch T.Loc {
	case LocUser:
		if T.Flags&SYSCALL_ENTERED != 0 {
			// In the kernel, past the entry stop: the call runs
			// before any signal is looked at.
			return c.userOp(t)
		}
		if T.SigPending {
			kicked := T.Flags&KICKED != 0
			T.Flags &^= KICKED
			if kicked && c.syscallReady(t) {
				// The signal came as the thread was making its
				// next system call: it may notice it at the IPI,
				// or at that call's return.
				c.ChoiceWhat = "a thread kicked in user mode"
				if c.Choose(2) == 1 {
					c.ChoiceLabel = "syscall"
					return c.userSyscall(t)
				}
				c.ChoiceLabel = "get_signal"
			}
			c.Label = "get_signal: try_to_freeze(); relock"
			c.GetSignalEntry(t)
			return true
		}
		return c.userSyscall(t)
	case LocPause:
		if !T.OnRq {
			return false
		}
		// do_nanosleep() returns -ERESTART_RESTARTBLOCK: get_signal()
		// runs (if a signal is pending), then either a handler ends
		// the sleep with -EINTR (the op is over) or the sleep is
		// restarted: the op runs again (a wakeup without a signal
		// sleeps again the same way). The model keeps
		// -ERESTART_RESTARTBLOCK only where a handler can see it.
		c.Label = "hrtimer_nanosleep: woken: -ERESTART_RESTARTBLOCK; back to user mode"
		T.Flags |= RESTART_NANOSLEEP // wchan: the sleep goes on through restart_syscall()
		if c.P.Procs[c.P.Tasks[t].Proc].Handlers {
			T.Flags |= ERESTART_RESTARTBLOCK
		}
		c.SyscallReturn(t)
		return true
	case LocRefrigerator:
		if !T.OnRq {
			return false
		}
		c.Label = "__refrigerator: woken; recheck freezing()"
		c.K.Refrigerator(c, t)
		return true
	case LocRelock:
		c.Label = "get_signal: relock"
		c.K.GetSignal(c, t, 0)
		return true
	case LocNotifyCld:
		if c.S.Holder[LockTasklist] != 0 {
			return c.Contended(t)
		}
		c.Label = "get_signal: do_notify_parent_cldstop(CLD_CONTINUED/STOPPED)"
		c.K.DoNotifyParentCldstop(c, t, false, T.Why)
		if leader := c.Threads(t)[0]; c.PtraceReparented(leader) {
			// "if (ptrace_reparented(current->group_leader))": the
			// leader's tracer hears of it too.
			c.K.DoNotifyParentCldstop(c, leader, true, T.Why)
		}
		T.Why = 0
		T.Loc = LocRelock
		return true
	case LocDSSNotify:
		if c.S.Holder[LockTasklist] != 0 {
			return c.Contended(t)
		}
		c.Label = "do_signal_stop: do_notify_parent_cldstop(CLD_STOPPED)"
		c.K.DoNotifyParentCldstop(c, t, false, CLD_STOPPED)
		T.Why = 0
		T.Loc = c.AfterNotify(LocDSSEnterFrozen, LocDSSSchedule)
		return true
	case LocDSSEnterFrozen, LocPSEnterFrozen:
		if c.S.Holder[LockCssSet] != 0 {
			return c.Contended(t)
		}
		if T.Loc == LocDSSEnterFrozen {
			c.Label = "do_signal_stop: cgroup_enter_frozen(): css_set_lock"
		} else {
			c.Label = "ptrace_stop: cgroup_enter_frozen(): css_set_lock"
		}
		if c.P.UsesV2 {
			c.K.CgroupEnterFrozen(c, t)
		}
		if T.Loc == LocDSSEnterFrozen {
			T.Loc = LocDSSSchedule
		} else {
			T.Loc = LocPSSchedule
		}
		return true
	case LocDSSSchedule:
		c.Label = "do_signal_stop: schedule()"
		if c.K.OldFreezer {
			c.Label = "do_signal_stop: freezable_schedule()"
		}
		c.StopSchedule(t, LocDSSSleep, LocRelock)
		return true
	case LocDSSSleep:
		if !T.OnRq {
			return false
		}
		c.Label = "do_signal_stop: woken"
		if c.AfterStopSchedule(t, LocRelock) {
			c.Label = "do_signal_stop: woken; get_signal: relock"
			c.K.GetSignal(c, t, 0)
		}
		return true
	case LocPSNotify:
		if c.S.Holder[LockTasklist] != 0 {
			return c.Contended(t)
		}
		c.K.PtraceStopNotify(c, t)
		return true
	case LocPSSchedule:
		c.Label = "ptrace_stop: schedule()"
		if c.K.OldFreezer {
			c.Label = "ptrace_stop: freezable_schedule()"
		}
		c.StopSchedule(t, LocPSSleep, LocPSWake)
		return true
	case LocPSSleep:
		if !T.OnRq {
			return false
		}
		c.Label = "ptrace_stop: woken"
		if c.AfterStopSchedule(t, LocPSWake) {
			c.K.PtraceStopWake(c, t)
		}
		return true
	case LocPSWake:
		c.Label = "ptrace_stop: relock siglock"
		c.K.PtraceStopWake(c, t)
		return true
	case LocTrapEnterFrozen:
		if c.S.Holder[LockCssSet] != 0 {
			return c.Contended(t)
		}
		c.Label = "do_freezer_trap: cgroup_enter_frozen(): css_set_lock"
		c.K.CgroupEnterFrozen(c, t)
		T.Loc = LocTrapSchedule
		return true
	case LocTrapSchedule:
		c.Label = "do_freezer_trap: schedule()"
		if c.K.OldFreezer {
			c.Label = "do_freezer_trap: freezable_schedule()"
		}
		c.StopSchedule(t, LocTrapSleep, LocRelock)
		return true
	case LocTrapSleep:
		if !T.OnRq {
			return false
		}
		c.Label = "do_freezer_trap: woken"
		if c.AfterStopSchedule(t, LocRelock) {
			c.Label = "do_freezer_trap: woken; get_signal: relock"
			c.K.GetSignal(c, t, 0)
		}
		return true
	case LocLeaveFrozen:
		if c.S.Holder[LockCssSet] != 0 {
			return c.Contended(t)
		}
		c.Label = "get_signal: cgroup_leave_frozen(false)"
		c.K.CgroupLeaveFrozen(c, t, false)
		T.Loc = LocRelock
		return true
	case LocRTWait:
		if !T.OnRq {
			return false
		}
		if c.S.Holder[lockFor(T.RTRet)] != 0 {
			c.Label = "rtlock_slowlock: lock still taken; schedule_rtlock()"
			T.State = TASK_RTLOCK_WAIT
			T.OnRq = false
			return true
		}
		// current_restore_rtlock_saved_state(), then the step that
		// wanted the lock, with the lock held.
		lock := lockFor(T.RTRet)
		T.State = T.Saved
		T.Saved = TASK_RUNNING
		T.Loc = T.RTRet
		T.RTRet = 0
		ok := c.threadStep(t)
		c.Prefix = rtGotLabels[lock]
		return ok
	case LocSyscall, LocSyscallExit:
		// ptrace_report_syscall_entry() / _exit() -> ptrace_notify():
		// a syscall stop under PTRACE_SYSCALL, at entry and again at
		// exit (include/linux/ptrace.h, kernel/entry/syscall-common.c,
		// v6.18; "entry and exit look identical" to the tracer).
		// Nothing here checks for signals first: a SIGKILL that came
		// after the syscall entered the kernel is pending when
		// ptrace_stop() runs (R5).
		entry := T.Loc == LocSyscall
		next, ret := LocUser, RetSyscallExit
		if entry {
			next, ret = LocSyscallExit, RetSyscallEntry
			if T.Flags&SYSCALL_ENTERED != 0 {
				next = LocUser // the sleep op's call runs next
			}
		}
		T.Loc = next
		if T.Ptrace != 0 && T.Flags&TIF_SYSCALL_TRACE != 0 {
			c.Label = "syscall_exit_work: ptrace_report_syscall_exit: ptrace_notify"
			if entry {
				c.Label = "syscall_trace_enter: ptrace_report_syscall_entry: ptrace_notify"
			}
			c.K.PtraceStop(c, t, PtraceSyscallCode(T), CLD_TRAPPED, SiSignal, ret)
			if T.Loc == next {
				c.Suffix = ": ptrace_stop returns at once"
			}
			return true
		}
		c.Label = "syscall: done"
		if entry {
			c.Label = "syscall: the call itself"
		}
		return true
	case LocExit:
		c.Label = "do_group_exit -> do_exit: exit_signals(); exit_code = code"
		c.K.DoExit(c, t)
		return true
	case LocExitNotify:
		c.Label = "do_exit: exit_notify()"
		c.K.ExitNotify(c, t)
		return true
	case LocExitSignals:
		c.Label = "do_exit: exit_signals(); exit_code = code"
		c.K.DoExitSignals(c, t)
		return true
	case LocOrphanCheck:
		if c.S.Holder[LockTasklist] != 0 {
			return c.Contended(t)
		}
		c.K.GetSignalOrphanCheck(c, t)
		return true
	case LocHandleSignal:
		c.Label = "handle_signal: setup_rt_frame; signal_delivered: block the signal"
		c.K.HandleSignal(c, t)
		return true
	}
	return false
}

// lockFor is the lock the step at l needs: css_set_lock in
// cgroup_enter_frozen(), tasklist_lock for the parent notifications.
func lockFor(l Loc) int {
	if l == LocDSSEnterFrozen || l == LocPSEnterFrozen || l == LocTrapEnterFrozen || l == LocLeaveFrozen {
		return LockCssSet
	}
	return LockTasklist
}

// contended: the step wants a lock an actor holds. Without PREEMPT_RT the
// task spins (no step); with it, spinlock_t and rwlock_t are rtlocks and
// the slow path parks __state in saved_state and blocks
// (kernel/locking/rtmutex.c:rtlock_slowlock_locked(), with
// current_save_and_set_rtlock_wait_state(), include/linux/sched.h).
func (c *Ctx) Contended(t int) bool {
	if !c.K.RT {
		return false
	}
	l := c.S.Task[t].Loc
	c.Label = rtWaitLabels[lockFor(l)]
	c.RtlockBlock(t, l)
	return true
}

// afterNotify is where a stop goes after its parent notification: to
// cgroup_enter_frozen() (S3) when the scenario has a css_set_lock holder
// or freezes through cgroup v2 — otherwise S3 has no observable effect
// and the model skips it — else straight to schedule().
func (c *Ctx) AfterNotify(s3, s4 Loc) Loc {
	if c.P.UsesCssSet || c.P.UsesV2 {
		return s3
	}
	return s4
}

// stopSchedule is S4 of do_signal_stop() and ptrace_stop(): schedule()
// (freezable_schedule() with the old freezer, which first sets
// PF_FREEZER_SKIP). A task that blocks goes to sleep, one that does not
// (already woken, or a signal_pending_state() exit) goes on to next.
func (c *Ctx) StopSchedule(t int, sleep, next Loc) {
	T := &c.S.Task[t]
	if c.K.OldFreezer {
		T.Flags |= PF_FREEZER_SKIP
	}
	if c.K.Schedule(c, t) {
		T.Loc = sleep
		return
	}
	c.Suffix = " (does not block)"
	c.AfterStopSchedule(t, next)
}

// afterStopSchedule runs what follows schedule() in do_signal_stop() and
// ptrace_stop(). With the old freezer that was freezable_schedule():
// clear PF_FREEZER_SKIP and try_to_freeze(), which may enter the
// refrigerator (and reports false: the caller must not go on).
func (c *Ctx) AfterStopSchedule(t int, next Loc) bool {
	T := &c.S.Task[t]
	if c.K.OldFreezer {
		T.Flags &^= PF_FREEZER_SKIP
		if c.Freezing(t) {
			T.FrzRet = next
			c.Suffix = "; freezable_schedule: try_to_freeze(): __refrigerator"
			c.K.Refrigerator(c, t)
			return false
		}
	}
	T.Loc = next
	return true
}

// userSyscall is the thread's next system call from user mode: a
// handler's return (rt_sigreturn) or its script's next op.
func (c *Ctx) userSyscall(t int) bool {
	if c.S.Task[t].Frames != 0 {
		c.Label = "handler returns: rt_sigreturn: set_current_blocked(saved mask)"
		c.K.SysRtSigreturn(c, t)
		return true
	}
	return c.userOp(t)
}

// syscallReady: userSyscall would step (it has a call to make that is
// not waiting for another actor's op or a lock it spins on).
func (c *Ctx) syscallReady(t int) bool {
	T := &c.S.Task[t]
	if T.Frames != 0 {
		return true
	}
	def := &c.P.Tasks[t]
	if int(T.ScriptPC) >= len(def.Script) {
		return false
	}
	op := &def.Script[T.ScriptPC]
	switch op.Kind {
	case scenario.OpRaise, scenario.OpIgnore, scenario.OpHandle, scenario.OpDefault, scenario.OpBlock,
		scenario.OpUnblock, scenario.OpPause, scenario.OpSyscall, scenario.OpExitGroup:
	case scenario.OpTraceme:
		if c.S.Holder[LockTasklist] != 0 && !c.K.RT {
			return false
		}
	default:
		return false
	}
	return c.After(op)
}

// userOp runs the thread's next user-mode op.
func (c *Ctx) userOp(t int) bool {
	T := &c.S.Task[t]
	def := &c.P.Tasks[t]
	if int(T.ScriptPC) >= len(def.Script) {
		return false
	}
	op := &def.Script[T.ScriptPC]
	if !c.After(op) {
		return false // "after B#N": B's N-th op has not returned yet
	}
	if op.Kind != scenario.OpSyscall && T.Flags&SYSCALL_ENTERED == 0 && T.Ptrace != 0 && T.Flags&TIF_SYSCALL_TRACE != 0 {
		// Under PTRACE_SYSCALL every op's call — nanosleep, or the
		// restart_syscall a restart is (arch_do_signal_or_restart():
		// regs->ax = __NR_restart_syscall, arch/x86/kernel/signal.c,
		// v6.18), tgkill, rt_sigaction, rt_sigprocmask, ptrace,
		// exit_group — first makes a syscall-entry stop
		// (syscall_trace_enter(), kernel/entry/syscall-common.c).
		c.Label = "syscall: enter the kernel"
		switch {
		case op.Kind == scenario.OpPause && T.Flags&RESTART_NANOSLEEP != 0:
			c.Label = "restart_syscall: enter the kernel"
		case op.Kind == scenario.OpPause:
			c.Label = "nanosleep: enter the kernel"
		}
		T.Flags |= SYSCALL_ENTERED
		T.Loc = LocSyscall
		return true
	}
	switch op.Kind {
	case scenario.OpRaise:
		c.Label = "tgkill(self): send_signal_locked"
		T.ScriptPC++
		c.K.SendSignalLocked(c, op.Sig, SiTkill, t, false)
		c.SyscallReturn(t)
	case scenario.OpIgnore, scenario.OpHandle, scenario.OpDefault:
		c.Label = "rt_sigaction: do_sigaction"
		T.ScriptPC++
		handler := SIG_DFL
		switch op.Kind {
		case scenario.OpIgnore:
			handler = SIG_IGN
		case scenario.OpHandle:
			handler = SIG_HANDLER
		}
		c.K.DoSigaction(c, t, op.Sig, handler)
		c.SyscallReturn(t)
	case scenario.OpBlock, scenario.OpUnblock:
		c.Label = "rt_sigprocmask: __set_current_blocked"
		T.ScriptPC++
		blocked := T.Blocked | sigmask(op.Sig)
		if op.Kind == scenario.OpUnblock {
			blocked = T.Blocked &^ sigmask(op.Sig)
		}
		c.K.SetCurrentBlocked(c, t, blocked)
		c.SyscallReturn(t)
	case scenario.OpTraceme:
		if c.S.Holder[LockTasklist] != 0 {
			return c.Contended(t)
		}
		c.Label = "ptrace_traceme: ptrace_link(current, real_parent)"
		T.ScriptPC++
		c.K.PtraceTraceme(c, t)
		c.SyscallReturn(t)
	case scenario.OpPause:
		// Interrupted by a signal, nanosleep() returns to get_signal
		// and, the signal being ignored or stopping, restarts (the op
		// runs again: restart_syscall, hrtimer_nanosleep_restart());
		// the op ends only when a handler runs (-EINTR).
		c.Label = "do_nanosleep: schedule()"
		if T.Flags&ERESTART_RESTARTBLOCK != 0 {
			T.Flags &^= ERESTART_RESTARTBLOCK
			c.Label = "restart_syscall: do_nanosleep: schedule()"
		}
		c.DoNanosleep(t)
	case scenario.OpSyscall:
		c.Label = "syscall: enter the kernel"
		T.ScriptPC++
		T.Loc = LocSyscall
	case scenario.OpExitGroup:
		c.Label = "exit_group"
		T.ScriptPC++
		T.Flags &^= SYSCALL_ENTERED // it never returns
		T.Sig = 0
		T.ExitVal = uint8(op.Sig)
		T.ExitKind = ExitExited
		T.Loc = LocExit
	default:
		return false
	}
	return true
}

// DoNanosleep is hrtimer_nanosleep() -> do_nanosleep()
// (kernel/time/hrtimer.c, v6.18):
// set_current_state(TASK_INTERRUPTIBLE|TASK_FREEZABLE); schedule(). A
// signal already pending makes schedule() return at once, and the call
// -ERESTART_RESTARTBLOCK.
func (c *Ctx) DoNanosleep(t int) {
	T := &c.S.Task[t]
	T.State = TASK_INTERRUPTIBLE
	if !c.K.OldFreezer {
		T.State |= TASK_FREEZABLE
	}
	if c.K.Schedule(c, t) {
		T.Loc = LocPause
		return
	}
	if c.P.Procs[c.P.Tasks[t].Proc].Handlers {
		T.Flags |= ERESTART_RESTARTBLOCK
	}
	c.SyscallReturn(t)
}

// SyscallReturn is the return of an op's system call (nanosleep's
// -ERESTART_RESTARTBLOCK among them) through syscall_exit_to_user_mode():
// syscall_exit_work() makes a syscall-exit stop under PTRACE_SYSCALL
// before exit_to_user_mode_loop() handles a signal
// (kernel/entry/syscall-common.c, v6.18). TIF_SYSCALL_TRACE cannot change
// while the thread runs: PTRACE_SYSCALL needs it stopped.
func (c *Ctx) SyscallReturn(t int) {
	T := &c.S.Task[t]
	T.Flags &^= SYSCALL_ENTERED
	T.Loc = LocUser
	if T.Ptrace != 0 && T.Flags&TIF_SYSCALL_TRACE != 0 {
		T.Loc = LocSyscallExit
	}
}

// getSignalEntry is the way into get_signal() from exit_to_user_mode_loop():
// try_to_freeze() first (a lock-free freezing() test), then the siglock
// section at "relock" — one step when the task does not freeze. Nothing
// on the way takes a lock or changes what another task reads; a freeze
// that starts after the freezing() test is not missed, because
// freeze_task() sets TIF_SIGPENDING (fake_signal_wake_up()) and
// recalc_sigpending() does not clear it while freezing(), so the task goes
// round exit_to_user_mode_loop() once more and freezes then — as if the
// freeze came after the whole step (kernel/freezer.c, kernel/signal.c,
// v6.18; docs/MODEL.md, "Step boundaries").
func (c *Ctx) GetSignalEntry(t int) {
	if c.Freezing(t) {
		c.S.Task[t].FrzRet = LocRelock
		c.K.Refrigerator(c, t)
		return
	}
	c.K.GetSignal(c, t, 0)
}

// GetSignalContinue, as GetSignal's deliver, is get_signal()'s
// "continue" after ptrace_signal() returned 0 (the tracer cancelled the
// signal): back to the top of the for loop in the same siglock section,
// without "goto relock", so SIGNAL_CLD_MASK is not looked at
// (kernel/signal.c:get_signal(), v6.18).
const GetSignalContinue = -1

// GetSignal is get_signal() from "relock" on, one siglock section
// (kernel/signal.c, v6.18). deliver, when positive, is a signal ptrace_signal() has
// just let through: it is handled before anything is dequeued;
// GetSignalContinue enters the loop without the relock's checks.
func GetSignal(c *Ctx, t int, deliver int) {
	T := &c.S.Task[t]
	s := c.Sig(t)
	if deliver == GetSignalContinue {
		deliver = 0
	} else if deliver == 0 && s.Flags&SIGNAL_CLD_MASK != 0 {
		// "Every stopped thread goes here after wakeup": report the
		// continue (or the stop that the continue interrupted).
		c.Cover(brGetSignalCLD)
		if s.Flags&SIGNAL_CLD_CONTINUED != 0 {
			T.Why = CLD_CONTINUED
		} else {
			T.Why = CLD_STOPPED
		}
		s.Flags &^= SIGNAL_CLD_MASK
		T.Loc = LocNotifyCld
		return
	}
	for {
		signr := deliver
		deliver = 0
		if signr == 0 {
			if s.Flags&SIGNAL_GROUP_EXIT != 0 {
				c.Cover(brGetSignalGroupExit)
				T.Pending &^= sigmask(SIGKILL)
				c.RecalcSigpending(t)
				T.Sig = SIGKILL
				c.getSignalFatal(t)
				return
			}
			if T.Jobctl&JOBCTL_STOP_PENDING != 0 && c.K.DoSignalStop(c, t, 0) {
				c.Cover(brGetSignalStop)
				return
			}
			if T.Jobctl&JOBCTL_TRAP_MASK != 0 {
				c.Cover(brGetSignalTrap)
				if c.K.DoJobctlTrap(c, t) {
					return
				}
				// ptrace_stop() returned at once; "goto relock".
				c.Cover(brGetSignalTrapBack)
				continue
			}
			if T.Jobctl&JOBCTL_TRAP_FREEZE != 0 {
				// The cgroup v2 freezer's trap; then "goto relock".
				c.Cover(brGetSignalFreeze)
				c.K.DoFreezerTrap(c, t)
				return
			}
			if T.CgFrozen {
				c.Cover(brGetSignalLeave)
				// "If the task is leaving the frozen state, let's
				// update cgroup counters and reset the frozen bit":
				// unlock, cgroup_leave_frozen(false), goto relock.
				T.Loc = LocLeaveFrozen
				return
			}
			signr = c.K.DequeueSignal(c, t)
			if signr == 0 {
				c.Cover(brGetSignalNone)
				// Back to user mode; an interrupted nanosleep() is
				// restarted (arch_do_signal_or_restart(): regs->ax
				// = __NR_restart_syscall): its op runs again, and a
				// handler that runs before that no longer ends it.
				T.Flags &^= ERESTART_RESTARTBLOCK
				T.Loc = LocUser
				return
			}
			if T.Ptrace != 0 && signr != SIGKILL {
				// ptrace_signal(): a signal-delivery-stop, with
				// the dequeued siginfo in last_siginfo.
				c.Cover(brGetSignalPtrace)
				T.Jobctl |= JOBCTL_STOP_DEQUEUED
				T.Sig = uint8(signr)
				if c.K.PtraceStop(c, t, uint16(signr), CLD_TRAPPED, T.SigInfo&^SigInfoShared, RetPtraceSignal) {
					return
				}
				signr = c.K.PtraceSignal(c, t, signr)
				if signr == 0 {
					c.Cover(brGetSignalCancel)
					continue
				}
			}
		}
		// ka = &sighand->action[signr-1] (kernel/signal.c:get_signal(), v6.18).
		switch c.SigHandler(t, signr) {
		case SIG_IGN: // "Do nothing."
			T.SigInfo = 0
			continue
		case SIG_HANDLER:
			// "Run the handler": get_signal() returns the signal;
			// handle_signal() runs after siglock is dropped.
			T.Sig = uint8(signr)
			T.Loc = LocHandleSignal
			return
		}
		T.SigInfo = 0
		if sigKernelIgnoreP(signr) {
			c.Cover(brGetSignalIgnore)
			continue
		}
		if sigKernelStopP(signr) {
			c.Cover(brGetSignalStopSig)
			if signr != SIGSTOP {
				// "The job control signals do nothing in an
				// orphaned pgrp, but SIGSTOP always works":
				// siglock is dropped for is_current_pgrp_orphaned()
				// (lock ordering with tasklist_lock), and
				// "signals can be posted during this window".
				T.Sig = uint8(signr)
				T.Loc = LocOrphanCheck
				return
			}
			if c.K.DoSignalStop(c, t, signr) {
				return
			}
			continue
		}
		// Death signal: do_group_exit(signr).
		c.Cover(brGetSignalDeath)
		T.Sig = uint8(signr)
		c.getSignalFatal(t)
		return
	}
}

// GetSignalOrphanCheck is get_signal()'s step for a job-control stop
// signal other than SIGSTOP after siglock was dropped (kernel/signal.c,
// v6.18): is_current_pgrp_orphaned() under tasklist_lock — the signal is
// dropped ("goto relock") for an orphaned group — else siglock is retaken
// and do_signal_stop() runs, which finds JOBCTL_STOP_DEQUEUED gone if a
// SIGCONT came in the window ("continue").
func GetSignalOrphanCheck(c *Ctx, t int) {
	T := &c.S.Task[t]
	signr := int(T.Sig)
	T.Sig = 0
	if c.K.IsCurrentPgrpOrphaned(c, t) {
		c.Label = "get_signal: is_current_pgrp_orphaned(): the stop signal is dropped; relock"
		T.Loc = LocRelock
		return
	}
	c.Label = "get_signal: is_current_pgrp_orphaned() = 0; relock siglock; do_signal_stop"
	if c.K.DoSignalStop(c, t, signr) {
		return
	}
	c.Label = "get_signal: is_current_pgrp_orphaned() = 0; relock siglock; do_signal_stop: no stop"
	c.K.GetSignal(c, t, GetSignalContinue)
}

// getSignalFatal is get_signal()'s "fatal:" path: unlock, and a task the
// cgroup v2 freezer counts as frozen leaves that count for good
// (cgroup_leave_frozen(true)) before do_group_exit(). The css_set_lock
// section is folded into this step: between the two nothing the task does
// is visible.
func (c *Ctx) getSignalFatal(t int) {
	T := &c.S.Task[t]
	if T.CgFrozen {
		c.K.CgroupLeaveFrozen(c, t, true)
	}
	T.Loc = LocExit
}

// ptraceSignalResult is the tail of ptrace_signal() after the stop
// (kernel/signal.c, v6.18): the tracer may have cancelled (0) or changed
// the signal (the siginfo then says SI_USER); a signal that cannot be
// delivered now — blocked, or a fatal signal is pending — is requeued on
// the queue it came from. T.Sig is the signal dequeued, T.SigInfo its
// siginfo.
func PtraceSignal(c *Ctx, t int, signr int) int {
	T := &c.S.Task[t]
	orig, si := int(T.Sig), T.SigInfo
	T.Sig = 0
	if signr == 0 {
		T.SigInfo = 0
		return 0
	}
	if signr != orig {
		si = SiUser | si&SigInfoShared
		T.SigInfo = si
	}
	if T.Blocked&sigmask(signr) != 0 || (T.SigPending && T.FatalSignalPending()) {
		c.Cover(brPtraceSignalRequeue)
		T.SigInfo = 0
		c.K.SendSignalLocked(c, signr, si&^SigInfoShared, t, si&SigInfoShared != 0)
		return 0
	}
	return signr
}

// doSignalStop is do_signal_stop() S1, inside get_signal's siglock
// section (kernel/signal.c, v6.18). It reports true when the task committed to a stop
// (the caller leaves the section; the next steps are S2–S4).
func DoSignalStop(c *Ctx, t int, signr int) bool {
	T := &c.S.Task[t]
	s := c.Sig(t)
	const gstop = JOBCTL_STOP_PENDING | JOBCTL_STOP_CONSUME
	if T.Jobctl&JOBCTL_STOP_PENDING == 0 {
		// Initiate a group stop.
		if T.Jobctl&JOBCTL_STOP_DEQUEUED == 0 || s.Flags&SIGNAL_GROUP_EXIT != 0 {
			return false
		}
		c.Cover(brStopInitiate)
		if s.Flags&SIGNAL_STOP_STOPPED == 0 {
			s.GroupExitCode = uint8(signr)
		}
		s.GroupStopCount = 0
		if c.TaskSetJobctlPending(t, uint32(signr)|gstop) {
			s.GroupStopCount++
		}
		for _, u := range c.Threads(t) {
			U := &c.S.Task[u]
			if u == t || !U.Alive() {
				continue
			}
			if !c.TaskIsStopped(u) && c.TaskSetJobctlPending(u, uint32(signr)|gstop) {
				c.Cover(brStopOther)
				s.GroupStopCount++
				if U.Ptrace&PT_SEIZED == 0 {
					c.K.SignalWakeUp(c, u, false)
				} else {
					c.PtraceTrapNotify(u)
				}
			}
		}
	}
	if T.Ptrace == 0 {
		T.Why = 0
		if c.K.TaskParticipateGroupStop(c, t) {
			T.Why = CLD_STOPPED
		}
		// The label first: a design's SetStopped may say what it does instead.
		c.Label = "get_signal: do_signal_stop: jobctl |= JOBCTL_STOPPED; set_special_state(TASK_STOPPED)"
		c.K.SetStopped(c, t)
		if T.Why != 0 {
			c.Cover(brStopNotify)
			T.Loc = LocDSSNotify
		} else {
			// No notification: do_signal_stop() skips the
			// notification under tasklist_lock when notify is 0,
			// so S2 would be an empty step; straight on.
			c.Cover(brStopSilent)
			T.Loc = c.AfterNotify(LocDSSEnterFrozen, LocDSSSchedule)
		}
		return true
	}
	// Traced: the stop becomes a ptrace trap (do_jobctl_trap).
	c.Cover(brStopTraced)
	c.TaskSetJobctlPending(t, JOBCTL_TRAP_STOP)
	return false
}

// SetStoppedJobctl: JOBCTL_STOPPED first, then the state, in one siglock
// section (do_signal_stop(), v5.19+).
func SetStoppedJobctl(c *Ctx, t int) {
	T := &c.S.Task[t]
	T.Jobctl |= JOBCTL_STOPPED
	T.State = TASK_STOPPED // set_special_state()
}

// SetTracedJobctl: set_special_state(TASK_TRACED), then JOBCTL_TRACED
// (ptrace_stop(), v5.19+).
func SetTracedJobctl(c *Ctx, t int) {
	T := &c.S.Task[t]
	T.State = c.K.TaskTraced
	T.Jobctl |= JOBCTL_TRACED
}

// doJobctlTrap is do_jobctl_trap(): a group-stop or PTRACE_EVENT_STOP trap.
// It reports whether the task entered the ptrace stop.
func DoJobctlTrap(c *Ctx, t int) bool {
	T := &c.S.Task[t]
	s := c.Sig(t)
	signr := uint16(T.Jobctl & JOBCTL_STOP_SIGMASK)
	if T.Ptrace&PT_SEIZED != 0 {
		c.Cover(brPtraceStopEvent)
		if s.GroupStopCount == 0 && s.Flags&SIGNAL_STOP_STOPPED == 0 {
			signr = SIGTRAP
		}
		return c.K.PtraceStop(c, t, signr|PTRACE_EVENT_STOP<<8, CLD_STOPPED, SiEventStop, RetRelock)
	}
	return c.K.PtraceStop(c, t, signr, CLD_STOPPED, SiNone, RetRelock)
}

// ptraceStop is ptrace_stop() S1 (kernel/signal.c, v6.18), inside the caller's siglock
// section. It reports whether the task committed to the stop.
func PtraceStop(c *Ctx, t int, exitCode uint16, why uint8, si uint8, ret Loc) bool {
	T := &c.S.Task[t]
	if c.K.PtraceStopEarlyReturn && (T.Ptrace == 0 || T.FatalSignalPending()) {
		// v5.19+: "the tracer is gone or a fatal signal is pending:
		// do not stop" — this is what keeps JOBCTL_TRACED from leaking (R5).
		c.Cover(brPtraceStopEarly)
		return false
	}
	c.K.SetTraced(c, t)
	T.ExitCode = exitCode
	if si == SiSignal {
		// ptrace_notify(): si_code is the exit code.
		switch {
		case exitCode>>8 == PTRACE_EVENT_EXIT:
			si = SiEventExit
		case exitCode&0x80 != 0:
			si = SiTrapGood
		}
	}
	T.LastSiginfo = si
	T.LastSigno = 0
	if si != SiNone {
		T.LastSigno = uint8(exitCode & 0x7f)
	}
	T.GstopDone = 0
	if why == CLD_STOPPED && T.Jobctl&JOBCTL_STOP_PENDING != 0 && c.K.TaskParticipateGroupStop(c, t) {
		c.Cover(brPtraceStopGstop)
		T.GstopDone = 1
	}
	c.TaskClearJobctlPending(t, JOBCTL_TRAP_STOP)
	if si == SiEventStop {
		c.TaskClearJobctlPending(t, JOBCTL_TRAP_NOTIFY)
	}
	c.TaskClearJobctlTrapping(t)
	T.Why = why
	T.Ret = ret
	T.Loc = LocPSNotify
	c.Label = "ptrace_stop: set_special_state(TASK_TRACED); jobctl |= JOBCTL_TRACED"
	return true
}

// ptraceStopNotify is ptrace_stop() S2, under tasklist_lock: tell the
// tracer (and the real parent, if this completed a group stop it would
// otherwise not hear of).
func PtraceStopNotify(c *Ctx, t int) {
	T := &c.S.Task[t]
	c.Label = "ptrace_stop: do_notify_parent_cldstop(tracer)"
	if T.Ptrace != 0 {
		c.K.DoNotifyParentCldstop(c, t, true, T.Why)
		if T.GstopDone != 0 && c.PtraceReparented(t) {
			c.K.DoNotifyParentCldstop(c, t, false, T.Why)
		}
		T.Loc = c.AfterNotify(LocPSEnterFrozen, LocPSSchedule)
		return
	}
	if T.GstopDone != 0 {
		c.K.DoNotifyParentCldstop(c, t, false, T.Why)
	}
	if !c.K.PtraceStopEarlyReturn {
		// ≤ v5.18: "the tracer went away while we dropped the lock":
		// __set_current_state(TASK_RUNNING) under tasklist_lock, no sleep.
		c.Label = "ptrace_stop: tracer gone: __state = TASK_RUNNING"
		T.State = TASK_RUNNING
		T.Loc = LocPSWake
		return
	}
	T.Loc = c.AfterNotify(LocPSEnterFrozen, LocPSSchedule)
}

// ptraceStopWake is ptrace_stop() S6 after schedule() returned, with
// siglock retaken, followed by the caller's code in the same section.
// cgroup_leave_frozen(true), between schedule() and the siglock, is folded
// in: nothing between them is visible but the v2 cgroup's state, which
// only this task's count changes.
func PtraceStopWake(c *Ctx, t int) {
	T := &c.S.Task[t]
	if T.CgFrozen {
		c.K.CgroupLeaveFrozen(c, t, true)
	}
	code := T.ExitCode
	T.LastSiginfo, T.LastSigno = SiNone, 0
	T.ExitCode = 0
	T.Jobctl &^= c.K.PtraceStopClear
	// recalc_sigpending_tsk(): may set TIF_SIGPENDING, never clears it.
	if c.SigpendingWork(t) { // blocked signals do not count
		T.SigPending = true
	}
	ret := T.Ret
	T.Ret = 0
	T.Why = 0
	T.GstopDone = 0
	if ret == RetPtraceSignal {
		c.Cover(brPtraceWakeSignal)
		if signr := c.K.PtraceSignal(c, t, int(code&0xff)); signr != 0 {
			c.K.GetSignal(c, t, signr)
			return
		}
		// "if (!signr) continue;"
		c.K.GetSignal(c, t, GetSignalContinue)
		return
	}
	if ret == RetSyscallEntry || ret == RetSyscallExit {
		// ptrace_report_syscall(): "if (signr) send_sig(signr,
		// current, 1)" — the signal the tracer resumed with is
		// re-sent to the tracee, not dropped (include/linux/ptrace.h,
		// v6.18).
		c.Cover(brPtraceWakeSys)
		T.Loc = LocSyscallExit
		if ret == RetSyscallExit || T.Flags&SYSCALL_ENTERED != 0 {
			T.Loc = LocUser // back to user mode, or the sleep op's call
		}
		if sig := int(code & 0xff); sig > 0 && sig < 32 {
			c.K.SendSignalLocked(c, sig, SiKernel, t, false) // send_sig(..., 1): SEND_SIG_PRIV
		}
		return
	}
	// do_jobctl_trap(): unlock; goto relock.
	c.Cover(brPtraceWakeTrap)
	T.Loc = ret
}

// ptraceReparented is ptrace_reparented(): traced by someone other than
// the real parent.
func (c *Ctx) PtraceReparented(t int) bool {
	T := &c.S.Task[t]
	return T.Tracer != 0 && int(T.Tracer)-1 != c.P.Procs[c.P.Tasks[t].Proc].Parent
}

// DoNotifyParentCldstop is do_notify_parent_cldstop(tsk, for_ptracer,
// why) (kernel/signal.c, v6.18): SIGCHLD and __wake_up_parent() to the
// tracer (for_ptracer: about tsk itself), or to the real parent of the
// group (about the group leader). The model counts what the real parent
// is sent, for invariant I10.
func DoNotifyParentCldstop(c *Ctx, t int, forPtracer bool, why uint8) {
	if forPtracer {
		c.K.WakeUpParent(c, t, int(c.S.Task[t].Tracer)-1)
		return
	}
	s := c.Sig(t)
	switch why {
	case CLD_STOPPED:
		if s.CldStopped < 3 {
			s.CldStopped++
		}
	case CLD_CONTINUED:
		if s.CldContinued < 3 {
			s.CldContinued++
		}
	}
	leader := c.Threads(t)[0]
	c.K.WakeUpParent(c, leader, c.P.Procs[c.P.Tasks[t].Proc].Parent)
}

// doExit is do_group_exit() and the first part of do_exit(), one step:
// the group exit (zap_other_threads), then, for a tracee with
// PTRACE_O_TRACEEXIT, ptrace_event(PTRACE_EVENT_EXIT) — a ptrace stop
// before exit_signals() sets PF_EXITING (kernel/exit.c:do_exit(), v6.18;
// the same place in v5.18) — else DoExitSignals at once. The kernel drops
// siglock after zap_other_threads() and takes it again in do_exit()
// (synchronize_group_exit()); the model does not split the path there:
// once SIGNAL_GROUP_EXIT is set, those sections do only the exiting
// task's own bookkeeping, and the one place on the way where another task
// can meet it, the PTRACE_EVENT_EXIT stop, is a step of its own
// (docs/MODEL.md, "Step boundaries").
func DoExit(c *Ctx, t int) {
	T := &c.S.Task[t]
	s := c.Sig(t)
	if s.Flags&SIGNAL_GROUP_EXIT != 0 {
		c.Cover(brExitGroupDying)
		if s.GroupExitCode != 0 {
			T.ExitKind, T.ExitVal = ExitKilled, s.GroupExitCode
		} else {
			T.ExitKind, T.ExitVal = ExitExited, s.GroupExitVal
		}
	} else {
		if T.Sig != 0 {
			s.GroupExitCode = T.Sig
			T.ExitKind, T.ExitVal = ExitKilled, T.Sig
		} else {
			s.GroupExitCode = 0
			s.GroupExitVal = T.ExitVal
		}
		s.Flags = SIGNAL_GROUP_EXIT
		s.GroupStopCount = 0
		// zap_other_threads()
		c.Cover(brExitZap)
		for _, u := range c.Threads(t) {
			if u == t || !c.S.Task[u].Alive() {
				continue
			}
			c.TaskClearJobctlPending(u, JOBCTL_PENDING_MASK)
			c.S.Task[u].Pending |= sigmask(SIGKILL)
			c.K.SignalWakeUp(c, u, true)
		}
	}
	T.Sig = 0
	if T.Ptrace&PT_TRACE_EXIT != 0 {
		// ptrace_event(PTRACE_EVENT_EXIT, code) -> ptrace_notify():
		// ptrace_stop() returns at once if a fatal signal is pending
		// (v5.19+); a SIGKILL that comes during the stop is dropped by
		// prepare_signal() once the group is exiting (v6.1+), so only
		// the tracer ends it.
		c.Label = "do_exit: ptrace_event(PTRACE_EVENT_EXIT): ptrace_notify"
		if c.K.PtraceStop(c, t, SIGTRAP|PTRACE_EVENT_EXIT<<8, CLD_TRAPPED, SiSignal, LocExitSignals) {
			return
		}
	}
	c.K.DoExitSignals(c, t)
}

// DoExitSignals is do_exit() from exit_signals() to exit_notify()
// (kernel/exit.c, v6.18): PF_EXITING, and the exit code.
func DoExitSignals(c *Ctx, t int) {
	T := &c.S.Task[t]
	T.Flags |= PF_EXITING
	// cgroup_exit(), later in do_exit(): off the css_set.
	c.K.CgroupExit(c, t)
	// do_exit(): "tsk->exit_code = code", long before exit_notify(). A
	// tracer's wait4() that finds task_is_traced() true in this window
	// reports the exit code as a ptrace stop: with a stale JOBCTL_TRACED
	// (R5) that is a phantom trap (I11).
	if T.ExitKind == ExitKilled {
		T.ExitCode = uint16(T.ExitVal)
	} else {
		T.ExitCode = uint16(T.ExitVal) << 8
	}
	T.Loc = LocExitNotify
}

// PtraceSyscallCode is the exit code of a syscall stop
// (include/linux/ptrace.h:ptrace_report_syscall(), v6.18): SIGTRAP, with
// 0x80 under PTRACE_O_TRACESYSGOOD.
func PtraceSyscallCode(T *Task) uint16 {
	if T.Ptrace&PT_TRACESYSGOOD != 0 {
		return SIGTRAP | 0x80
	}
	return SIGTRAP
}

// ExitNotify is exit_notify() at the end of do_exit() (kernel/exit.c,
// v6.18): the task becomes a zombie and its parent (the tracer while
// traced) is told with do_notify_parent() — a leader only once its group
// is empty (the last thread's release_task() tells it otherwise) — or,
// a thread that is neither a leader nor traced, is released at once.
func ExitNotify(c *Ctx, t int) {
	T := &c.S.Task[t]
	if !c.K.ZombieKeepsPending {
		T.FlushPending(^uint32(0))
	}
	T.Flags &^= ERESTART_RESTARTBLOCK | SYSCALL_ENTERED | KICKED
	T.SigPending = false
	T.State = TASK_DEAD
	T.Saved = TASK_RUNNING
	T.OnRq = false
	T.Loc = LocDead
	T.ExitState = EXIT_ZOMBIE
	switch {
	case T.Ptrace != 0:
		c.Cover(brNotifyTraced)
		c.K.DoNotifyParent(c, t) // to the tracer
	case c.P.Tasks[t].Leader:
		if c.ThreadGroupEmpty(t) {
			c.Cover(brNotifyLeader)
			c.K.DoNotifyParent(c, t)
		} else {
			c.Cover(brNotifyDelay)
		}
	default:
		// An untraced thread other than the leader: autoreap.
		c.Cover(brNotifyAutoreap)
		c.K.ReleaseTask(c, t)
	}
}
