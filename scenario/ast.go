package scenario

import "fmt"

// Pos is a position in a scenario file: file name, 1-based line and column.
type Pos struct {
	File string
	Line int
	Col  int
}

func (p Pos) String() string { return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col) }

// Scenario is one parsed scenario file.
//
// A scenario names the processes whose threads the model simulates (the
// tracees), the actors outside them (tracer, senders, freezer, waiter, an
// RT lock holder), what each does in order, an optional prelude that
// establishes the start state, and what must hold.
type Scenario struct {
	Name   string
	Title  string
	Source []string // where the story comes from: commit, LKML Message-ID, man page
	Story  []string // the leading '#' comment block, verbatim without the '# '
	File   string   // file name (or "builtin:NAME")
	Text   string   // the whole source text

	Processes []Process
	Actors    []Actor // declared with "actor NAME"; the tracee threads are actors too, listed after
	Prelude   []Op    // "init" lines, executed in order to completion before exploration
	Checks    []Check // always / final / sometimes
	Disabled  []string
	Verdicts  []Verdict
	Oracle    OracleSpec
	Schedule  []string // "schedule" line: a fixed interleaving (actor names, one per atomic step)
	SchedPos  Pos
	RT        bool // "config PREEMPT_RT"
	// Variant is the "variant" line: the design the schedule replays under
	// (a counterexample file records the design it was found under).
	Variant    string
	VariantPos Pos
}

// Process is a thread group of the tracee side. Threads[0] is the group leader.
type Process struct {
	Name    string
	Threads []string
	Parent  string // actor that is the real parent ("" = an init-like parent that never waits)
	// Orphaned: the process group is orphaned (kernel/exit.c:
	// will_become_orphaned_pgrp(): no member has a parent in another
	// group of the same session). Otherwise it never is.
	Orphaned bool
	Pos      Pos
}

// Actor is a task outside the simulated thread groups (or, with Thread set,
// one of their threads) together with its script.
type Actor struct {
	Name   string
	Thread bool // a tracee thread: its ops run from user mode
	Script []Op
	Pos    Pos
}

// OpKind names one thing an actor does. The names are the scenario language's.
type OpKind uint8

const (
	OpNone OpKind = iota
	// Outside actors.
	OpKill      // kill PROC SIG          kill(2): a group-directed signal
	OpTkill     // tkill THREAD SIG       tgkill(2): a thread-directed signal
	OpFreeze    // freeze PROC|THREAD [v1|v2]  v1: freezer.state = FROZEN, retried until FROZEN; v2: cgroup.freeze = 1, until frozen
	OpThaw      // thaw PROC|THREAD [v1|v2]    v1: freezer.state = THAWED; v2: cgroup.freeze = 0
	OpAttach    // attach T               PTRACE_ATTACH
	OpSeize     // seize T                PTRACE_SEIZE
	OpInterrupt // interrupt T            PTRACE_INTERRUPT
	OpListen    // listen T               PTRACE_LISTEN
	OpCont      // cont T [SIG]           PTRACE_CONT
	OpDetach    // detach T [SIG]         PTRACE_DETACH
	OpPtraceKill
	OpGetregs // getregs T             a register read (PTRACE_GETREGS): check_attach + unfreeze
	OpWait    // wait T|any [FLAGS]    wait4(pid of T, or -1, &status, FLAGS, NULL)
	OpExit    // exit                  the actor exits (a tracer: exit_ptrace)
	OpLock    // lock tasklist|css_set take tasklist_lock for write, or css_set_lock, and hold it (RT lock holder)
	OpUnlock  // unlock tasklist|css_set
	OpObserve // observe T [KEY ...]   record T's /proc state letter, or the named observation keys, at this point
	// Tracee threads (run from user mode).
	OpRaise     // raise SIG            tgkill(self, SIG): a signal to this very thread
	OpPause     // sleep                nanosleep(2): TASK_INTERRUPTIBLE|TASK_FREEZABLE until a signal
	OpExitGroup // exit_group N         exit_group(2)
	// Added later; kept at the end so that the numbering above is stable.
	OpSyscall       // syscall            (tracee) a system call; under PTRACE_SYSCALL, a syscall-entry stop
	OpPtraceSyscall // ptrace-syscall T [SIG]  PTRACE_SYSCALL: resume, stopping at the next system call
	OpWaitid        // waitid T|any FLAGS     waitid(P_PID, pid of T (or P_ALL, 0), &info, FLAGS, NULL)
	OpSettle        // settle             wait until every tracee thread is quiescent (see doc.go)
	OpTraceme       // traceme             (tracee) PTRACE_TRACEME: the real parent becomes the tracer
	OpIgnore        // ignore SIG          (tracee) rt_sigaction(SIG, SIG_IGN)
	OpHandle        // handle SIG          (tracee) rt_sigaction(SIG, a handler that returns at once)
	OpDefault       // default SIG         (tracee) rt_sigaction(SIG, SIG_DFL)
	OpBlock         // block SIG           (tracee) rt_sigprocmask(SIG_BLOCK, {SIG})
	OpUnblock       // unblock SIG         (tracee) rt_sigprocmask(SIG_UNBLOCK, {SIG})
	OpGetsiginfo    // getsiginfo T        PTRACE_GETSIGINFO: si_signo and si_code of the stop
	OpSetoptions    // setoptions T OPTS   PTRACE_SETOPTIONS
	numOps
)

var opNames = [...]string{
	OpNone: "none", OpKill: "kill", OpTkill: "tkill", OpFreeze: "freeze", OpThaw: "thaw",
	OpAttach: "attach", OpSeize: "seize", OpInterrupt: "interrupt", OpListen: "listen",
	OpCont: "cont", OpDetach: "detach", OpPtraceKill: "ptrace-kill", OpGetregs: "getregs",
	OpWait: "wait", OpExit: "exit", OpLock: "lock", OpUnlock: "unlock", OpObserve: "observe",
	OpRaise: "raise", OpPause: "sleep", OpExitGroup: "exit_group",
	OpSyscall: "syscall", OpPtraceSyscall: "ptrace-syscall", OpWaitid: "waitid", OpSettle: "settle",
	OpTraceme: "traceme", OpIgnore: "ignore", OpHandle: "handle", OpDefault: "default",
	OpBlock: "block", OpUnblock: "unblock", OpGetsiginfo: "getsiginfo", OpSetoptions: "setoptions",
}

// ThreadOp: the op is done by a tracee thread from user mode.
func (k OpKind) ThreadOp() bool {
	switch k {
	case OpRaise, OpPause, OpExitGroup, OpSyscall, OpTraceme, OpIgnore, OpHandle, OpDefault, OpBlock, OpUnblock:
		return true
	}
	return false
}

func (k OpKind) String() string {
	if int(k) < len(opNames) {
		return opNames[k]
	}
	return fmt.Sprintf("op(%d)", k)
}

// Wait flags (the kernel's values, include/uapi/linux/wait.h).
const (
	WNOHANG    = 0x1
	WUNTRACED  = 0x2 // == WSTOPPED
	WSTOPPED   = WUNTRACED
	WEXITED    = 0x4
	WCONTINUED = 0x8
	WNOWAIT    = 0x1000000
	WALL       = 0x40000000 // __WALL
	WCLONE     = 0x80000000 // __WCLONE
)

// PTRACE_O_* options (include/uapi/linux/ptrace.h) that "seize T OPTS" and
// "setoptions T OPTS" take.
const (
	PTRACE_O_TRACESYSGOOD = 0x1
	PTRACE_O_TRACEEXIT    = 0x40
	PTRACE_O_EXITKILL     = 0x100000
)

// Wait4Flags are the flags wait4(2) accepts (kernel/exit.c:kernel_wait4(),
// v6.18; __WNOTHREAD aside): any other is EINVAL, so the language rejects
// it. waitid(2) accepts these and WEXITED and WNOWAIT
// (kernel_waitid_prepare()).
const (
	Wait4Flags  = WNOHANG | WUNTRACED | WCONTINUED | WALL | WCLONE
	WaitidFlags = Wait4Flags | WEXITED | WNOWAIT
)

// AnyChild is the Target of "wait any" / "waitid any": wait4(-1, ...),
// waitid(P_ALL, 0, ...).
const AnyChild = "any"

// Which cgroup freezer a freeze or thaw op uses (Op.Flags). 0 is the
// scenario's default: v1, or v2 under "oracle cgroup v2".
const (
	FreezerV1 = 1 // cgroup v1: freezer.state (kernel/cgroup/legacy_freezer.c)
	FreezerV2 = 2 // cgroup v2: cgroup.freeze (kernel/cgroup/freezer.c)
)

// FreezerOf is the freezer a freeze or thaw op uses in sc: FreezerV1 or
// FreezerV2.
func (sc *Scenario) FreezerOf(o Op) int {
	if o.Flags == FreezerV1 || o.Flags == FreezerV2 {
		return int(o.Flags)
	}
	if sc.Oracle.Cgroup == "v2" {
		return FreezerV2
	}
	return FreezerV1
}

// UsesFreezer reports whether some freeze or thaw op of sc uses freezer f
// (FreezerV1 or FreezerV2), in the prelude or a script.
func (sc *Scenario) UsesFreezer(f int) bool {
	return sc.anyOp(func(o Op) bool { return (o.Kind == OpFreeze || o.Kind == OpThaw) && sc.FreezerOf(o) == f })
}

// FrozenAlone reports whether thread th is frozen or thawed on its own
// (not through its process) by some op through freezer f (0: either):
// then it lives in a cgroup of its own, a child of its process's. A
// single-threaded process's only thread, or a leader named after its
// process, is the process.
func (sc *Scenario) FrozenAlone(th string, f int) bool {
	for _, pr := range sc.Processes {
		if pr.Name == th || len(pr.Threads) == 1 && pr.Threads[0] == th {
			return false
		}
	}
	return sc.anyOp(func(o Op) bool {
		return (o.Kind == OpFreeze || o.Kind == OpThaw) && o.Target == th && (f == 0 || sc.FreezerOf(o) == f)
	})
}

func (sc *Scenario) anyOp(f func(Op) bool) bool {
	for _, o := range sc.Prelude {
		if f(o) {
			return true
		}
	}
	for _, a := range sc.Actors {
		for _, o := range a.Script {
			if f(o) {
				return true
			}
		}
	}
	return false
}

// Op is one step of an actor's script.
type Op struct {
	Actor  string // who does it
	Kind   OpKind
	Target string // a process or thread name, or "tasklist" for lock/unlock
	Sig    int    // signal number (kill, tkill, cont, detach), or exit code (exit_group)
	Flags  uint32 // wait flags; PTRACE_O_* options (seize, setoptions); for freeze/thaw, which freezer (FreezerV1, FreezerV2, 0: the default)
	Pos    Pos
	// Keys are the observation keys an observe op records (ObserveKeys),
	// in the order written; none for "observe T", which records the state
	// letter as the op's result.
	Keys []string
	// After are the ops of other actors this op waits for: it starts only
	// once each of them has returned ("after A#2").
	After []OpRef
}

// OpRef names one op of an outside actor's script: "A#2" is A's second.
type OpRef struct {
	Actor string
	N     int // 1-based
	Pos   Pos
}

func (r OpRef) String() string { return fmt.Sprintf("%s#%d", r.Actor, r.N) }

func (o Op) String() string {
	s := ""
	for _, r := range o.After {
		s += "after " + r.String() + " "
	}
	s += o.Kind.String()
	if o.Target != "" {
		s += " " + o.Target
	}
	for _, k := range o.Keys {
		s += " " + k
	}
	switch o.Kind {
	case OpKill, OpTkill, OpRaise, OpIgnore, OpHandle, OpDefault, OpBlock, OpUnblock:
		s += " " + SigName(o.Sig)
	case OpSeize, OpSetoptions:
		if f := PtraceOptionsString(o.Flags); f != "" {
			s += " " + f
		}
	case OpCont, OpDetach, OpPtraceSyscall:
		if o.Sig != 0 {
			s += " " + SigName(o.Sig)
		}
	case OpExitGroup:
		s += fmt.Sprint(" ", o.Sig)
	case OpFreeze, OpThaw:
		switch o.Flags {
		case FreezerV1:
			s += " v1"
		case FreezerV2:
			s += " v2"
		}
	case OpWait, OpWaitid:
		if f := WaitFlagsString(o.Flags); f != "" {
			s += " " + f
		}
	}
	return s
}

// CheckKind is the quantifier of a Check.
type CheckKind uint8

const (
	Always    CheckKind = iota // in every reachable state
	Final                      // in every terminal state
	Sometimes                  // in at least one terminal state
)

func (k CheckKind) String() string { return [...]string{"always", "final", "sometimes"}[k] }

// Check is a scenario's own property: a conjunction of atoms.
type Check struct {
	Kind  CheckKind
	Atoms []Atom
	Text  string // as written
	Pos   Pos
}

// Atom is "KEY=VALUE" or "KEY!=VALUE" over the observation keys (see package
// model, Observe). Examples: "T.state=t", "T.exit=killed(SIGKILL)", "P#3=ESRCH".
type Atom struct {
	Key, Value string
	Neg        bool
	Pos        Pos // where the atom is written
}

// Verdict is what a scenario expects under one variant ("*" for every other one).
type Verdict struct {
	Variant    string
	Violation  bool     // expected "violation" (else "pass")
	Properties []string // when a violation: the properties expected to be violated (any of them)
	Pos        Pos
}

// OracleSpec says whether and how the scenario runs on the real kernel.
type OracleSpec struct {
	Skip string // non-empty: not run on the real kernel, with this reason
	// Cgroup is the default freezer of a freeze or thaw op that names
	// none: "v1" (the default) or "v2". An op can name its own
	// ("freeze T v2"), so one scenario can use both.
	Cgroup string
}
