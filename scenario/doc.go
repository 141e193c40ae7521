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
// # Ops
//
// Each op is one system call (or, for freeze and thaw, one write retried
// as a user would), the same in the model and in the oracle; its result is
// what that call returns. Ops of an outside actor (Op.Kind):
//
//	kill PROC|THREAD SIG      kill(pid, SIG); a thread's own pid (its tid): the group is
//	                          signalled, complete_signal() starting from that thread
//	tkill THREAD SIG          tgkill(pid, tid, SIG)
//	freeze PROC|THREAD [v1|v2]  cgroup v1: write "FROZEN" to freezer.state, until it
//	                          reads FROZEN; v2: write "1" to cgroup.freeze. A thread
//	                          named on its own lives in a cgroup of its own, a child
//	                          of its process's; one scenario can use both freezers
//	thaw PROC|THREAD [v1|v2]  v1: write "THAWED" to freezer.state; v2: "0" to cgroup.freeze
//	attach T                  ptrace(PTRACE_ATTACH, tid, 0, 0)
//	seize T [OPTS]            ptrace(PTRACE_SEIZE, tid, 0, OPTS): OPTS are PTRACE_O_*
//	                          names without the prefix, joined by ',' (TRACESYSGOOD,
//	                          TRACEEXIT, EXITKILL)
//	setoptions T OPTS         ptrace(PTRACE_SETOPTIONS, tid, 0, OPTS): replaces them
//	getsiginfo T              ptrace(PTRACE_GETSIGINFO, tid, 0, &info)
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
//	observe T [KEY ...]       read /proc/PID/task/TID/stat: the state letter; with
//	                          keys, each key (stat, status, wchan and T's cgroups'
//	                          freezer files) in one atomic read (see Observations)
//	settle                    wait until the tracee threads are at rest (see Order)
//	lock|unlock tasklist|css_set  hold the lock across steps (model only: an RT lock holder)
//
// Ops of a tracee thread:
//
//	raise SIG                 tgkill(getpid(), gettid(), SIG)
//	sleep                     nanosleep(2^40 s): never returns; restarted after a stop
//	syscall                   getpid(): under PTRACE_SYSCALL, an entry and an exit stop
//	exit_group N              exit_group(N)
//	traceme                   ptrace(PTRACE_TRACEME, 0, 0, 0): the process's parent
//	                          actor becomes the tracer (it must have one, which must
//	                          not exit); no stop until the next signal
//	ignore|handle|default SIG rt_sigaction(SIG, SIG_IGN | a handler that returns at
//	                          once | SIG_DFL): per process; SIGKILL and SIGSTOP stay
//	                          SIG_DFL (EINVAL). A handler blocks its signal while it
//	                          runs, then the thread goes on with its script; a
//	                          handled signal ends a sleep (EINTR: the thread goes on
//	                          to its next op), any other restarts it. At most 6
//	                          signals of a process have a handler
//	block|unblock SIG         rt_sigprocmask(SIG_BLOCK | SIG_UNBLOCK, {SIG}) on the
//	                          thread; SIGKILL and SIGSTOP are never blocked
//
// A signal is a name (SIGKILL, KILL, kill) or a number 1..31. An op may
// be preceded by "after A#N" (see Order).
//
// A wait's result is "none" (WNOHANG, nothing to report), an errno, or
// the report: wait4's status as stopped(SIG[,EVENT_STOP]), continued,
// exited(N) or killed(SIG); waitid's siginfo as its si_code and si_status,
// CLD_EXITED(N), CLD_KILLED(SIG), CLD_STOPPED(SIG),
// CLD_TRAPPED(SIG[,EVENT_STOP]), CLD_CONTINUED(SIGCONT). A wait for any
// child prefixes the thread whose pid it returned: "T2:CLD_TRAPPED(SIGTRAP)".
// A ptrace stop's code can carry ",EVENT_EXIT" (PTRACE_O_TRACEEXIT), and
// its signal "SIGTRAP|0x80" (a syscall stop under PTRACE_O_TRACESYSGOOD).
// getsiginfo's result is siginfo(SIGNO,CODE): CODE is the sender's si_code
// (SI_USER for kill, SI_TKILL for tkill and raise, SI_KERNEL for the
// kernel's own, such as PTRACE_ATTACH's SIGSTOP) or the exit code a ptrace
// stop puts there (SIGTRAP, SIGTRAP|0x80, EVENT_STOP, EVENT_EXIT); EINVAL
// when the stop has none (the group-stop of a tracee that is not SEIZEd).
//
// # Order
//
// Each actor's ops run in the order written; across actors, every
// interleaving is explored, except where the scenario orders them:
//
//	ACTOR: after A#N [after B#M ...] OP ...
//	        the op starts only once A's N-th op has returned (and B's
//	        M-th). A is an outside actor (a thread's ops have no result
//	        to wait for); the op may be any actor's, a tracee thread's
//	        too. An order that can never be met — an op waiting, directly
//	        or through the order of a script, for itself — is an error at
//	        its "after"; one that is not met in some interleaving (A's op
//	        never returns) is the property stuck, whose message says what
//	        waits for what.
//	ACTOR: settle
//	        waits until the tracee threads are quiescent, as the prelude
//	        leaves them after each init op: every thread asleep in the
//	        kernel (not on a runqueue), in user mode with no signal to
//	        handle (TIF_SIGPENDING clear), or exited (model.Ctx.Quiescent).
//	        The oracle waits until every thread's /proc state has not
//	        changed for 30ms, each running one counting in user mode, and
//	        a group with a job-control-stopped thread stopped in all its
//	        tasks. Threads that never settle leave the settle blocked:
//	        stuck, naming the thread that keeps running.
//
// "init" ops run in the order written (after is not allowed there).
//
// # Observations
//
// An atom is KEY=VALUE or KEY!=VALUE over the observations of package
// model (Machine.Observe), which the oracle observes on the real kernel
// too. The keys and their values (values.go: ThreadKeys, KeyDomain):
//
//	THREAD.state   R S D T t Z (the /proc/PID/task/TID/stat letter), or gone once reaped
//	THREAD.exit    none, exited(N) or killed(SIG): how the thread group ended
//	THREAD.ran     yes or no: the thread runs user code
//	THREAD.tracer  the outside actor in TracerPid, or none
//	THREAD.pending SigPnd|ShdPnd: signal names in numeric order joined by ','
//	               (SIGKILL,SIGSTOP; a signal without a name is its number), or none
//	THREAD.sigpnd  SigPnd alone: the thread's private pending set
//	THREAD.shdpnd  ShdPnd alone: the thread group's shared pending set
//	THREAD.wchan   /proc/PID/task/TID/wchan: 0 unless asleep, else one of
//	               hrtimer_nanosleep, do_syscall_64 (a sleep restarted after a
//	               signal), __refrigerator (frozen while it ran: a task frozen
//	               in a stop stays asleep where it stopped, TASK_FROZEN in
//	               do_signal_stop or ptrace_stop), get_signal (the cgroup v2
//	               freezer's trap), do_signal_stop, ptrace_stop;
//	               cgroup_enter_frozen and cgroup_leave_frozen for an RT lock
//	               wait (values.go: Wchans)
//	PROCESS.freezer THAWED, FREEZING or FROZEN: its cgroup v1 freezer.state
//	PROCESS.frozen 0 or 1: its cgroup v2 cgroup.events "frozen", in a
//	               scenario that freezes through v2. A thread frozen on its
//	               own has .freezer and .frozen of its own cgroup too.
//	ACTOR.done     yes or no: the actor's whole script returned
//	ACTOR#N        the result of ACTOR's N-th op (ResultDomain): pending until
//	               it returns; then 0 or an errno (EPERM ESRCH EIO ECHILD
//	               EINVAL, errno(N)); a wait's or waitid's report (see Ops);
//	               an "observe T"'s state letter or gone
//	ACTOR#N.KEY    KEY as "observe T KEY ..." (ACTOR's N-th op) recorded it,
//	               KEY one of the thread keys, freezer or frozen (of T's
//	               cgroups, v1 and v2);
//	               pending until the op has run. Such an op has no ACTOR#N.
//	ACTOR#initN    the result of ACTOR's N-th init op, ACTOR#initN.KEY for
//	               an observe among them
//
// Every value is checked against its key's domain: a value the key can
// never take, such as T.ran=false or R#2=stoped(SIGSTOP), is an error that
// lists the valid forms (and the canonical spelling, where the value
// seems to mean one: SIGKILL,SIGSTOP for SIGSTOP,SIGKILL).
//
// # Limits
//
// The model holds a scenario in a fixed-size state; past these bounds
// (package model: MaxProcs, MaxTasks, MaxActors, MaxOps, MaxResults)
// model.Compile reports FILE:LINE:COL at the declaration or op that
// exceeds them, naming the limit:
//
//	4   processes
//	8   tracee threads, over all processes
//	8   actors besides the tracee threads
//	32  ops in one actor's script (an outside actor's or a thread's)
//	256 result slots over every script and the prelude: one per op of an
//	    outside actor; an observe with keys one per key, two per signal set
//
// and the prelude must settle within 10000 steps. A scenario file holds at
// most MaxFileSize bytes; signal numbers are 1..31, exit codes 0..255.
// The oracle runs up to 32 processes of up to 32 threads, above the
// model's bounds.
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
