package variants

import "jobctl/model"

// v6.1 (d2, v6.1–v6.6): the freezer rewrite. A blocked TASK_STOPPED or
// TASK_TRACED task is frozen in place (__state = TASK_FROZEN) and the thaw
// restores the special state from jobctl (__set_task_special()).
func init() {
	register(&Variant{
		Name: "v6.1", ID: "d2", Base: "mainline", Released: true,
		Summary: "v6.1–v6.6: TASK_FROZEN freezer; thaw restores STOPPED/TRACED from jobctl",
		Source:  `f5d39b020809 "freezer,sched: Rewrite core freezer logic" (v6.1); 9204a97f7ae8 (wait_task_inactive mask)`,
		Apply: func(k *model.Kernel) {
			k.SavedStateAlways = false // only PREEMPT_RT has saved_state
			k.WTIMatch = model.WTIMask // 2bc8ed6efa50 (saved_state) came in v6.6
			k.FrozenLetter = 'R'       // TASK_FROZEN is outside TASK_REPORT before f718faf3940e
			k.SetTaskFrozen = model.SetTaskFrozenPlain
			k.ThawTask = model.ThawTaskRestoreJobctl
			k.ZombieKeepsPending = true // seen on 6.1.192 (signal-kicked-syscall-first); v6.6 inherits it unverified
		},
	})
}
