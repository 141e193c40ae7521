package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"jobctl/internal/jctest"
)

// These tests boot Debian's 6.1 kernels (scripts/fetch-kernels) under QEMU
// with the real jobctl binary as the guest's init, and check what a user
// sees and that nothing is left behind: no QEMU process, no file in TMPDIR.

var built struct {
	once      sync.Once
	dir, path string
	err       error
}

// jobctlBinary builds the jobctl binary (static, as a guest's init must
// be) once for the tests.
func jobctlBinary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "jobctl-test-bin."); built.err != nil {
			return
		}
		built.path = filepath.Join(built.dir, "jobctl")
		cmd := exec.Command("go", "build", "-o", built.path, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}

// syncBuffer is a bytes.Buffer that a process writes while a test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// guestRun is "jobctl oracle --kernel ..." running as a process of its
// own, with an empty TMPDIR of its own.
type guestRun struct {
	cmd            *exec.Cmd
	stdout, stderr syncBuffer
	tmp            string
	done           chan struct{}
	code           int
	qemu           int // QEMU's pid, once seen
}

func startGuest(t *testing.T, args ...string) *guestRun {
	t.Helper()
	g := &guestRun{tmp: t.TempDir(), done: make(chan struct{})}
	g.cmd = exec.Command(jobctlBinary(t), args...)
	g.cmd.Env = append(os.Environ(), "TMPDIR="+g.tmp)
	g.cmd.Stdout, g.cmd.Stderr = &g.stdout, &g.stderr
	if err := g.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		g.cmd.Wait()
		g.code = g.cmd.ProcessState.ExitCode()
		close(g.done)
	}()
	t.Cleanup(func() {
		g.cmd.Process.Kill()
		<-g.done
		if g.qemu > 0 {
			syscall.Kill(g.qemu, syscall.SIGKILL) // only if a test failed to see it gone
		}
	})
	return g
}

// booted waits for the boot line and for QEMU (a child of jobctl named
// qemu-system-x86...), and records QEMU's pid.
func (g *guestRun) booted(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		if g.qemu == 0 {
			g.qemu = childNamed(g.cmd.Process.Pid, "qemu-system")
		}
		if g.qemu != 0 && strings.Contains(g.stderr.String(), " booted from ") {
			return
		}
		select {
		case <-g.done:
			t.Fatalf("jobctl exited (%d) before the guest booted\nstdout:\n%s\nstderr:\n%s", g.code, g.stdout.String(), g.stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("no boot within 3 minutes; stderr:\n%s", g.stderr.String())
}

// exit waits for jobctl to end and returns its exit code.
func (g *guestRun) exit(t *testing.T, within time.Duration) int {
	t.Helper()
	select {
	case <-g.done:
		return g.code
	case <-time.After(within):
		t.Fatalf("jobctl still running after %v; stderr:\n%s", within, g.stderr.String())
	}
	return -1
}

// childNamed returns a child of ppid whose comm starts with name, or 0.
func childNamed(ppid int, name string) int {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(b)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < open {
			continue
		}
		f := strings.Fields(s[end+1:])
		if len(f) > 1 && f[1] == strconv.Itoa(ppid) && strings.HasPrefix(s[open+1:end], name) {
			return pid
		}
	}
	return 0
}

// nothingLeft checks that QEMU is gone (or a zombie its dead parent left
// for init to reap) within a few seconds, and that TMPDIR is empty.
func (g *guestRun) nothingLeft(t *testing.T) {
	t.Helper()
	if g.qemu == 0 {
		t.Fatal("never saw QEMU")
	}
	deadline := time.Now().Add(10 * time.Second)
	for gone := false; !gone; {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", g.qemu))
		if s := string(b); err != nil || strings.Contains(s[strings.LastIndexByte(s, ')'):], ") Z ") {
			gone, g.qemu = true, 0
		} else if time.Now().After(deadline) {
			t.Errorf("QEMU (pid %d) still running: %s", g.qemu, b)
			break // the cleanup kills it
		} else {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if ents, err := os.ReadDir(g.tmp); err != nil || len(ents) != 0 {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("TMPDIR holds %q (%v)", names, err)
	}
}

var bootLineRE = regexp.MustCompile(`^jobctl oracle: Linux 6\.1\.0-\d+-cloud-amd64 \(#1 SMP .*Debian 6\.1\.\d+-\d+ .*\) booted from \S+ under QEMU with (KVM|TCG \(no KVM: [^)]+\)), 2 CPUs, \d+ MiB\n$`)

// TestOracleKernel: the oracle in a 6.1 guest picks the stable design,
// runs a scenario file under its own name (a cgroup v2 freeze: the guest
// mounts cgroup2), prints what a host run prints (a skip line byte for
// byte), says in one line on stderr what booted how, and leaves nothing
// behind.
func TestOracleKernel(t *testing.T) {
	img := jctest.GuestKernel(t, "cloud")
	g := startGuest(t, "oracle", "--kernel", img, "R1", "testdata/v2.jc", "R9")
	g.booted(t)
	if code := g.exit(t, 3*time.Minute); code != exitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, g.stdout.String(), g.stderr.String())
	}
	g.nothingLeft(t)
	if !bootLineRE.MatchString(g.stderr.String()) {
		t.Errorf("stderr is not the one boot line:\n%q", g.stderr.String())
	}
	lines := strings.Split(g.stdout.String(), "\n")
	if len(lines) != 6 {
		t.Fatalf("stdout:\n%s", g.stdout.String())
	}
	if !regexp.MustCompile(`^match      R1-kill-frozen-stopped {19}1 run\(s\), 1 kernel outcome\(s\), \d allowed by v6\.1\.y$`).MatchString(lines[0]) {
		t.Errorf("R1 line %q", lines[0])
	}
	// The cgroup v2 scenario runs in the guest as on the host; the RT
	// lock holder is skipped with the host's very line.
	if !regexp.MustCompile(`^match      v2 {39}1 run\(s\), 1 kernel outcome\(s\), \d allowed by v6\.1\.y$`).MatchString(lines[1]) {
		t.Errorf("v2 line %q", lines[1])
	}
	host, _, _ := jobctl(t, "oracle", "R9")
	if want := strings.Split(host, "\n")[0]; lines[2] != want {
		t.Errorf("guest skip line\n%s\nhost's\n%s", lines[2], want)
	}
	if !regexp.MustCompile(`^3 scenarios on Linux 6\.1\.0-\d+-cloud-amd64 \(compared with v6\.1\.y\): 2 match, 0 mismatch, 1 skipped, 0 wedged, 0 incomplete, 0 error$`).MatchString(lines[4]) {
		t.Errorf("summary %q", lines[4])
	}
}

// TestOracleKernelVariant: --variant reaches the guest, --json comes back
// as it is, and the exit code is the guest's: Debian's 6.1.y shows a
// frozen task 'D', which the v6.1 design (6.1.0–6.1.122) does not allow.
func TestOracleKernelVariant(t *testing.T) {
	img := jctest.GuestKernel(t, "cloud")
	g := startGuest(t, "oracle", "--kernel", img, "--accel", "tcg", "--variant", "v6.1", "--json", "freeze-stopped")
	g.booted(t)
	code := g.exit(t, 3*time.Minute)
	g.nothingLeft(t)
	var r struct {
		Scenario, Variant, Verdict string
		Outcomes                   []struct {
			InModel bool `json:"in_model"`
			Diff    []string
		}
	}
	if err := json.Unmarshal([]byte(g.stdout.String()), &r); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, g.stdout.String())
	}
	if code != exitDiffers || r.Variant != "v6.1" || r.Verdict != "mismatch" || len(r.Outcomes) != 1 ||
		!strings.Contains(strings.Join(r.Outcomes[0].Diff, "; "), "kernel D, model R") {
		t.Errorf("exit %d, report %+v", code, r)
	}
	if !strings.Contains(g.stderr.String(), "under QEMU with TCG, 2 CPUs") {
		t.Errorf("--accel tcg: %q", g.stderr.String())
	}
}

// TestOracleKernelInterrupt: Ctrl-C (SIGINT) while the guest runs the
// corpus kills the guest; jobctl says so and exits 128+SIGINT, as a host
// run does.
func TestOracleKernelInterrupt(t *testing.T) {
	img := jctest.GuestKernel(t, "cloud")
	g := startGuest(t, "oracle", "--kernel", img, "--accel", "tcg")
	g.booted(t)
	g.cmd.Process.Signal(os.Interrupt)
	if code := g.exit(t, 20*time.Second); code != 128+int(syscall.SIGINT) {
		t.Errorf("exit %d, want %d", code, 128+int(syscall.SIGINT))
	}
	g.nothingLeft(t)
	if !strings.Contains(g.stderr.String(), "jobctl oracle: interrupted by SIGINT; the guest was killed") {
		t.Errorf("stderr:\n%s", g.stderr.String())
	}
}

// TestOracleKernelWedged: a guest that stops answering (QEMU stopped with
// SIGSTOP: from outside, a hung guest) is killed after --guest-timeout.
func TestOracleKernelWedged(t *testing.T) {
	img := jctest.GuestKernel(t, "cloud")
	g := startGuest(t, "oracle", "--kernel", img, "--accel", "tcg", "--guest-timeout", "3s")
	g.booted(t)
	syscall.Kill(g.qemu, syscall.SIGSTOP)
	if code := g.exit(t, time.Minute); code != exitIncomplete {
		t.Errorf("exit %d, want %d", code, exitIncomplete)
	}
	g.nothingLeft(t)
	if !strings.Contains(g.stderr.String(), "the guest stopped answering: nothing from it for 3s; QEMU was killed") {
		t.Errorf("stderr:\n%s", g.stderr.String())
	}
}

// TestOracleKernelSIGKILL: jobctl killed with SIGKILL takes QEMU with it
// (PR_SET_PDEATHSIG).
func TestOracleKernelSIGKILL(t *testing.T) {
	img := jctest.GuestKernel(t, "cloud")
	g := startGuest(t, "oracle", "--kernel", img, "--accel", "tcg")
	g.booted(t)
	g.cmd.Process.Signal(syscall.SIGKILL)
	g.exit(t, 10*time.Second)
	g.nothingLeft(t)
}
