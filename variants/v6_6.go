package variants

import "jobctl/model"

// v6.6 (d2 with the RT fix of 2bc8ed6efa50, "sched: Consider
// task_struct::saved_state in wait_task_inactive()"): the v6.1 freezer,
// but a tracee whose TASK_TRACED is parked in saved_state by an rtlock
// wait counts as "queued", so ptrace_check_attach() sleeps a tick and
// retries instead of failing with WARN and -ESRCH (docs/SCENARIOS.md, R7).
// Stable 6.6.102+ also has the v6.7 freezer (the 6.6.102 stable release
// took 8f0eed4a78a8, 23ab79e8e469 and 418146e39891): that is mainline.
func init() {
	register(&Variant{
		Name: "v6.6", ID: "d2+", Base: "v6.1", Released: true,
		Summary: "v6.6: the v6.1 freezer, wait_task_inactive() also matches saved_state (the PREEMPT_RT fix)",
		Source:  `2bc8ed6efa50 "sched: Consider task_struct::saved_state in wait_task_inactive()" (v6.6)`,
		Apply: func(k *model.Kernel) {
			k.WTIMatch = model.WTIMaskSaved
		},
	})
}
