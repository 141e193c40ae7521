// Package scenario is jobctl's scenario language: small text files, in the
// spirit of litmus tests, that name a few tasks, what each does in order,
// and what must hold.
//
// # Grammar
//
// A file is lines; '#' starts a comment where a word could start (so that
// "P#2=ESRCH" is one word). The leading comment block is the scenario's
// story. Each other line is one directive:
//
//	scenario NAME                  the name (default: the file name without .jc)
//	title TEXT                     one line
//	source TEXT                    where the story comes from (repeatable)
//	actor NAME ...                 actors outside the thread groups
//	process NAME [threads T1 ...] [parent ACTOR]
//	                               a thread group of tracee threads, leader
//	                               first (default: one thread named NAME);
//	                               ACTOR is its real parent
//	config PREEMPT_RT              an RT kernel
//	init ACTOR: OP ...             prelude: run to completion, threads settle
//	ACTOR: OP ...                  the next op of ACTOR's script
//	always ATOM ...                in every reachable state
//	final ATOM ...                 in every terminal state
//	sometimes ATOM ...             in at least one terminal state
//	disable PROP ...               do not check built-in property PROP
//	verdict VARIANT|* pass|violation [PROP ...]
//	                               what the checker must find under a design
//	oracle skip REASON             the real kernel cannot run it
//	oracle cgroup v1|v2            the default freezer of a freeze/thaw op
//	                               that names none (v1 unless this says v2)
//	schedule ACTOR ...             a fixed interleaving, one actor per step
//	variant DESIGN                 the design 'jobctl run' replays it under
//	                               (a counterexample file records its design)
//
// # Ops
//
// Each op is one system call (or, for freeze and thaw, one write retried
// as a user would), the same in the model and in the oracle; its result is
// what that call returns. Ops of an outside actor (Op.Kind):
//
//	kill PROC SIG             kill(pid, SIG)
//	tkill THREAD SIG          tgkill(pid, tid, SIG)
//	freeze PROC|THREAD [v1|v2]  cgroup v1: write "FROZEN" to freezer.state, until it
//	                          reads FROZEN; v2: write "1" to cgroup.freeze. A thread
//	                          named on its own lives in a cgroup of its own, a child
//	                          of its process's; one scenario can use both freezers
//	thaw PROC|THREAD [v1|v2]  v1: write "THAWED" to freezer.state; v2: "0" to cgroup.freeze
//	attach T                  ptrace(PTRACE_ATTACH, tid, 0, 0)
//	seize T                   ptrace(PTRACE_SEIZE, tid, 0, 0)
//	interrupt T               ptrace(PTRACE_INTERRUPT, tid, 0, 0)
//	listen T                  ptrace(PTRACE_LISTEN, tid, 0, 0)
//	cont T [SIG]              ptrace(PTRACE_CONT, tid, 0, SIG)
//	detach T [SIG]            ptrace(PTRACE_DETACH, tid, 0, SIG)
//	ptrace-syscall T [SIG]    ptrace(PTRACE_SYSCALL, tid, 0, SIG)
//	ptrace-kill T             ptrace(PTRACE_KILL, tid, 0, 0)
//	getregs T                 ptrace(PTRACE_GETREGS, tid, 0, &regs)
//	wait T|any [FLAGS]        wait4(pid of T's thread (any: -1), &status, FLAGS, NULL);
//	                          FLAGS from WUNTRACED (WSTOPPED) WCONTINUED WNOHANG
//	                          __WALL __WCLONE; WNOWAIT and WEXITED are an error
//	                          (wait4 returns EINVAL): use waitid
//	waitid T|any FLAGS        waitid(P_PID, pid of T's thread, &info, FLAGS, NULL),
//	                          (any: waitid(P_ALL, 0, ...)); FLAGS any mix of WEXITED
//	                          WSTOPPED WCONTINUED WNOWAIT WNOHANG __WALL __WCLONE;
//	                          without one of the first three the call is EINVAL
//	exit                      exit_group(0): a tracer's tracees are detached
//	                          (exit_ptrace()); nothing may follow it
//	observe T                 read /proc/PID/task/TID/stat: the state letter
//	lock|unlock tasklist|css_set  hold the lock across steps (model only: an RT lock holder)
//
// Ops of a tracee thread:
//
//	raise SIG                 tgkill(getpid(), gettid(), SIG)
//	sleep                     nanosleep(2^40 s): never returns; restarted after a stop
//	syscall                   getpid(): under PTRACE_SYSCALL, an entry and an exit stop
//	exit_group N              exit_group(N)
//
// A wait's result is "none" (WNOHANG, nothing to report), an errno, or
// the report: wait4's status as stopped(SIG[,EVENT_STOP]), continued,
// exited(N) or killed(SIG); waitid's siginfo as its si_code and si_status,
// CLD_EXITED(N), CLD_KILLED(SIG), CLD_STOPPED(SIG),
// CLD_TRAPPED(SIG[,EVENT_STOP]), CLD_CONTINUED(SIGCONT). A wait for any
// child prefixes the thread whose pid it returned: "T2:CLD_TRAPPED(SIGTRAP)".
//
// An atom is KEY=VALUE or KEY!=VALUE over the observations of package
// model (Machine.Observe), which the oracle observes on the real kernel
// too: THREAD.state, THREAD.exit, THREAD.ran, THREAD.tracer,
// THREAD.pending, PROCESS.freezer (v1 freezer.state: THAWED, FREEZING,
// FROZEN), PROCESS.frozen (v2 cgroup.events "frozen": 0 or 1, in a
// scenario that freezes through v2), ACTOR.done, ACTOR#N. A thread frozen
// on its own has .freezer and .frozen of its own cgroup too.
//
// Errors name the file, line and column, and what was expected
// (*Error). Names are checked: an unknown actor, thread, signal, op,
// property or directive is an error, never a silent default. So is what
// each actor's ops in order (its "init" ops, then its script) show
// without running them: an op after the actor's "exit" (a thread's
// "exit_group"), an "unlock" of a lock the actor does not hold by an
// earlier "lock" of its own, a thread named twice in a process.
//
// A scenario file is read by ReadFile: a regular file of at most
// MaxFileSize bytes (never a named pipe, a device or a directory). Variant
// names in verdict and variant lines are checked by the caller, which
// knows the designs.
//
// The built-in corpus (corpus/*.jc) is embedded in the binary: Builtin,
// Load.
package scenario
