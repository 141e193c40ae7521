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
// in the hierarchy it freezes with (the v1 freezer, or v2 for
// "oracle cgroup v2"), where <pid> and <start> (field 22 of /proc/PID/stat)
// name the runner process and <seq> counts its runs. D holds
//
//	D/helpers   the init-like parent and the actor helpers (never frozen)
//	D/p<i>      tracee process i (the target of "freeze"/"thaw")
//
// The name is how Cleanup tells jobctl's own leftovers (owner dead) from
// anyone else's, including a concurrent live run (owner alive).
const cgPrefix = "jobctl-oracle."

// runCgroups are the cgroups of one run.
type runCgroups struct {
	v2      bool
	dir     string   // D
	helpers string   // D/helpers
	procs   []string // D/p<i>
}

func makeRunCgroups(root string, v2 bool, id string, nprocs int) (*runCgroups, error) {
	cg := &runCgroups{v2: v2, dir: filepath.Join(root, cgPrefix+id)}
	if err := os.Mkdir(cg.dir, 0o755); err != nil {
		return nil, fmt.Errorf("make cgroup: %w", err)
	}
	cg.helpers = filepath.Join(cg.dir, "helpers")
	dirs := []string{cg.helpers}
	for i := 0; i < nprocs; i++ {
		p := filepath.Join(cg.dir, "p"+strconv.Itoa(i))
		cg.procs = append(cg.procs, p)
		dirs = append(dirs, p)
	}
	for _, d := range dirs {
		if err := os.Mkdir(d, 0o755); err != nil {
			return cg, fmt.Errorf("make cgroup: %w", err)
		}
	}
	return cg, nil
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

// joinCgroup moves the calling process (all its threads) into dir.
func joinCgroup(dir string) error {
	if dir == "" {
		return nil
	}
	return writeFile(filepath.Join(dir, "cgroup.procs"), strconv.Itoa(os.Getpid()))
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
// FREEZING, FROZEN; reading it runs update_if_frozen()), or for cgroup v2
// the same three words from cgroup.freeze and cgroup.events' "frozen".
func freezerState(dir string, v2 bool) string {
	if !v2 {
		b, err := os.ReadFile(filepath.Join(dir, "freezer.state"))
		if err != nil {
			return errnoName(err)
		}
		return strings.TrimSpace(string(b))
	}
	want, err := os.ReadFile(filepath.Join(dir, "cgroup.freeze"))
	if err != nil {
		return errnoName(err)
	}
	ev, err := os.ReadFile(filepath.Join(dir, "cgroup.events"))
	if err != nil {
		return errnoName(err)
	}
	switch {
	case bytes.Contains(ev, []byte("frozen 1")):
		return "FROZEN"
	case strings.TrimSpace(string(want)) == "1":
		return "FREEZING"
	}
	return "THAWED"
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
// means every process has exited, reaped or not.
func cgroupPids(dir string) ([]int, error) {
	b, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
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
// A v1-frozen task dies only once thawed (SPEC R1), so thaw first.
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
