package oracle

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Every run makes one directory D = <root>/jobctl-oracle.<pid>.<start>.<seq>
// in the cgroup v1 freezer hierarchy, and one in the v2 hierarchy when the
// scenario freezes through v2 (both are mounted side by side here, and a
// task is in one cgroup of each), where <pid> and <start> (field 22 of
// /proc/PID/stat) name the runner process and <seq> counts its runs. Each D
// holds
//
//	D/helpers    the init-like parent and the actor helpers (never frozen)
//	D/p<i>       tracee process i (the target of "freeze P"/"thaw P")
//	D/p<i>/t<j>  thread j of process i, when an op freezes or thaws it on
//	             its own ("freeze T2"): the runner moves the thread there
//	             (v1: its tid to "tasks"; v2: the cgroup is made "threaded"
//	             and the tid written to "cgroup.threads", which makes p<i>
//	             "domain threaded"). Freezing p<i> freezes it too (v1:
//	             CGROUP_FREEZING_PARENT; v2: e_freeze).
//
// The name is how Cleanup tells jobctl's own leftovers (owner dead) from
// anyone else's, including a concurrent live run (owner alive).
const cgPrefix = "jobctl-oracle."

// runCgroups are the cgroups of one run.
type runCgroups struct {
	// dir is D in the default freezer's hierarchy (v2 for "oracle
	// cgroup v2"), v2 says which; trees are the D of every hierarchy
	// the run uses.
	dir   string
	v2    bool
	trees []cgTree
	// helpers is D/helpers of every tree; procs[i] is D/p<i> of every
	// tree; cgs[k] is the directory of the plan's cgroup k.
	helpers []string
	procs   [][]string
	cgs     []string
}

// cgTree is the directory D of one hierarchy.
type cgTree struct {
	dir string
	v2  bool
}

// makeRunCgroups makes the cgroups of a run of pl, in the v1 freezer
// hierarchy at v1root and, if pl uses it, the v2 hierarchy at v2root.
// On an error, what it made so far is in the result, for teardown.
func makeRunCgroups(pl *plan, v1root, v2root, id string) (*runCgroups, error) {
	cg := &runCgroups{procs: make([][]string, len(pl.procs)), v2: pl.v2}
	roots := []cgTree{{v1root, false}}
	if pl.usesV2 || pl.v2 {
		roots = append(roots, cgTree{v2root, true})
	}
	for _, rt := range roots {
		d := filepath.Join(rt.dir, cgPrefix+id)
		if err := os.Mkdir(d, 0o755); err != nil {
			return cg, fmt.Errorf("make cgroup: %w", err)
		}
		cg.trees = append(cg.trees, cgTree{d, rt.v2})
		if rt.v2 == pl.v2 {
			cg.dir = d
		}
		h := filepath.Join(d, "helpers")
		if err := os.Mkdir(h, 0o755); err != nil {
			return cg, fmt.Errorf("make cgroup: %w", err)
		}
		cg.helpers = append(cg.helpers, h)
		for i := range pl.procs {
			p := filepath.Join(d, "p"+strconv.Itoa(i))
			if err := os.Mkdir(p, 0o755); err != nil {
				return cg, fmt.Errorf("make cgroup: %w", err)
			}
			cg.procs[i] = append(cg.procs[i], p)
		}
	}
	for _, c := range pl.cgroups {
		tree := 0
		if c.v2 {
			tree = 1
		}
		d := cg.procs[c.proc][tree]
		if c.thread >= 0 {
			d = filepath.Join(d, "t"+strconv.Itoa(c.thread))
			if err := os.Mkdir(d, 0o755); err != nil {
				return cg, fmt.Errorf("make cgroup: %w", err)
			}
			if c.v2 {
				if err := writeFile(filepath.Join(d, "cgroup.type"), "threaded"); err != nil {
					return cg, fmt.Errorf("make cgroup %s threaded: %w", d, err)
				}
			}
		}
		cg.cgs = append(cg.cgs, d)
	}
	return cg, nil
}

// moveThread puts thread tid into the thread cgroup dir (v1: "tasks", v2:
// "cgroup.threads").
func moveThread(dir string, v2 bool, tid int) error {
	f := "tasks"
	if v2 {
		f = "cgroup.threads"
	}
	return writeFile(filepath.Join(dir, f), strconv.Itoa(tid))
}

// writeFile writes s to an existing control file (no O_CREAT, no O_TRUNC).
func writeFile(path, s string) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(s)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// joinCgroup moves the calling process (all its threads) into each cgroup
// of the list dirs (filepath.ListSeparator between them: one per hierarchy).
func joinCgroup(dirs string) error {
	for _, dir := range filepath.SplitList(dirs) {
		if dir == "" {
			continue
		}
		if err := writeFile(filepath.Join(dir, "cgroup.procs"), strconv.Itoa(os.Getpid())); err != nil {
			return err
		}
	}
	return nil
}

// freezeCgroup freezes dir and waits until the freeze has completed, for at
// most bound. Result "0", "timeout", or the errno of a failed write.
//
// v1: writing FROZEN calls freeze_task() once for every task
// (kernel/cgroup/legacy_freezer.c:freezer_change_state() => freeze_cgroup(),
// v6.18); the state turns FROZEN lazily, when a read of freezer.state finds
// every task frozen (freezer_read() => update_if_frozen()). A task that was
// not freezable at the first pass (say, in a non-freezable sleep) is only
// retried by another write, so the write is repeated every 20ms, as runc
// does (libcontainer/cgroups/fs/freezer.go), but never undone.
//
// v2: writing 1 to cgroup.freeze sets CGRP_FREEZE and asks every task to
// trap (kernel/cgroup/freezer.c:cgroup_freeze() => cgroup_do_freeze(),
// v6.18); cgroup.events shows "frozen 1" once every task is counted
// (cgroup_update_frozen()).
func freezeCgroup(dir string, v2 bool, bound time.Duration) string {
	end := time.Now().Add(bound)
	if v2 {
		if err := writeFile(filepath.Join(dir, "cgroup.freeze"), "1"); err != nil {
			return errnoName(err)
		}
		for {
			b, err := os.ReadFile(filepath.Join(dir, "cgroup.events"))
			if err != nil {
				return errnoName(err)
			}
			if bytes.Contains(b, []byte("frozen 1")) {
				return resOK
			}
			if time.Now().After(end) {
				return resTimeout
			}
			time.Sleep(time.Millisecond)
		}
	}
	state := filepath.Join(dir, "freezer.state")
	for i := 0; ; i++ {
		if i%20 == 0 {
			if err := writeFile(state, "FROZEN"); err != nil {
				return errnoName(err)
			}
		}
		b, err := os.ReadFile(state)
		if err != nil {
			return errnoName(err)
		}
		if strings.TrimSpace(string(b)) == "FROZEN" {
			return resOK
		}
		if time.Now().After(end) {
			return resTimeout
		}
		time.Sleep(time.Millisecond)
	}
}

// freezerState is what the cgroup v1 freezer.state file reads (THAWED,
// FREEZING, FROZEN; reading it runs update_if_frozen()).
func freezerState(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, "freezer.state"))
	if err != nil {
		return errnoName(err)
	}
	return strings.TrimSpace(string(b))
}

// eventsFrozen is the "frozen" line of a v2 cgroup's cgroup.events: "1"
// or "0" (kernel/cgroup/cgroup.c:cgroup_events_show(): CGRP_FROZEN).
func eventsFrozen(dir string) string {
	ev, err := os.ReadFile(filepath.Join(dir, "cgroup.events"))
	if err != nil {
		return errnoName(err)
	}
	for _, line := range strings.Split(string(ev), "\n") {
		if v, ok := strings.CutPrefix(line, "frozen "); ok {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}

// thawCgroup thaws dir: v1 THAWED runs __thaw_task() on every task
// (legacy_freezer.c:unfreeze_cgroup()); v2 cgroup.freeze=0 clears
// JOBCTL_TRAP_FREEZE and wakes each task (kernel/cgroup/freezer.c:
// cgroup_do_freeze()). Both act synchronously in the write.
func thawCgroup(dir string, v2 bool) string {
	if v2 {
		return errnoName(writeFile(filepath.Join(dir, "cgroup.freeze"), "0"))
	}
	return errnoName(writeFile(filepath.Join(dir, "freezer.state"), "THAWED"))
}

// cgroupPids lists the processes in dir. cgroup.procs lists thread-group
// leaders and skips "dying leaders w/o live member threads", i.e. zombies
// (kernel/cgroup/cgroup.c:css_task_iter_advance(), v6.18), so an empty list
// means every process has exited, reaped or not. A v2 threaded cgroup has
// no readable cgroup.procs (EOPNOTSUPP): its cgroup.threads lists thread
// ids, which kill(2) takes as well (it signals the thread's process).
func cgroupPids(dir string) ([]int, error) {
	b, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	if errors.Is(err, syscall.EOPNOTSUPP) {
		b, err = os.ReadFile(filepath.Join(dir, "cgroup.threads"))
	}
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, f := range strings.Fields(string(b)) {
		if n, err := strconv.Atoi(f); err == nil {
			pids = append(pids, n)
		}
	}
	return pids, nil
}

// subdirs returns dir's child cgroups, then dir itself (leaves first).
func subdirs(dir string) []string {
	var out []string
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if e.IsDir() {
			out = append(out, subdirs(filepath.Join(dir, e.Name()))...)
		}
	}
	return append(out, dir)
}

// thawTree thaws dir and every cgroup below it.
func thawTree(dir string, v2 bool) {
	for _, d := range subdirs(dir) {
		if v2 {
			_ = writeFile(filepath.Join(d, "cgroup.freeze"), "0")
		} else if _, err := os.Stat(filepath.Join(d, "freezer.state")); err == nil {
			_ = writeFile(filepath.Join(d, "freezer.state"), "THAWED")
		}
	}
}

// killTree sends SIGKILL to every process in dir and below, except keep.
// A v1-frozen task dies only once thawed (docs/SCENARIOS.md, R1), so thaw first.
func killTree(dir string, keep int) {
	for _, d := range subdirs(dir) {
		pids, _ := cgroupPids(d)
		for _, p := range pids {
			if p != keep && p > 1 {
				_ = unix.Kill(p, unix.SIGKILL)
			}
		}
	}
}

// removeTree waits (at most bound) until no process is left in dir and below,
// re-sending SIGKILL meanwhile, and removes the cgroups, leaves first.
func removeTree(dir string, v2 bool, bound time.Duration) error {
	end := time.Now().Add(bound)
	for {
		thawTree(dir, v2)
		killTree(dir, 0)
		var left []int
		for _, d := range subdirs(dir) {
			pids, _ := cgroupPids(d)
			left = append(left, pids...)
		}
		if len(left) == 0 {
			break
		}
		if time.Now().After(end) {
			return fmt.Errorf("cgroup %s: processes %v still there after %v", dir, left, bound)
		}
		time.Sleep(5 * time.Millisecond)
	}
	var errs []error
	for _, d := range subdirs(dir) {
		for i := 0; ; i++ {
			err := unix.Rmdir(d)
			if err == nil || errors.Is(err, syscall.ENOENT) {
				break
			}
			// EBUSY for a moment after the last task left is possible
			// while the css is being offlined.
			if !errors.Is(err, syscall.EBUSY) || time.Now().After(end) {
				errs = append(errs, fmt.Errorf("rmdir %s: %w", d, err))
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	return errors.Join(errs...)
}

// runOwner parses a run id "<pid>.<start>.<seq>".
func runOwner(id string) (pid int, start uint64, ok bool) {
	f := strings.Split(id, ".")
	if len(f) != 3 {
		return 0, 0, false
	}
	p, err1 := strconv.Atoi(f[0])
	s, err2 := strconv.ParseUint(f[1], 10, 64)
	_, err3 := strconv.ParseUint(f[2], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || p <= 0 {
		return 0, 0, false
	}
	return p, s, true
}

// ownerDead reports whether the run id belongs to a runner that no longer
// exists (its pid is gone, or now names a process started at another time).
// A malformed id is never "dead": it is not ours to touch.
func ownerDead(id string) bool {
	pid, start, ok := runOwner(id)
	if !ok {
		return false
	}
	return procStart(pid) != start
}

// cleanup implements Cleanup.
func cleanup() ([]string, error) {
	v1, v2 := cgroupRoots()
	var removed []string
	var errs []error
	stale := map[string]bool{}
	for _, root := range []struct {
		dir string
		v2  bool
	}{{v1, false}, {v2, true}} {
		if root.dir == "" {
			continue
		}
		ents, err := os.ReadDir(root.dir)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, e := range ents {
			id, ok := strings.CutPrefix(e.Name(), cgPrefix)
			if !ok || !e.IsDir() || !ownerDead(id) {
				continue
			}
			stale[id] = true
			d := filepath.Join(root.dir, e.Name())
			if err := removeTree(d, root.v2, 5*time.Second); err != nil {
				errs = append(errs, err)
				continue
			}
			removed = append(removed, d)
		}
	}
	// Helpers that never made it into a cgroup (or left it): they carry
	// JOBCTL_ORACLE_RUN=<id> in their environment. Also kill those of a
	// dead owner whose cgroup is already gone.
	killTagged(func(id string) bool { return stale[id] || ownerDead(id) })
	return removed, errors.Join(errs...)
}

// taggedPids lists the processes whose environment has
// JOBCTL_ORACLE_RUN=<id> with match(id) (zombies have none and are not
// listed).
func taggedPids(match func(id string) bool) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	self := os.Getpid()
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self || pid <= 1 {
			continue
		}
		if id := taggedRun(pid); id != "" && match(id) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// killTagged SIGKILLs the processes taggedPids lists and returns them.
func killTagged(match func(id string) bool) []int {
	var killed []int
	for _, pid := range taggedPids(match) {
		if unix.Kill(pid, unix.SIGKILL) == nil {
			killed = append(killed, pid)
		}
	}
	return killed
}

// taggedRun returns the run id in the environment of pid, or "".
func taggedRun(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	if err != nil {
		return ""
	}
	for _, kv := range bytes.Split(b, []byte{0}) {
		if v, ok := bytes.CutPrefix(kv, []byte(envRun+"=")); ok {
			return string(v)
		}
	}
	return ""
}
