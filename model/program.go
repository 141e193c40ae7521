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
	Flags int
	// Cg is the cgroup a freeze or thaw op acts on (Program.Cgroups).
	Cg int
	// Res is the op's result slot in State.Res, or -1 for an op without
	// a result (a tracee thread's).
	Res int
	Src scenario.Op
}

// Compile resolves the names of sc.
func Compile(sc *scenario.Scenario) (*Program, error) {
	p := &Program{Sc: sc}
	taskIdx := map[string]int{}
	procIdx := map[string]int{}
	actorIdx := map[string]int{}
	for _, pr := range sc.Processes {
		if len(p.Procs) == MaxProcs {
			return nil, fmt.Errorf("%s: at most %d processes", pr.Pos, MaxProcs)
		}
		pd := ProcDef{Name: pr.Name, Parent: -1, Orphaned: pr.Orphaned}
		procIdx[pr.Name] = len(p.Procs)
		for i, th := range pr.Threads {
			if len(p.Tasks) == MaxTasks {
				return nil, fmt.Errorf("%s: at most %d threads in all", pr.Pos, MaxTasks)
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
			return nil, fmt.Errorf("%s: at most %d actors besides the tracee threads", a.Pos, MaxActors)
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
		case scenario.OpExit, scenario.OpPause, scenario.OpExitGroup, scenario.OpSyscall:
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
	// newRes gives an op of an outside actor its result slot.
	newRes := func(r *Op) error {
		if p.Actors[r.Actor].Task >= 0 {
			return nil
		}
		if p.NRes == MaxResults {
			return fmt.Errorf("%s: at most %d ops with a result in all (the prelude included)", r.Src.Pos, MaxResults)
		}
		r.Res = p.NRes
		p.NRes++
		return nil
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
			return nil, fmt.Errorf("%s: %s has %d ops, at most %d per actor", a.Script[MaxOps].Pos, a.Name, len(a.Script), MaxOps)
		}
		for _, o := range a.Script {
			r, err := resolve(o)
			if err != nil {
				return nil, err
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
			return nil, fmt.Errorf("%s: %s has %d ops with its prelude, at most %d per thread", td.Script[MaxOps].Src.Pos, td.Name, len(td.Script), MaxOps)
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

// ActorOf returns the actor index of task t.
func (p *Program) ActorOf(t int) int { return p.NOutside + t }
