package variants

import "jobctl/model"

// peterz-v1-thaw (b1): peterz-v2 with the thaw of Peter's v1 5/5
// ("[PATCH 5/5] freezer,sched: Rewrite core freezer logic", 2022-04-12,
// <20220412114854.026130414@infradead.org>), which "reverse-engineers" a
// fatal wakeup that TASK_FROZEN swallowed: it refuses to restore a stop
// while a fatal signal is pending, and wakes the task instead. Eric's
// reply: "no need to figure out if a wake_up was dropped and reverse
// engineer what the wakeup was".
func init() {
	register(&Variant{
		Name: "peterz-v1-thaw", ID: "b1", Base: "peterz-v2",
		Summary: "peterz-v2 with v1 5/5's thaw, which wakes instead of restoring when a fatal signal is pending",
		Source:  "LKML <20220412114854.026130414@infradead.org> (2022-04-12)",
		Apply: func(k *model.Kernel) {
			k.ThawTask = thawTaskFatalAware
		},
	})
}

// thawTaskFatalAware is v1 5/5's __set_task_special() and its caller.
// (v1's JOBCTL_TRACED_FROZEN is never set for a frozen task here: 1/5's
// ptrace_freeze_traced() rewrites TASK_FROZEN away first, R18.)
func thawTaskFatalAware(c *model.Ctx, t int) {
	T := c.Task(t)
	var state uint16
	if T.Alive() {
		fatal := T.FatalSignalPending()
		switch {
		case T.Jobctl&model.JOBCTL_TRACED != 0:
			if !fatal {
				state = model.TaskTracedOld
			}
		case T.Jobctl&model.JOBCTL_STOPPED != 0 && !fatal:
			state = model.TASK_STOPPED
		}
	}
	if state != 0 {
		T.State = state
		return
	}
	c.K.TryToWakeUp(c, t, model.TASK_FROZEN)
}
