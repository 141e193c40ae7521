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

// notInOp reports whether an actor helper's main thread, asleep, sleeps
// somewhere its op does not: in futex(2), where the Go runtime parks a
// locked thread back from a system call until it gets a P again
// (runtime.exitsyscall(), stopm()), or on a PREEMPT_RT sleeping lock
// (spinlock_t and rwlock_t sleep there: kernel/locking/rtmutex.c's
// rtlock_slowlock_locked(), kernel/locking/rwbase_rt.c), which a loaded
// guest's release_task() may wait on after its wait4(2) has reaped the
// child. Neither is the op blocking: the helper is on its way.
func notInOp(pid int) bool {
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/syscall", pid)); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 2 {
			if nr, err := strconv.Atoi(f[0]); err == nil && nr == unix.SYS_FUTEX {
				return true
			}
		}
	}
	// wchan skips the lock functions (they are __sched): the stack has
	// them.
	for _, fn := range strings.Split(kernelStack(pid, pid), " < ") {
		if lockSleep(kernelSymbol(fn)) {
			return true
		}
	}
	return false
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
