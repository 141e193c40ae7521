package oracle

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Leftovers of a runner that died without its teardown (SIGKILL, or any
// death that skips it) go away by design: %init notices, and does the
// teardown itself.
//
// %init is the one helper that never blocks in an op, so it always sees its
// command pipe close: the runner holds the only write end, and the kernel
// closes it when the runner dies, however it dies. A runner that tears down
// normally sends "quit" first; end of file without "quit" means the runner
// is gone. %init then
//
//  1. leaves the run's cgroup D, in each hierarchy the run uses, for the
//     hierarchy's root, so that D can be removed and its own kill of D's
//     processes does not hit it;
//  2. SIGKILLs every process in D (the actors, the tracees) and every helper
//     tagged with the run outside it, then thaws D's cgroups, repeatedly
//     until none is left: the SIGKILL is queued first, so that a frozen task
//     dies as it thaws without running user code (in the v1 freezer a
//     frozen task takes a fatal signal only once thawed: __thaw_task() ->
//     the wakeup of the refrigerator, kernel/freezer.c, v6.18); a
//     ptrace-stopped tracee is woken by the SIGKILL itself
//     (signal_wake_up_state(TASK_WAKEKILL));
//  3. reaps its children: the actors, the tracees without a parent actor,
//     and, as the subreaper, every tracee whose actor parent died;
//  4. removes D's cgroups, leaves first, and exits.
//
// So %init is not started with PR_SET_PDEATHSIG (a SIGKILL would stop it
// before it could do any of this); the actors keep theirs (SIGKILL when
// %init exits), which matters only if %init itself is killed.

// orphanBound bounds the whole orphan teardown.
var orphanBound = 5 * time.Second

// orphanTeardown is %init's teardown of a run whose runner is gone. It
// never returns.
func orphanTeardown() {
	// D/helpers in each hierarchy the run uses (the v1 freezer's, and
	// cgroup v2's when the scenario freezes through it).
	var trees []cgTree
	var roots []string
	for _, h := range filepath.SplitList(os.Getenv(envCgroup)) {
		if h == "" {
			continue
		}
		d := filepath.Dir(h)
		_, err := os.Stat(filepath.Join(d, "cgroup.freeze"))
		trees = append(trees, cgTree{dir: d, v2: err == nil})
		roots = append(roots, filepath.Dir(d))
	}
	id := os.Getenv(envRun)
	self := os.Getpid()
	_ = joinCgroup(strings.Join(roots, string(filepath.ListSeparator)))
	end := time.Now().Add(orphanBound)
	for {
		for _, t := range trees {
			killTree(t.dir, self)
			thawTree(t.dir, t.v2)
		}
		killTagged(func(x string) bool { return x == id })
		reapChildren()
		left := 0
		for _, t := range trees {
			for _, d := range subdirs(t.dir) {
				pids, _ := cgroupPids(d)
				left += len(pids)
			}
		}
		left += len(taggedPids(func(x string) bool { return x == id }))
		if left == 0 || time.Now().After(end) {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	// The last children may still be on their way to zombies.
	for time.Now().Before(end) && reapChildren() {
		time.Sleep(time.Millisecond)
	}
	for _, t := range trees {
		for _, d := range subdirs(t.dir) {
			for {
				err := unix.Rmdir(d)
				if err == nil || !errors.Is(err, syscall.EBUSY) || time.Now().After(end) {
					break
				}
				time.Sleep(2 * time.Millisecond)
			}
		}
	}
	unix.Exit(0)
}

// reapChildren reaps every child that has exited and reports whether some
// child is still alive.
func reapChildren() bool {
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WALL|unix.WNOHANG, nil)
		switch {
		case err == unix.EINTR:
			continue
		case err != nil: // ECHILD: no children at all
			return false
		case pid == 0:
			return true
		}
	}
}
