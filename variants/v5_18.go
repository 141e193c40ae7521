package variants

import "jobctl/model"

// v5.18 (a, ≤ v5.18): the special states live only in __state
// (task_is_stopped/traced read it), TASK_TRACED includes TASK_WAKEKILL,
// and the tracer holds a tracee for a request by rewriting its __state to
// __TASK_TRACED — the one place another task wrote __state.
// Checked against v5.17 (kernel/signal.c, kernel/ptrace.c).
func init() {
	register(&Variant{
		Name: "v5.18", ID: "a", Base: "v5.19", Released: true,
		Summary: "≤ v5.18: special state only in __state; tracer rewrites __state; old freezer",
		Source:  "mainline up to v5.18 (read at v5.17)",
		Apply: func(k *model.Kernel) {
			k.TaskTraced = model.TaskTracedOld
			k.JobctlCanonical = false
			k.PtraceKillSends = false
			k.PtraceStopEarlyReturn = false
			k.PtraceStopClear = model.JOBCTL_LISTENING
			k.PtraceFrozenBit = 0
			k.SignalWakeUp = signalWakeUpOld
			k.PtraceSignalWakeUp = ptraceSignalWakeUpOld
			k.SetStopped = setStoppedState
			k.SetTraced = setTracedState
			k.PtraceFreezeTraced = ptraceFreezeTracedRewrite
			k.PtraceUnfreezeTraced = ptraceUnfreezeTracedRewrite
		},
	})
}

// signalWakeUpOld is signal_wake_up() before v5.19: a fatal wakeup matches
// TASK_WAKEKILL (TASK_STOPPED, and TASK_TRACED = 0x108); jobctl untouched.
func signalWakeUpOld(c *model.Ctx, t int, fatal bool) {
	var state uint16
	if fatal {
		state = model.TASK_WAKEKILL
	}
	c.K.SignalWakeUpState(c, t, state)
}

// ptraceSignalWakeUpOld is ptrace_signal_wake_up() before v5.19.
func ptraceSignalWakeUpOld(c *model.Ctx, t int, resume bool) {
	var state uint16
	if resume {
		state = model.TaskTracedBit
	}
	c.K.SignalWakeUpState(c, t, state)
}

// setStoppedState: do_signal_stop() sets only the state.
func setStoppedState(c *model.Ctx, t int) { c.Task(t).State = model.TASK_STOPPED }

// setTracedState: ptrace_stop() sets only the state.
func setTracedState(c *model.Ctx, t int) { c.Task(t).State = c.K.TaskTraced }

// ptraceFreezeTracedRewrite is ptrace_freeze_traced() before v5.19:
// strip TASK_WAKEKILL by writing __state = __TASK_TRACED, so that a
// SIGKILL cannot wake the tracee during the request.
func ptraceFreezeTracedRewrite(c *model.Ctx, t int) bool {
	T := c.Task(t)
	if T.Jobctl&model.JOBCTL_LISTENING != 0 {
		return false
	}
	if c.TaskIsTraced(t) && !T.FatalSignalPending() {
		T.State = model.TaskTracedBit
		return true
	}
	return false
}

// ptraceUnfreezeTracedRewrite is ptrace_unfreeze_traced() before v5.19: if
// still __TASK_TRACED (re-checked under siglock: PTRACE_LISTEN plus a
// notify can wake it), wake it for a pending fatal signal or put
// TASK_WAKEKILL back.
func ptraceUnfreezeTracedRewrite(c *model.Ctx, t int) {
	T := c.Task(t)
	if T.State != model.TaskTracedBit || !T.Alive() {
		return
	}
	if T.FatalSignalPending() {
		c.K.TryToWakeUp(c, t, model.TaskTracedBit)
	} else {
		T.State = c.K.TaskTraced
	}
}
