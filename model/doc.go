// Package model is an executable model of how Linux keeps a task's
// "special" sleeping states — stopped by job control (TASK_STOPPED) and
// stopped for a tracer (TASK_TRACED) — alive across the freezer
// (TASK_FROZEN) and PREEMPT_RT's saved_state.
//
// # State
//
// A State is one comparable Go value: per task __state, saved_state,
// on_rq, jobctl, pending signals, TIF_SIGPENDING, exit_code, ptrace and
// the tracer; per thread group the signal_struct fields (flags,
// group_stop_count, group_exit_code, shared pending) and the cgroup
// freezer's state; per actor where it is in its script. Copying it is a
// snapshot; its bytes are its fingerprint.
//
// # Steps
//
// Every kernel function is written as its atomic steps: the code between
// two interleaving points (a lock dropped, schedule()). A tracee thread's
// program counter (Task.Loc) is a place in the kernel:
//
//	          TIF_SIGPENDING
//	LocUser ──────────────────► get_signal (relock, one siglock section)
//	   ▲                          │          │            │
//	   │ nothing to do            │ stop     │ trap       │ fatal
//	   │                          ▼          ▼            ▼
//	   │              do_signal_stop   ptrace_stop     do_exit ──► LocDead
//	   │              S1 jobctl|=STOPPED  S1 TASK_TRACED        (zombie, reaped)
//	   │                 TASK_STOPPED        jobctl|=TRACED
//	   │              S2 notify parent  S2 notify tracer
//	   │              S4 schedule()     S4 schedule()
//	   │                 │ woken           │ woken
//	   └──── relock ◄────┘                 └──► S6 (siglock) ──► relock
//
//	freezer (cgroup v1, legacy_freezer.c): freeze_task() freezes a blocked
//	task in place (__state = TASK_FROZEN, the old state kept in saved_state
//	since v6.7) or sends it a fake signal so that get_signal's
//	try_to_freeze() puts it in the refrigerator; __thaw_task() restores the
//	special state (from jobctl in v6.1–v6.6, from saved_state since v6.7)
//	or wakes it. Writers are serialised by freezer_mutex.
//
//	freezer (cgroup v2, cgroup/freezer.c): JOBCTL_TRAP_FREEZE and
//	signal_wake_up(t, false); get_signal() parks the task in
//	do_freezer_trap() (TASK_INTERRUPTIBLE|TASK_FREEZABLE), after the group
//	exit, the group stop and the ptrace traps; a stopped or traced task
//	counts as frozen where it is (cgroup_enter_frozen() before schedule()),
//	and goes to the trap when it wakes. Both freezers act on one task
//	independently (cgroup_v2.go).
//
// Actors outside the thread groups (signal senders, the freezer, the
// tracer, waiters, an RT lock holder) run scripts of ops, each op a short
// sequence of atomic steps (see actor.go).
//
// # Designs
//
// Kernel holds the constants and functions in which the designs
// (docs/DESIGNS.md) differ. Mainline() is today's kernel (d3, checked
// against v6.18);
// package variants derives every other design from it.
//
// # What the model leaves open on purpose
//
// The rule is every interleaving the kernel can take, and no other. Where
// the outcome depends on something the model has no state for, a step has
// several outcomes (Ctx.Choose) and the checker takes each; docs/MODEL.md
// lists them and says why:
//
//   - which thread complete_signal() picks for a group signal:
//     wants_signal() asks task_curr(), whether a thread is on a CPU at
//     that instant, which is the scheduler's business (SignalTargets);
//     signal->curr_target, where the search starts, is in the state;
//   - when a sleeper runs after its wakeup, and so which of the actors
//     takes the next step: every actor that can step is a successor.
//
// And where the kernel's own code decides, the model follows it and adds
// no choice: a waiter asleep in do_wait() runs again only after a
// __wake_up_parent() about a child it waits for (wait.go), ptrace_do_wait()
// walks the tracees last attached first, a thread parked in nanosleep by
// the prelude is still in it afterwards.
//
// # Where the model abstracts
//
//   - Locks held within one atomic step are not represented; tasklist_lock
//     and css_set_lock held across steps by an actor ("lock tasklist",
//     "lock css_set") are, and every step that takes them waits for them:
//     the parent notifications, do_wait()'s scan, ptrace requests, the
//     stops' cgroup_enter_frozen(), the v1 freezer's walk of its tasks.
//   - Signal state (sigaction.go): a disposition per signal and process
//     (SIG_DFL, SIG_IGN, or a handler that does nothing: it returns at
//     once and rt_sigreturn() restores the mask), a blocked mask per
//     thread. A handler has no sa_mask, no SA_RESTART, SA_NODEFER or
//     SA_RESETHAND, no sigaltstack; a thread holds at most 6 handler
//     frames (one per handled signal). The siginfo of a queued signal is
//     kept as its si_code only (SI_USER, SI_TKILL, SI_KERNEL).
//   - A process group is orphaned or not for the whole scenario (the
//     process's "orphaned" flag): a parent's exit never orphans it (the
//     oracle's subreaper keeps it in the session), so kill_orphaned_pgrp()
//     is not modelled.
//   - PTRACE_TRACEME links the process's parent actor; a reaper that would
//     become the parent after the actor's exit is not an actor, so a
//     scenario may not combine the two.
//   - Of the PTRACE_O_* options: TRACESYSGOOD, TRACEEXIT and EXITKILL.
//     Only the "syscall" op makes syscall stops under PTRACE_SYSCALL (the
//     kernel also stops at the entry and exit of the other thread ops,
//     and of a restarted nanosleep()).
//   - The actors never ignore SIGCHLD (no autoreap) and are never
//     interrupted by a signal in do_wait().
//   - Not modelled: coredumps, exec, vfork, kthreads, clone children
//     (exit_signal != SIGCHLD: __WCLONE finds none), cgroup migration (a
//     task's cgroups are fixed at compile time, see cgroup.go), the
//     system-wide PM freezer, PTRACE_SETSIGINFO and PTRACE_GETEVENTMSG.
package model
