package variants

import "jobctl/model"

// v6.7-rc1 (d3 as first merged): 8f0eed4a78a8 "freezer,sched: Use
// saved_state to reduce some spurious wakeups" before its two fixes.
// __thaw_task() restores saved_state without asking whether the task is
// frozen at all, and leaves saved_state as it was: a second thaw (cgroup
// code thaws every task, frozen or not) writes a stale state over a task
// that has long left it — the "user thread hung" reports that led to
// 23ab79e8e469 "Do not restore saved_state of a thawed task" (v6.7-rc5)
// and 418146e39891 "Clean saved_state when restoring it during thaw" (v6.8).
// 23ab79e8e469 reached mainline in v6.7-rc5, so only v6.7-rc1 to rc4 have
// neither fix. See docs/SCENARIOS.md, R11.
func init() {
	register(&Variant{
		Name: "v6.7-rc1", ID: "d3-orig", Base: "mainline", Released: true,
		Summary: "v6.7-rc1..rc4: thaw restores saved_state with no frozen() guard and does not clear it",
		Source:  `8f0eed4a78a8 "freezer,sched: Use saved_state to reduce some spurious wakeups" as first merged`,
		Apply: func(k *model.Kernel) {
			k.ThawTask = thawTaskUnguarded
		},
	})
}

// thawTaskUnguarded is 8f0eed4a78a8's __thaw_task():
// task_call_func(p, __restore_freezer_state) with no frozen(p) test, and a
// __restore_freezer_state() that writes saved_state back into __state
// without resetting it to TASK_RUNNING; otherwise wake_up_state(p,
// TASK_FROZEN).
func thawTaskUnguarded(c *model.Ctx, t int) {
	T := c.Task(t)
	if T.Alive() && T.Saved != model.TASK_RUNNING {
		T.State = T.Saved
		return
	}
	c.K.TryToWakeUp(c, t, model.TASK_FROZEN)
}
