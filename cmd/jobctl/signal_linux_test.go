package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// oracleRoots are the cgroup hierarchies the oracle makes its run cgroups in.
var oracleRoots = []string{"/sys/fs/cgroup/freezer", "/sys/fs/cgroup/unified"}

func needOracle(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipped: the oracle needs root (ptrace of helpers, cgroup freezer)")
	}
	if _, err := os.Stat("/sys/fs/cgroup/freezer/freezer.state"); err != nil {
		if _, err := os.Stat("/sys/fs/cgroup/freezer/cgroup.procs"); err != nil {
			t.Skip("skipped: no cgroup v1 freezer at /sys/fs/cgroup/freezer")
		}
	}
}

// runDirsOf lists the run cgroups of the jobctl process pid.
func runDirsOf(pid int) []string {
	var dirs []string
	for _, root := range oracleRoots {
		m, _ := filepath.Glob(filepath.Join(root, fmt.Sprintf("jobctl-oracle.%d.*", pid)))
		dirs = append(dirs, m...)
	}
	return dirs
}

// helpersOf lists the live processes tagged with a run of the jobctl
// process pid (JOBCTL_ORACLE_RUN=<pid>.<start>.<seq> in their environment).
func helpersOf(pid int) []int {
	tag := []byte(fmt.Sprintf("JOBCTL_ORACLE_RUN=%d.", pid))
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil || p == os.Getpid() {
			continue
		}
		env, err := os.ReadFile("/proc/" + e.Name() + "/environ")
		if err != nil {
			continue
		}
		for _, kv := range bytes.Split(env, []byte{0}) {
			if bytes.HasPrefix(kv, tag) {
				pids = append(pids, p)
			}
		}
	}
	return pids
}

// frozenTraced reports whether a run of pid has a frozen cgroup holding a
// traced task, and names it.
func frozenTraced(pid int) (string, bool) {
	for _, d := range runDirsOf(pid) {
		st, err := os.ReadFile(filepath.Join(d, "p0", "freezer.state"))
		if err != nil || strings.TrimSpace(string(st)) != "FROZEN" {
			continue
		}
		procs, _ := os.ReadFile(filepath.Join(d, "p0", "cgroup.procs"))
		for _, f := range strings.Fields(string(procs)) {
			status, _ := os.ReadFile("/proc/" + f + "/status")
			for _, l := range strings.Split(string(status), "\n") {
				if v, ok := strings.CutPrefix(l, "TracerPid:"); ok && strings.TrimSpace(v) != "0" {
					return fmt.Sprintf("%s: pid %s frozen, traced by %s", d, f, strings.TrimSpace(v)), true
				}
			}
		}
	}
	return "", false
}

// startWedged starts "jobctl oracle" on a scenario whose runs keep a
// frozen, traced tracee, and returns once one is there.
func startWedged(t *testing.T) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, "oracle", "testdata/wedge-frozen-traced.jc", "--repeat", "1000", "--timeout", "60s")
	cmd.Env = append(os.Environ(), envCLI+"=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	end := time.Now().Add(30 * time.Second)
	for {
		if what, ok := frozenTraced(cmd.Process.Pid); ok {
			t.Logf("before the signal: %s", what)
			return cmd, &stderr
		}
		if time.Now().After(end) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("no frozen, traced tracee within 30s; stderr:\n%s", stderr.String())
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// reapOrphans reaps the children this (subreaper) process got, and reports
// whether any child is still alive.
func reapOrphans() bool {
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WALL|unix.WNOHANG, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return false
		}
		if pid == 0 {
			return true
		}
	}
}

// Every catchable terminating signal stops "jobctl oracle" in the middle
// of a run with a frozen, traced tracee: it cleans up, says so on stderr
// and exits 128+N; right after, no process and no cgroup of it is left.
func TestOracleSignals(t *testing.T) {
	needOracle(t)
	for _, sig := range []syscall.Signal{syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGTERM, syscall.SIGINT, syscall.SIGPIPE, syscall.SIGUSR1} {
		t.Run(signalName(sig), func(t *testing.T) {
			cmd, stderr := startWedged(t)
			pid := cmd.Process.Pid
			cmd.Process.Signal(sig)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				cmd.Process.Kill()
				<-done
				t.Fatalf("jobctl oracle did not exit within 20s of %s", signalName(sig))
			}
			if code := cmd.ProcessState.ExitCode(); code != 128+int(sig) {
				t.Errorf("exit code %d (%v), want %d", code, cmd.ProcessState, 128+int(sig))
			}
			want := fmt.Sprintf("jobctl oracle: interrupted by %s; everything it started was cleaned up\n", signalName(sig))
			if !strings.HasSuffix(stderr.String(), want) {
				t.Errorf("stderr %q, want it to end with %q", stderr.String(), want)
			}
			if dirs := runDirsOf(pid); len(dirs) > 0 {
				t.Errorf("cgroups left: %v", dirs)
			}
			if pids := helpersOf(pid); len(pids) > 0 {
				t.Errorf("processes left: %v", pids)
			}
		})
	}
}

// A SIGKILL of jobctl cannot be caught: the run's %init helper sees its
// runner go and tears the run down by itself. Within a few seconds, with
// no other run, no process and no cgroup of it is left.
func TestOracleSIGKILL(t *testing.T) {
	needOracle(t)
	// Orphans of the killed jobctl (its %init) come to this process.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		t.Fatalf("PR_SET_CHILD_SUBREAPER: %v", err)
	}
	defer unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
	cmd, _ := startWedged(t)
	pid := cmd.Process.Pid
	killed := time.Now()
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	for {
		alive := reapOrphans()
		dirs, pids := runDirsOf(pid), helpersOf(pid)
		if len(dirs) == 0 && len(pids) == 0 && !alive {
			t.Logf("nothing left %v after the SIGKILL", time.Since(killed).Round(time.Millisecond))
			return
		}
		if time.Since(killed) > 5*time.Second {
			t.Fatalf("5s after the SIGKILL: cgroups %v, processes %v, children of this process alive: %v", dirs, pids, alive)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Every oracle command starts by removing what a killed one left, even
// when it runs no scenario at all.
func TestOracleCleansUpFirst(t *testing.T) {
	needOracle(t)
	// A leftover: the run cgroup of a jobctl that no longer exists
	// (a pid that is not alive, a start time that cannot be its).
	dead := deadPid(t)
	dir := filepath.Join(oracleRoots[0], fmt.Sprintf("jobctl-oracle.%d.1.1", dead))
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(dir)
	if err := os.Mkdir(filepath.Join(dir, "p0"), 0o755); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(filepath.Join(dir, "p0"))
	// Every scenario skipped: R9 has an RT lock holder.
	stdout, stderr, code := jobctl(t, "oracle", "R9")
	if code != exitOK || !strings.HasPrefix(stdout, "skipped") {
		t.Fatalf("exit %d, stdout %q", code, stdout)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Errorf("%s is still there after an oracle command", dir)
	}
	if !strings.Contains(stderr, "cleaned up after an earlier run: removed ["+dir) {
		// Another oracle run on this machine may have got there first.
		t.Logf("stderr %q does not report the cleanup (a concurrent run's?)", stderr)
	}
}

// deadPid returns a pid that no process has.
func deadPid(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/proc/sys/kernel/pid_max")
	if err != nil {
		t.Fatal(err)
	}
	max, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	for p := max - 1; p > 1; p-- {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", p)); err != nil {
			return p
		}
	}
	t.Fatal("no free pid")
	return 0
}

// The first Ctrl-C stops "jobctl oracle" while it computes the model's
// outcome set (it was ignored until the exploration ended, which grew to
// gigabytes).
func TestOracleCtrlCDuringModel(t *testing.T) {
	needOracle(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, "oracle", "testdata/big-model.jc")
	cmd.Env = append(os.Environ(), envCLI+"=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	// Exploring: its memory grows past 50 MB.
	end := time.Now().Add(30 * time.Second)
	for rss(cmd.Process.Pid) < 50<<20 {
		if time.Now().After(end) {
			t.Fatalf("no exploration under way after 30s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGINT)
	sent := time.Now()
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("jobctl oracle still running 5s after one SIGINT")
	}
	t.Logf("exited %v after the SIGINT", time.Since(sent).Round(time.Millisecond))
	if code := cmd.ProcessState.ExitCode(); code != 130 || stdout.Len() != 0 {
		t.Errorf("exit %d, stdout %q; want 130 and no report", code, stdout.String())
	}
	if !strings.Contains(stderr.String(), "interrupted by SIGINT") {
		t.Errorf("stderr %q", stderr.String())
	}
}

// rss is the resident memory of pid in bytes (0 if unknown).
func rss(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
