package variants

import "jobctl/model"

// v5.19 (d1, v5.19–v6.0): Eric Biederman's "ptrace: cleaning up
// ptrace_stop" series with Peter Zijlstra's jobctl rework as Eric modified
// it (31cae1eaae4f), still on the old freezer.
func init() {
	register(&Variant{
		Name: "v5.19", ID: "d1", Base: "v6.1", Released: true,
		Summary: "v5.19–v6.0: JOBCTL_STOPPED/TRACED cleared in signal_wake_up(); old PF_FROZEN freezer",
		Source: `31cae1eaae4f "sched,signal,ptrace: Rework TASK_TRACED, TASK_STOPPED state", ` +
			`2500ad1c7fa4 "ptrace: Don't change __state" (pull ptrace_stop-cleanup-for-v5.19)`,
		Apply: func(k *model.Kernel) {
			k.OldFreezer = true
			k.WTIMatch = model.WTIExact // wait_task_inactive(): __state == match_state
			k.CheckAttachMask = model.TaskTracedBit
			k.DropAfterGroupExit = false // 9a95f78eab70 is v6.1
			k.FrozenLetter = 'D'         // the refrigerator sleeps TASK_UNINTERRUPTIBLE
			k.SetTaskFrozen = nil        // no __set_task_frozen(): PF_FREEZER_SKIP
			k.ThawTask = model.ThawTaskOld
		},
	})
}
