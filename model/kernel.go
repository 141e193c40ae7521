package model

// Kernel is one kernel design: the constants and functions in which the
// designs (docs/DESIGNS.md) differ. Mainline() returns the reference design (d3,
// v6.7+); package variants derives every other design from it by replacing
// only what differs, in a file per design.
//
// Config fields hold values that differ; function fields hold the kernel
// functions that differ, each a Go function named after the kernel one.
type Kernel struct {
	Name string

	// TaskTraced is TASK_TRACED: 0x008 since v5.19, 0x108 before (with
	// TASK_WAKEKILL, so a fatal signal could end a ptrace stop).
	TaskTraced uint16
	// JobctlCanonical: task_is_stopped()/task_is_traced() read
	// JOBCTL_STOPPED/JOBCTL_TRACED (v5.19+, and the b and c proposals)
	// rather than __state.
	JobctlCanonical bool
	// SavedStateAlways: saved_state exists on every config and ttwu and
	// the freezer use it (v6.7+, "sched/core: Remove ifdeffery for
	// saved_state"). Otherwise only PREEMPT_RT kernels have it.
	SavedStateAlways bool
	// RT: CONFIG_PREEMPT_RT. siglock and tasklist_lock are sleeping
	// rtlocks; a contended acquisition parks __state in saved_state.
	RT bool
	// WTIMatch is how wait_task_inactive() matches the tracee's state.
	WTIMatch WTIMatch
	// CheckAttachMask is the state ptrace_check_attach() waits for.
	CheckAttachMask uint16
	// FrozenLetter is /proc's letter for TASK_FROZEN: 'R' from v6.1 up to
	// f718faf3940e, 'D' since (v6.13, stable backports).
	FrozenLetter byte
	// DropAfterGroupExit: prepare_signal() drops every signal to a group
	// with SIGNAL_GROUP_EXIT (9a95f78eab70, v6.1). Before, it fell through.
	DropAfterGroupExit bool
	// ZombieKeepsPending: a zombie still shows the private signals
	// queued when it died (its SigPnd in /proc). Debian's 6.1.192 does
	// (a raise(SIGTERM) that ended the group left SIGTERM there, in
	// every such ending seen, on the cloud and the RT build); 6.18 shows
	// none in every one. Observed, not traced to a commit: what flushes
	// them on 6.18 before release_task() is not identified.
	ZombieKeepsPending bool
	// PtraceKillSends: PTRACE_KILL sends SIGKILL (v5.19, "ptrace:
	// Reimplement PTRACE_KILL by always sending SIGKILL"); before, it
	// resumed a traced tracee with exit_code = SIGKILL.
	PtraceKillSends bool
	// OldFreezer: PF_FROZEN/PF_FREEZER_SKIP and freezable_schedule() in
	// do_signal_stop()/ptrace_stop() (≤ v6.0). Otherwise TASK_FROZEN.
	OldFreezer bool
	// PtraceStopEarlyReturn: ptrace_stop() does not stop when the tracer
	// is gone or a fatal signal is pending (57b6de08b5f6, 2500ad1c7fa4,
	// v5.19). Without it, a pending SIGKILL makes schedule() return at
	// once (TASK_TRACED had WAKEKILL) and JOBCTL_TRACED leaks (R5).
	PtraceStopEarlyReturn bool
	// PtraceStopClear: the jobctl bits ptrace_stop() clears after it was
	// woken (v5.19+: LISTENING|PTRACE_FROZEN; before: LISTENING).
	PtraceStopClear uint32
	// PtraceFrozenBit is the jobctl bit that defers fatal wakeups during a
	// ptrace request: JOBCTL_PTRACE_FROZEN (d), JOBCTL_DELAY_WAKEKILL (c),
	// or 0 when the tracer rewrites __state instead (a, b).
	PtraceFrozenBit uint32

	// SignalWakeUpState is signal_wake_up_state() (kernel/signal.c).
	SignalWakeUpState func(c *Ctx, t int, state uint16)
	// SignalWakeUp is signal_wake_up() (include/linux/sched/signal.h).
	SignalWakeUp func(c *Ctx, t int, fatal bool)
	// PtraceSignalWakeUp is ptrace_signal_wake_up().
	PtraceSignalWakeUp func(c *Ctx, t int, resume bool)
	// SetStopped is the siglock section of do_signal_stop() that commits
	// the task to its stop (JOBCTL_STOPPED and TASK_STOPPED).
	SetStopped func(c *Ctx, t int)
	// SetTraced is the part of ptrace_stop() S1 that commits the task to
	// its ptrace stop (TASK_TRACED and JOBCTL_TRACED).
	SetTraced func(c *Ctx, t int)
	// PtraceFreezeTraced is ptrace_freeze_traced() (kernel/ptrace.c).
	PtraceFreezeTraced func(c *Ctx, t int) bool
	// PtraceUnfreezeTraced is ptrace_unfreeze_traced().
	PtraceUnfreezeTraced func(c *Ctx, t int)
	// SetTaskFrozen is __set_task_frozen() (kernel/freezer.c), run under
	// task_call_func(): it may freeze a blocked task in place.
	SetTaskFrozen func(c *Ctx, t int) bool
	// ThawTask is __thaw_task().
	ThawTask func(c *Ctx, t int)

	// Every other kernel function a patch may touch, one hook each.
	// Mainline() fills them with this package's functions of the same
	// name; a design replaces those its patch changes. The model calls
	// them only through these fields, so a replaced function is the one
	// every caller gets. A replacement is written with the exported
	// primitives of Ctx and Task (Sig, Threads, TaskSetJobctlPending, ...).

	// kernel/sched/core.c
	TryToWakeUp      func(c *Ctx, t int, mask uint16) bool            // try_to_wake_up()
	Schedule         func(c *Ctx, t int) bool                         // __schedule(SM_NONE) by t: did it block?
	WaitTaskInactive func(c *Ctx, t int, mask uint16) (ok, wait bool) // wait_task_inactive()

	// kernel/signal.c
	SendSignalLocked         func(c *Ctx, sig int, si uint8, t int, group bool)                      // send_signal_locked()
	PrepareSignal            func(c *Ctx, sig int, p int) bool                                       // prepare_signal()
	SigIgnored               func(c *Ctx, p int, sig int) bool                                       // sig_ignored()
	CompleteSignal           func(c *Ctx, sig int, p int, group bool)                                // complete_signal()
	DequeueSignal            func(c *Ctx, t int) int                                                 // dequeue_signal()
	TaskParticipateGroupStop func(c *Ctx, t int) bool                                                // task_participate_group_stop()
	GetSignal                func(c *Ctx, t int, deliver int)                                        // get_signal() from "relock"
	PtraceSignal             func(c *Ctx, t int, signr int) int                                      // ptrace_signal() after the stop
	DoSignalStop             func(c *Ctx, t int, signr int) bool                                     // do_signal_stop() S1
	DoJobctlTrap             func(c *Ctx, t int) bool                                                // do_jobctl_trap()
	PtraceStop               func(c *Ctx, t int, exitCode uint16, why uint8, si uint8, ret Loc) bool // ptrace_stop() S1
	PtraceStopNotify         func(c *Ctx, t int)                                                     // ptrace_stop() S2
	PtraceStopWake           func(c *Ctx, t int)                                                     // ptrace_stop() after schedule()
	DoNotifyParentCldstop    func(c *Ctx, t int, forPtracer bool, why uint8)                         // do_notify_parent_cldstop()
	DoNotifyParent           func(c *Ctx, t int)                                                     // do_notify_parent() for a dead task
	GetSignalOrphanCheck     func(c *Ctx, t int)                                                     // get_signal(): is_current_pgrp_orphaned(), relock, do_signal_stop()
	DoSigaction              func(c *Ctx, t int, sig int, handler int)                               // do_sigaction()
	SetCurrentBlocked        func(c *Ctx, t int, blocked uint32)                                     // __set_current_blocked()
	HandleSignal             func(c *Ctx, t int)                                                     // handle_signal() (arch)
	SysRtSigreturn           func(c *Ctx, t int)                                                     // rt_sigreturn() (arch)

	// kernel/exit.c
	DoExit                func(c *Ctx, t int)                                // do_group_exit() -> do_exit() up to ptrace_event(PTRACE_EVENT_EXIT)
	DoExitSignals         func(c *Ctx, t int)                                // do_exit() from exit_signals() up to exit_notify()
	IsCurrentPgrpOrphaned func(c *Ctx, t int) bool                           // is_current_pgrp_orphaned()
	ExitNotify            func(c *Ctx, t int)                                // exit_notify()
	DoWait                func(c *Ctx, a int, op *Op) bool                   // do_wait() for actor a's wait op, one scan
	WaitConsiderTask      func(c *Ctx, w *WaitOpts, ptrace bool, t int) bool // wait_consider_task()
	WaitTaskZombie        func(c *Ctx, w *WaitOpts, t int) bool              // wait_task_zombie()
	WaitTaskStopped       func(c *Ctx, w *WaitOpts, ptrace bool, t int) bool // wait_task_stopped()
	WaitTaskContinued     func(c *Ctx, w *WaitOpts, t int) bool              // wait_task_continued()
	DelayGroupLeader      func(c *Ctx, t int) bool                           // delay_group_leader()
	WakeUpParent          func(c *Ctx, p int, parent int)                    // __wake_up_parent(p, parent actor)
	ReleaseTask           func(c *Ctx, t int)                                // release_task()

	// kernel/ptrace.c
	SysPtraceAttach func(c *Ctx, a int, op *Op) bool           // PTRACE_ATTACH / PTRACE_SEIZE, one step of it
	SysPtrace       func(c *Ctx, a int, op *Op) bool           // sys_ptrace() for other requests, one step of it
	PtraceRequest   func(c *Ctx, a int, op *Op) bool           // ptrace_request() / arch_ptrace(): the request itself
	PtraceAttach    func(c *Ctx, a int, t int, seize bool) int // ptrace_attach()'s linking section
	PtraceUnlink    func(c *Ctx, t int)                        // __ptrace_unlink()
	PtraceDetach    func(c *Ctx, tracer int, t int)            // __ptrace_detach()
	PtraceResume    func(c *Ctx, t int, data int)              // ptrace_resume()
	PtraceTraceme   func(c *Ctx, t int)                        // ptrace_traceme()
	ExitPtrace      func(c *Ctx, a int)                        // exit_ptrace(): a tracer's exit

	// kernel/freezer.c, kernel/cgroup/legacy_freezer.c
	FreezeTask         func(c *Ctx, t int) bool         // freeze_task()
	Refrigerator       func(c *Ctx, t int)              // __refrigerator(), one pass
	FreezerWriteFrozen func(c *Ctx, a int, op *Op) bool // freezer.state = FROZEN until FROZEN, one step of it
	FreezerWriteThawed func(c *Ctx, a int, op *Op) bool // freezer.state = THAWED, one step of it
	FreezerApplyState  func(c *Ctx, cg int, freeze bool, flag uint8) bool
	FreezerRead        func(c *Ctx, cg int) string // freezer_read() of freezer.state
	UpdateIfFrozen     func(c *Ctx, cg int)        // update_if_frozen(), bottom-up from cg's descendants

	// kernel/cgroup/freezer.c, and the cgroup v2 freezer's part of kernel/signal.c, kernel/cgroup/cgroup.c
	CgroupFreezeWrite  func(c *Ctx, a int, op *Op, freeze bool) bool // cgroup.freeze = 1 until frozen, or = 0; one step of it
	CgroupFreezeTask   func(c *Ctx, t int, freeze bool)              // cgroup_freeze_task()
	CgroupEnterFrozen  func(c *Ctx, t int)                           // cgroup_enter_frozen() by t
	CgroupLeaveFrozen  func(c *Ctx, t int, always bool)              // cgroup_leave_frozen(always_leave) by t
	CgroupUpdateFrozen func(c *Ctx, cg int)                          // cgroup_update_frozen() and cgroup_propagate_frozen()
	DoFreezerTrap      func(c *Ctx, t int)                           // do_freezer_trap(), its siglock section
	CgroupExit         func(c *Ctx, t int)                           // cgroup_exit()'s revisit of a freezing cgroup
}

// WTIMatch says how wait_task_inactive() compares the tracee's state.
type WTIMatch uint8

const (
	WTIExact     WTIMatch = iota // __state == match_state (≤ v6.0)
	WTIMask                      // __state & match_state (9204a97f7ae8, v6.1)
	WTIMaskSaved                 // also saved_state, which counts as "queued" (2bc8ed6efa50, v6.6)
)

// Mainline returns the reference design: today's mainline (d3, v6.7+,
// checked against v6.18), the kernel the oracle runs on.
func Mainline() *Kernel {
	return &Kernel{
		Name:                  "mainline",
		TaskTraced:            taskTracedNew,
		JobctlCanonical:       true,
		SavedStateAlways:      true,
		WTIMatch:              WTIMaskSaved,
		CheckAttachMask:       __TASK_TRACED | TASK_FROZEN,
		FrozenLetter:          'D',
		DropAfterGroupExit:    true,
		PtraceKillSends:       true,
		PtraceStopEarlyReturn: true,
		PtraceStopClear:       JOBCTL_LISTENING | JOBCTL_PTRACE_FROZEN,
		PtraceFrozenBit:       JOBCTL_PTRACE_FROZEN,
		SignalWakeUpState:     SignalWakeUpState,
		SignalWakeUp:          SignalWakeUp,
		PtraceSignalWakeUp:    PtraceSignalWakeUp,
		SetStopped:            SetStoppedJobctl,
		SetTraced:             SetTracedJobctl,
		PtraceFreezeTraced:    PtraceFreezeTraced,
		PtraceUnfreezeTraced:  PtraceUnfreezeTraced,
		SetTaskFrozen:         SetTaskFrozenSaved,
		ThawTask:              ThawTaskRestoreSaved,

		TryToWakeUp:      TryToWakeUp,
		Schedule:         Schedule,
		WaitTaskInactive: WaitTaskInactive,

		SendSignalLocked:         SendSignalLocked,
		PrepareSignal:            PrepareSignal,
		SigIgnored:               SigIgnored,
		CompleteSignal:           CompleteSignal,
		DequeueSignal:            DequeueSignal,
		TaskParticipateGroupStop: TaskParticipateGroupStop,
		GetSignal:                GetSignal,
		PtraceSignal:             PtraceSignal,
		DoSignalStop:             DoSignalStop,
		DoJobctlTrap:             DoJobctlTrap,
		PtraceStop:               PtraceStop,
		PtraceStopNotify:         PtraceStopNotify,
		PtraceStopWake:           PtraceStopWake,
		DoNotifyParentCldstop:    DoNotifyParentCldstop,
		DoNotifyParent:           DoNotifyParent,
		GetSignalOrphanCheck:     GetSignalOrphanCheck,
		DoSigaction:              DoSigaction,
		SetCurrentBlocked:        SetCurrentBlocked,
		HandleSignal:             HandleSignal,
		SysRtSigreturn:           SysRtSigreturn,

		DoExit:                DoExit,
		DoExitSignals:         DoExitSignals,
		IsCurrentPgrpOrphaned: IsCurrentPgrpOrphaned,
		ExitNotify:            ExitNotify,
		DoWait:                DoWait,
		WaitConsiderTask:      WaitConsiderTask,
		WaitTaskZombie:        WaitTaskZombie,
		WaitTaskStopped:       WaitTaskStopped,
		WaitTaskContinued:     WaitTaskContinued,
		DelayGroupLeader:      DelayGroupLeader,
		WakeUpParent:          WakeUpParent,
		ReleaseTask:           ReleaseTask,

		SysPtraceAttach: SysPtraceAttach,
		SysPtrace:       SysPtrace,
		PtraceRequest:   PtraceRequest,
		PtraceAttach:    PtraceAttach,
		PtraceUnlink:    PtraceUnlink,
		PtraceDetach:    PtraceDetach,
		PtraceResume:    PtraceResume,
		PtraceTraceme:   PtraceTraceme,
		ExitPtrace:      ExitPtrace,

		FreezeTask:         FreezeTask,
		Refrigerator:       Refrigerator,
		FreezerWriteFrozen: FreezerWriteFrozen,
		FreezerWriteThawed: FreezerWriteThawed,
		FreezerApplyState:  FreezerApplyState,
		FreezerRead:        FreezerRead,
		UpdateIfFrozen:     UpdateIfFrozen,

		CgroupFreezeWrite:  CgroupFreezeWrite,
		CgroupFreezeTask:   CgroupFreezeTask,
		CgroupEnterFrozen:  CgroupEnterFrozen,
		CgroupLeaveFrozen:  CgroupLeaveFrozen,
		CgroupUpdateFrozen: CgroupUpdateFrozen,
		DoFreezerTrap:      DoFreezerTrap,
		CgroupExit:         CgroupExit,
	}
}

// Clone returns a copy that a variant may modify.
func (k *Kernel) Clone() *Kernel { c := *k; return &c }

// HasSavedState: ttwu consults saved_state (3.0.3's HAS_SAVED).
func (k *Kernel) HasSavedState() bool { return k.SavedStateAlways || k.RT }

// Ctx is the context of one atomic step: the kernel design, the compiled
// scenario, the state being changed, and what the step did that the
// transition properties need (the wakeups it issued). It lives on the
// stack of the explorer; nothing in it is allocated per step.
type Ctx struct {
	K *Kernel
	P *Program
	S *State
	// Woke[t] is the union of the masks of every try_to_wake_up() issued
	// at task t during this step.
	Woke [MaxTasks]uint16
	// Thawed[t]: __thaw_task(t) ran in this step.
	Thawed [MaxTasks]bool
	// WTIFailed: ptrace_check_attach()'s WARN_ON_ONCE(!wait_task_inactive())
	// fired in this step: the tracer was refused a stopped tracee.
	WTIFailed bool
	// ReportedTrap is 1+the task whose ptrace stop a wait reported in this
	// step, or 0.
	ReportedTrap int
	// Choice is the outcome to take at the step's choice point (input);
	// NChoice is how many outcomes that point had (output, 1 when the
	// step is deterministic), and ChoiceLabel names the one taken (a
	// constant string, such as the thread complete_signal() picked). A
	// step has at most one choice point.
	Choice, NChoice uint8
	ChoiceLabel     string
	ChoiceWhat      string // what the choice point decides: "complete_signal picks"
	// Wait is the wait_opts of a wait op's scan in this step (DoWait).
	Wait WaitOpts
	// Cur is 1+the tracee thread that runs this step ("current"), or 0
	// for an outside actor's step.
	Cur int8
	// Label is what the step did, for traces: "function: step". With
	// Prefix and Suffix (see StepLabel) it is only ever assigned constant
	// strings, so that a step allocates nothing.
	Label, Prefix, Suffix string
	// Cov collects coverage (Machine.Cov), or is nil.
	Cov *Coverage
}

// reset makes c the context of a new step of m on s, taking choice:
// Ctx{K: m.K, P: m.P, S: s, Choice: choice, NChoice: 1, Cov: m.Cov}.
// It assigns field by field, and the pointers only when they change:
// c lives on the heap (Machine.StepInto), where assigning a whole Ctx,
// pointers and all, is a typed copy of its 200-odd bytes at every
// step. TestCtxReset checks that it clears every field.
func (c *Ctx) reset(m *Machine, s *State, choice uint8) {
	if c.K != m.K || c.P != m.P || c.S != s || c.Cov != m.Cov {
		c.K, c.P, c.S, c.Cov = m.K, m.P, s, m.Cov
	}
	c.Woke = [MaxTasks]uint16{}
	c.Thawed = [MaxTasks]bool{}
	c.WTIFailed, c.ReportedTrap = false, 0
	c.Choice, c.NChoice = choice, 1
	c.ChoiceLabel, c.ChoiceWhat = "", ""
	c.Wait = WaitOpts{}
	c.Cur = 0
	c.Label, c.Prefix, c.Suffix = "", "", ""
}

// choose is a choice point with n possible outcomes: it returns the one
// this step takes (Ctx.Choice; a choice out of range makes the step
// invalid, see StepInto) and records n.
func (c *Ctx) Choose(n int) int {
	if c.NChoice > 1 {
		panic("model: two choice points in one step: " + c.StepLabel())
	}
	c.NChoice = uint8(n)
	return int(c.Choice)
}

// StepLabel is the whole description of the step: Prefix + Label + Suffix.
func (c *Ctx) StepLabel() string { return c.Prefix + c.Label + c.Suffix }
