package main

import (
	"bytes"
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
)

// memoryCgroup makes a cgroup v1 memory cgroup limited to limit bytes (no
// swap) for the test, and removes it at the end.
func memoryCgroup(t *testing.T, limit int64) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipped: making a memory cgroup needs root")
	}
	root := "/sys/fs/cgroup/memory"
	if _, err := os.Stat(filepath.Join(root, "memory.limit_in_bytes")); err != nil {
		t.Skipf("skipped: no cgroup v1 memory controller at %s", root)
	}
	dir := filepath.Join(root, fmt.Sprintf("jobctl-test.%d.%d", os.Getpid(), time.Now().UnixNano()))
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		end := time.Now().Add(5 * time.Second)
		for {
			err := syscall.Rmdir(dir)
			if err == nil || errors.Is(err, syscall.ENOENT) {
				return
			}
			if time.Now().After(end) {
				t.Errorf("rmdir %s: %v", dir, err)
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
	if err := os.WriteFile(filepath.Join(dir, "memory.limit_in_bytes"), []byte(strconv.FormatInt(limit, 10)), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "memory.memsw.limit_in_bytes")); err == nil {
		os.WriteFile(filepath.Join(dir, "memory.memsw.limit_in_bytes"), []byte(strconv.FormatInt(limit, 10)), 0)
	}
	return dir
}

// cgroupValue reads a number from a cgroup file ("oom_kill N" lines of
// memory.oom_control when key is set).
func cgroupValue(t *testing.T, path, key string) int64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.TrimSpace(string(b))
	if key != "" {
		s = ""
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, key+" "); ok {
				s = v
			}
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("%s %s: %v", path, key, err)
	}
	return n
}

// jobctlInCgroup runs the jobctl command (this test binary) in the cgroup dir.
func jobctlInCgroup(t *testing.T, dir string, args ...string) (stdout, stderr string, state *os.ProcessState) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// The shell joins the cgroup, then becomes jobctl.
	cmd := exec.Command("/bin/sh", append([]string{"-c", `echo $$ > "$0/cgroup.procs" && exec "$@"`, dir, self}, args...)...)
	cmd.Env = append(os.Environ(), envCLI+"=1")
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return o.String(), e.String(), cmd.ProcessState
}

// check under a real memory limit stops cleanly: exit 3 with what it
// explored, never the OOM killer. By default (no --max-memory) the bound
// comes from the cgroup's limit; with --max-memory, from the flag.
func TestCheckUnderMemoryLimit(t *testing.T) {
	const limit = 160 << 20
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"default bound", nil},
		{"--max-memory 64", []string{"--max-memory", "64"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := memoryCgroup(t, limit)
			args := append([]string{"check", "testdata/big-model.jc", "--variant", "mainline"}, tc.args...)
			stdout, stderr, st := jobctlInCgroup(t, dir, args...)
			peak := cgroupValue(t, filepath.Join(dir, "memory.max_usage_in_bytes"), "")
			kills := cgroupValue(t, filepath.Join(dir, "memory.oom_control"), "oom_kill")
			t.Logf("peak %d MiB of %d MiB; %s", peak>>20, limit>>20, strings.TrimSpace(stderr))
			if kills != 0 || st.ExitCode() != exitIncomplete {
				t.Fatalf("%v (OOM kills %d), want exit 3\nstdout:\n%s\nstderr:\n%s", st, kills, stdout, stderr)
			}
			if !strings.Contains(stdout, "incomplete: memory bound") || !strings.Contains(stdout, "1 check: 0 as expected, 0 differ; 1 incomplete: big-model (mainline)") {
				t.Errorf("stdout does not report the memory bound:\n%s", stdout)
			}
			if peak > limit {
				t.Errorf("peak %d bytes over the %d limit", peak, int64(limit))
			}
		})
	}
}
