package model

import (
	"fmt"
	"math/bits"

	"jobctl/scenario"
)

// Program is a scenario compiled against the model: names resolved to
// task, group and actor indices.
type Program struct {
	Sc     *scenario.Scenario
	Tasks  []TaskDef
	Procs  []ProcDef
	Actors []ActorDef // every actor, outside actors first, then one per tracee thread
	// NOutside is the number of outside actors (indices 0..NOutside-1 of
	// Actors, and of State.Actor).
	NOutside int
	Prelude  []Op
	// Cgroups are the cgroups the tasks live in (see cgroup.go).
	Cgroups []CgroupDef
	// UsesCssSet: an actor takes css_set_lock, so the stops' S3 step
	// (cgroup_enter_frozen()) is modelled.
	UsesCssSet bool
	// UsesV2: the scenario freezes through cgroup v2, so the tasks'
	// cgroup_enter_frozen()/cgroup_leave_frozen() calls are modelled.
	UsesV2 bool
	// NRes is the number of result slots (State.Res) the ops use.
	NRes int
	// Layout is the part of State this scenario uses.
	Layout Layout
}

// TaskDef is one tracee thread.
type TaskDef struct {
	Name   string
	Proc   int
	Leader bool
	// Script is the thread's user-mode ops: its prelude ("init") ops
	// first, then its script. Task.ScriptPC indexes it.
	Script  []Op
	Prelude int // how many of Script's ops are the prelude's
	// Cg is the task's cgroup in each hierarchy (V1, V2), or -1.
	Cg [2]int
}

// ProcDef is one simulated thread group.
type ProcDef struct {
	Name    string
	Threads []int // task indices, leader first
	Parent  int   // actor index of the real parent, or -1
	// Orphaned: is_current_pgrp_orphaned() is true for the group's
	// threads (the scenario's "orphaned").
	Orphaned bool
	// Handlers: a thread of the group installs a handler ("handle"),
	// so an interrupted nanosleep()'s -ERESTART_RESTARTBLOCK can matter:
	// a handler makes it -EINTR. Without one it is always restarted,
	// and the model does not keep it.
	Handlers bool
}

// ActorDef is one actor: outside (Task < 0) or a tracee thread.
type ActorDef struct {
	Name   string
	Task   int // tracee thread index, or -1
	Script []Op
}

// Op is a resolved scenario op.
type Op struct {
	Kind  scenario.OpKind
	Actor int // actor index
	T     int // target task (the group leader for process targets), or -1
	Proc  int // target group, or -1
	Sig   int
	Flags uint32
	// Cg is the cgroup a freeze or thaw op acts on (Program.Cgroups).
	Cg int
	// Res is the op's first result slot in State.Res, or -1 for an op
	// without a result (a tracee thread's). An observe op that records
	// keys has one slot per key from there (two for a signal set); any
	// other op has one.
	Res int
	// Keys are the keys an observe op records, in order ("observe T
	// pending tracer"); none for "observe T", whose result is the letter.
	Keys []ObsKey
	// After are the ops that must have returned before this op starts.
	After []Gate
	Src   scenario.Op
}

// Gate is "after A#N": outside actor Actor has completed its N-th op
// (its PC is at least N).
type Gate struct {
	Actor int
	N     uint8
}

// slots is the number of result slots op takes.
func (o *Op) slots() int {
	if len(o.Keys) == 0 {
		return 1
	}
	n := 0
	for _, k := range o.Keys {
		n += k.Width()
	}
	return n
}

// Compile resolves the names of sc.
func Compile(sc *scenario.Scenario) (*Program, error) {
	p := &Program{Sc: sc}
	taskIdx := map[string]int{}
	procIdx := map[string]int{}
	actorIdx := map[string]int{}
	for _, pr := range sc.Processes {
		if len(p.Procs) == MaxProcs {
			return nil, fmt.Errorf("%s: a %d%s process: the model's limit is %d processes (MaxProcs)", pr.Pos, MaxProcs+1, ordinal(MaxProcs+1), MaxProcs)
		}
		pd := ProcDef{Name: pr.Name, Parent: -1, Orphaned: pr.Orphaned}
		procIdx[pr.Name] = len(p.Procs)
		for i, th := range pr.Threads {
			if len(p.Tasks) == MaxTasks {
				return nil, fmt.Errorf("%s: thread %s is the %d%s: the model's limit is %d tracee threads over all processes (MaxTasks)", pr.Pos, th, MaxTasks+1, ordinal(MaxTasks+1), MaxTasks)
			}
			taskIdx[th] = len(p.Tasks)
			pd.Threads = append(pd.Threads, len(p.Tasks))
			p.Tasks = append(p.Tasks, TaskDef{Name: th, Proc: len(p.Procs), Leader: i == 0})
		}
		p.Procs = append(p.Procs, pd)
	}
	for _, a := range sc.Actors {
		if a.Thread {
			continue
		}
		if p.NOutside == MaxActors {
			return nil, fmt.Errorf("%s: actor %s is the %d%s: the model's limit is %d actors besides the tracee threads (MaxActors)", a.Pos, a.Name, MaxActors+1, ordinal(MaxActors+1), MaxActors)
		}
		actorIdx[a.Name] = len(p.Actors)
		p.Actors = append(p.Actors, ActorDef{Name: a.Name, Task: -1})
		p.NOutside++
	}
	for i, td := range p.Tasks {
		actorIdx[td.Name] = len(p.Actors)
		p.Actors = append(p.Actors, ActorDef{Name: td.Name, Task: i})
	}
	for i, pr := range sc.Processes {
		if pr.Parent != "" {
			ai, ok := actorIdx[pr.Parent]
			if !ok || p.Actors[ai].Task >= 0 {
				return nil, fmt.Errorf("%s: parent %q is not an actor", pr.Pos, pr.Parent)
			}
			p.Procs[i].Parent = ai
		}
	}
	resolve := func(o scenario.Op) (Op, error) {
		ai, ok := actorIdx[o.Actor]
		if !ok {
			return Op{}, fmt.Errorf("%s: unknown actor %q", o.Pos, o.Actor)
		}
		r := Op{Kind: o.Kind, Actor: ai, T: -1, Proc: -1, Cg: -1, Sig: o.Sig, Flags: o.Flags, Res: -1, Src: o}
		isThread := p.Actors[ai].Task >= 0
		threadOp := o.Kind.ThreadOp()
		if isThread != threadOp {
			if isThread {
				return Op{}, fmt.Errorf("%s: %s is a tracee thread; it can only do a tracee thread's ops (raise, sleep, syscall, exit_group, traceme, ignore, handle, default, block, unblock)", o.Pos, o.Actor)
			}
			return Op{}, fmt.Errorf("%s: %s is not a tracee thread; only tracee threads can %s", o.Pos, o.Actor, o.Kind)
		}
		for _, name := range o.Keys {
			k, ok := ParseKey(name)
			if !ok || o.Kind != scenario.OpObserve {
				return Op{}, fmt.Errorf("%s: %s does not record key %q", o.Pos, o.Kind, name)
			}
			r.Keys = append(r.Keys, k)
		}
		switch o.Kind {
		case scenario.OpTraceme:
			pd := p.Procs[p.Tasks[p.Actors[ai].Task].Proc]
			if pd.Parent < 0 {
				return Op{}, fmt.Errorf("%s: traceme makes the real parent the tracer: give process %s a parent actor (\"process %s parent ACTOR\")", o.Pos, pd.Name, pd.Name)
			}
			parent := p.Actors[pd.Parent].Name
			for _, po := range allOps(sc) {
				if po.Actor == parent && po.Kind == scenario.OpExit {
					// After the parent's exit the reaper, which is no
					// actor, would become the tracer.
					return Op{}, fmt.Errorf("%s: traceme in a process whose parent %s exits is not modelled (the reaper would become the tracer)", o.Pos, parent)
				}
			}
			return r, nil
		case scenario.OpExit, scenario.OpPause, scenario.OpExitGroup, scenario.OpSyscall, scenario.OpSettle:
			return r, nil
		case scenario.OpRaise, scenario.OpIgnore, scenario.OpHandle, scenario.OpDefault, scenario.OpBlock, scenario.OpUnblock:
			return r, nil
		case scenario.OpLock, scenario.OpUnlock:
			if o.Target != "tasklist" && o.Target != "css_set" {
				return Op{}, fmt.Errorf("%s: %s takes \"tasklist\" or \"css_set\", got %q", o.Pos, o.Kind, o.Target)
			}
			if o.Target == "css_set" {
				p.UsesCssSet = true
			}
			return r, nil
		case scenario.OpWait, scenario.OpWaitid:
			if o.Target == scenario.AnyChild {
				return r, nil // wait4(-1), waitid(P_ALL): T and Proc stay -1
			}
		}
		if pi, ok := procIdx[o.Target]; ok && (o.Kind == scenario.OpFreeze || o.Kind == scenario.OpThaw) {
			// A process's name names its cgroup, even when its leader
			// has the same name.
			r.Proc = pi
			r.T = p.Procs[pi].Threads[0]
			r.Src.Target = o.Target
		} else if ti, ok := taskIdx[o.Target]; ok {
			r.T = ti
			r.Proc = p.Tasks[ti].Proc
		} else if pi, ok := procIdx[o.Target]; ok {
			r.Proc = pi
			r.T = p.Procs[pi].Threads[0]
		} else {
			return Op{}, fmt.Errorf("%s: unknown process or thread %q", o.Pos, o.Target)
		}
		return r, nil
	}
	// newRes gives an op of an outside actor its result slots.
	newRes := func(r *Op) error {
		if p.Actors[r.Actor].Task >= 0 {
			return nil
		}
		if n := r.slots(); p.NRes+n > MaxResults {
			return fmt.Errorf("%s: with this op's result the scenario needs %d result slots: the model's limit is %d result slots over all scripts and the prelude (MaxResults; an op takes one, an observe op one per key and two per signal set)", r.Src.Pos, p.NRes+n, MaxResults)
		}
		r.Res = p.NRes
		p.NRes += r.slots()
		return nil
	}
	// gate resolves "after A#N" (the parser has checked the order can be
	// met; a Scenario built by hand gets the same checks of its names).
	gate := func(ref scenario.OpRef) (Gate, error) {
		ai, ok := actorIdx[ref.Actor]
		if !ok || p.Actors[ai].Task >= 0 {
			return Gate{}, fmt.Errorf("%s: after %s: %s is not an outside actor", ref.Pos, ref, ref.Actor)
		}
		n := 0
		for _, b := range sc.Actors {
			if b.Name == ref.Actor {
				n = len(b.Script)
			}
		}
		if ref.N < 1 || ref.N > n {
			return Gate{}, fmt.Errorf("%s: after %s: %s has ops 1..%d", ref.Pos, ref, ref.Actor, n)
		}
		return Gate{Actor: ai, N: uint8(ref.N)}, nil
	}
	p.compileCgroups()
	p.UsesV2 = sc.UsesFreezer(scenario.FreezerV2)
	cg := func(r *Op) {
		if r.Kind == scenario.OpFreeze || r.Kind == scenario.OpThaw {
			r.Cg = p.cgroupOf(r)
		}
	}
	for _, a := range sc.Actors {
		ai := actorIdx[a.Name]
		if len(a.Script) > MaxOps {
			// Script positions are uint8 counters in State; the bound
			// keeps them far from overflow.
			return nil, fmt.Errorf("%s: op %d of %s: the model's limit is %d ops per actor (MaxOps)", a.Script[MaxOps].Pos, MaxOps+1, a.Name, MaxOps)
		}
		for _, o := range a.Script {
			r, err := resolve(o)
			if err != nil {
				return nil, err
			}
			for _, ref := range o.After {
				g, err := gate(ref)
				if err != nil {
					return nil, err
				}
				r.After = append(r.After, g)
			}
			if err := newRes(&r); err != nil {
				return nil, err
			}
			cg(&r)
			if t := p.Actors[ai].Task; t >= 0 {
				p.Tasks[t].Script = append(p.Tasks[t].Script, r)
			}
			p.Actors[ai].Script = append(p.Actors[ai].Script, r)
		}
	}
	for _, o := range sc.Prelude {
		r, err := resolve(o)
		if err != nil {
			return nil, err
		}
		if len(o.After) > 0 {
			return nil, fmt.Errorf("%s: after orders script ops; the prelude runs in the order written", o.After[0].Pos)
		}
		if err := newRes(&r); err != nil {
			return nil, err
		}
		cg(&r)
		p.Prelude = append(p.Prelude, r)
		if t := p.Actors[r.Actor].Task; t >= 0 {
			p.Tasks[t].Prelude++
		}
	}
	// A thread's prelude ops come first in its script: after the
	// prelude it is where the prelude left it (ScriptPC), a thread parked
	// by "init T: sleep" still in its nanosleep.
	for t := range p.Tasks {
		td := &p.Tasks[t]
		var pre []Op
		for _, r := range p.Prelude {
			if p.Actors[r.Actor].Task == t {
				pre = append(pre, r)
			}
		}
		td.Script = append(pre, td.Script...)
		if len(td.Script) > MaxOps {
			return nil, fmt.Errorf("%s: op %d of %s, counting its init ops: the model's limit is %d ops per actor (MaxOps)", td.Script[MaxOps].Src.Pos, MaxOps+1, td.Name, MaxOps)
		}
	}
	// Task.Frames holds 6 signal frames; a frame's signal is blocked
	// while it lives, so a thread has at most one per handled signal.
	for pi, pd := range p.Procs {
		var handled uint32
		var last scenario.Op
		for _, o := range allOps(sc) {
			if o.Kind == scenario.OpHandle && p.Actors[actorIdx[o.Actor]].Task >= 0 && p.Tasks[p.Actors[actorIdx[o.Actor]].Task].Proc == pi {
				handled |= sigmask(o.Sig)
				last = o
			}
		}
		p.Procs[pi].Handlers = handled != 0
		if bits.OnesCount32(handled) > maxFrames {
			return nil, fmt.Errorf("%s: at most %d signals with a handler in process %s", last.Pos, maxFrames, pd.Name)
		}
	}
	p.Layout = newLayout(p)
	return p, nil
}

// allOps is every op of sc: the prelude's, then each actor's script.
func allOps(sc *scenario.Scenario) []scenario.Op {
	ops := append([]scenario.Op(nil), sc.Prelude...)
	for _, a := range sc.Actors {
		ops = append(ops, a.Script...)
	}
	return ops
}

// Result is the result of op i of actor a in s (ResPending until done).
func (p *Program) Result(s *State, a, i int) Result {
	if r := p.Actors[a].Script[i].Res; r >= 0 {
		return s.Res[r]
	}
	return ResPending
}

// After reports whether every op that op waits for ("after A#N") has
// returned in s.
func (c *Ctx) After(op *Op) bool {
	for _, g := range op.After {
		if c.S.Actor[g.Actor].PC < g.N {
			return false
		}
	}
	return true
}

func ordinal(n int) string {
	switch {
	case n%100 >= 11 && n%100 <= 13:
		return "th"
	case n%10 == 1:
		return "st"
	case n%10 == 2:
		return "nd"
	case n%10 == 3:
		return "rd"
	}
	return "th"
}

// ActorOf returns the actor index of task t.
func (p *Program) ActorOf(t int) int { return p.NOutside + t }
