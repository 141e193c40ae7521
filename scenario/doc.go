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
//	process NAME [threads T1 ...] [parent ACTOR] [orphaned]
//	                               a thread group of tracee threads, leader
//	                               first (default: one thread named NAME);
//	                               ACTOR is its real parent; "orphaned":
//	                               its process group is orphaned (no
//	                               member has a parent in another group of
//	                               its session), so SIGTSTP, SIGTTIN and
//	                               SIGTTOU do nothing; otherwise it never is
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
// Ops of an outside actor (Op.Kind): kill PROC SIG, tkill THREAD SIG,
// freeze PROC|THREAD [v1|v2], thaw PROC|THREAD [v1|v2] (the cgroup v1
// freezer, freezer.state, or the v2 one, cgroup.freeze; a thread named on
// its own lives in a cgroup of its own, a child of its process's, and one
// scenario can use both freezers on one task), attach T, seize T [OPTIONS], interrupt T,
// listen T, cont T [SIG], detach T [SIG], ptrace-syscall T [SIG],
// ptrace-kill T, getregs T, getsiginfo T, setoptions T OPTIONS,
// wait T [FLAGS], waitid T|any FLAGS, exit, observe T,
// lock tasklist|css_set, unlock tasklist|css_set. OPTIONS are PTRACE_O_*
// names without the prefix joined by ',' (TRACESYSGOOD, TRACEEXIT,
// EXITKILL): seize's become task->ptrace's, setoptions replaces them.
//
// Ops of a tracee thread: raise SIG, sleep, syscall, exit_group N,
// traceme (PTRACE_TRACEME: the process's parent actor becomes the tracer;
// the process must have one, and it must not exit), ignore SIG, handle
// SIG, default SIG (rt_sigaction: SIG_IGN, a handler that returns at
// once, SIG_DFL; per process; SIGKILL and SIGSTOP stay SIG_DFL), block
// SIG, unblock SIG (rt_sigprocmask on the thread; SIGKILL and SIGSTOP are
// never blocked). A handler blocks its signal while it runs and returns
// to the script; a handled signal ends a "sleep" with EINTR (the thread
// goes on to its next op), any other signal restarts it. At most 6
// signals of a process have a handler.
//
// Results (ACTOR#N): "0", an errno (ESRCH, EIO, EINVAL, ...), a wait's
// stopped(SIG), stopped(SIG,EVENT_STOP), stopped(SIGTRAP,EVENT_EXIT),
// stopped(SIGTRAP|0x80) (a syscall stop under TRACESYSGOOD), continued,
// exited(N), killed(SIG), none, waitid's CLD_*(...), getsiginfo's
// siginfo(SIGNO,CODE) — CODE is the sender's si_code (SI_USER for kill,
// SI_TKILL for tkill and raise, SI_KERNEL for the kernel's own, such as
// PTRACE_ATTACH's SIGSTOP) or the exit code a ptrace stop puts there
// (SIGTRAP, SIGTRAP|0x80, EVENT_STOP, EVENT_EXIT); EINVAL when the stop
// has no siginfo (the group-stop of a tracee that is not SEIZEd) — an
// observe's /proc letter, pending.
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
