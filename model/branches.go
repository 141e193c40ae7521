package model

// The branch points: places inside a kernel function that decide where a
// task goes next (or whether a wakeup, a signal, a report happens at
// all), each marked in the model with c.Cover(point). Steps are counted
// by their labels (coverage.go); these are the decisions inside them. A
// test checks that each is marked somewhere in the model.
var (
	// kernel/sched/core.c
	brTTWUState   = branch("try_to_wake_up", "__state matches: TASK_RUNNING, on the runqueue")
	brTTWUSaved   = branch("try_to_wake_up", "saved_state matches: saved_state = TASK_RUNNING")
	brTTWUMiss    = branch("try_to_wake_up", "no match: the wakeup does nothing")
	brSchedBlocks = branch("__schedule", "blocks: off the runqueue")
	brSchedSignal = branch("__schedule", "signal_pending_state(): does not block")

	// kernel/signal.c
	brPrepareDropDying  = branch("prepare_signal", "SIGNAL_GROUP_EXIT: the signal is dropped")
	brPrepareStopFlush  = branch("prepare_signal", "stop signal: flushes pending SIGCONT")
	brPrepareContWake   = branch("prepare_signal", "SIGCONT: clears the stop, wakes a stopped thread")
	brPrepareContNotify = branch("prepare_signal", "SIGCONT: a seized thread re-traps (ptrace_trap_notify)")
	brPrepareContCLD    = branch("prepare_signal", "SIGCONT: SIGNAL_CLD_CONTINUED/STOPPED for the parent")
	brPrepareIgnored    = branch("prepare_signal", "sig_ignored(): not queued")
	brSendQueued        = branch("send_signal_locked", "legacy_queue(): already pending, not queued twice")
	brCompleteNone      = branch("complete_signal", "no thread wants it: it stays queued")
	brCompleteShared    = branch("complete_signal", "a group signal no thread takes now: it stays in shared_pending")
	brCompleteSearch    = branch("complete_signal", "another thread than the target takes it (curr_target search)")
	brCompleteFatal     = branch("complete_signal", "fatal: the whole group is killed")
	brCompleteWake      = branch("complete_signal", "signal_wake_up() of the thread picked")
	brWakeUpFatal       = branch("signal_wake_up", "fatal: JOBCTL_STOPPED|JOBCTL_TRACED cleared")
	brWakeUpDeferred    = branch("signal_wake_up", "fatal, held by a ptrace request: deferred")
	brParticipateDone   = branch("task_participate_group_stop", "the last thread completes the group stop")

	// get_signal()
	brGetSignalCLD        = branch("get_signal", "SIGNAL_CLD_MASK: report the continue/stop to the parent")
	brGetSignalGroupExit  = branch("get_signal", "SIGNAL_GROUP_EXIT: die")
	brGetSignalStop       = branch("get_signal", "JOBCTL_STOP_PENDING: do_signal_stop()")
	brGetSignalTrap       = branch("get_signal", "JOBCTL_TRAP_MASK: do_jobctl_trap()")
	brGetSignalTrapBack   = branch("get_signal", "do_jobctl_trap(): ptrace_stop() returned at once, relock")
	brGetSignalFreeze     = branch("get_signal", "JOBCTL_TRAP_FREEZE: do_freezer_trap()")
	brGetSignalLeave      = branch("get_signal", "task->frozen: cgroup_leave_frozen()")
	brGetSignalNone       = branch("get_signal", "nothing to dequeue: back to user mode")
	brGetSignalPtrace     = branch("get_signal", "traced: ptrace_signal(), a signal-delivery-stop")
	brGetSignalCancel     = branch("get_signal", "the tracer cancelled the signal")
	brGetSignalIgnore     = branch("get_signal", "default action ignore: the signal is dropped")
	brGetSignalStopSig    = branch("get_signal", "stop signal: do_signal_stop()")
	brGetSignalDeath      = branch("get_signal", "death signal: do_group_exit()")
	brPtraceSignalRequeue = branch("ptrace_signal", "a fatal signal is pending: the signal is requeued")

	brStopInitiate = branch("do_signal_stop", "initiates the group stop")
	brStopOther    = branch("do_signal_stop", "another thread is told to stop")
	brStopNotify   = branch("do_signal_stop", "completes the group stop: notify the parent")
	brStopSilent   = branch("do_signal_stop", "stops without a notification")
	brStopTraced   = branch("do_signal_stop", "traced: the stop becomes a JOBCTL_TRAP_STOP trap")

	brPtraceStopEarly  = branch("ptrace_stop", "tracer gone or fatal signal pending: does not stop")
	brPtraceStopGstop  = branch("ptrace_stop", "the trap completes the group stop")
	brPtraceStopEvent  = branch("do_jobctl_trap", "seized: PTRACE_EVENT_STOP")
	brPtraceWakeSignal = branch("ptrace_stop", "woken from a signal-delivery-stop")
	brPtraceWakeSys    = branch("ptrace_stop", "woken from a syscall stop: the resume signal is re-sent")
	brPtraceWakeTrap   = branch("ptrace_stop", "woken from a group-stop or event trap: relock")

	// kernel/exit.c
	brExitGroupDying  = branch("do_exit", "the group is already exiting: its exit code")
	brExitZap         = branch("do_exit", "do_group_exit(): zap_other_threads()")
	brNotifyTraced    = branch("exit_notify", "traced: the tracer is told")
	brNotifyLeader    = branch("exit_notify", "the leader of an empty group: the parent is told")
	brNotifyDelay     = branch("exit_notify", "the leader of a group with live threads: delay_group_leader()")
	brNotifyAutoreap  = branch("exit_notify", "a thread other than the leader: released at once")
	brWaitPtraceChild = branch("wait_consider_task", "traced by its real parent: seen as a ptrace child")
	brWaitZombieDelay = branch("wait_consider_task", "a zombie not reported yet (delay_group_leader, traced)")
	brReleaseLast     = branch("release_task", "the last thread: the zombie leader's parent is told")

	// kernel/ptrace.c
	brAttachEPERM    = branch("ptrace_attach", "-EPERM: exiting, or already traced")
	brAttachStopped  = branch("ptrace_attach", "stopped: re-trap as TRACED (JOBCTL_TRAPPING)")
	brUnlinkRestop   = branch("__ptrace_unlink", "a group stop in force: JOBCTL_STOP_PENDING again")
	brUnlinkWake     = branch("__ptrace_unlink", "ptrace_signal_wake_up(): resume or re-stop")
	brDetachZombie   = branch("__ptrace_detach", "a zombie: released or its parent told")
	brFreezeTracedNo = branch("ptrace_freeze_traced", "not traced, listening or killed: -ESRCH")
	brUnfreezeFatal  = branch("ptrace_unfreeze_traced", "a fatal signal came: JOBCTL_TRACED cleared and woken")

	// kernel/freezer.c
	brFreezeTaskNone    = branch("freeze_task", "not freezing, or already frozen: nothing")
	brFreezeTaskInPlace = branch("freeze_task", "__set_task_frozen(): frozen where it sleeps")
	brFreezeTaskKick    = branch("freeze_task", "fake_signal_wake_up(): to the refrigerator")
	brThawRestore       = branch("__thaw_task", "the special state restored, no wakeup")
	brThawWake          = branch("__thaw_task", "wake_up_state(TASK_FROZEN)")
	brRefrigeratorStay  = branch("__refrigerator", "still freezing: stays frozen")
	brRefrigeratorLeave = branch("__refrigerator", "not freezing any more: leaves")
)
