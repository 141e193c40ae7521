package vm

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestCheckStatic(t *testing.T) {
	self, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := checkStatic("test", self); err != nil {
		t.Errorf("the (static) test binary: %v", err)
	}
	dyn, err := exec.LookPath("true")
	if err != nil {
		t.Skip("skipped: no true(1) to try a dynamically linked binary")
	}
	b, _ := os.ReadFile(dyn)
	if err := checkStatic(dyn, b); err == nil || !strings.Contains(err.Error(), "dynamically linked; build it with CGO_ENABLED=0") {
		t.Errorf("%s: %v", dyn, err)
	}
	if err := checkStatic("text", []byte("#!/bin/sh\n")); err == nil {
		t.Error("a script passed as an ELF binary")
	}
}

// TestSweep: a QEMU whose owner is gone is killed; one whose owner lives
// is left alone. The "QEMU" is sleep(1) under a name that starts as
// QEMU's comm does.
func TestSweep(t *testing.T) {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("skipped: no sleep(1)")
	}
	dir := t.TempDir()
	fake := filepath.Join(dir, "qemu-system-x86_64")
	b, _ := os.ReadFile(sleep)
	if err := os.WriteFile(fake, b, 0o755); err != nil {
		t.Fatal(err)
	}
	start := func(owner string) *exec.Cmd {
		c := exec.Command(fake, "60")
		c.Env = []string{envOwner + "=" + owner}
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Process.Kill(); c.Wait() })
		return c
	}
	orphan := start(fmt.Sprintf("%d.%d", 1<<22+7, 12345)) // no such pid
	reused := start(fmt.Sprintf("%d.%d", os.Getpid(), startTime(os.Getpid())+1))
	owned := start(ownerTag(os.Getpid()))
	time.Sleep(50 * time.Millisecond) // let them exec
	killed := sweep()
	for _, c := range []*exec.Cmd{orphan, reused} {
		found := false
		for _, p := range killed {
			found = found || p == c.Process.Pid
		}
		if !found {
			t.Errorf("pid %d (%v) not swept (killed %v)", c.Process.Pid, c.Env, killed)
		}
		if err := c.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
			t.Errorf("pid %d: %v, want killed", c.Process.Pid, err)
		}
	}
	if err := owned.Process.Signal(syscall.Signal(0)); err != nil {
		t.Errorf("the live owner's QEMU was killed: %v", err)
	}
	for _, p := range killed {
		if p == owned.Process.Pid {
			t.Errorf("swept the live owner's QEMU")
		}
	}
}
