package variants

import "jobctl/model"

// ebiederm-fixed (c+): Eric Biederman's proposal with the fix for Oleg
// Nesterov's JOBCTL_TRACED leak (<20220425174719.GB12412@redhat.com>):
// ptrace_stop() does not stop when a fatal signal is already pending —
// what mainline did in 2500ad1c7fa4 ("ptrace: Don't change __state").
func init() {
	register(&Variant{
		Name: "ebiederm-fixed", ID: "c+", Base: "ebiederm",
		Summary: "ebiederm plus ptrace_stop()'s early return on a pending fatal signal (Oleg's leak, R5)",
		Source:  "LKML <20220425174719.GB12412@redhat.com>; 2500ad1c7fa4 (v5.19)",
		Apply: func(k *model.Kernel) {
			k.PtraceStopEarlyReturn = true
		},
	})
}
