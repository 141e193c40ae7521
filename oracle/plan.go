package oracle

import (
	"fmt"
	"slices"

	"jobctl/scenario"
)

// Limits of the shared-memory layout (see shm_linux.go).
const (
	maxProcs   = 32
	maxThreads = 32
)

// initActor is the name of the init-like helper: the real parent of every
// process without a Parent, and the subreaper of all helpers. A scenario
// cannot declare it ('%' is not an identifier character).
const initActor = "%init"

// plan is a validated scenario, resolved into indexes.
type plan struct {
	sc *scenario.Scenario
	// v2: the default freezer is cgroup v2 ("oracle cgroup v2"); usesV2:
	// some op freezes through it. Every run has a v1 freezer cgroup per
	// process (PROC.freezer is always observed), and a v2 one as well
	// when usesV2.
	v2, usesV2 bool
	// cgroups are the run's cgroups, as package model makes them (see
	// model/cgroup.go): per hierarchy one per process, and one per thread
	// that an op freezes or thaws on its own, a child of its process's.
	cgroups []planCgroup
	procs   []planProc
	actors  []planActor     // declaration order, as sc.Actors
	byProc  map[string]int  // process name -> index in procs
	byThr   map[string]tref // thread name -> where it lives
	byActor map[string]int  // actor name -> index in actors
}

type planProc struct {
	name    string
	threads []string
	parent  string // an outside actor, or initActor
}

// planCgroup is one cgroup of a run.
type planCgroup struct {
	name   string // the process's, or the thread's that lives in it alone
	v2     bool
	proc   int // the process
	thread int // the thread's index in its process, or -1 for the process's cgroup
}

type planActor struct {
	name   string
	thread bool
	at     tref // the thread, when thread is set
	script []scenario.Op
}

// tref names one tracee thread: process index and thread index (0 = leader).
type tref struct{ p, t int }

// newPlan validates sc and resolves its names. It never panics on bad input;
// every error names what is wrong and where.
func newPlan(sc *scenario.Scenario) (*plan, error) {
	if sc == nil {
		return nil, fmt.Errorf("no scenario")
	}
	pl := &plan{sc: sc, byProc: map[string]int{}, byThr: map[string]tref{}, byActor: map[string]int{}}
	switch sc.Oracle.Cgroup {
	case "", "v1":
	case "v2":
		pl.v2 = true
	default:
		return nil, fmt.Errorf("oracle cgroup %q: want v1 or v2", sc.Oracle.Cgroup)
	}
	if len(sc.Processes) == 0 {
		return nil, fmt.Errorf("scenario %s has no process", sc.Name)
	}
	if len(sc.Processes) > maxProcs {
		return nil, fmt.Errorf("%s: process %s is the %d-th: the oracle's limit is %d processes (its shared memory's layout)", sc.Processes[maxProcs].Pos, sc.Processes[maxProcs].Name, maxProcs+1, maxProcs)
	}
	for i, p := range sc.Processes {
		if p.Name == "" {
			return nil, fmt.Errorf("%s: process without a name", p.Pos)
		}
		if _, dup := pl.byProc[p.Name]; dup {
			return nil, fmt.Errorf("%s: process %s declared twice", p.Pos, p.Name)
		}
		if len(p.Threads) == 0 {
			return nil, fmt.Errorf("%s: process %s has no thread", p.Pos, p.Name)
		}
		if len(p.Threads) > maxThreads {
			return nil, fmt.Errorf("%s: process %s has %d threads: the oracle's limit is %d threads per process (its shared memory's layout)", p.Pos, p.Name, len(p.Threads), maxThreads)
		}
		pl.byProc[p.Name] = i
		for j, t := range p.Threads {
			if t == "" {
				return nil, fmt.Errorf("%s: process %s: thread without a name", p.Pos, p.Name)
			}
			if _, dup := pl.byThr[t]; dup {
				return nil, fmt.Errorf("%s: thread %s declared twice", p.Pos, t)
			}
			pl.byThr[t] = tref{i, j}
		}
		pl.procs = append(pl.procs, planProc{name: p.Name, threads: p.Threads, parent: p.Parent})
	}
	for i, a := range sc.Actors {
		if a.Name == "" {
			return nil, fmt.Errorf("%s: actor without a name", a.Pos)
		}
		if _, dup := pl.byActor[a.Name]; dup {
			return nil, fmt.Errorf("%s: actor %s declared twice", a.Pos, a.Name)
		}
		pa := planActor{name: a.Name, thread: a.Thread, script: a.Script}
		if a.Thread {
			r, ok := pl.byThr[a.Name]
			if !ok {
				return nil, fmt.Errorf("%s: thread actor %s is no tracee thread", a.Pos, a.Name)
			}
			pa.at = r
		} else if _, isThr := pl.byThr[a.Name]; isThr {
			return nil, fmt.Errorf("%s: actor %s has the name of a tracee thread", a.Pos, a.Name)
		}
		pl.byActor[a.Name] = i
		pl.actors = append(pl.actors, pa)
	}
	for i := range pl.procs {
		p := &pl.procs[i]
		if p.parent == "" {
			p.parent = initActor
			continue
		}
		ai, ok := pl.byActor[p.parent]
		if !ok {
			return nil, fmt.Errorf("%s: parent %s of process %s is not a declared actor", sc.Processes[i].Pos, p.parent, p.name)
		}
		if pl.actors[ai].thread {
			return nil, fmt.Errorf("%s: parent %s of process %s is a tracee thread", sc.Processes[i].Pos, p.parent, p.name)
		}
	}
	for _, op := range sc.Prelude {
		if err := pl.checkOp(op.Actor, op); err != nil {
			return nil, err
		}
	}
	for _, a := range sc.Actors {
		for _, op := range a.Script {
			if err := pl.checkOp(a.Name, op); err != nil {
				return nil, err
			}
		}
	}
	pl.usesV2 = sc.UsesFreezer(scenario.FreezerV2)
	for _, v2 := range []bool{false, true} {
		if v2 && !pl.usesV2 {
			continue
		}
		f := map[bool]int{false: scenario.FreezerV1, true: scenario.FreezerV2}[v2]
		for i, p := range pl.procs {
			pl.cgroups = append(pl.cgroups, planCgroup{name: p.name, v2: v2, proc: i, thread: -1})
			for j, t := range p.threads {
				if len(p.threads) > 1 && sc.FrozenAlone(t, f) {
					pl.cgroups = append(pl.cgroups, planCgroup{name: t, v2: v2, proc: i, thread: j})
				}
			}
		}
	}
	return pl, nil
}

// cgroupOf is the index in pl.cgroups of the cgroup a freeze or thaw op
// acts on: the named thread's own, or its process's.
func (pl *plan) cgroupOf(op scenario.Op) int {
	v2 := pl.sc.FreezerOf(op) == scenario.FreezerV2
	p, _ := pl.proc(op.Target)
	for i, c := range pl.cgroups {
		if c.v2 == v2 && c.proc == p && (c.name == op.Target || c.thread < 0 && !pl.hasOwn(v2, op.Target)) {
			return i
		}
	}
	return -1
}

// hasOwn: thread name lives in a cgroup of its own in that hierarchy.
func (pl *plan) hasOwn(v2 bool, name string) bool {
	for _, c := range pl.cgroups {
		if c.v2 == v2 && c.thread >= 0 && c.name == name {
			return true
		}
	}
	return false
}

// checkOp validates one op done by actor who.
func (pl *plan) checkOp(who string, op scenario.Op) error {
	ai, ok := pl.byActor[who]
	if !ok {
		return fmt.Errorf("%s: %s: %s is not a declared actor", op.Pos, op, who)
	}
	a := pl.actors[ai]
	switch {
	case op.Kind == scenario.OpLock || op.Kind == scenario.OpUnlock:
		return nil // Supported rejects these; Run never gets that far
	case op.Kind.ThreadOp() && !a.thread:
		return fmt.Errorf("%s: %s: only a tracee thread can %s", op.Pos, op, op.Kind)
	case a.thread && !op.Kind.ThreadOp():
		return fmt.Errorf("%s: %s: a tracee thread cannot %s", op.Pos, op, op.Kind)
	}
	switch op.Kind {
	case scenario.OpKill, scenario.OpTkill, scenario.OpRaise, scenario.OpCont, scenario.OpDetach, scenario.OpPtraceSyscall,
		scenario.OpIgnore, scenario.OpHandle, scenario.OpDefault, scenario.OpBlock, scenario.OpUnblock:
		if op.Sig < 0 || op.Sig > 64 {
			return fmt.Errorf("%s: %s: signal %d out of range", op.Pos, op, op.Sig)
		}
	case scenario.OpExitGroup:
		if op.Sig < 0 || op.Sig > 255 {
			return fmt.Errorf("%s: %s: exit code %d out of range 0..255", op.Pos, op, op.Sig)
		}
	}
	switch op.Kind {
	case scenario.OpKill, scenario.OpFreeze, scenario.OpThaw:
		if _, err := pl.proc(op.Target); err != nil {
			return fmt.Errorf("%s: %s: %v", op.Pos, op, err)
		}
	case scenario.OpTkill, scenario.OpAttach, scenario.OpSeize, scenario.OpInterrupt, scenario.OpListen,
		scenario.OpCont, scenario.OpDetach, scenario.OpPtraceKill, scenario.OpGetregs, scenario.OpWait, scenario.OpObserve,
		scenario.OpPtraceSyscall, scenario.OpWaitid, scenario.OpGetsiginfo, scenario.OpSetoptions:
		if (op.Kind == scenario.OpWait || op.Kind == scenario.OpWaitid) && op.Target == scenario.AnyChild {
			break
		}
		if _, err := pl.thread(op.Target); err != nil {
			return fmt.Errorf("%s: %s: %v", op.Pos, op, err)
		}
	case scenario.OpExit, scenario.OpRaise, scenario.OpPause, scenario.OpSyscall, scenario.OpExitGroup, scenario.OpSettle,
		scenario.OpTraceme, scenario.OpIgnore, scenario.OpHandle, scenario.OpDefault, scenario.OpBlock, scenario.OpUnblock:
	default:
		return fmt.Errorf("%s: unknown op %s", op.Pos, op.Kind)
	}
	for _, k := range op.Keys {
		if op.Kind != scenario.OpObserve || !slices.Contains(scenario.ObserveKeys, k) {
			return fmt.Errorf("%s: %s: no observation key %q", op.Pos, op, k)
		}
	}
	for _, g := range op.After {
		bi, ok := pl.byActor[g.Actor]
		if !ok || pl.actors[bi].thread {
			return fmt.Errorf("%s: %s: %s is not an outside actor", g.Pos, op, g.Actor)
		}
		if g.N < 1 || g.N > len(pl.actors[bi].script) {
			return fmt.Errorf("%s: %s: %s has ops 1..%d", g.Pos, op, g.Actor, len(pl.actors[bi].script))
		}
	}
	return nil
}

// proc resolves a process-directed target: a process name, or the name of
// one of its threads (kill(2) of a thread's pid signals its whole group).
func (pl *plan) proc(name string) (int, error) {
	if i, ok := pl.byProc[name]; ok {
		return i, nil
	}
	if r, ok := pl.byThr[name]; ok {
		return r.p, nil
	}
	return 0, fmt.Errorf("no process or thread named %q", name)
}

// thread resolves a thread-directed target: a thread name, or a process name
// standing for its leader.
func (pl *plan) thread(name string) (tref, error) {
	if r, ok := pl.byThr[name]; ok {
		return r, nil
	}
	if i, ok := pl.byProc[name]; ok {
		return tref{i, 0}, nil
	}
	return tref{}, fmt.Errorf("no thread or process named %q", name)
}

// allOps calls f for every op of the scenario, prelude first.
func allOps(sc *scenario.Scenario, f func(op scenario.Op) string) string {
	for _, op := range sc.Prelude {
		if r := f(op); r != "" {
			return r
		}
	}
	for _, a := range sc.Actors {
		for _, op := range a.Script {
			if r := f(op); r != "" {
				return r
			}
		}
	}
	return ""
}

// threadCgroup is the index in pl.cgroups of thread t's cgroup in the v1
// (v2 false) or v2 hierarchy: its own, or its process's; -1 if the run has
// no such hierarchy.
func (pl *plan) threadCgroup(t tref, v2 bool) int {
	own, proc := -1, -1
	for i, c := range pl.cgroups {
		if c.v2 != v2 || c.proc != t.p {
			continue
		}
		switch c.thread {
		case t.t:
			own = i
		case -1:
			proc = i
		}
	}
	if own >= 0 {
		return own
	}
	return proc
}
