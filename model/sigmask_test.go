package model

import "testing"

// TestSigKernelHelpers: the exported sigmask helpers are the kernel's
// classes of signals (include/linux/signal.h, x86-64 numbering).
func TestSigKernelHelpers(t *testing.T) {
	if Sigmask(SIGKILL) != 1<<9 || Sigmask(SIGSTOP) != 1<<19 {
		t.Errorf("Sigmask(SIGKILL) = %#x, Sigmask(SIGSTOP) = %#x", Sigmask(SIGKILL), Sigmask(SIGSTOP))
	}
	for _, tc := range []struct {
		name string
		f    func(int) bool
		yes  []int
		no   []int
	}{
		{"sig_kernel_stop", SigKernelStop, []int{SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU}, []int{SIGCONT, SIGKILL, SIGCHLD, 15}},
		{"sig_kernel_ignore", SigKernelIgnore, []int{SIGCONT, SIGCHLD, SIGURG, SIGWINCH}, []int{SIGSTOP, SIGKILL, 1, 15}},
		{"sig_kernel_only", SigKernelOnly, []int{SIGKILL, SIGSTOP}, []int{SIGTSTP, SIGCONT, 15}},
		{"sig_kernel_coredump", SigKernelCoredump, []int{3, 4, 5, 6, 7, 8, 11, 24, 25, 31}, []int{SIGKILL, SIGSTOP, 1, 2, 15}},
	} {
		for _, sig := range tc.yes {
			if !tc.f(sig) {
				t.Errorf("%s(%d) = false", tc.name, sig)
			}
		}
		for _, sig := range tc.no {
			if tc.f(sig) {
				t.Errorf("%s(%d) = true", tc.name, sig)
			}
		}
	}
}
