package model

import "fmt"

// Bounds of one scenario. They make State a fixed-size comparable value:
// copying it is a snapshot. A scenario uses only a prefix of each array;
// the checker stores and hashes just that part (Layout), so a small
// scenario does not pay for the bounds. Compile reports a scenario beyond
// them as FILE:LINE:COL: the limit it hits.
const (
	MaxTasks   = 8   // tracee threads, over all simulated thread groups
	MaxProcs   = 4   // simulated thread groups
	MaxActors  = 8   // actors outside the thread groups (tracer, sender, freezer, waiter, lock holder)
	MaxOps     = 32  // ops in one actor's script (an outside actor's, or a tracee thread's)
	MaxResults = 256 // result slots over all actors' scripts and the prelude
)

// State is the whole kernel state of a scenario at one instant, plus where
// every actor is in its script. It holds no pointers, slices or maps.
//
// The field order is chosen so that the struct has no padding (a test
// asserts it): the checker hashes the raw bytes of the parts a scenario
// uses (see Layout). A new top-level field must be added to Layout's
// sections too.
type State struct {
	Task  [MaxTasks]Task
	Proc  [MaxProcs]Signal
	Actor [MaxActors]Actor
	// Res holds every op's result once it is done, at the slot
	// Program gave the op (Op.Res); 0 (ResPending) until then.
	Res [MaxResults]Result
	// Cgroup holds the freezer state of the scenario's cgroups
	// (Program.Cgroups).
	Cgroup [MaxCgroups]Cgroup
	// Holder[l] is 1+the actor that holds lock l across steps ("lock
	// tasklist", "lock css_set"), or 0. Locks taken and released within
	// one atomic step are not represented: nobody can observe them.
	Holder [NumLocks]uint8
	// FreezerMutex is 1+the actor inside a cgroup v1 freezer write
	// (freezer_mutex, kernel/cgroup/legacy_freezer.c), or 0.
	FreezerMutex uint8
	// CgroupMutex is 1+the actor inside a cgroup v2 cgroup.freeze write
	// (cgroup_mutex, held by cgroup_kn_lock_live()), or 0.
	CgroupMutex uint8
	_           [4]uint8
}

// Task mirrors the fields of struct task_struct the model needs.
type Task struct {
	Jobctl  uint32 // task->jobctl (siglock)
	Pending uint32 // task->pending.signal: private pending set, bit n = signal n (siglock)
	Ptrace  uint32 // task->ptrace: PT_PTRACED, PT_SEIZED, the PT_* options (tasklist_lock write; siglock for the clear)
	Blocked uint32 // task->blocked: the signal mask, bit n = signal n (siglock)
	// PendingKernel and PendingUser say how each signal of the private
	// queue was sent (its siginfo's si_code): SI_KERNEL (SEND_SIG_PRIV),
	// SI_USER (a signal requeued by ptrace_signal()), else SI_TKILL. A
	// signal in the shared queue was sent by kill(): SI_USER.
	PendingKernel uint32
	PendingUser   uint32
	// Frames is the stack of signal frames on the thread's user stack, a
	// handler running for each (handle_signal() pushed it, rt_sigreturn()
	// pops it): 5 bits a signal number, the innermost in the low bits.
	Frames uint32

	State    uint16 // task->__state (pi_lock for special states, the freezer and RT)
	Saved    uint16 // task->saved_state (pi_lock): RT rtlock waits; v6.7+ also the pre-freeze state
	ExitCode uint16 // task->exit_code: ptrace stop code (sig | event<<8) or resume signal (siglock)

	Loc         Loc   // where the task is in the kernel (its program counter)
	Ret         Loc   // where ptrace_stop returns to, and where an rtlock wait resumes
	Sig         uint8 // the signal get_signal is handling across an interleaving point
	Why         uint8 // ptrace_stop/do_signal_stop local: CLD_* to notify, 0 for none
	GstopDone   uint8 // ptrace_stop/do_signal_stop local: this task completed the group stop
	Flags       uint8 // PF_EXITING, PF_FROZEN, PF_FREEZER_SKIP
	ExitState   uint8 // task->exit_state: EXIT_ZOMBIE, EXIT_DEAD
	ExitKind    uint8 // how it exited, for the observation: ExitNone, ExitExited, ExitKilled
	ExitVal     uint8 // exit code or signal
	ScriptPC    uint8 // next user-mode op of this thread's script
	Tracer      uint8 // task->parent when traced: 1+actor index, or 0
	LastSiginfo uint8 // task->last_siginfo: its si_code (SiNone for NULL)
	LastSigno   uint8 // task->last_siginfo->si_signo
	SigInfo     uint8 // the si_code of the signal get_signal is handling (ksig->info), with SigInfoShared
	OnRq        bool  // task->on_rq: runnable (running, or preempted before blocking)
	SigPending  bool  // TIF_SIGPENDING
	FrzRet      Loc   // where the task goes when it leaves the refrigerator
	RTRet       Loc   // the step an rtlock wait resumes
	// PtraceSeq orders the tracer's ptraced list: ptrace_link() adds a
	// tracee at its head (list_add), so ptrace_do_wait() looks at the
	// last attached first. 1+the number of tracees attached before it
	// that are still linked, 0 when not traced.
	PtraceSeq uint8
	// CgFrozen is task->frozen: the cgroup v2 freezer counts the task
	// as frozen (cgroup_enter_frozen(), css_set_lock).
	CgFrozen bool
	_        [2]uint8
}

// Signal mirrors struct signal_struct (one per thread group).
type Signal struct {
	Shared uint32 // signal->shared_pending.signal
	// Ignored and Handled are the dispositions in sighand->action[]
	// (shared by the threads): bit n set = signal n is SIG_IGN, or has a
	// handler; neither = SIG_DFL.
	Ignored        uint32
	Handled        uint32
	Flags          uint8 // SIGNAL_STOP_STOPPED, ...
	GroupStopCount uint8 // signal->group_stop_count
	GroupExitCode  uint8 // signal->group_exit_code
	CldStopped     uint8 // CLD_STOPPED notifications sent to the real parent (saturates at 3)
	CldContinued   uint8 // CLD_CONTINUED notifications sent to the real parent (saturates at 3)
	GroupExitVal   uint8 // exit_group(N): N (the kernel keeps N<<8 in group_exit_code)
	// CurrTarget is signal->curr_target: the task index where
	// complete_signal() starts looking for a thread to wake. It starts at
	// the leader and moves to the thread the search picked.
	CurrTarget uint8
	_          [5]uint8
}

// Actor is the progress of one actor outside the thread groups. Its ops'
// results are in State.Res.
type Actor struct {
	PC   uint8 // index of the current op in the script
	Step uint8 // atomic step within the current op
	Hold uint8 // 1+task index the actor holds frozen for a ptrace request (after wait_task_inactive)
	Tmp  uint8
	// Flags and Aux are per-op scratch for ops that need more than Step
	// and Tmp (cleared when the op ends). A wait op keeps ActWoken in
	// Flags.
	Flags uint8
	Aux   uint8
	_     [2]uint8
}

// The locks an actor can hold across steps.
const (
	LockTasklist = iota // tasklist_lock (taken for write by the holder)
	LockCssSet          // css_set_lock (cgroup_enter_frozen() takes it before schedule())
	NumLocks
)

// LockNames are the scenario language's names of the locks.
var LockNames = [NumLocks]string{"tasklist", "css_set"}

// Task.LastSiginfo values: the si_code of the siginfo a ptrace stop
// publishes in task->last_siginfo (what PTRACE_GETSIGINFO copies out), and
// Task.SigInfo's of a dequeued signal. The si_signo is Task.LastSigno.
const (
	SiNone      uint8 = iota // NULL: a group stop of an ATTACHed tracee (PTRACE_GETSIGINFO: EINVAL)
	SiSignal                 // ptrace_notify(): si_code = exit_code, SIGTRAP (a syscall stop)
	SiEventStop              // PTRACE_EVENT_STOP: si_code = signr | PTRACE_EVENT_STOP<<8
	SiUser                   // a signal sent by kill(): SI_USER
	SiTkill                  // sent by tgkill(): SI_TKILL
	SiKernel                 // sent by the kernel (SEND_SIG_PRIV): SI_KERNEL
	SiTrapGood               // ptrace_notify(): si_code = SIGTRAP|0x80 (PTRACE_O_TRACESYSGOOD)
	SiEventExit              // ptrace_notify(): si_code = SIGTRAP | PTRACE_EVENT_EXIT<<8
	numSi

	// SigInfoShared, in Task.SigInfo: the signal was dequeued from the
	// shared queue (get_signal()'s type == PIDTYPE_TGID).
	SigInfoShared uint8 = 0x80
)

// Task.ExitKind values.
const (
	ExitNone uint8 = iota
	ExitExited
	ExitKilled
)

// Loc is a tracee thread's program counter: the kernel code it will run next.
type Loc uint8

const (
	LocUser            Loc = iota // in user mode (runs its script; enters get_signal on TIF_SIGPENDING)
	LocPause                      // blocked in pause(2)
	LocRefrigerator               // blocked in __refrigerator()
	LocRelock                     // get_signal(): about to take siglock at "relock"
	LocNotifyCld                  // get_signal(): notify the parent of CLD_STOPPED/CONTINUED
	LocDSSNotify                  // do_signal_stop() S2: do_notify_parent_cldstop under tasklist_lock
	LocDSSEnterFrozen             // do_signal_stop() S3: cgroup_enter_frozen() takes css_set_lock
	LocDSSSchedule                // do_signal_stop() S4: schedule()
	LocDSSSleep                   // do_signal_stop(): blocked (or just woken) in schedule()
	LocPSNotify                   // ptrace_stop() S2: notify the tracer under tasklist_lock
	LocPSEnterFrozen              // ptrace_stop() S3: cgroup_enter_frozen() takes css_set_lock
	LocPSSchedule                 // ptrace_stop() S4: schedule()
	LocPSSleep                    // ptrace_stop(): blocked (or just woken) in schedule()
	LocPSWake                     // ptrace_stop() S6: back under siglock after the wakeup
	LocRTWait                     // PREEMPT_RT: blocked in rtlock_slowlock on tasklist_lock
	LocSyscall                    // entering a system call, at syscall_trace_enter()
	LocExit                       // do_group_exit() -> do_exit()
	LocExitNotify                 // do_exit(): exit_code set, exit_notify() next
	LocDead                       // exited: zombie or dead
	LocSyscallExit                // leaving a system call, at syscall_exit_work()
	LocTrapEnterFrozen            // do_freezer_trap(): cgroup_enter_frozen() takes css_set_lock
	LocTrapSchedule               // do_freezer_trap(): schedule()
	LocTrapSleep                  // do_freezer_trap(): blocked (or just woken) in schedule()
	LocLeaveFrozen                // get_signal(): cgroup_leave_frozen(false) takes css_set_lock
	LocExitSignals                // do_exit(): after the PTRACE_EVENT_EXIT stop, exit_signals() next
	LocOrphanCheck                // get_signal(): siglock dropped for is_current_pgrp_orphaned()
	LocHandleSignal               // get_signal() returned a signal with a handler: handle_signal() next
	numLocs
)

var locNames = [...]string{
	LocUser: "user", LocPause: "pause", LocRefrigerator: "__refrigerator", LocRelock: "get_signal",
	LocNotifyCld: "get_signal", LocDSSNotify: "do_signal_stop", LocDSSEnterFrozen: "do_signal_stop", LocPSEnterFrozen: "ptrace_stop", LocDSSSchedule: "do_signal_stop",
	LocDSSSleep: "do_signal_stop", LocPSNotify: "ptrace_stop", LocPSSchedule: "ptrace_stop",
	LocPSSleep: "ptrace_stop", LocPSWake: "ptrace_stop",
	LocRTWait: "rtlock_slowlock", LocSyscall: "syscall_trace_enter", LocExitNotify: "do_exit", LocExit: "do_exit", LocDead: "exited",
	LocSyscallExit:     "syscall_exit_work",
	LocTrapEnterFrozen: "do_freezer_trap", LocTrapSchedule: "do_freezer_trap", LocTrapSleep: "do_freezer_trap",
	LocLeaveFrozen: "get_signal",
	LocExitSignals: "do_exit", LocOrphanCheck: "get_signal", LocHandleSignal: "handle_signal",
}

func (l Loc) String() string {
	if int(l) < len(locNames) {
		return locNames[l]
	}
	return "?"
}

// locSteps name each place apart, down to the step of one kernel
// function (String names only the function, as /proc's wchan would).
var locSteps = [...]string{
	LocUser: "user mode", LocPause: "pause", LocRefrigerator: "__refrigerator",
	LocRelock: "get_signal: relock", LocNotifyCld: "get_signal: notify the parent",
	LocDSSNotify: "do_signal_stop: notify the parent", LocDSSEnterFrozen: "do_signal_stop: cgroup_enter_frozen",
	LocDSSSchedule: "do_signal_stop: before schedule", LocDSSSleep: "do_signal_stop: schedule",
	LocPSNotify: "ptrace_stop: notify the tracer", LocPSEnterFrozen: "ptrace_stop: cgroup_enter_frozen",
	LocPSSchedule: "ptrace_stop: before schedule", LocPSSleep: "ptrace_stop: schedule",
	LocPSWake: "ptrace_stop: after the wakeup", LocRTWait: "rtlock_slowlock",
	LocSyscall: "syscall_trace_enter", LocExit: "do_exit", LocExitNotify: "do_exit: exit_notify",
	LocDead: "exited", LocSyscallExit: "syscall_exit_work",
	LocTrapEnterFrozen: "do_freezer_trap: cgroup_enter_frozen", LocTrapSchedule: "do_freezer_trap: before schedule",
	LocTrapSleep: "do_freezer_trap: schedule", LocLeaveFrozen: "get_signal: cgroup_leave_frozen",
	RetPtraceSignal: "ptrace_signal", RetSyscallEntry: "ptrace_report_syscall_entry", RetSyscallExit: "ptrace_report_syscall_exit",
}

// Step names place l down to the step of its kernel function
// ("do_signal_stop: schedule"); no two places share a name.
func (l Loc) Step() string {
	if int(l) < len(locSteps) && locSteps[l] != "" {
		return locSteps[l]
	}
	return fmt.Sprintf("%s (%d)", l, l)
}

// Ptrace-stop continuations (Task.Ret when Loc is in ptrace_stop).
const (
	RetRelock       Loc = LocRelock   // do_jobctl_trap(): back to get_signal's relock
	RetPtraceSignal Loc = numLocs     // ptrace_signal(): deliver what the tracer left in exit_code
	RetSyscallEntry Loc = numLocs + 1 // ptrace_report_syscall_entry(): re-send exit_code, run the call, to its exit
	RetSyscallExit  Loc = numLocs + 2 // ptrace_report_syscall_exit(): re-send exit_code, back to user mode
)

// Result is the outcome of one op: a kind in the top 4 bits and a value.
type Result uint16

const (
	ResPending   Result = 0 << 12
	ResOK        Result = 1 << 12 // "0"
	ResErrno     Result = 2 << 12 // value: errno
	ResStopped   Result = 3 << 12 // value: signal | ResEventStop
	ResContinued Result = 4 << 12
	ResExited    Result = 5 << 12 // value: exit code
	ResKilled    Result = 6 << 12 // value: signal
	ResNone      Result = 7 << 12 // WNOHANG, nothing to report
	ResLetter    Result = 8 << 12 // value: a /proc state letter
	// waitid(2)'s siginfo: si_code and si_status
	// (kernel/exit.c:wait_task_zombie(), wait_task_stopped(),
	// wait_task_continued(), v6.18).
	ResCldExited    Result = 9 << 12  // CLD_EXITED, value: the exit code
	ResCldKilled    Result = 10 << 12 // CLD_KILLED, value: the signal
	ResCldStopped   Result = 11 << 12 // CLD_STOPPED, value: the stop signal
	ResCldTrapped   Result = 12 << 12 // CLD_TRAPPED, value: exit_code (signal | ResEventStop | ResEventExit)
	ResCldContinued Result = 13 << 12 // CLD_CONTINUED (si_status SIGCONT)
	// ResObserved: a key an observe op recorded (ran, tracer, wchan,
	// freezer, frozen), its value in the low 12 bits; what it means
	// depends on the key (model/observe.go: encodeKey, formatKey). A
	// signal set takes two slots of its own encoding.
	ResObserved Result = 14 << 12
	ResSiginfo  Result = 15 << 12 // PTRACE_GETSIGINFO, value: si_signo | si_code (Si*) << 5

	// With ResStopped and ResCldTrapped, beside the signal (bits 0..4,
	// and 0x80 for a TRACESYSGOOD syscall stop): the PTRACE_EVENT.
	ResEventStop = 0x100 // PTRACE_EVENT_STOP
	ResEventExit = 0x40  // PTRACE_EVENT_EXIT
	resStopSig   = 0x9f  // the signal, with 0x80
	// ResChildShift: a report of wait4(-1)/waitid(P_ALL) carries the
	// task it reports (the pid the call returned) in bits 9..11.
	ResChildShift = 9
	resValMask    = 0x1ff
	resKindMask   = 0xf000
)

// errno values.
const (
	EPERM  = 1
	ESRCH  = 3
	EIO    = 5
	ECHILD = 10
	EINVAL = 22
)
