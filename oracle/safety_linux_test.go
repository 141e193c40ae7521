package oracle

import (
	"bufio"
	"context"
	"errors"
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

	"jobctl/scenario"
)

const envTestRunner = "JOBCTL_ORACLE_TEST_RUNNER"

// assertClean checks that no cgroup and no helper of a run of this process
// is left.
func assertClean(t *testing.T) {
	t.Helper()
	self := itoa(os.Getpid()) + "." + fmt.Sprint(procStart(os.Getpid())) + "."
	if dirs := runDirs(func(id string) bool { return strings.HasPrefix(id, self) }); len(dirs) > 0 {
		t.Errorf("cgroups left behind: %v", dirs)
	}
	if pids := taggedPids(func(id string) bool { return strings.HasPrefix(id, self) }); len(pids) > 0 {
		t.Errorf("helper processes left behind: %v", pids)
	}
}

// runDirs lists the run cgroups whose id matches, in both hierarchies.
func runDirs(match func(id string) bool) []string {
	v1, v2 := cgroupRoots()
	var dirs []string
	for _, root := range []string{v1, v2} {
		if root == "" {
			continue
		}
		ents, _ := os.ReadDir(root)
		for _, e := range ents {
			if id, ok := strings.CutPrefix(e.Name(), cgPrefix); ok && match(id) {
				dirs = append(dirs, filepath.Join(root, e.Name()))
			}
		}
	}
	return dirs
}

// frozenAttach is a scenario that wedges: T is stopped and frozen, and P's
// attach blocks until a thaw that never comes.
func frozenAttach(v2 bool) *scenario.Scenario {
	sc := &scenario.Scenario{
		Name:      "wedge",
		Processes: []scenario.Process{process("T", "W"), process("U", "")},
		Actors: []scenario.Actor{
			actor("P", op(scenario.OpAttach, "T")),
			actor("W", waitOp("T", 0)),
			actor("F"),
		},
		Prelude: []scenario.Op{
			by("F", sigOp(scenario.OpKill, "T", scenario.SIGSTOP)),
			by("F", op(scenario.OpFreeze, "T")),
		},
	}
	if v2 {
		// A v2 freeze does not block the attach; freeze U too, to leave
		// a frozen cgroup behind.
		sc.Oracle.Cgroup = "v2"
		sc.Prelude = append(sc.Prelude, by("F", op(scenario.OpFreeze, "U")))
	}
	return sc
}

// Bad input is an error naming what is wrong, never a panic, and starts
// nothing.
func TestBadInput(t *testing.T) {
	bad := []struct {
		sc   *scenario.Scenario
		want string
	}{
		{nil, "no scenario"},
		{&scenario.Scenario{Name: "empty"}, "no process"},
		{&scenario.Scenario{Name: "nothreads", Processes: []scenario.Process{{Name: "T"}}}, "has no thread"},
		{&scenario.Scenario{Name: "badtarget", Processes: []scenario.Process{process("T", "")},
			Actors: []scenario.Actor{actor("S", sigOp(scenario.OpKill, "X", 9))}}, `no process or thread named "X"`},
		{&scenario.Scenario{Name: "badparent", Processes: []scenario.Process{process("T", "Q")}}, "parent Q"},
		{&scenario.Scenario{Name: "badactor", Processes: []scenario.Process{process("T", "")},
			Prelude: []scenario.Op{by("Z", op(scenario.OpObserve, "T"))}}, "Z is not a declared actor"},
		{&scenario.Scenario{Name: "threadop", Processes: []scenario.Process{process("T", "")},
			Actors: []scenario.Actor{actor("S", op(scenario.OpPause, ""))}}, "only a tracee thread can sleep"},
		{&scenario.Scenario{Name: "tracee-attach", Processes: []scenario.Process{process("T", ""), process("U", "")},
			Actors: []scenario.Actor{threadActor("T", op(scenario.OpAttach, "U"))}}, "a tracee thread cannot attach"},
		{&scenario.Scenario{Name: "badop", Processes: []scenario.Process{process("T", "")},
			Actors: []scenario.Actor{actor("S", op(scenario.OpKind(200), "T"))}}, "unknown op"},
		{&scenario.Scenario{Name: "badcg", Oracle: scenario.OracleSpec{Cgroup: "v3"}, Processes: []scenario.Process{process("T", "")}}, "v3"},
		{&scenario.Scenario{Name: "dup", Processes: []scenario.Process{process("T", ""), process("U", "", "T")}}, "declared twice"},
	}
	for _, b := range bad {
		_, err := Run(context.Background(), b.sc, Options{})
		if err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("Run(%v): error %v, want one containing %q", b.sc, err, b.want)
		}
	}
	assertClean(t)
}

// A failure during setup (the helper binary exits at once instead of
// serving) is reported and leaves nothing behind.
func TestSetupError(t *testing.T) {
	sc := frozenAttach(false)
	needKernel(t, sc)
	out, err := Run(context.Background(), sc, Options{Exe: "/bin/true"})
	if err == nil || !strings.Contains(err.Error(), "setup") {
		t.Errorf("Run with a helper that is not one: error %v, want a setup error", err)
	}
	if len(out.Log) == 0 {
		t.Errorf("no log")
	}
	assertClean(t)
}

// A helper that dies in the middle (killed from outside) makes Run fail,
// naming it, and everything is still cleaned up.
func TestHelperDies(t *testing.T) {
	sc := frozenAttach(false)
	// An op the helper makes (an observe is the runner's own).
	sc.Actors[0].Script = []scenario.Op{by("P", sigOp(scenario.OpKill, "T", scenario.SIGCONT))}
	needKernel(t, sc)
	testHookPrelude = func(r *runner) { unix.Kill(r.conns[0].pid, unix.SIGKILL); time.Sleep(20 * time.Millisecond) }
	defer func() { testHookPrelude = nil }()
	_, err := Run(context.Background(), sc, Options{})
	if err == nil || !strings.Contains(err.Error(), "helper P") {
		t.Errorf("error %v, want one naming helper P", err)
	}
	assertClean(t)
}

// A wedged scenario: with the early end disabled, the deadline ends it;
// Run reports ErrTimeout with the partial outcome, then cleans up a frozen
// cgroup with a stopped, killed-but-frozen task in it and a tracer blocked
// in PTRACE_ATTACH.
func TestTimeout(t *testing.T) {
	sc := frozenAttach(false)
	sc.Actors[2].Script = []scenario.Op{by("F", op(scenario.OpObserve, "T"))}
	needKernel(t, sc)
	saved := quietPeriod
	quietPeriod = time.Hour
	defer func() { quietPeriod = saved }()
	start := time.Now()
	out, err := Run(context.Background(), sc, Options{Timeout: 1500 * time.Millisecond})
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("error %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d > 8*time.Second {
		t.Errorf("Run took %v with a 1.5s timeout", d)
	}
	expect(t, out.Obs, "P#1=pending", "P.done=no", "W#1=pending", "W.done=no", "F#1=D", "F.done=yes", "T.state=D")
	assertClean(t)

	// A timeout during setup.
	_, err = Run(context.Background(), sc, Options{Timeout: time.Millisecond})
	if !errors.Is(err, ErrTimeout) {
		t.Errorf("1ms timeout: error %v, want ErrTimeout", err)
	}
	assertClean(t)
}

// Cancelling the context (the CLI does it on SIGINT) in the middle of a
// wedged scenario returns context.Canceled and cleans up; so does a context
// cancelled before Run starts.
func TestCancel(t *testing.T) {
	sc := frozenAttach(false)
	needKernel(t, sc)
	saved := quietPeriod
	quietPeriod = time.Hour
	defer func() { quietPeriod = saved }()
	ctx, cancel := context.WithCancel(context.Background())
	testHookPrelude = func(*runner) {
		go func() {
			time.Sleep(100 * time.Millisecond)
			cancel()
		}()
	}
	defer func() { testHookPrelude = nil }()
	start := time.Now()
	_, err := Run(ctx, sc, Options{Timeout: 20 * time.Second})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 8*time.Second {
		t.Errorf("Run took %v to notice the cancellation", d)
	}
	assertClean(t)

	testHookPrelude = nil
	_, err = Run(ctx, sc, Options{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled before the start: error %v, want context.Canceled", err)
	}
	assertClean(t)
}

// killedRunnerMain is the test binary re-exec'd as a runner: it runs a
// wedged scenario and, once its tracee is frozen, prints READY <run id> and
// waits to be killed.
func killedRunnerMain() {
	testHookPrelude = func(r *runner) {
		fmt.Printf("READY %s %d %s\n", r.id, r.initPid, r.cg.dir)
		time.Sleep(time.Hour)
	}
	_, err := Run(context.Background(), frozenAttach(os.Getenv(envTestRunner) == "v2"), Options{Timeout: time.Hour})
	fmt.Println("runner returned:", err)
	os.Exit(1)
}

// startKilledRunner starts the test binary as a runner of a wedged scenario
// (killedRunnerMain) and returns once its tracee is frozen, with the run id
// and the pid of its %init.
func startKilledRunner(t *testing.T, cg string) (cmd *exec.Cmd, id string, initPid int) {
	t.Helper()
	self, _ := os.Executable()
	cmd = exec.Command(self)
	cmd.Env = append(os.Environ(), envTestRunner+"="+cg)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// If the test fails before it kills the runner, kill it anyway: its
	// %init then tears the run down, as after the SIGKILL under test.
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	type ready struct {
		id  string
		pid int
	}
	ch := make(chan ready, 1)
	go func() {
		s := bufio.NewScanner(stdout)
		for s.Scan() {
			if f := strings.Fields(s.Text()); len(f) == 4 && f[0] == "READY" {
				pid, _ := strconv.Atoi(f[2])
				ch <- ready{f[1], pid}
			}
			t.Logf("runner: %s", s.Text())
		}
		close(ch)
	}()
	var r ready
	select {
	case r = <-ch:
	case <-time.After(20 * time.Second):
	}
	if r.id == "" || r.pid <= 0 {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("the runner did not get its scenario going")
	}
	return cmd, r.id, r.pid
}

// reapUntil reaps the orphans that come to this (subreaper) process until
// done() or the bound.
func reapUntil(bound time.Duration, done func() bool) {
	end := time.Now().Add(bound)
	for !done() && time.Now().Before(end) {
		for {
			var ws unix.WaitStatus
			pid, err := unix.Wait4(-1, &ws, unix.WALL|unix.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A runner SIGKILLed in the middle of a scenario (its tracee stopped and
// frozen, a tracer blocked in PTRACE_ATTACH on it) leaves nothing behind,
// by design and with no other run: its %init sees the runner go and tears
// the run down. Within a few seconds no cgroup and no process of the run is
// left, and no process of the run is alive.
func TestRunnerSIGKILLTearsDown(t *testing.T) {
	for _, cg := range []string{"v1", "v2"} {
		t.Run(cg, func(t *testing.T) {
			needKernel(t, frozenAttach(cg == "v2"))
			if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
				t.Fatalf("PR_SET_CHILD_SUBREAPER: %v", err)
			}
			defer unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
			cmd, id, initPid := startKilledRunner(t, cg)
			// A run makes its cgroup in each hierarchy it may use (v1 and
			// v2 side by side); the tracee is in one of them.
			dirs := runDirs(func(x string) bool { return x == id })
			if len(dirs) == 0 {
				t.Fatalf("no run cgroup before the kill")
			}
			found := false
			for _, d := range dirs {
				if pids, _ := cgroupPids(filepath.Join(d, "p0")); len(pids) > 0 {
					found = true
				}
			}
			if !found {
				t.Fatalf("no tracee in p0 of %v before the kill", dirs)
			}
			killed := time.Now()
			cmd.Process.Signal(syscall.SIGKILL)
			cmd.Wait()
			gone := func() bool {
				return len(runDirs(func(x string) bool { return x == id })) == 0 &&
					len(taggedPids(func(x string) bool { return x == id })) == 0 &&
					unix.Kill(initPid, 0) != nil
			}
			reapUntil(5*time.Second, gone)
			if !gone() {
				t.Fatalf("5s after the SIGKILL: cgroups %v, processes %v, %%init alive: %v",
					runDirs(func(x string) bool { return x == id }), taggedPids(func(x string) bool { return x == id }), unix.Kill(initPid, 0) == nil)
			}
			t.Logf("the run was gone %v after the SIGKILL", time.Since(killed).Round(time.Millisecond))
		})
	}
}

// A runner SIGKILLed together with its %init (say by the OOM killer, or a
// kill of every process) does leave a frozen cgroup and processes behind;
// Cleanup finds them as its own (the owner is dead), thaws, kills and
// removes them, and touches nothing else: not a cgroup of a live owner, not
// a malformed name, not a foreign directory, not a live owner's tagged
// process.
func TestCleanupAfterSIGKILL(t *testing.T) {
	for _, cg := range []string{"v1", "v2"} {
		t.Run(cg, func(t *testing.T) { testCleanupAfterSIGKILL(t, cg) })
	}
}

func testCleanupAfterSIGKILL(t *testing.T, cg string) {
	sc := frozenAttach(cg == "v2")
	needKernel(t, sc)
	v1root, v2root := cgroupRoots()
	root := map[string]string{"v1": v1root, "v2": v2root}[cg]

	// Orphans of the killed runner come back to this process, to be reaped.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		t.Fatalf("PR_SET_CHILD_SUBREAPER: %v", err)
	}
	defer unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)

	// Decoys Cleanup must leave alone.
	liveID := fmt.Sprintf("%d.%d.999999", os.Getpid(), procStart(os.Getpid()))
	decoys := []string{cgPrefix + liveID, cgPrefix + "bogus", cgPrefix + "1.2", "jobctl-oraclex.1.1.1"}
	for _, d := range decoys {
		if err := os.Mkdir(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
		defer os.Remove(filepath.Join(root, d))
	}
	sleeper := exec.Command("/bin/sleep", "60")
	sleeper.Env = []string{envRun + "=" + liveID}
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { sleeper.Process.Kill(); sleeper.Wait() }()

	cmd, id, initPid := startKilledRunner(t, cg)
	// Both at once: %init has no chance to tear the run down.
	unix.Kill(initPid, unix.SIGKILL)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	time.Sleep(50 * time.Millisecond) // PR_SET_PDEATHSIG kills propagate

	// Any Run on this machine starts with a Cleanup, and may get there
	// first: then this test still checks that nothing is left.
	left := runDirs(func(x string) bool { return x == id })
	if len(left) == 1 {
		pids, _ := cgroupPids(filepath.Join(left[0], "p0"))
		t.Logf("left behind by the killed run: %s with %v in p0", left[0], pids)
		if len(pids) == 0 {
			t.Errorf("the frozen tracee did not outlive the runner (nothing to clean up: the test proves little)")
		}
	} else {
		t.Logf("the killed run's cgroup was already removed (a concurrent Run's Cleanup?): %v", left)
	}

	removed, err := Cleanup()
	if err != nil {
		t.Errorf("Cleanup: %v", err)
	}
	for _, d := range removed {
		if !strings.Contains(d, cgPrefix+id) {
			t.Errorf("Cleanup removed %s, which is not the killed run's", d)
		}
	}
	if len(left) == 1 && (len(removed) != 1 || removed[0] != left[0]) {
		if _, err := os.Stat(left[0]); err == nil {
			t.Errorf("Cleanup removed %v, want [%s]", removed, left[0])
		}
	}
	// Reap the orphans that came to us, then nothing of that run may be left.
	end := time.Now().Add(5 * time.Second)
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WALL|unix.WNOHANG, nil)
		if pid > 0 && pid != sleeper.Process.Pid {
			continue
		}
		if pid == sleeper.Process.Pid {
			t.Errorf("Cleanup killed the live owner's tagged process")
			break
		}
		if err != nil || time.Now().After(end) || len(taggedPids(func(x string) bool { return x == id })) == 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if pids := taggedPids(func(x string) bool { return x == id }); len(pids) > 0 {
		t.Errorf("helpers of the killed run still there: %v", pids)
	}
	if dirs := runDirs(func(x string) bool { return x == id }); len(dirs) > 0 {
		t.Errorf("cgroups of the killed run still there: %v", dirs)
	}
	for _, d := range decoys {
		if _, err := os.Stat(filepath.Join(root, d)); err != nil {
			t.Errorf("Cleanup touched %s: %v", d, err)
		}
	}
	if err := sleeper.Process.Signal(syscall.Signal(0)); err != nil {
		t.Errorf("Cleanup killed the live owner's tagged process: %v", err)
	}
	if removed, err := Cleanup(); err != nil || len(removed) != 0 && strings.Contains(strings.Join(removed, " "), id) {
		t.Errorf("second Cleanup: removed %v, error %v; want nothing of run %s", removed, err, id)
	}
}
