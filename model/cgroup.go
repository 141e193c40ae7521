package model

import "jobctl/scenario"

// The cgroups a scenario's tasks live in, for the two freezers: the cgroup
// v1 freezer (kernel/cgroup/legacy_freezer.c) and the cgroup v2 one
// (kernel/cgroup/freezer.c). This machine, like many distributions until
// recently, mounts both side by side, so every task is in one cgroup of
// each hierarchy, and each freezer acts on it independently.
//
// Membership is decided at compile time, from the scenario. Every process
// has a cgroup of its own in the v1 hierarchy (and in the v2 one when the
// scenario freezes through v2). A thread that a freeze or thaw op names on
// its own ("freeze T2") lives in a cgroup of its own in that hierarchy, a
// child of its process's: v1 membership is per thread (the "tasks" file),
// and v2 has threaded cgroups (cgroup.type "threaded", cgroup.threads).
// Freezing the process then freezes the thread too: in v1 the child
// inherits CGROUP_FREEZING_PARENT (freezer_change_state()), in v2 its
// e_freeze counts the ancestor's request (cgroup_freeze()).

// MaxCgroups bounds the cgroups of one scenario: in each hierarchy one per
// process and one per thread frozen on its own.
const MaxCgroups = 2 * (MaxProcs + MaxTasks)

// Cgroup is the freezer state of one cgroup.
type Cgroup struct {
	// State is freezer->state for a v1 cgroup (CGROUP_FREEZING_SELF,
	// CGROUP_FREEZING_PARENT, CGROUP_FROZEN; CGROUP_FREEZER_ONLINE is
	// always set and not kept), cgrp->flags' CGRP_FREEZE and CGRP_FROZEN
	// for a v2 one. v1: under freezer_mutex; v2: under css_set_lock.
	State uint8
	// Freeze is cgrp->freezer.freeze (v2): what cgroup.freeze was last
	// set to.
	Freeze bool
	// EFreeze is cgrp->freezer.e_freeze (v2): how many of this cgroup
	// and its ancestors ask it to freeze.
	EFreeze uint8
	_       uint8
}

// freezer->state bits (kernel/cgroup/legacy_freezer.c, v6.18).
const (
	CGROUP_FREEZING_SELF   uint8 = 1 << 1 // "FROZEN" was written to this cgroup's freezer.state
	CGROUP_FREEZING_PARENT uint8 = 1 << 2 // an ancestor is freezing
	CGROUP_FROZEN          uint8 = 1 << 3 // this cgroup and its descendants are frozen (set lazily by a read)

	CGROUP_FREEZING = CGROUP_FREEZING_SELF | CGROUP_FREEZING_PARENT
)

// cgrp->flags bits of the v2 freezer (include/linux/cgroup-defs.h; the
// kernel numbers them as bit positions, the model as masks).
const (
	CGRP_FREEZE uint8 = 1 << 0 // the cgroup has to be frozen (its e_freeze > 0)
	CGRP_FROZEN uint8 = 1 << 1 // every task and descendant is frozen: cgroup.events "frozen 1"
)

// CgroupDef is one cgroup of a compiled scenario.
type CgroupDef struct {
	// Name is the process's name, or the name of the thread that lives
	// in it alone.
	Name string
	V2   bool
	// Parent is the cgroup index of the parent, or -1 for a process's
	// cgroup (a child of the run's directory, which is never frozen).
	Parent   int
	Children []int
	// Tasks are the tasks directly in it (not in a child), in the order
	// css_task_iter visits them: as the threads were declared.
	Tasks []int
	// Walk is what a write to this cgroup's freezer.state does (v1):
	// freezer_change_state() visits it and its descendants in pre-order,
	// and in each one freezer_apply_state() and then freeze_task() or
	// __thaw_task() for each of its tasks. One atomic step each.
	Walk []CgWalk
	// label is the name in step labels ("G", "G2's cgroup").
	label string
}

// CgWalk is one atomic step of a freezer write: in v1 freezer_apply_state()
// on cgroup Cg (T == walkBegin), or freeze_task()/__thaw_task() on task T
// of it; in v2 the steps of cgroup_do_freeze() (see walkV2).
type CgWalk struct {
	Cg, T int
	// The step's labels, made once: freezing, thawing.
	FreezeLabel, ThawLabel string
}

// Hierarchies, as indices of TaskDef.Cg.
const (
	V1 = 0
	V2 = 1
)

// compileCgroups makes the scenario's cgroups and puts each task in one per
// hierarchy, and resolves every freeze and thaw op to its cgroup (Op.Cg).
func (p *Program) compileCgroups() {
	sc := p.Sc
	for t := range p.Tasks {
		p.Tasks[t].Cg = [2]int{-1, -1}
	}
	for h, f := range [2]int{scenario.FreezerV1, scenario.FreezerV2} {
		if h == V2 && !sc.UsesFreezer(f) {
			continue
		}
		for _, pd := range p.Procs {
			pc := len(p.Cgroups)
			p.Cgroups = append(p.Cgroups, CgroupDef{Name: pd.Name, V2: h == V2, Parent: -1, label: pd.Name})
			for _, t := range pd.Threads {
				name := p.Tasks[t].Name
				if len(pd.Threads) > 1 && sc.FrozenAlone(name, f) {
					tc := len(p.Cgroups)
					p.Cgroups = append(p.Cgroups, CgroupDef{Name: name, V2: h == V2, Parent: pc, Tasks: []int{t},
						label: name + "'s cgroup"})
					p.Cgroups[pc].Children = append(p.Cgroups[pc].Children, tc)
					p.Tasks[t].Cg[h] = tc
					continue
				}
				p.Cgroups[pc].Tasks = append(p.Cgroups[pc].Tasks, t)
				p.Tasks[t].Cg[h] = pc
			}
		}
	}
	for i := range p.Cgroups {
		if p.Cgroups[i].V2 {
			p.Cgroups[i].Walk = p.walkV2(i, nil)
		} else {
			p.Cgroups[i].Walk = p.walk(i, i, nil)
		}
	}
}

// walk appends freezer_change_state()'s pre-order visit of cgroup i, in a
// write to cgroup root.
func (p *Program) walk(root, i int, w []CgWalk) []CgWalk {
	cd := &p.Cgroups[i]
	to := ""
	if cd.Parent >= 0 {
		to = " to " + cd.label
	}
	w = append(w, CgWalk{Cg: i, T: walkBegin,
		FreezeLabel: "freezer_write(FROZEN)" + to + ": freezer_apply_state: CGROUP_FREEZING",
		ThawLabel:   "freezer_write(THAWED)" + to + ": clear CGROUP_FREEZING"})
	if i != root {
		w[len(w)-1].FreezeLabel = "freezer_change_state: freezer_apply_state(" + cd.label + "): CGROUP_FREEZING_PARENT"
		w[len(w)-1].ThawLabel = "freezer_change_state: freezer_apply_state(" + cd.label + "): clear CGROUP_FREEZING_PARENT"
	}
	for _, t := range cd.Tasks {
		n := p.Tasks[t].Name
		w = append(w, CgWalk{Cg: i, T: t,
			FreezeLabel: "freeze_cgroup: freeze_task(" + n + ")",
			ThawLabel:   "unfreeze_cgroup: __thaw_task(" + n + ")"})
	}
	for _, ch := range cd.Children {
		w = p.walk(root, ch, w)
	}
	return w
}

// cgroupOf is the cgroup a freeze or thaw op acts on: the named thread's
// own, or its process's.
func (p *Program) cgroupOf(o *Op) int {
	h := V1
	if p.Sc.FreezerOf(o.Src) == scenario.FreezerV2 {
		h = V2
	}
	if o.T >= 0 && p.Sc.FrozenAlone(o.Src.Target, p.Sc.FreezerOf(o.Src)) {
		return p.Tasks[o.T].Cg[h]
	}
	return p.ProcCgroup(o.Proc, h)
}

// ProcCgroup is the index of process proc's own cgroup in hierarchy h (V1,
// V2), or -1.
func (p *Program) ProcCgroup(proc, h int) int {
	for i, cd := range p.Cgroups {
		if cd.V2 == (h == V2) && cd.Parent < 0 && cd.Name == p.Procs[proc].Name {
			return i
		}
	}
	return -1
}

// Cgroup1 is the v1 freezer cgroup of task t.
func (c *Ctx) Cgroup1(t int) *Cgroup { return &c.S.Cgroup[c.P.Tasks[t].Cg[V1]] }
