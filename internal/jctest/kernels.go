package jctest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// KernelCache is where scripts/fetch-kernels puts the kernel images:
// $JOBCTL_KERNELS, else $XDG_CACHE_HOME/jobctl/kernels, else
// ~/.cache/jobctl/kernels.
func KernelCache() string {
	if d := os.Getenv("JOBCTL_KERNELS"); d != "" {
		return d
	}
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "jobctl", "kernels")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "jobctl", "kernels")
}

// GuestKernel returns the image of one of the Debian 6.1 kernels that
// scripts/fetch-kernels fetches ("cloud" or "rt"), or skips the test,
// saying why, when it or QEMU is missing.
func GuestKernel(t testing.TB, flavour string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("skipped under -short: boots a QEMU guest (./test.sh runs it)")
	}
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		t.Skip("skipped: no qemu-system-x86_64 (run scripts/fetch-kernels, as root, to install it)")
	}
	img := filepath.Join(KernelCache(), "6.1-"+flavour+".vmlinuz")
	if _, err := os.Stat(img); err != nil {
		t.Skipf("skipped: no Debian 6.1 %s kernel at %s (run scripts/fetch-kernels)", flavour, img)
	}
	return img
}
