package variants

import "jobctl/model"

// v6.1.y (d2 as the 6.1 stable branch ships it from 6.1.123 on): the v6.1
// freezer, but /proc reports a frozen task as 'D'. f718faf3940e ("freezer,
// sched: Report frozen tasks as 'D' instead of 'R'", v6.13) puts
// TASK_FROZEN into __task_state_index()'s uninterruptible case
// (include/linux/sched.h); 6.1.123 carries it as 581d8a5ac119 (the stable
// shortlog of 6.1.123; Debian's linux 6.1.123-1 changelog lists it under
// that release). Everything the model schedules is as in v6.1: 6.1.y never
// took the saved_state freezer (only the revert 14a67b42cb6f, in 6.1.147).
func init() {
	register(&Variant{
		Name: "v6.1.y", ID: "d2.y", Base: "v6.1", Released: true,
		Summary: "v6.1 stable from 6.1.123: the v6.1 freezer, a frozen task reads 'D' in /proc (f718faf3940e backported)",
		Source:  `581d8a5ac119, the 6.1.123 backport of f718faf3940e "freezer, sched: Report frozen tasks as 'D' instead of 'R'"`,
		Apply: func(k *model.Kernel) {
			k.FrozenLetter = 'D'
		},
	})
}
