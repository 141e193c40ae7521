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
//	oracle cgroup v1|v2            which cgroup freezer the oracle uses
//	schedule ACTOR ...             a fixed interleaving, one actor per step
//	variant DESIGN                 the design 'jobctl run' replays it under
//	                               (a counterexample file records its design)
//
// Ops of an outside actor (Op.Kind): kill PROC SIG, tkill THREAD SIG,
// freeze PROC, thaw PROC, attach T, seize T, interrupt T, listen T,
// cont T [SIG], detach T [SIG], ptrace-syscall T [SIG], ptrace-kill T,
// getregs T, wait T [FLAGS], exit, observe T, lock tasklist|css_set,
// unlock tasklist|css_set. Ops of a tracee thread: raise SIG, sleep,
// syscall, exit_group N.
//
// An atom is KEY=VALUE or KEY!=VALUE over the observations of package
// model (Machine.Observe), which the oracle observes on the real kernel
// too: THREAD.state, THREAD.exit, THREAD.ran, THREAD.tracer,
// THREAD.pending, PROCESS.freezer, ACTOR.done, ACTOR#N.
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
