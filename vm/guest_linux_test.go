package vm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"jobctl/internal/jctest"
)

// TestMain makes the test binary a guest's init (GuestMain) and, inside
// the guest, the job named by VMTEST_JOB.
func TestMain(m *testing.M) {
	if GuestMain() {
		return
	}
	if job := os.Getenv("VMTEST_JOB"); job != "" {
		os.Exit(testJob(job))
	}
	os.Exit(m.Run())
}

// allBytes is every byte value, to show that the results port is 8-bit
// clean.
func allBytes() []byte {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

func testJob(job string) int {
	switch job {
	case "echo":
		os.Stdout.Write(allBytes())
		in, err := os.ReadFile("/data/in.txt")
		wd, _ := os.Getwd()
		fmt.Printf("|args=%q wd=%s in=%q err=%v pid1=%v", os.Args[1:], wd, in, err, os.Getppid() == 1)
		fmt.Fprint(os.Stderr, "to stderr\n")
		return 7
	case "mounts":
		b, _ := os.ReadFile("/proc/self/mountinfo")
		for _, l := range strings.Split(string(b), "\n") {
			if f := strings.Fields(l); len(f) > 4 {
				fmt.Println(f[4])
			}
		}
		return 0
	case "sleep":
		time.Sleep(time.Hour)
	}
	return 99
}

// qemuGone fails the test if the QEMU of a finished Run still exists.
func qemuGone(t *testing.T, pid int) {
	t.Helper()
	if pid <= 0 {
		t.Fatal("no QEMU pid")
	}
	if err := syscall.Kill(pid, 0); err != syscall.ESRCH {
		t.Errorf("QEMU pid %d still exists after Run (kill 0: %v)", pid, err)
	}
}

func TestRunJob(t *testing.T) {
	img := jctest.GuestKernel(t, "cloud")
	var out, errb bytes.Buffer
	var booted []Boot
	res, err := Run(context.Background(), Config{
		Kernel: img, Exe: os.Args[0], Env: []string{"VMTEST_JOB=echo"}, Args: []string{"a b", "c"},
		Dir: "/data", Files: []File{{Path: "/data/in.txt", Mode: 0o644, Data: []byte("input\n")}},
		Stdout: &out, Stderr: &errb, Booted: func(b Boot) { booted = append(booted, b) },
	})
	if err != nil {
		t.Fatalf("Run: %v\nconsole:\n%s", err, res.Console)
	}
	want := string(allBytes()) + `|args=["a b" "c"] wd=/data in="input\n" err=<nil> pid1=true`
	if out.String() != want {
		t.Errorf("stdout %q\nwant   %q", out.String(), want)
	}
	if errb.String() != "to stderr\n" {
		t.Errorf("stderr %q", errb.String())
	}
	if res.ExitCode != 7 {
		t.Errorf("exit code %d, want 7", res.ExitCode)
	}
	if len(booted) != 1 || booted[0] != res.Boot {
		t.Errorf("Booted called with %+v, result %+v", booted, res.Boot)
	}
	g := res.Guest
	if !strings.HasPrefix(g.Release, "6.1.0-") || !strings.Contains(g.Version, "Debian 6.1.") || g.RT || g.CPUs != 2 || g.MemMiB < 512 {
		t.Errorf("guest %+v", g)
	}
	if res.Accel != "kvm" && !(res.Accel == "tcg" && res.NoKVM != "") {
		t.Errorf("accelerator %q (no KVM: %q): under auto, TCG must say why not KVM", res.Accel, res.NoKVM)
	}
	qemuGone(t, res.QEMUPid)
}

// TestGuestMounts: the guest's init mounts both cgroup freezers where the
// oracle looks for them.
func TestGuestMounts(t *testing.T) {
	img := jctest.GuestKernel(t, "rt")
	var out, errb bytes.Buffer
	res, err := Run(context.Background(), Config{Kernel: img, Exe: os.Args[0], Env: []string{"VMTEST_JOB=mounts"},
		Accel: "tcg", Stdout: &out, Stderr: &errb})
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("Run: %v, exit %d\nstderr: %s\nconsole:\n%s", err, res.ExitCode, errb.String(), res.Console)
	}
	for _, m := range []string{"/proc", "/sys", "/dev", "/sys/fs/cgroup/freezer", "/sys/fs/cgroup/unified"} {
		if !strings.Contains("\n"+out.String(), "\n"+m+"\n") {
			t.Errorf("%s not mounted; mounts:\n%s", m, out.String())
		}
	}
	if errb.Len() != 0 {
		t.Errorf("notes: %s", errb.String())
	}
	if !res.Guest.RT || res.Accel != "tcg" || res.NoKVM != "" {
		t.Errorf("boot %+v", res.Boot)
	}
	qemuGone(t, res.QEMUPid)
}

// TestRunWedged: a guest that stops sending anything (here: QEMU itself
// stopped with SIGSTOP, as a hung guest looks from outside) is killed
// after Config.Silence, and reaped.
func TestRunWedged(t *testing.T) {
	img := jctest.GuestKernel(t, "cloud")
	start := time.Now()
	res, err := Run(context.Background(), Config{Kernel: img, Exe: os.Args[0], Env: []string{"VMTEST_JOB=sleep"},
		Accel: "tcg", Silence: 2 * time.Second,
		Booted: func(b Boot) { syscall.Kill(b.QEMUPid, syscall.SIGSTOP) }})
	if !errors.Is(err, ErrWedged) {
		t.Fatalf("Run: %v, want ErrWedged", err)
	}
	if !res.Booted || time.Since(start) > time.Minute {
		t.Errorf("booted %v, took %v", res.Booted, time.Since(start))
	}
	qemuGone(t, res.QEMUPid)
}

// TestRunCancel: cancelling the context (what Ctrl-C does) kills the
// guest at once.
func TestRunCancel(t *testing.T) {
	img := jctest.GuestKernel(t, "cloud")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	var at time.Time
	res, err := Run(ctx, Config{Kernel: img, Exe: os.Args[0], Env: []string{"VMTEST_JOB=sleep"}, Accel: "tcg",
		Booted: func(Boot) { once.Do(func() { at = time.Now(); cancel() }) }})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run: %v, want context.Canceled", err)
	}
	if d := time.Since(at); d > 5*time.Second {
		t.Errorf("Run returned %v after the cancel", d)
	}
	qemuGone(t, res.QEMUPid)
}
