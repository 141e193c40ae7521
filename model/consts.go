package model

import "jobctl/scenario"

// task->__state bits (include/linux/sched.h, v6.1+ values; the model uses
// them for every variant, the differences are in the composites below and
// in Kernel).
//
// A task's sleep state is the whole story of this project: TASK_STOPPED and
// TASK_TRACED are "special" states (set with set_special_state() under
// pi_lock, never re-entered after a spurious wakeup), and two mechanisms
// temporarily take __state over: the freezer (TASK_FROZEN, v6.1+) and the
// PREEMPT_RT rtlock slow path (TASK_RTLOCK_WAIT, the old state parked in
// saved_state).
const (
	TASK_RUNNING         uint16 = 0x0000
	TASK_INTERRUPTIBLE   uint16 = 0x0001
	TASK_UNINTERRUPTIBLE uint16 = 0x0002
	__TASK_STOPPED       uint16 = 0x0004
	__TASK_TRACED        uint16 = 0x0008
	TASK_PARKED          uint16 = 0x0040
	TASK_DEAD            uint16 = 0x0080
	TASK_WAKEKILL        uint16 = 0x0100
	TASK_WAKING          uint16 = 0x0200
	TASK_RTLOCK_WAIT     uint16 = 0x1000 // v5.15+
	TASK_FREEZABLE       uint16 = 0x2000 // v6.1+
	TASK_FROZEN          uint16 = 0x8000 // v6.1+

	TASK_NORMAL  = TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE
	TASK_STOPPED = TASK_WAKEKILL | __TASK_STOPPED // 0x104 in every version
	TASK_REPORT  = 0x7f

	// TASK_TRACED is __TASK_TRACED (0x008) since v5.19 ("ptrace: Don't
	// change __state", 2500ad1c7fa4) and TASK_WAKEKILL|__TASK_TRACED (0x108)
	// before; Kernel.TaskTraced holds the variant's value.
	taskTracedOld = TASK_WAKEKILL | __TASK_TRACED
	taskTracedNew = __TASK_TRACED
)

// exit_state values.
const (
	EXIT_ZOMBIE uint8 = 1
	EXIT_DEAD   uint8 = 2
)

// task->jobctl bits (include/linux/sched/jobctl.h, v5.19+ numbering; all
// read-modify-writes under siglock). The low 16 bits are
// JOBCTL_STOP_SIGMASK: the signal number of the last group stop.
const (
	JOBCTL_STOP_SIGMASK   uint32 = 0xffff
	JOBCTL_STOP_DEQUEUED  uint32 = 1 << 16 // a stop signal was dequeued
	JOBCTL_STOP_PENDING   uint32 = 1 << 17 // must take part in a group stop
	JOBCTL_STOP_CONSUME   uint32 = 1 << 18 // taking part decrements group_stop_count
	JOBCTL_TRAP_STOP      uint32 = 1 << 19 // ptrace: trap for STOP
	JOBCTL_TRAP_NOTIFY    uint32 = 1 << 20 // ptrace (SEIZE): re-trap to notify the tracer
	JOBCTL_TRAPPING       uint32 = 1 << 21 // STOPPED -> TRACED after attach; the tracer waits on it
	JOBCTL_LISTENING      uint32 = 1 << 22 // PTRACE_LISTEN
	JOBCTL_TRAP_FREEZE    uint32 = 1 << 23 // cgroup v2 freezer: trap into do_freezer_trap()
	JOBCTL_PTRACE_FROZEN  uint32 = 1 << 24 // v5.19+: a ptrace request is in progress
	JOBCTL_DELAY_WAKEKILL uint32 = 1 << 25 // Eric's proposal (c): the same role as PTRACE_FROZEN
	JOBCTL_STOPPED        uint32 = 1 << 26 // canonical: in (or committed to) a job-control stop
	JOBCTL_TRACED         uint32 = 1 << 27 // canonical: in (or committed to) a ptrace stop

	JOBCTL_TRAP_MASK    = JOBCTL_TRAP_STOP | JOBCTL_TRAP_NOTIFY
	JOBCTL_PENDING_MASK = JOBCTL_STOP_PENDING | JOBCTL_TRAP_MASK
)

// task->ptrace (include/linux/ptrace.h): the PTRACE_O_* options are kept
// shifted by PT_OPT_FLAG_SHIFT.
const (
	PT_PTRACED        uint32 = 0x1
	PT_SEIZED         uint32 = 0x10000
	PT_OPT_FLAG_SHIFT        = 3
	PT_TRACESYSGOOD   uint32 = PTRACE_O_TRACESYSGOOD << PT_OPT_FLAG_SHIFT
	PT_TRACE_EXIT     uint32 = PTRACE_O_TRACEEXIT << PT_OPT_FLAG_SHIFT
	PT_EXITKILL       uint32 = PTRACE_O_EXITKILL << PT_OPT_FLAG_SHIFT
	PT_OPT_MASK       uint32 = PTRACE_O_MASK << PT_OPT_FLAG_SHIFT
)

// The PTRACE_O_* options the model gives meaning to
// (include/uapi/linux/ptrace.h), the scenario language's values.
const (
	PTRACE_O_TRACESYSGOOD = scenario.PTRACE_O_TRACESYSGOOD
	PTRACE_O_TRACEEXIT    = scenario.PTRACE_O_TRACEEXIT
	PTRACE_O_EXITKILL     = scenario.PTRACE_O_EXITKILL
	PTRACE_O_MASK         = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL
)

// signal->flags (include/linux/sched/signal.h).
const (
	SIGNAL_STOP_STOPPED   uint8 = 0x01 // group stop completed, not continued
	SIGNAL_STOP_CONTINUED uint8 = 0x02 // SIGCONT not yet reaped by WCONTINUED
	SIGNAL_GROUP_EXIT     uint8 = 0x04
	SIGNAL_CLD_STOPPED    uint8 = 0x10 // parent notification still to be sent
	SIGNAL_CLD_CONTINUED  uint8 = 0x20
	SIGNAL_CLD_MASK             = SIGNAL_CLD_STOPPED | SIGNAL_CLD_CONTINUED
	SIGNAL_STOP_MASK            = SIGNAL_CLD_MASK | SIGNAL_STOP_STOPPED | SIGNAL_STOP_CONTINUED
)

// task->flags bits the model needs (a subset, renumbered to fit a byte).
const (
	PF_EXITING      uint8 = 0x1
	PF_FROZEN       uint8 = 0x2 // old freezer (≤6.0): in the refrigerator
	PF_FREEZER_SKIP uint8 = 0x4 // old freezer: sleeping in freezable_schedule()
	// TIF_SYSCALL_TRACE is a thread-info flag, kept in the same byte:
	// PTRACE_SYSCALL asked for syscall stops.
	TIF_SYSCALL_TRACE uint8 = 0x8
	// RESTART_NANOSLEEP stands for current->restart_block.fn =
	// hrtimer_nanosleep_restart: a nanosleep(2) a signal interrupted
	// resumes through restart_syscall() (kernel/time/hrtimer.c, v6.18),
	// which only /proc/PID/wchan tells apart (do_syscall_64 instead of
	// hrtimer_nanosleep: the restart functions are __sched and the call
	// is a tail call).
	RESTART_NANOSLEEP uint8 = 0x10
	// ERESTART_RESTARTBLOCK: the thread's nanosleep() was interrupted and
	// returns -ERESTART_RESTARTBLOCK in regs->ax: restarted if no handler
	// runs, -EINTR (the op ends) if one does
	// (arch/x86/kernel/signal.c:handle_signal(), v6.18).
	ERESTART_RESTARTBLOCK uint8 = 0x20
	// SYSCALL_ENTERED: the system call of the thread's next op (nanosleep,
	// or the restart_syscall that resumes it, tgkill, rt_sigaction, ...)
	// has entered the kernel and its entry was reported to the tracer
	// (syscall_trace_enter()); the call itself runs next, and its return
	// goes through syscall_exit_work() (kernel/entry/syscall-common.c,
	// v6.18).
	SYSCALL_ENTERED uint8 = 0x40
	// KICKED: TIF_SIGPENDING was set while the thread ran user code with
	// nothing to handle; kick_process() sends it an IPI, and it notices
	// the flag on its next way out of the kernel — the IPI's, or the
	// return of a system call it was already making, which runs first
	// (kernel/signal.c:signal_wake_up_state(), kernel/sched/core.c:
	// kick_process(), kernel/entry/common.c:exit_to_user_mode_loop(),
	// v6.18). Cleared when the thread next steps.
	KICKED uint8 = 0x80
)

// si_code values for SIGCHLD / waitid.
const (
	CLD_EXITED    = 1
	CLD_KILLED    = 2
	CLD_TRAPPED   = 4
	CLD_STOPPED   = 5
	CLD_CONTINUED = 6
)

// PTRACE_EVENT_*, as the high byte of a ptrace stop code.
const (
	PTRACE_EVENT_EXIT = 6
	PTRACE_EVENT_STOP = 128
)

// Signals the model gives meaning to (x86-64 numbering).
const (
	SIGTRAP  = scenario.SIGTRAP
	SIGKILL  = scenario.SIGKILL
	SIGCHLD  = scenario.SIGCHLD
	SIGCONT  = scenario.SIGCONT
	SIGSTOP  = scenario.SIGSTOP
	SIGTSTP  = scenario.SIGTSTP
	SIGTTIN  = scenario.SIGTTIN
	SIGTTOU  = scenario.SIGTTOU
	SIGURG   = scenario.SIGURG
	SIGWINCH = 28
)

func sigmask(sig int) uint32 { return 1 << uint(sig) }

var (
	sigKernelStop   = sigmask(SIGSTOP) | sigmask(SIGTSTP) | sigmask(SIGTTIN) | sigmask(SIGTTOU)
	sigKernelIgnore = sigmask(SIGCONT) | sigmask(SIGCHLD) | sigmask(SIGURG) | sigmask(SIGWINCH)
	sigKernelOnly   = sigmask(SIGKILL) | sigmask(SIGSTOP)
	// Default action "core": terminate with a core dump. complete_signal's
	// group-kill shortcut skips these (sig_kernel_coredump).
	sigKernelCoredump = sigmask(3) | sigmask(4) | sigmask(5) | sigmask(6) | sigmask(7) | sigmask(8) | sigmask(11) | sigmask(24) | sigmask(25) | sigmask(31)
)

func sigKernelStopP(sig int) bool   { return sigKernelStop&sigmask(sig) != 0 }
func sigKernelIgnoreP(sig int) bool { return sigKernelIgnore&sigmask(sig) != 0 }

// The sigmask helpers of include/linux/signal.h, exported for designs
// that replace a signal function (complete_signal(), prepare_signal(),
// do_signal_stop(), ...) from variants/.

// Sigmask is sigmask(sig): sig's bit in a sigset word (Task.Pending,
// Task.Blocked, Signal.Shared).
func Sigmask(sig int) uint32 { return sigmask(sig) }

// SigKernelStop is sig_kernel_stop(sig): SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU.
func SigKernelStop(sig int) bool { return sigKernelStopP(sig) }

// SigKernelIgnore is sig_kernel_ignore(sig): ignored by default (SIGCONT,
// SIGCHLD, SIGURG, SIGWINCH).
func SigKernelIgnore(sig int) bool { return sigKernelIgnoreP(sig) }

// SigKernelOnly is sig_kernel_only(sig): SIGKILL and SIGSTOP, which no
// handler or mask changes.
func SigKernelOnly(sig int) bool { return sigKernelOnly&sigmask(sig) != 0 }

// SigKernelCoredump is sig_kernel_coredump(sig): the default action dumps
// core; complete_signal()'s group-kill shortcut skips these.
func SigKernelCoredump(sig int) bool { return sigKernelCoredump&sigmask(sig) != 0 }

// SYNCHRONOUS_MASK: the signals next_signal() takes first
// (kernel/signal.c, v6.18): SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGSYS.
var synchronousMask = sigmask(11) | sigmask(7) | sigmask(4) | sigmask(SIGTRAP) | sigmask(8) | sigmask(31)

// SigFatal is sig_fatal(t, sig) (include/linux/signal.h): the default
// action terminates and the disposition is SIG_DFL.
func (c *Ctx) SigFatal(t int, sig int) bool {
	return !sigKernelIgnoreP(sig) && !sigKernelStopP(sig) && c.SigHandler(t, sig) == SIG_DFL
}

// Dispositions: sig_handler(t, sig) of the model (sighand->action[sig-1]).
const (
	SIG_DFL = iota
	SIG_IGN
	SIG_HANDLER // a user handler
)

// SigHandler is sig_handler(t, sig): the disposition of sig in t's thread
// group. SIGKILL and SIGSTOP are always SIG_DFL (do_sigaction() refuses
// them: sig_kernel_only()).
func (c *Ctx) SigHandler(t int, sig int) int {
	s := c.Sig(t)
	switch {
	case s.Handled&sigmask(sig) != 0:
		return SIG_HANDLER
	case s.Ignored&sigmask(sig) != 0:
		return SIG_IGN
	}
	return SIG_DFL
}

// sigHandlerIgnored is sig_handler_ignored() (kernel/signal.c).
func sigHandlerIgnored(handler int, sig int) bool {
	return handler == SIG_IGN || (handler == SIG_DFL && sigKernelIgnoreP(sig))
}

// Exported names for the double-underscore states (Go does not export an
// identifier that starts with '_'), for the variants package.
const (
	TaskStoppedBit = __TASK_STOPPED // __TASK_STOPPED
	TaskTracedBit  = __TASK_TRACED  // __TASK_TRACED
	TaskTracedOld  = taskTracedOld  // TASK_TRACED before v5.19: TASK_WAKEKILL|__TASK_TRACED
)
