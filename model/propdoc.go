package model

// PropDoc documents one check the checker reports: a built-in property
// (I1..I14, stuck) or one of a scenario's own checks (final, always,
// sometimes). The table is the one source of the definitions: `jobctl help
// properties` prints it, and docs/PROPERTIES.md is tested against it.
type PropDoc struct {
	Name  string // as reported in a matrix cell: "I4", "stuck", "final"
	Title string // a few words
	// Statement is the one-line statement. For I1..stuck it is PropDocs[p],
	// the text violation messages end with.
	Statement string
	// When is when the checker evaluates it: in every state, on every step
	// (comparing the state before and after), or in every terminal state.
	When string
	// Asserts says exactly what the checker tests, in the model's terms.
	Asserts string
	// Rule is the kernel rule the property stands for, with the functions
	// and the versions that establish it.
	Rule string
}

// Evaluation times of PropDoc.When.
const (
	WhenState      = "in every reachable state"
	WhenStep       = "on every step (the state before and after it, and what the step did)"
	WhenTerminal   = "in every terminal state (no actor can step): a liveness property"
	WhenOutcomes   = "over the outcomes of all terminal states together"
	WhenScenario   = "as the scenario says: in every terminal state"
	WhenEveryState = "as the scenario says: in every reachable state"
)

// PropDocTable returns the documentation of every built-in property, in
// Prop order, then of the scenario checks final, always and sometimes.
func PropDocTable() []PropDoc {
	out := make([]PropDoc, 0, int(NumProps)+3)
	for p := Prop(0); p < NumProps; p++ {
		d := propDoc[p]
		d.Name = p.String()
		d.Statement = PropDocs[p]
		out = append(out, d)
	}
	return append(out, checkDocs...)
}

// propDoc holds everything but Name and Statement, which come from
// propNames and PropDocs.
var propDoc = [NumProps]PropDoc{
	I1: {
		Title: "jobctl is the canonical stop state",
		When:  WhenState,
		Asserts: "For every live task: JOBCTL_TRACED is set only while the task is inside ptrace_stop() between the " +
			"siglock section that commits it to the stop and the wakeup that ends it, with __TASK_TRACED in __state or " +
			"its state parked (TASK_FROZEN, or an rtlock wait that keeps it in saved_state); the same for JOBCTL_STOPPED " +
			"with do_signal_stop() and __TASK_STOPPED. Conversely, a __TASK_STOPPED or __TASK_TRACED in the task's state " +
			"(saved_state when the state is parked) has its jobctl bit set. Checked for the designs whose " +
			"task_is_stopped()/task_is_traced() read jobctl; for the designs that read __state (v5.18) the one failure " +
			"is a TASK_TRACED that an rtlock wait parked in saved_state, which task_is_traced() does not see.",
		Rule: "Since v5.19 (31cae1eaae4f) task_is_stopped() and task_is_traced() (include/linux/sched.h) test " +
			"JOBCTL_STOPPED and JOBCTL_TRACED: do_signal_stop() sets JOBCTL_STOPPED with TASK_STOPPED, and ptrace_stop() " +
			"sets TASK_TRACED with JOBCTL_TRACED, in one siglock section (kernel/signal.c). Everything that asks whether " +
			"a task is stopped or traced trusts the bits: ptrace_check_attach() and ptrace_attach() (kernel/ptrace.c), " +
			"wait's task_stopped_code() (kernel/exit.c), the v6.1-v6.6 thaw (kernel/freezer.c). A bit that outlives " +
			"its stop, or a stop without its bit, misleads all of them.",
	},
	I2: {
		Title: "a stop bit is cleared exactly with its wakeup",
		When:  WhenStep,
		Asserts: "In one atomic step: when JOBCTL_STOPPED goes from set to clear, the step issued a try_to_wake_up() " +
			"of that task whose mask matches TASK_STOPPED (__TASK_STOPPED or TASK_WAKEKILL); when JOBCTL_TRACED goes " +
			"from set to clear, one whose mask matches TASK_TRACED (__TASK_TRACED, or TASK_WAKEKILL where TASK_TRACED " +
			"includes it). Conversely, a step that issues such a wakeup leaves the bit clear. What counts is the " +
			"wakeup issued, not whether it found the task in a matching state. Checked for the designs whose " +
			"canonical stop state is jobctl.",
		Rule: "31cae1eaae4f (v5.19) clears the bits \"in signal_wake_up and ptrace_signal_wake_up instead of in " +
			"signal_wake_up_state\", so that the clear no longer depends on the wakeup's success " +
			"(include/linux/sched/signal.h). Every other clear sits next to its wakeup under siglock: prepare_signal() " +
			"for SIGCONT (wake_up_state(t, __TASK_STOPPED)), ptrace_attach() (signal_wake_up_state(task, " +
			"__TASK_STOPPED)), ptrace_resume() and ptrace_unfreeze_traced() (wake_up_state(child, __TASK_TRACED)), " +
			"kernel/signal.c and kernel/ptrace.c at v6.18. A wakeup that meets TASK_FROZEN fails; the cleared bit " +
			"is what makes the thaw carry it out.",
	},
	I3: {
		Title: "a resumed task is not left sleeping",
		When:  WhenTerminal,
		Asserts: "No live task is blocked in do_signal_stop() after its stop ended (JOBCTL_STOPPED clear, or no group " +
			"stop in effect: neither SIGNAL_STOP_STOPPED nor a group_stop_count), and none is blocked in ptrace_stop() " +
			"with JOBCTL_TRACED clear, without a tracer, or LISTENING with a trap to take (JOBCTL_TRAP_NOTIFY or " +
			"JOBCTL_TRAP_STOP). A task frozen while its cgroup is still freezing is excused until the thaw.",
		Rule: "Each decision to end a stop wakes the task: SIGCONT (prepare_signal(), kernel/signal.c), PTRACE_CONT " +
			"and friends (ptrace_resume()), PTRACE_DETACH and the tracer's exit (__ptrace_unlink() -> " +
			"ptrace_signal_wake_up(child, true), kernel/ptrace.c), the notification of a LISTENING tracee " +
			"(ptrace_trap_notify()) and PTRACE_INTERRUPT. A wakeup that TASK_FROZEN swallowed is carried out by " +
			"__thaw_task(), which restores only what jobctl (v6.1-v6.6) or saved_state (v6.7+) still holds " +
			"(kernel/freezer.c).",
	},
	I4: {
		Title: "a killed task is not left sleeping",
		When:  WhenTerminal,
		Asserts: "No live task of a thread group with SIGNAL_GROUP_EXIT is blocked, unless it is frozen while its cgroup " +
			"is still freezing. A ptrace request in progress (JOBCTL_PTRACE_FROZEN, or JOBCTL_DELAY_WAKEKILL in " +
			"ebiederm) may defer the wakeup to its ptrace_unfreeze_traced(); in a terminal state no request is in " +
			"progress, so a bit left behind is no excuse.",
		Rule: "complete_signal() (kernel/signal.c) turns a fatal signal into a group exit: SIGNAL_GROUP_EXIT, SIGKILL " +
			"queued for every thread and signal_wake_up(t, 1), which clears JOBCTL_STOPPED/TRACED and wakes " +
			"TASK_WAKEKILL|__TASK_TRACED unless JOBCTL_PTRACE_FROZEN defers it to ptrace_unfreeze_traced() " +
			"(include/linux/sched/signal.h, kernel/ptrace.c, v5.19+). Nothing gets a second chance: from v6.1 " +
			"(9a95f78eab70) prepare_signal() drops every later signal to the exiting group.",
	},
	I5: {
		Title: "no task stays frozen after the thaw",
		When:  WhenTerminal,
		Asserts: "When a thread group's cgroup is no longer freezing, none of its live tasks is frozen (TASK_FROZEN, " +
			"or PF_FROZEN with the old freezer) or asleep in __refrigerator().",
		Rule: "__thaw_task() (kernel/freezer.c) ends every freeze: v6.7+ restores saved_state or wakes from " +
			"TASK_FROZEN, and only if frozen(p) (23ab79e8e469); v6.1-v6.6 restores TASK_STOPPED/TASK_TRACED from " +
			"jobctl, else wake_up_state(p, TASK_FROZEN); up to v6.0 it wakes the refrigerator. The cgroup v1 thaw " +
			"calls it for every task of the cgroup (unfreeze_cgroup(), kernel/cgroup/legacy_freezer.c).",
	},
	I6: {
		Title: "frozen means not running",
		When:  WhenState + "; and " + WhenStep,
		Asserts: "No task runs in user mode while its cgroup is reported FROZEN (from the read of freezer.state that " +
			"said FROZEN until the next thaw begins); and a live task leaves TASK_FROZEN only in a step that ran " +
			"__thaw_task() on it.",
		Rule: "TASK_FROZEN matches no wakeup mask but its own (ttwu_state_match(), kernel/sched/core.c), so a signal, " +
			"SIGCONT or a ptrace resume cannot wake a frozen task: their effect waits in jobctl (v6.1-v6.6) or " +
			"saved_state (v6.7+) for the thaw. freezer.state reads FROZEN only when every task is frozen " +
			"(update_if_frozen(), kernel/cgroup/legacy_freezer.c), and only __thaw_task() may end it. The one other " +
			"writer of a tracee's __state, the tracer's rewrite to __TASK_TRACED before v5.19, is what breaks it.",
	},
	I7: {
		Title: "the tracer sees a stable, off-CPU tracee",
		When:  WhenState + "; and " + WhenStep,
		Asserts: "While a tracer holds a tracee for a request (from the wait_task_inactive() that succeeded in " +
			"ptrace_check_attach() until ptrace_unfreeze_traced() or the resume), the tracee is not runnable; and " +
			"ptrace_check_attach()'s WARN_ON_ONCE(!wait_task_inactive()) never fires: a request on a tracee that is " +
			"in its ptrace stop does not fail with -ESRCH.",
		Rule: "ptrace_check_attach() (kernel/ptrace.c) calls ptrace_freeze_traced(), which since v5.19 sets " +
			"JOBCTL_PTRACE_FROZEN so that signal_wake_up() does not wake the tracee for a fatal signal (before " +
			"v5.19 it rewrote __state to __TASK_TRACED), then wait_task_inactive(child, __TASK_TRACED|TASK_FROZEN) " +
			"(kernel/sched/core.c; a mask since 9204a97f7ae8 in v6.1, and since 2bc8ed6efa50 in v6.6 a match in " +
			"saved_state counts as queued) to wait until it is off the CPU. The kernel documents that this wait " +
			"cannot fail, and WARNs if it does.",
	},
	I8: {
		Title: "PREEMPT_RT: an rtlock wait never loses its wakeup",
		When:  WhenTerminal,
		Asserts: "No task is blocked in an rtlock wait (rtlock_slowlock) on a lock that nobody holds: the unlock's " +
			"wakeup (TASK_RTLOCK_WAIT) reached it.",
		Rule: "On PREEMPT_RT siglock and tasklist_lock are rtlocks. A contended acquisition parks the task's state " +
			"in saved_state and sleeps in TASK_RTLOCK_WAIT (current_save_and_set_rtlock_wait_state(), " +
			"include/linux/sched.h); the unlock wakes TASK_RTLOCK_WAIT only, and other wakeups are matched against " +
			"saved_state (ttwu_state_match(), kernel/sched/core.c). Anyone else who writes the sleeper's __state " +
			"(the pre-v5.19 tracer, an unguarded thaw) turns the unlock's wakeup into a miss.",
	},
	I9: {
		Title: "no stale stop bits",
		When:  WhenState,
		Asserts: "No task in user mode, on its exit path (do_exit()) or dead has JOBCTL_STOPPED, JOBCTL_TRACED, " +
			"JOBCTL_LISTENING, or the design's request bit (JOBCTL_PTRACE_FROZEN, JOBCTL_DELAY_WAKEKILL) set.",
		Rule: "ptrace_stop() clears JOBCTL_LISTENING and JOBCTL_PTRACE_FROZEN when it is woken, and since v5.19 " +
			"(2500ad1c7fa4) does not stop at all with a fatal signal pending, so that JOBCTL_TRACED cannot outlive " +
			"the stop (kernel/signal.c). A stale JOBCTL_TRACED makes wait report a stop that is not there, " +
			"ptrace_check_attach() accept a running task, and a v6.1-v6.6 thaw put the task back to sleep in " +
			"TASK_TRACED; do_notify_parent() WARNs on a task_is_stopped_or_traced() exiting task (a BUG_ON before " +
			"v5.19).",
	},
	I10: {
		Title: "group-stop accounting",
		When:  WhenState,
		Asserts: "Unless the group is exiting, group_stop_count equals the number of its threads (not exiting) with " +
			"both JOBCTL_STOP_PENDING and JOBCTL_STOP_CONSUME, and SIGNAL_STOP_STOPPED is set only when the count " +
			"is 0.",
		Rule: "do_signal_stop() (kernel/signal.c) counts every thread it asks to stop in group_stop_count and marks " +
			"each with JOBCTL_STOP_PENDING|JOBCTL_STOP_CONSUME; task_participate_group_stop() decrements the count " +
			"and sets SIGNAL_STOP_STOPPED when it reaches 0, so the parent's CLD_STOPPED comes once, after the last " +
			"thread stopped. A SIGCONT during a partial stop resets the count (prepare_signal()).",
	},
	I11: {
		Title: "no phantom ptrace-stop report",
		When:  WhenStep,
		Asserts: "A wait by the tracer reports a ptrace stop (CLD_TRAPPED) of a task only while that task is in " +
			"ptrace_stop() (or parked in an rtlock wait inside it).",
		Rule: "wait_task_stopped() (kernel/exit.c) reports a traced child when task_stopped_code() finds " +
			"task_is_traced() and a non-zero exit_code, and hides a LISTENING tracee. Both come from ptrace_stop(); " +
			"a JOBCTL_TRACED left behind by a stop that never happened (Oleg Nesterov's leak, fixed in v5.19 by " +
			"2500ad1c7fa4) makes wait report it anyway.",
	},
	I12: {
		Title: "cgroup v2: frozen means not running",
		When:  WhenState,
		Asserts: "No task runs in user mode (on a CPU, back from the kernel) while its cgroup v2 cgroup has " +
			"CGRP_FROZEN, i.e. while cgroup.events says \"frozen 1\".",
		Rule: "cgroup_update_frozen() (kernel/cgroup/freezer.c, v6.18) sets CGRP_FROZEN only when CGRP_FREEZE is set " +
			"and every task of the cgroup counts itself frozen (task->frozen: cgroup_enter_frozen() in do_freezer_trap(), " +
			"do_signal_stop() and ptrace_stop()); a task clears its count (cgroup_leave_frozen(), in get_signal() or " +
			"after ptrace_stop()'s schedule()) before it can return to user mode, and a frozen cgroup's " +
			"JOBCTL_TRAP_FREEZE sends a woken task back to do_freezer_trap().",
	},
	I13: {
		Title: "cgroup v2: no task left in the freezer trap",
		When:  WhenTerminal,
		Asserts: "In a terminal state no task is asleep in do_freezer_trap() while its v2 cgroup no longer has " +
			"CGRP_FREEZE (and no v1 freezer holds it).",
		Rule: "Unfreezing (cgroup_freeze(cgrp, false), which calls cgroup_do_freeze()) clears CGRP_FREEZE and, for every task, " +
			"clears JOBCTL_TRAP_FREEZE and calls wake_up_process() (cgroup_freeze_task(), kernel/cgroup/freezer.c, " +
			"v6.18), which wakes the trap's TASK_INTERRUPTIBLE sleep; a task held by the v1 freezer meanwhile keeps " +
			"the wakeup in saved_state (v6.7+) or is woken by the v1 thaw.",
	},
	I14: {
		Title: "cgroup v2: a fatal signal is not held by the trap",
		When:  WhenState,
		Asserts: "No task whose group is exiting (SIGNAL_GROUP_EXIT) or that has SIGKILL pending is asleep in " +
			"do_freezer_trap(), unless the v1 freezer holds that sleep (TASK_FROZEN, or PF_FROZEN with the old " +
			"freezer: then I4 applies).",
		Rule: "complete_signal() turns a fatal signal into a group exit and calls signal_wake_up(t, true) on every " +
			"thread, which wakes TASK_INTERRUPTIBLE; get_signal() tests SIGNAL_GROUP_EXIT before the freezer trap " +
			"(kernel/signal.c, v6.18), so a v2-frozen task dies without an unfreeze.",
	},
	Stuck: {
		Title: "nothing blocked for ever",
		When:  WhenTerminal,
		Asserts: "In a terminal state every outside actor (signal sender, freezer, tracer, waiter, lock holder) has " +
			"finished its script, and no tracee thread is runnable inside the kernel (which would spin for ever on " +
			"a lock nobody releases).",
		Rule: "Every blocking call the scenarios make returns once its condition holds: wait4() when a child changes " +
			"state (do_wait(), kernel/exit.c), ptrace_attach() when JOBCTL_TRAPPING is cleared (wait_on_bit(), " +
			"kernel/ptrace.c), writing FROZEN to freezer.state once every task froze, an rtlock once it is released. " +
			"A stuck actor means a wakeup that should have come did not.",
	},
}

// checkDocs are the scenario's own checks, reported like properties.
var checkDocs = []PropDoc{
	{
		Name:      "final",
		Title:     "the scenario's final check",
		Statement: "every terminal state satisfies the scenario's final atoms",
		When:      WhenScenario,
		Asserts: "A \"final ATOMS\" line of the scenario: in every terminal state, each KEY=VALUE (or KEY!=VALUE) " +
			"atom holds over the observations (T.state, T.exit, T.ran, T.tracer, T.pending, PROC.freezer, A.done, " +
			"A#N). A violation comes with the shortest interleaving to a terminal state where it fails.",
		Rule: "What user space sees on a correct kernel, as the scenario's author states it: /proc/PID/stat and " +
			"status, wait4() and ptrace() results, freezer.state. The oracle holds the same atoms to the running " +
			"kernel (jobctl oracle).",
	},
	{
		Name:      "always",
		Title:     "the scenario's always check",
		Statement: "every reachable state satisfies the scenario's always atoms",
		When:      WhenEveryState,
		Asserts:   "An \"always ATOMS\" line of the scenario: the atoms hold over the observations of every reachable state, not only the terminal ones.",
		Rule:      "As for final: an observable fact the scenario's author claims for a correct kernel, at every instant.",
	},
	{
		Name:      "sometimes",
		Title:     "the scenario's reachability check",
		Statement: "some terminal state satisfies the scenario's sometimes atoms",
		When:      WhenOutcomes,
		Asserts: "A \"sometimes ATOMS\" line of the scenario: at least one terminal state satisfies the atoms. It " +
			"proves that the interesting interleaving exists, so that a scenario cannot pass vacuously. No single " +
			"interleaving shows a violation, so it comes without a counterexample.",
		Rule: "None of the kernel's: it guards the scenario itself (every built-in scenario has one).",
	},
}
