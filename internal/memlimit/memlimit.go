// Package memlimit tells how much memory this process can still use: the
// machine's available memory, or less where a memory cgroup (v1 or v2) of
// the process, or of one of its ancestors, bounds it.
package memlimit

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Bound is one limit on the memory this process may use.
type Bound struct {
	Bytes  int64  // what can still be allocated under it
	Source string // where it comes from: "/proc/meminfo MemAvailable", or a cgroup's limit file
}

// Available returns the tightest bound on the memory this process can still
// use, and every bound found (the machine's, then each cgroup level's,
// innermost first). It is an error only when nothing could be read.
//
//   - the machine: MemAvailable of /proc/meminfo (Documentation/filesystems/proc.rst:
//     an estimate of the memory available for new allocations without swapping);
//   - cgroup v2: memory.max less the working set (memory.current less
//     inactive_file of memory.stat, which the kernel reclaims before it
//     invokes the OOM killer), of this process's cgroup and each ancestor
//     (a parent's limit bounds its children: Documentation/admin-guide/cgroup-v2.rst);
//   - cgroup v1: memory.limit_in_bytes less the working set
//     (memory.usage_in_bytes less total_inactive_file), likewise.
func Available() (Bound, []Bound, error) {
	return available("/")
}

// available is Available with every path under root (tests use a fake tree).
func available(root string) (Bound, []Bound, error) {
	var bounds []Bound
	var errs []error
	if n, err := memAvailable(filepath.Join(root, "proc/meminfo")); err == nil {
		bounds = append(bounds, Bound{n, "/proc/meminfo MemAvailable"})
	} else {
		errs = append(errs, err)
	}
	cg, cgErr := cgroupBounds(root)
	bounds = append(bounds, cg...)
	if cgErr != nil {
		errs = append(errs, cgErr)
	}
	if len(bounds) == 0 {
		return Bound{}, nil, fmt.Errorf("cannot tell the memory available: %w", errors.Join(errs...))
	}
	best := bounds[0]
	for _, b := range bounds[1:] {
		if b.Bytes < best.Bytes {
			best = b
		}
	}
	return best, bounds, nil
}

// memAvailable reads MemAvailable (kB) from a meminfo file.
func memAvailable(path string) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "MemAvailable:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("%s: MemAvailable: %v", path, err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("%s: no MemAvailable", path)
}

// mount is a cgroup hierarchy's mount: where it is, and which cgroup its
// root is (not "/" inside a container that mounts its own subtree).
type mount struct{ dir, root string }

// cgroupMounts finds the v2 mount and the v1 mount of the memory controller
// in a mountinfo file: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...]
// - FSTYPE SOURCE SUPEROPTS" (Documentation/filesystems/proc.rst, 3.5).
func cgroupMounts(path string) (v1, v2 *mount, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		sep := -1
		for i, x := range f {
			if x == "-" {
				sep = i
				break
			}
		}
		if sep < 5 || sep+3 > len(f) {
			continue
		}
		m := &mount{dir: unescape(f[4]), root: unescape(f[3])}
		switch f[sep+1] {
		case "cgroup2":
			if v2 == nil {
				v2 = m
			}
		case "cgroup":
			for _, o := range strings.Split(f[sep+3], ",") {
				if o == "memory" && v1 == nil {
					v1 = m
				}
			}
		}
	}
	return v1, v2, nil
}

// unescape undoes mountinfo's octal escapes (\040 for a space).
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// cgroupBounds reads the memory limits of this process's cgroups and their
// ancestors, innermost first.
func cgroupBounds(root string) ([]Bound, error) {
	self, err := os.ReadFile(filepath.Join(root, "proc/self/cgroup"))
	if err != nil {
		return nil, err
	}
	v1, v2, err := cgroupMounts(filepath.Join(root, "proc/self/mountinfo"))
	if err != nil {
		return nil, err
	}
	var bounds []Bound
	var errs []error
	// Lines are "ID:CONTROLLERS:PATH"; v2's is "0::PATH".
	for _, line := range strings.Split(strings.TrimSpace(string(self)), "\n") {
		f := strings.SplitN(line, ":", 3)
		if len(f) != 3 {
			continue
		}
		var m *mount
		var limitFile, usageFile, inactiveKey string
		switch {
		case f[0] == "0" && f[1] == "" && v2 != nil:
			m, limitFile, usageFile, inactiveKey = v2, "memory.max", "memory.current", "inactive_file"
		case hasController(f[1], "memory") && v1 != nil:
			m, limitFile, usageFile, inactiveKey = v1, "memory.limit_in_bytes", "memory.usage_in_bytes", "total_inactive_file"
		default:
			continue
		}
		rel, ok := strings.CutPrefix(f[2], strings.TrimSuffix(m.root, "/"))
		if !ok || (rel != "" && rel[0] != '/') {
			continue // the process's cgroup is outside what is mounted
		}
		dir := filepath.Join(root, m.dir, rel)
		top := filepath.Join(root, m.dir)
		for {
			b, err := levelBound(dir, limitFile, usageFile, inactiveKey)
			if err != nil {
				errs = append(errs, err)
			} else if b != nil {
				b.Source = strings.TrimPrefix(b.Source, strings.TrimSuffix(root, "/"))
				bounds = append(bounds, *b)
			}
			if dir == top || len(dir) <= len(top) {
				break
			}
			dir = filepath.Dir(dir)
		}
	}
	if len(bounds) == 0 && len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return bounds, nil
}

func hasController(list, c string) bool {
	for _, x := range strings.Split(list, ",") {
		if x == c {
			return true
		}
	}
	return false
}

// noLimit: v1 reports "no limit" as the largest page-aligned int64 (or
// close to it); anything this large is no limit.
const noLimit = int64(1) << 60

// levelBound is one cgroup level's bound, or nil when it has no limit (or
// no memory files: the root of a hierarchy).
func levelBound(dir, limitFile, usageFile, inactiveKey string) (*Bound, error) {
	lb, err := os.ReadFile(filepath.Join(dir, limitFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	ls := strings.TrimSpace(string(lb))
	if ls == "max" {
		return nil, nil
	}
	limit, err := strconv.ParseInt(ls, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", filepath.Join(dir, limitFile), err)
	}
	if limit >= noLimit {
		return nil, nil
	}
	ub, err := os.ReadFile(filepath.Join(dir, usageFile))
	if err != nil {
		return nil, err
	}
	usage, err := strconv.ParseInt(strings.TrimSpace(string(ub)), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", filepath.Join(dir, usageFile), err)
	}
	if st, err := os.ReadFile(filepath.Join(dir, "memory.stat")); err == nil {
		for _, l := range strings.Split(string(st), "\n") {
			if v, ok := strings.CutPrefix(l, inactiveKey+" "); ok {
				if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && n <= usage {
					usage -= n
				}
			}
		}
	}
	return &Bound{Bytes: max(limit-usage, 0), Source: filepath.Join(dir, limitFile)}, nil
}
