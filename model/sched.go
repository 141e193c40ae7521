package model

// The scheduler primitives, as the kernel defines them in
// kernel/sched/core.c and include/linux/sched.h.

// match is __task_state_match() (kernel/sched/core.c, v6.6+; inlined in
// ttwu_state_match() before): 1 if __state matches, -1 if only
// saved_state does (a PREEMPT_RT rtlock wait, or since v6.7 a task frozen
// in place), 0 otherwise.
func (c *Ctx) TaskStateMatch(t int, mask uint16) int {
	T := &c.S.Task[t]
	if T.State&mask != 0 {
		return 1
	}
	if c.K.HasSavedState() && T.Saved&mask != 0 {
		return -1
	}
	return 0
}

// ttwu is try_to_wake_up() / wake_up_state() (kernel/sched/core.c,
// v6.18), one atomic step. The kernel makes it one: the waker holds the
// task's pi_lock from the test of __state to the end of the wakeup, so
// other wakers, set_special_state() and the freezer's __set_task_frozen()
// (which take pi_lock too) never see half of it, and it is "atomic
// against schedule() which would dequeue the task" (its comment). A task
// waking itself takes no lock: IRQs are off, which serializes it against
// set_special_state(). It reports "success" when __state or saved_state
// matched. A saved_state match only records the wakeup (saved_state =
// TASK_RUNNING): the task is blocked on an rtlock (or frozen, v6.7+) and
// runs when that ends, so no wakeup is lost.
func TryToWakeUp(c *Ctx, t int, mask uint16) bool {
	c.Woke[t] |= mask
	T := &c.S.Task[t]
	if T.ExitState != 0 {
		c.Cover(brTTWUMiss)
		return false
	}
	switch c.TaskStateMatch(t, mask) {
	case 0:
		c.Cover(brTTWUMiss)
		return false
	case -1:
		c.Cover(brTTWUSaved)
		T.Saved = TASK_RUNNING
		return true
	}
	c.Cover(brTTWUState)
	// ttwu_runnable() when still on_rq (it has not finished schedule()
	// yet, or was preempted), else a full wakeup; both end RUNNING.
	T.State = TASK_RUNNING
	if !T.OnRq {
		T.OnRq = true
		c.StopWoken(t)
	}
	return true
}

// StopWoken is where a task woken in do_signal_stop()'s schedule() goes
// on. Since v6.1 (f5d39b020809) that is plain schedule(): it returns to
// get_signal(), which "goto relock"s at once (kernel/signal.c:
// do_signal_stop(), get_signal(), v6.18), so the woken task is already at
// relock — one state, not two that differ only in a program counter.
// The same holds for the cgroup v2 freezer's trap: do_freezer_trap()
// returns and get_signal() goes to relock. With the old freezer,
// freezable_schedule() first runs try_to_freeze() (AfterStopSchedule), so
// the woken task stays where it slept.
func (c *Ctx) StopWoken(t int) {
	if T := &c.S.Task[t]; (T.Loc == LocDSSSleep || T.Loc == LocTrapSleep) && !c.K.OldFreezer {
		T.Loc = LocRelock
	}
}

// fatalSignalPending is __fatal_signal_pending(): SIGKILL in the private
// queue (where complete_signal() and zap_other_threads() put it).
func (T *Task) FatalSignalPending() bool { return T.Pending&sigmask(SIGKILL) != 0 }

// signalPendingState is signal_pending_state() (include/linux/sched/signal.h):
// the rule by which schedule() refuses to block. TASK_STOPPED (0x104)
// never sleeps with a fatal signal pending; TASK_TRACED sleeps regardless
// since v5.19 (0x008) but not before (0x108).
func signalPendingState(state uint16, T *Task) bool {
	if state&(TASK_INTERRUPTIBLE|TASK_WAKEKILL) == 0 {
		return false
	}
	if !T.SigPending {
		return false
	}
	return state&TASK_INTERRUPTIBLE != 0 || T.FatalSignalPending()
}

// schedule is a voluntary __schedule() by task t (kernel/sched/core.c,
// v6.18): under the rq lock, a task whose __state is not TASK_RUNNING is
// dequeued, unless signal_pending_state() says it must not sleep. It
// reports whether the task blocked (was dequeued).
func Schedule(c *Ctx, t int) bool {
	T := &c.S.Task[t]
	if T.State == TASK_RUNNING {
		return false
	}
	if signalPendingState(T.State, T) {
		c.Cover(brSchedSignal)
		T.State = TASK_RUNNING
		return false
	}
	c.Cover(brSchedBlocks)
	T.OnRq = false
	return true
}

// waitTaskInactive is wait_task_inactive(p, match_state) as the tracer
// runs it in ptrace_check_attach() (kernel/sched/core.c). It returns
// (ok, wait): wait means "p is still queued or running; sleep a tick and
// retry", which the model expresses as the step not being enabled yet.
func WaitTaskInactive(c *Ctx, t int, mask uint16) (ok, wait bool) {
	T := &c.S.Task[t]
	var m int
	switch {
	case mask == 0: // any state (Eric's 7/9: wait_task_inactive(child, 0))
		m = 1
	case c.K.WTIMatch == WTIExact: // ≤ v6.0: __state == match_state
		if T.State == mask {
			m = 1
		}
	case c.K.WTIMatch == WTIMask: // v6.1: a mask test on __state only
		if T.State&mask != 0 {
			m = 1
		}
	default: // v6.6+: __task_state_match(); a saved_state match counts as queued
		m = c.TaskStateMatch(t, mask)
	}
	switch {
	case m == 0:
		return false, false
	case m < 0 || T.OnRq:
		return false, true
	}
	return true, false
}

// taskIsTraced is task_is_traced(): jobctl since v5.19, __state before.
func (c *Ctx) TaskIsTraced(t int) bool {
	T := &c.S.Task[t]
	if c.K.JobctlCanonical {
		return T.Jobctl&JOBCTL_TRACED != 0
	}
	return T.State&__TASK_TRACED != 0
}

// taskIsStopped is task_is_stopped().
func (c *Ctx) TaskIsStopped(t int) bool {
	T := &c.S.Task[t]
	if c.K.JobctlCanonical {
		return T.Jobctl&JOBCTL_STOPPED != 0
	}
	return T.State&__TASK_STOPPED != 0
}

func (c *Ctx) TaskIsStoppedOrTraced(t int) bool { return c.TaskIsStopped(t) || c.TaskIsTraced(t) }

// rtlockBlock is the entry of rtlock_slowlock_locked() on a contended
// lock (kernel/locking/rtmutex.c, PREEMPT_RT):
// current_save_and_set_rtlock_wait_state() parks __state in saved_state,
// then schedule_rtlock() blocks until the unlocker's
// wake_up_state(TASK_RTLOCK_WAIT). resume is the step to redo with the
// lock held.
func (c *Ctx) RtlockBlock(t int, resume Loc) {
	T := &c.S.Task[t]
	T.Saved = T.State
	T.State = TASK_RTLOCK_WAIT
	T.OnRq = false
	T.RTRet = resume
	T.Loc = LocRTWait
}
