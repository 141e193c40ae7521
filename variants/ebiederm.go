package variants

import "jobctl/model"

// ebiederm (c): Eric W. Biederman's proposal in his reply to Peter's v2
// 1/5 (LKML, 2022-04-26, <87fslzfmha.fsf@email.froward.int.ebiederm.org>):
// signal_wake_up_state() never touches jobctl; signal_wake_up() and
// ptrace_signal_wake_up() clear JOBCTL_STOPPED/TRACED when they decide to
// resume, whatever the wakeup's outcome; the thaw restores plainly from
// jobctl. A ptrace request defers fatal wakeups with JOBCTL_DELAY_WAKEKILL
// instead of rewriting __state ("[PATCH 9/9] ptrace: Don't change
// __state"), and ptrace_check_attach() waits for any state ("[PATCH 7/9]
// ptrace: Simplify the wait_task_inactive call in ptrace_check_attach").
// TASK_TRACED still has TASK_WAKEKILL and ptrace_stop() still stops with a
// fatal signal pending: Oleg Nesterov's leak (R5).
func init() {
	register(&Variant{
		Name: "ebiederm", ID: "c", Base: "peterz-v2",
		Summary: "Eric's proposal (LKML 2022-04-26): clear jobctl bits in signal_wake_up()/ptrace_signal_wake_up() unconditionally",
		Source:  "LKML <87fslzfmha.fsf@email.froward.int.ebiederm.org> (2022-04-26); [PATCH 7/9], [PATCH 9/9]",
		Apply: func(k *model.Kernel) {
			k.SignalWakeUpState = model.SignalWakeUpState
			k.SignalWakeUp = signalWakeUpResume
			k.PtraceSignalWakeUp = model.PtraceSignalWakeUp
			k.PtraceFrozenBit = model.JOBCTL_DELAY_WAKEKILL
			k.PtraceFreezeTraced = model.PtraceFreezeTraced
			k.PtraceUnfreezeTraced = model.PtraceUnfreezeTraced
			k.PtraceStopClear = model.JOBCTL_LISTENING | model.JOBCTL_DELAY_WAKEKILL
			k.CheckAttachMask = 0 // wait_task_inactive(child, 0): any state
		},
	})
}

// signalWakeUpResume is the signal_wake_up() of Eric's reply:
//
//	if (resume && !(t->jobctl & JOBCTL_DELAY_WAKEKILL)) {
//		t->jobctl &= ~(JOBCTL_STOPPED | JOBCTL_TRACED);
//		state = TASK_WAKEKILL;
//	}
func signalWakeUpResume(c *model.Ctx, t int, resume bool) {
	T := c.Task(t)
	var state uint16
	if resume && T.Jobctl&model.JOBCTL_DELAY_WAKEKILL == 0 {
		T.Jobctl &^= model.JOBCTL_STOPPED | model.JOBCTL_TRACED
		state = model.TASK_WAKEKILL
	}
	c.K.SignalWakeUpState(c, t, state)
}
