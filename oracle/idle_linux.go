package oracle

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// helperIdle reports whether an actor helper is back in its command loop:
// its main thread is blocked in read(2) of the command pipe
// (/proc/PID/syscall, fs/proc/base.c:proc_pid_syscall(): "NR ARG1 ..."
// with NR in decimal, the arguments in hex). Such a helper has answered
// its request, even if the runner, short of CPU, has not read the answer
// yet: it is not blocked in the op.
func helperIdle(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/syscall", pid))
	if err != nil {
		return false
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return false // "running", or "-1 SP PC": not in a system call
	}
	nr, err1 := strconv.Atoi(f[0])
	fd, err2 := strconv.ParseUint(strings.TrimPrefix(f[1], "0x"), 16, 64)
	return err1 == nil && err2 == nil && nr == unix.SYS_READ && fd == fdCmd
}

// wchan is where a sleeping task waits (/proc/PID/wchan), for the log.
func wchan(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/wchan", pid))
	if err != nil || len(b) == 0 || string(b) == "0" {
		return "?"
	}
	return string(b)
}

// kernelStack is the innermost frames of a sleeping task's kernel stack
// (/proc/PID/task/TID/stack: root, CONFIG_STACKTRACE), "f1 < f2 < ...", for
// the log; "" when it cannot be read.
func kernelStack(pid, tid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/stack", pid, tid))
	if err != nil {
		return ""
	}
	var fns []string
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && len(fns) < 6 {
			fn, _, _ := strings.Cut(f[1], "+")
			fns = append(fns, fn)
		}
	}
	return strings.Join(fns, " < ")
}

// asleepIn says where a sleeping task is, for the log: its kernel stack,
// else its wchan.
func asleepIn(pid, tid int) string {
	if s := kernelStack(pid, tid); s != "" {
		return s
	}
	return wchan(pid)
}
