package model

// The cgroup v2 freezer (kernel/cgroup/freezer.c and its callers in
// kernel/signal.c, v6.18; since 76f969e8948d "cgroup: cgroup v2 freezer",
// v5.2). It is the freezer of `systemctl freeze` and of the container
// runtimes' pause, and it is built on task->jobctl itself: a freezing
// cgroup sets JOBCTL_TRAP_FREEZE on each task and kicks it with
// signal_wake_up(t, false), which does not wake a stopped or traced task;
// a running task traps in get_signal() into do_freezer_trap() and sleeps
// there. A stopped or traced task counts as frozen as it is:
// do_signal_stop() and ptrace_stop() call cgroup_enter_frozen() before
// schedule(). So here too jobctl, not __state, decides whether a stopped
// or traced task may run: woken from its stop, it finds
// JOBCTL_TRAP_FREEZE and parks in the trap instead of returning to user
// mode.
//
// A write of cgroup.freeze (cgroup_freeze_write()) runs under
// cgroup_mutex: cgroup_freeze() updates e_freeze down the subtree and, in
// each cgroup whose e_freeze crosses 0, cgroup_do_freeze(): CGRP_FREEZE
// under css_set_lock, cgroup_freeze_task() on each task under its
// siglock, and cgroup_update_frozen() under css_set_lock. cgroup.events
// shows CGRP_FROZEN ("frozen 1"), which the tasks' own
// cgroup_enter_frozen()/cgroup_leave_frozen() and the writer's last step
// keep up to date (cgroup_update_frozen()).

// Actor.Step of a v2 freeze op: the write, then waiting for "frozen 1"
// in cgroup.events, as the oracle (and systemd) poll it.
const (
	v2Write = 0
	v2Wait  = 1
)

// CgWalk.T of the steps of cgroup_do_freeze() that are not a task's.
const (
	walkBegin = -1 // v1: freezer_apply_state(); v2: e_freeze and CGRP_FREEZE
	walkEnd   = -2 // v2: cgroup_update_frozen() at the end of cgroup_do_freeze()
)

// walkV2 appends cgroup_freeze()'s pre-order visit of cgroup i: for each
// cgroup, CGRP_FREEZE, cgroup_freeze_task() on each task, and the final
// cgroup_update_frozen().
func (p *Program) walkV2(i int, w []CgWalk) []CgWalk {
	cd := &p.Cgroups[i]
	w = append(w, CgWalk{Cg: i, T: walkBegin,
		FreezeLabel: "cgroup_freeze(" + cd.label + ", true): cgroup_do_freeze: set CGRP_FREEZE",
		ThawLabel:   "cgroup_freeze(" + cd.label + ", false): cgroup_do_freeze: clear CGRP_FREEZE"})
	for _, t := range cd.Tasks {
		n := p.Tasks[t].Name
		w = append(w, CgWalk{Cg: i, T: t,
			FreezeLabel: "cgroup_freeze_task(" + n + "): jobctl |= JOBCTL_TRAP_FREEZE; signal_wake_up(" + n + ", false)",
			ThawLabel:   "cgroup_freeze_task(" + n + "): clear JOBCTL_TRAP_FREEZE; wake_up_process(" + n + ")"})
	}
	w = append(w, CgWalk{Cg: i, T: walkEnd,
		FreezeLabel: "cgroup_do_freeze(" + cd.label + "): cgroup_update_frozen()",
		ThawLabel:   "cgroup_do_freeze(" + cd.label + "): cgroup_update_frozen()"})
	for _, ch := range cd.Children {
		w = p.walkV2(ch, w)
	}
	return w
}

// CgroupFreezeWrite is one step of actor a's freeze (freeze true) or thaw
// op through the v2 freezer: "echo 1 > cgroup.freeze" (cgroup_freeze_write()
// -> cgroup_freeze() under cgroup_mutex), then, for a freeze, waiting until
// cgroup.events says "frozen 1"; "echo 0 > cgroup.freeze" returns when the
// write is done.
func CgroupFreezeWrite(c *Ctx, a int, op *Op, freeze bool) bool {
	A := &c.S.Actor[a]
	cd := &c.P.Cgroups[op.Cg]
	if A.Step == v2Wait {
		if c.S.Cgroup[op.Cg].State&CGRP_FROZEN == 0 {
			return false // poll(cgroup.events) until "frozen 1"
		}
		c.Label = "read cgroup.events: frozen 1"
		return c.Done(a, ResOK)
	}
	if A.Tmp == 0 {
		if c.S.CgroupMutex != 0 {
			return false // cgroup_kn_lock_live(): mutex_lock(&cgroup_mutex)
		}
		s := &c.S.Cgroup[op.Cg]
		if s.Freeze == freeze {
			// "Nothing changed? Just exit."
			c.Label = "cgroup_freeze: nothing changed"
			if freeze {
				A.Step = v2Wait
				return true
			}
			return c.Done(a, ResOK)
		}
		s.Freeze = freeze
		c.S.CgroupMutex = uint8(a + 1)
	}
	walk := cd.Walk
	i := int(A.Tmp)
	w := &walk[i]
	i++
	if freeze {
		c.Label = w.FreezeLabel
	} else {
		c.Label = w.ThawLabel
	}
	s := &c.S.Cgroup[w.Cg]
	switch w.T {
	case walkBegin:
		// css_for_each_descendant_pre(): e_freeze counts this cgroup's
		// and its ancestors' requests; only a crossing of 0 does
		// anything ("Already frozen because of ancestor's settings?").
		apply := true
		if freeze {
			s.EFreeze++
			apply = s.EFreeze == 1
		} else {
			if s.EFreeze > 0 {
				s.EFreeze--
			}
			apply = s.EFreeze == 0
		}
		if !apply {
			c.Label = "cgroup_freeze: e_freeze: state set by an ancestor"
			for i < len(walk) && walk[i].Cg == w.Cg {
				i++
			}
			break
		}
		if freeze {
			s.State |= CGRP_FREEZE
		} else {
			s.State &^= CGRP_FREEZE
		}
	case walkEnd:
		// "Cgroup state should be revisited here to cover empty leaf
		// cgroups and cgroups which descendants are already in the
		// desired state."
		if c.cgroupDescendants(w.Cg) == c.frozenDescendants(w.Cg) {
			c.K.CgroupUpdateFrozen(c, w.Cg)
		}
	default:
		if c.inCgroup(w.T) {
			c.K.CgroupFreezeTask(c, w.T, freeze)
		}
	}
	if i == len(walk) {
		c.S.CgroupMutex = 0
		i = 0
		if !freeze {
			A.Tmp = 0
			return c.Done(a, ResOK)
		}
		A.Step = v2Wait
	}
	A.Tmp = uint8(i)
	return true
}

// CgroupFreezeTask is cgroup_freeze_task() under the task's siglock: set
// JOBCTL_TRAP_FREEZE and signal_wake_up(t, false) — which wakes only an
// interruptible sleep, not TASK_STOPPED or TASK_TRACED — or clear it and
// wake_up_process(), which wakes TASK_NORMAL sleeps and again leaves a
// stopped or traced task alone.
func CgroupFreezeTask(c *Ctx, t int, freeze bool) {
	T := &c.S.Task[t]
	if freeze {
		T.Jobctl |= JOBCTL_TRAP_FREEZE
		c.K.SignalWakeUp(c, t, false)
		return
	}
	T.Jobctl &^= JOBCTL_TRAP_FREEZE
	c.K.TryToWakeUp(c, t, TASK_NORMAL)
}

// CgroupEnterFrozen is cgroup_enter_frozen() by task t, under css_set_lock:
// count itself frozen in its v2 cgroup (task->frozen) and revisit the
// cgroup's state. do_signal_stop() and ptrace_stop() call it before
// schedule() whether or not the cgroup freezes, so a stopped or traced
// task is always counted.
func CgroupEnterFrozen(c *Ctx, t int) {
	T := &c.S.Task[t]
	if T.CgFrozen {
		return
	}
	T.CgFrozen = true
	c.K.CgroupUpdateFrozen(c, c.P.Tasks[t].Cg[V2])
}

// CgroupLeaveFrozen is cgroup_leave_frozen(always_leave) by task t, under
// css_set_lock: stop counting itself frozen, unless (always_leave unset)
// the cgroup is still freezing — then JOBCTL_TRAP_FREEZE and
// TIF_SIGPENDING send it back to the trap ("we're racing with the cgroup
// freezing").
func CgroupLeaveFrozen(c *Ctx, t int, always bool) {
	T := &c.S.Task[t]
	cg := c.P.Tasks[t].Cg[V2]
	if always || c.S.Cgroup[cg].State&CGRP_FREEZE == 0 {
		T.CgFrozen = false
		c.K.CgroupUpdateFrozen(c, cg)
		return
	}
	if T.Jobctl&JOBCTL_TRAP_FREEZE == 0 {
		T.Jobctl |= JOBCTL_TRAP_FREEZE
		T.SigPending = true
	}
}

// CgroupUpdateFrozen is cgroup_update_frozen(): the cgroup is frozen when
// CGRP_FREEZE is set and each of its own tasks counts as frozen; a change
// is propagated to the ancestors (cgroup_propagate_frozen()), which count
// frozen descendants, not tasks.
func CgroupUpdateFrozen(c *Ctx, cg int) {
	s := &c.S.Cgroup[cg]
	frozen := s.State&CGRP_FREEZE != 0 && c.nrFrozenTasks(cg) == c.cgroupTaskCount(cg)
	if frozen == (s.State&CGRP_FROZEN != 0) {
		return
	}
	if frozen {
		s.State |= CGRP_FROZEN
	} else {
		s.State &^= CGRP_FROZEN
	}
	// cgroup_propagate_frozen(): nr_frozen_descendants is the number
	// of frozen descendants (the kernel keeps it as a counter).
	for p := c.P.Cgroups[cg].Parent; p >= 0; p = c.P.Cgroups[p].Parent {
		ps := &c.S.Cgroup[p]
		if frozen {
			if ps.State&CGRP_FROZEN == 0 && ps.State&CGRP_FREEZE != 0 &&
				c.frozenDescendants(p) == c.cgroupDescendants(p) {
				ps.State |= CGRP_FROZEN
			}
		} else {
			ps.State &^= CGRP_FROZEN
		}
	}
}

// DoFreezerTrap is do_freezer_trap() inside get_signal's siglock section
// (kernel/signal.c, v6.18): with no other trap or stop pending, sleep
// TASK_INTERRUPTIBLE|TASK_FREEZABLE (a v1 freezer can freeze it in place)
// with TIF_SIGPENDING cleared, so that a pending non-fatal signal does not
// end the sleep at once; then cgroup_enter_frozen() and schedule(). Before
// f5d39b020809 (v6.1) the sleep was TASK_INTERRUPTIBLE and
// freezable_schedule() (the old freezer's PF_FREEZER_SKIP).
func DoFreezerTrap(c *Ctx, t int) {
	T := &c.S.Task[t]
	if T.Jobctl&(JOBCTL_PENDING_MASK|JOBCTL_TRAP_FREEZE) != JOBCTL_TRAP_FREEZE {
		// "let's make another loop to give it a chance to be handled"
		T.Loc = LocRelock
		return
	}
	T.State = TASK_INTERRUPTIBLE
	if !c.K.OldFreezer {
		T.State |= TASK_FREEZABLE
	}
	T.SigPending = false
	T.Loc = LocTrapEnterFrozen
}

// CgroupExit is the v2 freezer's part of cgroup_exit() in do_exit(): the
// task leaves its cgroup's count, and a freezing cgroup is revisited (its
// other tasks may now all be frozen).
func CgroupExit(c *Ctx, t int) {
	if cg := c.P.Tasks[t].Cg[V2]; cg >= 0 && c.S.Cgroup[cg].State&CGRP_FREEZE != 0 {
		c.K.CgroupUpdateFrozen(c, cg)
	}
}

// CgroupEventsFrozen is what cgroup.events says of v2 cgroup cg: "frozen
// 1" or "frozen 0" (cgroup_events_show(): the CGRP_FROZEN bit).
func (c *Ctx) CgroupEventsFrozen(cg int) string {
	if c.S.Cgroup[cg].State&CGRP_FROZEN != 0 {
		return "1"
	}
	return "0"
}

// inCgroup: task t is still on its cgroup's css_set (cgroup_exit() in
// do_exit(), which the model's do_exit step includes, takes it off).
func (c *Ctx) inCgroup(t int) bool {
	T := &c.S.Task[t]
	return T.Alive() && T.Flags&PF_EXITING == 0
}

// cgroupTaskCount is __cgroup_task_count() of v2 cgroup cg.
func (c *Ctx) cgroupTaskCount(cg int) int {
	n := 0
	for _, t := range c.P.Cgroups[cg].Tasks {
		if c.inCgroup(t) {
			n++
		}
	}
	return n
}

// nrFrozenTasks is cgrp->freezer.nr_frozen_tasks: its tasks with
// task->frozen.
func (c *Ctx) nrFrozenTasks(cg int) int {
	n := 0
	for _, t := range c.P.Cgroups[cg].Tasks {
		if c.S.Task[t].CgFrozen {
			n++
		}
	}
	return n
}

// cgroupDescendants is cgrp->nr_descendants.
func (c *Ctx) cgroupDescendants(cg int) int {
	n := 0
	for _, ch := range c.P.Cgroups[cg].Children {
		n += 1 + c.cgroupDescendants(ch)
	}
	return n
}

// frozenDescendants is cgrp->freezer.nr_frozen_descendants: the
// descendants with CGRP_FROZEN.
func (c *Ctx) frozenDescendants(cg int) int {
	n := 0
	for _, ch := range c.P.Cgroups[cg].Children {
		if c.S.Cgroup[ch].State&CGRP_FROZEN != 0 {
			n++
		}
		n += c.frozenDescendants(ch)
	}
	return n
}

// V2Frozen: task t's v2 cgroup says "frozen 1".
func (c *Ctx) V2Frozen(t int) bool {
	cg := c.P.Tasks[t].Cg[V2]
	return cg >= 0 && c.S.Cgroup[cg].State&CGRP_FROZEN != 0
}

// V2Freezing: task t's v2 cgroup has CGRP_FREEZE.
func (c *Ctx) V2Freezing(t int) bool {
	cg := c.P.Tasks[t].Cg[V2]
	return cg >= 0 && c.S.Cgroup[cg].State&CGRP_FREEZE != 0
}
