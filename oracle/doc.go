// Package oracle runs a scenario on the real kernel and reports what user
// space observes, with the observation keys of package model, so that the
// model's outcomes can be compared with the kernel's (SPEC §7).
//
// # Processes
//
// Every tracee process of a scenario is the jobctl binary re-executed in
// tracee mode (HelperMain), with one OS thread per named thread: Threads[0]
// is the main thread, hence the thread-group leader. Each spins in user mode
// incrementing its counter in a memfd shared with the runner, and polls a
// command word there, so "did thread X run" is a counter read and commanding
// a thread (raise, sleep, syscall, exit_group) costs it no system call. Every
// signal is SIG_DFL in a tracee, and the Go runtime's own threads keep every
// signal blocked that the runtime lets them (see execMasked), so that signals
// go to the named threads as in a process made of those alone. The runtime
// threads still take part in group stops and freezes, and can still take a
// group-directed SIGSTOP or one of the signals the runtime keeps unblocked
// (SIGHUP SIGINT SIGQUIT SIGABRT SIGTERM ...) when no named thread can.
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
