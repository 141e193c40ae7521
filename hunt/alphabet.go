package hunt

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"jobctl/scenario"
)

// Target is what an op's Target names.
type Target uint8

const (
	TargetNone      Target = iota // no target (exit, a thread's sleep)
	TargetProc                    // a process (kill, freeze, thaw: also a thread, for its own cgroup)
	TargetThread                  // a tracee thread
	TargetThreadAny               // a tracee thread, or "any" (wait, waitid)
	TargetLock                    // "tasklist" or "css_set"
)

// OpSpec is one op of the alphabet: who does it, what it takes, and where
// it may appear. The generator draws Sig from Sigs and Flags from Flags.
type OpSpec struct {
	Kind   scenario.OpKind
	Thread bool // done by a tracee thread from user mode (else by an outside actor)
	Target Target
	Sigs   []int    // values of Op.Sig (nil: 0)
	Flags  []uint32 // values of Op.Flags (nil: 0)
	// Weight is how often a random scenario draws it, relative to the
	// others (0: 1); SigWeights weigh Sigs likewise (nil: evenly).
	Weight     int
	SigWeights []int
	// Pair is an op the same actor does, half the time, right after it
	// on the same target (a thaw after a freeze), or OpNone.
	Pair scenario.OpKind
	// ModelOnly: the oracle cannot run it (oracle.Supported says why).
	ModelOnly bool
	// Prelude: it may be an "init" op (it completes on its own).
	Prelude bool
	// Last: nothing of its actor follows it (exit, exit_group; a sleep,
	// which never ends).
	Last bool
	// Then is an op the same actor does right after it (unlock after
	// lock), or OpNone.
	Then scenario.OpKind
	// NeedsParent: a thread op only a thread whose process has a parent
	// actor does (traceme: the real parent becomes the tracer).
	NeedsParent bool
}

// Signals the generator sends: a stop, the continue, the two fatal ones
// (SIGTERM is a default-action kill that a tracer sees first), and an
// ignored one (which only a tracer ever sees).
var (
	sendSigs   = []int{scenario.SIGSTOP, scenario.SIGCONT, scenario.SIGKILL, scenario.SIGTERM, scenario.SIGCHLD, scenario.SIGTSTP}
	sendWeight = []int{3, 2, 3, 1, 1, 1}
	resumeSigs = []int{0, scenario.SIGSTOP, scenario.SIGCONT, scenario.SIGTERM}
	raiseSigs  = []int{scenario.SIGSTOP, scenario.SIGCONT, scenario.SIGTERM, scenario.SIGCHLD}
	freezers   = []uint32{scenario.FreezerV1, scenario.FreezerV2}
	waitFlags  = []uint32{0, scenario.WUNTRACED, scenario.WNOHANG, scenario.WUNTRACED | scenario.WNOHANG,
		scenario.WCONTINUED, scenario.WUNTRACED | scenario.WCONTINUED, scenario.WALL | scenario.WUNTRACED}
	waitidFlags = []uint32{scenario.WEXITED, scenario.WSTOPPED, scenario.WSTOPPED | scenario.WNOHANG,
		scenario.WEXITED | scenario.WNOWAIT, scenario.WCONTINUED, scenario.WEXITED | scenario.WSTOPPED | scenario.WCONTINUED | scenario.WNOHANG}
	seizeOpts = []uint32{0, 0, scenario.PTRACE_O_TRACEEXIT, scenario.PTRACE_O_EXITKILL, scenario.PTRACE_O_TRACESYSGOOD}
	setOpts   = []uint32{scenario.PTRACE_O_TRACEEXIT, scenario.PTRACE_O_EXITKILL, scenario.PTRACE_O_TRACESYSGOOD,
		scenario.PTRACE_O_TRACEEXIT | scenario.PTRACE_O_EXITKILL}
	// Signals a tracee sets a disposition for or blocks: the stop,
	// the continue, a kill, an ignored one, a tty stop.
	dispSigs = []int{scenario.SIGSTOP, scenario.SIGCONT, scenario.SIGTERM, scenario.SIGUSR1, scenario.SIGCHLD, scenario.SIGTSTP}
)

// Alphabet is every op the generator uses. It is a table to extend as the
// language gains ops: an entry is all the generator needs, and a test
// checks that every op of the language is here or in Excluded.
var Alphabet = []OpSpec{
	{Kind: scenario.OpKill, Target: TargetProc, Sigs: sendSigs, SigWeights: sendWeight, Prelude: true, Weight: 5},
	{Kind: scenario.OpTkill, Target: TargetThread, Sigs: sendSigs, SigWeights: sendWeight, Prelude: true, Weight: 2},
	{Kind: scenario.OpFreeze, Target: TargetProc, Flags: freezers, Prelude: true, Weight: 3, Pair: scenario.OpThaw},
	{Kind: scenario.OpThaw, Target: TargetProc, Flags: freezers, Prelude: true},
	{Kind: scenario.OpAttach, Target: TargetThread, Prelude: true, Weight: 2},
	{Kind: scenario.OpSeize, Target: TargetThread, Flags: seizeOpts, Prelude: true, Weight: 2},
	{Kind: scenario.OpInterrupt, Target: TargetThread, Prelude: true, Weight: 2},
	{Kind: scenario.OpListen, Target: TargetThread, Prelude: true},
	{Kind: scenario.OpCont, Target: TargetThread, Sigs: resumeSigs, Prelude: true, Weight: 2},
	{Kind: scenario.OpDetach, Target: TargetThread, Sigs: resumeSigs, Prelude: true},
	{Kind: scenario.OpPtraceSyscall, Target: TargetThread, Sigs: resumeSigs, Prelude: true},
	{Kind: scenario.OpPtraceKill, Target: TargetThread, Prelude: true},
	{Kind: scenario.OpGetregs, Target: TargetThread},
	{Kind: scenario.OpWait, Target: TargetThreadAny, Flags: waitFlags, Prelude: true, Weight: 2},
	{Kind: scenario.OpWaitid, Target: TargetThreadAny, Flags: waitidFlags, Prelude: true},
	{Kind: scenario.OpObserve, Target: TargetThread},
	{Kind: scenario.OpGetsiginfo, Target: TargetThread},
	{Kind: scenario.OpSetoptions, Target: TargetThread, Flags: setOpts, Prelude: true},
	{Kind: scenario.OpExit, Last: true},
	{Kind: scenario.OpLock, Target: TargetLock, ModelOnly: true, Then: scenario.OpUnlock},
	{Kind: scenario.OpRaise, Thread: true, Sigs: raiseSigs, Prelude: true, Weight: 2},
	{Kind: scenario.OpPause, Thread: true, Last: true, Prelude: true, Weight: 2},
	{Kind: scenario.OpSyscall, Thread: true, Prelude: true},
	{Kind: scenario.OpExitGroup, Thread: true, Sigs: []int{0, 3}, Last: true},
	{Kind: scenario.OpTraceme, Thread: true, Prelude: true, NeedsParent: true},
	{Kind: scenario.OpIgnore, Thread: true, Sigs: dispSigs, Prelude: true},
	{Kind: scenario.OpHandle, Thread: true, Sigs: dispSigs, Prelude: true},
	{Kind: scenario.OpDefault, Thread: true, Sigs: dispSigs, Prelude: true},
	{Kind: scenario.OpBlock, Thread: true, Sigs: dispSigs, Prelude: true},
	{Kind: scenario.OpUnblock, Thread: true, Sigs: dispSigs},
}

// Excluded are the ops of the language the generator does not draw, each
// with the reason.
var Excluded = map[scenario.OpKind]string{
	scenario.OpNone:   "not an op",
	scenario.OpUnlock: "drawn only after its lock (OpSpec.Then)",
	scenario.OpSettle: "an ordering aid for written scenarios: the interleavings it removes are what a hunt is after",
}

// Spec returns the alphabet's entry for op kind k.
func SpecOf(k scenario.OpKind) (OpSpec, bool) {
	for _, s := range Alphabet {
		if s.Kind == k {
			return s, true
		}
	}
	return OpSpec{}, false
}

// ParseOps reads a comma-separated list of op names ("kill,attach,wait")
// into op kinds; "" is every op of the alphabet.
func ParseOps(list string) ([]scenario.OpKind, error) {
	if strings.TrimSpace(list) == "" {
		return nil, nil
	}
	var out []scenario.OpKind
	for _, n := range strings.Split(list, ",") {
		n = strings.TrimSpace(n)
		found := false
		for _, s := range Alphabet {
			if s.Kind.String() == n {
				out = append(out, s.Kind)
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("unknown op %q (want one of: %s)", n, strings.Join(OpNames(), ", "))
		}
	}
	return out, nil
}

// OpNames lists the alphabet's op names, sorted.
func OpNames() []string {
	var out []string
	for _, s := range Alphabet {
		out = append(out, s.Kind.String())
	}
	sort.Strings(out)
	return out
}

// Bounds limit the scenarios a hunt generates.
type Bounds struct {
	Procs   int // processes (1..)
	Threads int // threads per process (1..)
	Actors  int // outside actors (1..)
	Ops     int // script ops of one actor or thread
	Total   int // script ops in all
	Init    int // prelude ("init") ops
	// Kinds are the ops drawn (nil: the whole alphabet); Sigs the signals
	// an op that takes one is drawn with (nil: its alphabet entry's; an op
	// left with none is not drawn; a resume op may still take none).
	Kinds []scenario.OpKind
	Sigs  []int
	// ModelOnly allows ops and configurations the oracle cannot run
	// (lock/unlock, PREEMPT_RT); a hunt with the oracle never draws them.
	ModelOnly bool
}

// DefaultBounds are small: most findings need two or three actors and a
// handful of ops, and small scenarios explore in milliseconds.
func DefaultBounds() Bounds {
	return Bounds{Procs: 2, Threads: 2, Actors: 3, Ops: 3, Total: 5, Init: 2}
}

// Validate reports bounds that cannot generate anything or exceed the
// model's limits.
func (b Bounds) Validate() error {
	switch {
	case b.Procs < 1 || b.Procs > 4:
		return fmt.Errorf("processes: want 1..4, got %d", b.Procs)
	case b.Threads < 1 || b.Threads > 4:
		return fmt.Errorf("threads per process: want 1..4, got %d", b.Threads)
	case b.Procs*b.Threads > 8:
		return fmt.Errorf("%d processes of %d threads: the model holds at most 8 threads", b.Procs, b.Threads)
	case b.Actors < 1 || b.Actors > 8:
		return fmt.Errorf("actors: want 1..8, got %d", b.Actors)
	case b.Ops < 1 || b.Ops > 32:
		return fmt.Errorf("ops per actor: want 1..32, got %d", b.Ops)
	case b.Total < 1 || b.Total > 64:
		return fmt.Errorf("ops in all: want 1..64, got %d", b.Total)
	case b.Init < 0 || b.Init > 16:
		return fmt.Errorf("init ops: want 0..16, got %d", b.Init)
	}
	for _, k := range b.Kinds {
		if _, ok := SpecOf(k); !ok {
			return fmt.Errorf("op %s is not in the alphabet", k)
		}
	}
	for _, s := range b.Sigs {
		if s < 1 || s > 31 {
			return fmt.Errorf("signal %d out of range 1..31", s)
		}
	}
	if len(b.specs(false, false))+len(b.specs(true, false)) == 0 {
		return fmt.Errorf("no op of the alphabet is left to draw")
	}
	return nil
}

// ParseSigs reads a comma-separated list of signals ("SIGCONT,KILL,9").
func ParseSigs(list string) ([]int, error) {
	if strings.TrimSpace(list) == "" {
		return nil, nil
	}
	var out []int
	for _, n := range strings.Split(list, ",") {
		s, err := scenario.ParseSig(strings.TrimSpace(n))
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// specs is the part of the alphabet b draws from, for outside actors and
// for threads, in the prelude or in scripts.
func (b Bounds) specs(thread, prelude bool) []OpSpec {
	var out []OpSpec
	for _, s := range Alphabet {
		if s.Thread != thread || prelude && !s.Prelude || s.ModelOnly && !b.ModelOnly {
			continue
		}
		if b.Kinds != nil {
			ok := false
			for _, k := range b.Kinds {
				ok = ok || k == s.Kind
			}
			if !ok {
				continue
			}
		}
		if b.Sigs != nil && s.Sigs != nil && s.Kind != scenario.OpExitGroup {
			var sigs, weights []int
			for i, x := range s.Sigs {
				if x == 0 || slices.Contains(b.Sigs, x) {
					sigs = append(sigs, x)
					if s.SigWeights != nil {
						weights = append(weights, s.SigWeights[i])
					}
				}
			}
			if len(sigs) == 0 {
				continue
			}
			s.Sigs, s.SigWeights = sigs, weights
		}
		out = append(out, s)
	}
	return out
}
