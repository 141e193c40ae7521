package variants

import "jobctl/model"

// peterz-v2 (b0): Peter Zijlstra's "[PATCH v2 1/5] sched,signal,ptrace:
// Rework TASK_TRACED, TASK_STOPPED state" (2022-04-21,
// <20220421150654.757693825@infradead.org>) on v5.18, with the freezer of
// the same series (TASK_FROZEN; the thaw restores the special state from
// jobctl). It adds JOBCTL_STOPPED/JOBCTL_TRACED and clears them in
// signal_wake_up_state() only when the wakeup succeeded — the hunk Eric
// Biederman's reply (<87fslzfmha.fsf@email.froward.int.ebiederm.org>) shows loses wakeups once __state can be
// TASK_FROZEN. The tracer still rewrites __state (1/5 keeps it).
func init() {
	register(&Variant{
		Name: "peterz-v2", ID: "b0", Base: "v5.18",
		Summary: "Peter's v2 1/5: jobctl bits cleared only if the wakeup succeeded; TASK_FROZEN freezer, plain jobctl thaw",
		Source:  "LKML <20220421150654.757693825@infradead.org> (2022-04-21); freezer: <20220412114854.026130414@infradead.org>",
		Apply: func(k *model.Kernel) {
			k.JobctlCanonical = true
			k.SetStopped = model.SetStoppedJobctl
			k.SetTraced = setTracedBitFirst
			k.SignalWakeUpState = signalWakeUpStateClearOnSuccess
			k.PtraceUnfreezeTraced = ptraceUnfreezeTracedRewriteClear
			// The TASK_FROZEN freezer of the series.
			k.OldFreezer = false
			k.SetTaskFrozen = model.SetTaskFrozenPlain
			k.ThawTask = model.ThawTaskRestoreJobctl
			k.FrozenLetter = 'R'
		},
	})
}

// signalWakeUpStateClearOnSuccess is the disputed hunk:
//
//	if (wake_up_state(t, state | TASK_INTERRUPTIBLE))
//		t->jobctl &= ~(JOBCTL_STOPPED | JOBCTL_TRACED);
//	else
//		kick_process(t);
//
// Whether the stop is over depends on whether __state (or saved_state)
// happened to match — and TASK_FROZEN matches nothing.
func signalWakeUpStateClearOnSuccess(c *model.Ctx, t int, state uint16) {
	T := c.Task(t)
	c.SetTIFSigpending(t)
	if c.K.TryToWakeUp(c, t, state|model.TASK_INTERRUPTIBLE) {
		T.Jobctl &^= model.JOBCTL_STOPPED | model.JOBCTL_TRACED
	}
}

// setTracedBitFirst: in 1/5 ptrace_stop() sets JOBCTL_TRACED, then the state.
func setTracedBitFirst(c *model.Ctx, t int) {
	T := c.Task(t)
	T.Jobctl |= model.JOBCTL_TRACED
	T.State = c.K.TaskTraced
}

// ptraceUnfreezeTracedRewriteClear is 1/5's ptrace_unfreeze_traced(): the
// v5.18 code, plus clearing JOBCTL_TRACED before the fatal wakeup.
func ptraceUnfreezeTracedRewriteClear(c *model.Ctx, t int) {
	T := c.Task(t)
	if T.State != model.TaskTracedBit || !T.Alive() {
		return
	}
	if T.FatalSignalPending() {
		T.Jobctl &^= model.JOBCTL_TRACED
		c.K.TryToWakeUp(c, t, model.TaskTracedBit)
	} else {
		T.State = c.K.TaskTraced
	}
}
