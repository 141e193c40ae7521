package oracle

import (
	"errors"
	"fmt"
	"strings"
	"syscall"

	"jobctl/scenario"
)

// Result strings shared with the model (package model produces the same).
const (
	resOK      = "0"
	resNone    = "none"    // WNOHANG and nothing to report
	resPending = "pending" // the op had not returned when the scenario ended
	resTimeout = "timeout" // a freeze that never completed
	stateGone  = "gone"    // the task has been reaped
)

// PTRACE_EVENT_STOP and PTRACE_EVENT_EXIT (include/uapi/linux/ptrace.h).
const (
	ptraceEventStop = 128
	ptraceEventExit = 6
)

// errnoName returns the kernel name of the errno inside err ("ESRCH"), or
// err's text when it carries none. A nil error is "0".
func errnoName(err error) string {
	if err == nil {
		return resOK
	}
	var e syscall.Errno
	if errors.As(err, &e) {
		if e == 0 {
			return resOK
		}
		if n := errnoNames[e]; n != "" {
			return n
		}
		return fmt.Sprintf("errno(%d)", int(e))
	}
	return err.Error()
}

// errnoNames covers what wait, ptrace, kill and cgroup writes return.
var errnoNames = map[syscall.Errno]string{
	syscall.EPERM: "EPERM", syscall.ENOENT: "ENOENT", syscall.ESRCH: "ESRCH",
	syscall.EINTR: "EINTR", syscall.EIO: "EIO", syscall.E2BIG: "E2BIG",
	syscall.EBADF: "EBADF", syscall.ECHILD: "ECHILD", syscall.EAGAIN: "EAGAIN",
	syscall.ENOMEM: "ENOMEM", syscall.EACCES: "EACCES", syscall.EFAULT: "EFAULT",
	syscall.EBUSY: "EBUSY", syscall.EEXIST: "EEXIST", syscall.EINVAL: "EINVAL",
	syscall.ENOSYS: "ENOSYS", syscall.EOPNOTSUPP: "EOPNOTSUPP",
	syscall.Errno(512): "ERESTARTSYS", syscall.Errno(514): "ERESTARTNOHAND",
}

// formatStopCode renders the stop code of a stopped child: the low byte is
// the signal, bits 8..15 the PTRACE_EVENT (kernel/exit.c:wait_task_stopped()
// reports (exit_code << 8) | 0x7f through wait4 and exit_code itself in
// waitid's si_status).
func formatStopCode(code int) string {
	sig := code & 0xff
	ev := (code >> 8) & 0xff
	var s string
	if sig == scenario.SIGTRAP|0x80 {
		s = "SIGTRAP|0x80"
	} else {
		s = scenario.SigName(sig)
	}
	switch {
	case ev == ptraceEventStop:
		s += ",EVENT_STOP"
	case ev == ptraceEventExit:
		s += ",EVENT_EXIT"
	case ev != 0:
		s += fmt.Sprintf(",EVENT_%d", ev)
	}
	return "stopped(" + s + ")"
}

// formatTermSig renders a death by signal: "killed(SIGKILL)", with ",core"
// when a core was dumped.
func formatTermSig(sig int, core bool) string {
	s := "killed(" + scenario.SigName(sig)
	if core {
		s += ",core"
	}
	return s + ")"
}

// formatWaitStatus renders a wait4() status word the way the observation
// keys spell it.
func formatWaitStatus(ws uint32) string {
	switch {
	case ws == 0xffff:
		return "continued"
	case ws&0xff == 0x7f:
		return formatStopCode(int(ws >> 8))
	case ws&0x7f == 0:
		return fmt.Sprintf("exited(%d)", (ws>>8)&0xff)
	default:
		return formatTermSig(int(ws&0x7f), ws&0x80 != 0)
	}
}

// si_code values of SIGCHLD (include/uapi/asm-generic/siginfo.h).
const (
	cldExited    = 1
	cldKilled    = 2
	cldDumped    = 3
	cldTrapped   = 4
	cldStopped   = 5
	cldContinued = 6
)

// formatSiginfo renders a waitid() result (si_pid, si_code, si_status) as
// the model does: the si_code's name and si_status ("CLD_EXITED(3)",
// "CLD_TRAPPED(SIGTRAP,EVENT_STOP)"), or "none" when WNOHANG found nothing
// (si_pid 0).
func formatSiginfo(pid, code, status int) string {
	if pid == 0 {
		return resNone
	}
	switch code {
	case cldExited:
		return fmt.Sprintf("CLD_EXITED(%d)", status&0xff)
	case cldKilled:
		return "CLD_KILLED(" + scenario.SigName(status&0x7f) + ")"
	case cldDumped:
		return "CLD_DUMPED(" + scenario.SigName(status&0x7f) + ")"
	case cldTrapped:
		return "CLD_TRAPPED" + strings.TrimPrefix(formatStopCode(status), "stopped")
	case cldStopped:
		return "CLD_STOPPED" + strings.TrimPrefix(formatStopCode(status), "stopped")
	case cldContinued:
		return "CLD_CONTINUED(" + scenario.SigName(status) + ")"
	}
	return fmt.Sprintf("si_code(%d,status=%d)", code, status)
}

// cldToWait spells a waitid() exit report as wait4 does: "CLD_EXITED(3)"
// is "exited(3)", "CLD_KILLED(SIGKILL)" is "killed(SIGKILL)", and
// "CLD_DUMPED(SIGQUIT)" is "killed(SIGQUIT,core)". Anything else is
// returned as it is.
func cldToWait(r string) string {
	inner := func(prefix string) (string, bool) {
		if strings.HasPrefix(r, prefix+"(") && strings.HasSuffix(r, ")") {
			return r[len(prefix)+1 : len(r)-1], true
		}
		return "", false
	}
	if v, ok := inner("CLD_EXITED"); ok {
		return "exited(" + v + ")"
	}
	if v, ok := inner("CLD_KILLED"); ok {
		return "killed(" + v + ")"
	}
	if v, ok := inner("CLD_DUMPED"); ok {
		return "killed(" + v + ",core)"
	}
	return r
}

// formatExitCode renders task->exit_code of a zombie, as shown in field 52 of
// /proc/PID/stat (fs/proc/array.c:do_task_stat()): the same encoding as a
// wait status for an exit or a death by signal.
func formatExitCode(code int) string {
	return formatWaitStatus(uint32(code) & 0xffff)
}

// isExitResult reports whether a wait result says the child is dead.
func isExitResult(s string) bool {
	return len(s) > 7 && (s[:7] == "exited(" || s[:7] == "killed(")
}

// formatSigset renders a /proc signal mask (bit n-1 = signal n) as the
// model does: signal names in numeric order joined by ",", or "none".
func formatSigset(mask uint64) string {
	var names []string
	for sig := 1; sig <= 64; sig++ {
		if mask&(1<<uint(sig-1)) != 0 {
			names = append(names, scenario.SigName(sig))
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ",")
}

// si_code values a sender leaves in a siginfo (include/uapi/asm-generic/siginfo.h).
const (
	siUser   = 0
	siKernel = 0x80
	siTkill  = -6
)

// formatPtraceSiginfo renders a PTRACE_GETSIGINFO result (si_signo,
// si_code) as package model does: "siginfo(SIGUSR1,SI_TKILL)"; a ptrace
// stop's own siginfo has the exit code as si_code, spelt SIGTRAP,
// SIGTRAP|0x80, EVENT_STOP or EVENT_EXIT.
func formatPtraceSiginfo(signo, code int) string {
	var c string
	switch {
	case code == siUser:
		c = "SI_USER"
	case code == siKernel:
		c = "SI_KERNEL"
	case code == siTkill:
		c = "SI_TKILL"
	case signo == scenario.SIGTRAP && code == scenario.SIGTRAP:
		c = "SIGTRAP"
	case signo == scenario.SIGTRAP && code == scenario.SIGTRAP|0x80:
		c = "SIGTRAP|0x80"
	case code>>8 == ptraceEventStop && code&0xff == signo:
		c = "EVENT_STOP"
	case signo == scenario.SIGTRAP && code == scenario.SIGTRAP|ptraceEventExit<<8:
		c = "EVENT_EXIT"
	default:
		c = fmt.Sprint(code)
	}
	return "siginfo(" + scenario.SigName(signo) + "," + c + ")"
}

// kernelSymbol is the source name of a kernel symbol as kallsyms prints it
// (/proc/PID/wchan is "%ps"): the compiler's clones of a function carry a
// suffix after a dot (GCC's ptrace_stop.part.0, .isra.0, .constprop.0,
// .cold; clang's .llvm.NNN), which depends on how the kernel was built,
// not on where the task sleeps. Debian's 6.1 kernels sleep a tracee in
// ptrace_stop.part.0, this machine's 6.18 in ptrace_stop. C identifiers
// have no dot, so everything from the first one on is the clone's.
func kernelSymbol(s string) string {
	if i := strings.IndexByte(s, '.'); i > 0 {
		return s[:i]
	}
	return s
}

// lockSleep: a kernel function that is a sleeping lock's slow path, not a
// wait.
func lockSleep(fn string) bool {
	for _, p := range []string{"rtlock_", "rt_spin_lock", "rt_read_lock", "rt_write_lock", "rwbase_", "rt_mutex_", "__rt_mutex"} {
		if strings.HasPrefix(fn, p) {
			return true
		}
	}
	return false
}
