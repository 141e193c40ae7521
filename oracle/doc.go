// Package oracle runs a scenario on the real kernel and reports what user
// space observes, with the observation keys of package model, so that the
// model's outcomes can be compared with the kernel's: /proc/PID/stat's
// state letter, what wait4() and waitid() report, the result of each
// system call (model/observe.go).
//
// # Processes
//
// Every tracee process of a scenario is the jobctl binary re-executed in
// tracee mode (HelperMain), with one OS thread per named thread: Threads[0]
// is the main thread, hence the thread-group leader. Each spins in user mode
// incrementing its counter in a memfd shared with the runner, and polls a
// command word there, so "did thread X run" is a counter read and commanding
// a thread (raise, sleep, syscall, exit_group, ...) costs it no system
// call but the op's own. Every
// signal is SIG_DFL in a tracee, and the Go runtime's own threads keep every
// signal blocked that the runtime lets them (see execMasked), so that signals
// go to the named threads as in a process made of those alone. The runtime
// threads still take part in group stops and freezes, and can still take a
// group-directed SIGSTOP or one of the signals the runtime keeps unblocked
// (SIGHUP SIGINT SIGQUIT SIGABRT SIGTERM ...) when no named thread can.
//
// A tracee thread's own signal ops are the system calls they name, made
// from that thread: traceme is ptrace(PTRACE_TRACEME) (the tracer is the
// actor whose main thread forked the process, its real parent); ignore,
// handle and default are rt_sigaction() (per process); block and unblock
// are rt_sigprocmask() on the thread (the runtime's threads keep their
// masks). The handler of "handle" is a RET in assembly (amd64 only: the
// oracle skips "handle" elsewhere) with SA_ONSTACK, so that it runs on the
// signal stack the Go runtime gives every thread, and SA_RESTORER with an
// rt_sigreturn() stub; it runs on the thread the kernel picks, which is a
// named thread for every signal the runtime's threads block. So the oracle
// refuses to handle or block a signal they keep unblocked: a runtime
// thread, not the named one, could take it. An "orphaned" process is
// started in a session of its own (setsid()): its parent is then in
// another session, and its group is orphaned
// (kernel/exit.c:will_become_orphaned_pgrp(), v6.18); every other process
// is its own process group in the runner's session, whose parent actor
// (or %init) is in another group of that session, so it never is.
//
// Every outside actor is a helper process in actor mode, driven over a pipe;
// its ops run on its main thread (ptrace requests must come from the thread
// that attached). The processes of one run:
//
//	runner ──pipes──┐
//	 └─ %init       │  subreaper; the parent of processes without "parent";
//	     │          │  never waits until cleanup (its zombies stay 'Z');
//	     │          │  tears the run down if the runner dies
//	     ├─ actor P ┘  forks the processes that name it parent, so its
//	     │   └─ T2     waits are the real parent's
//	     ├─ actor S
//	     └─ T          own process group, cgroup D/p<i>
//
// # A run
//
//	setup     cgroup D=<root>/jobctl-oracle.<pid>.<start>.<seq>, helpers, tracees
//	prelude   each "init" op to completion (or until it blocks), then settle
//	scripts   every actor concurrently, 0..2ms random delays (Options.Seed);
//	          an op with "after A#N" starts once A's N-th op has returned;
//	          they end when all are done, or all unfinished ones are blocked
//	          (in an op, or waiting for another actor's op) and nothing
//	          changed for 300ms ("pending"), or at the timeout. Observe ops
//	          (/proc reads, the freezer files) and settle (until the threads
//	          are at rest: observe_linux.go) are the runner's own
//	observe   settle, then per thread every key (state, ran, exit, tracer,
//	          pending sets, wchan) and per cgroup its freezer file
//	teardown  thaw, SIGKILL, reap (by %init), rmdir — always
//
// A runner killed with SIGKILL cannot tear down; its %init does: it sees
// its command pipe close without a "quit", leaves the run's cgroup, kills
// and thaws everything in it until nothing is left, reaps, removes the
// cgroups and exits (orphan_linux.go). Cleanup removes what is left when
// %init died too: the cgroups are named after their runner, and helpers
// carry JOBCTL_ORACLE_RUN=<id> in their environment.
//
// # Differences from the model that a comparison must allow for
//
//   - Only one interleaving is sampled per Run; "schedule" lines are not
//     followed.
//   - A prelude op that blocks does not fail the run (the model rejects the
//     scenario): the oracle notes it and goes on.
//   - The runtime threads, as said above.
package oracle
