package model

// The cgroup v1 freezer's writers and readers (kernel/cgroup/legacy_freezer.c,
// v6.18), as "echo FROZEN > freezer.state" retried until a read says
// FROZEN (runc's loop, libcontainer/cgroups/fs/freezer.go, and the
// oracle's), and "echo THAWED > freezer.state".
//
// freezer_write() -> freezer_change_state() holds freezer_mutex (one
// mutex for every v1 freezer cgroup) for the whole walk: for the cgroup
// and each descendant in pre-order, freezer_apply_state() sets or clears
// the FREEZING flag and then freeze_cgroup()/unfreeze_cgroup() calls
// freeze_task()/__thaw_task() on each of its tasks. So two writers, and a
// writer and a reader (freezer_read() -> update_if_frozen(), under the
// same mutex), never interleave: for another writer a write is one step.
// The tasks do interleave with it: css_task_iter_next() takes
// css_set_lock per task and freeze_task() freezer_lock, so each task is
// one atomic step (docs/MODEL.md, "Step boundaries").

// Actor.Step of a freeze op: the write, then the read.
const (
	frzWrite = 0 // walking (Actor.Tmp: the next CgWalk)
	frzRead  = 1 // reading freezer.state
)

// FreezerWriteFrozen is one step of actor a's "freeze" op through the v1
// freezer: a write of FROZEN (freezer_change_state(freezer, true)), then
// reads until FROZEN, rewriting FROZEN after each read that says FREEZING.
func FreezerWriteFrozen(c *Ctx, a int, op *Op) bool {
	A := &c.S.Actor[a]
	if A.Step == frzRead {
		if c.S.FreezerMutex != 0 {
			return false // mutex_lock(&freezer_mutex) sleeps
		}
		if c.S.Holder[LockCssSet] != 0 {
			return false // update_if_frozen(): css_task_iter_next() takes css_set_lock
		}
		if c.K.FreezerRead(c, op.Cg) == "FROZEN" {
			c.Label = "update_if_frozen: FROZEN"
			return c.Done(a, ResOK)
		}
		c.Label = "update_if_frozen: FREEZING; write FROZEN again"
		if c.RewriteIsNoop(op.Cg) {
			// The rewrite would find FREEZING_SELF set and every
			// freeze_task() a no-op: a retry that changes nothing
			// (the checker's stutter).
			return true
		}
		A.Step, A.Tmp = frzWrite, 0
		return true
	}
	if !c.freezerChangeState(a, op, true) {
		return false
	}
	if A.Tmp == 0 {
		A.Step = frzRead
	}
	return true
}

// FreezerWriteThawed is one step of "thaw" through the v1 freezer:
// freezer_change_state(freezer, false).
func FreezerWriteThawed(c *Ctx, a int, op *Op) bool {
	A := &c.S.Actor[a]
	if !c.freezerChangeState(a, op, false) {
		return false
	}
	if A.Tmp == 0 {
		return c.Done(a, ResOK)
	}
	return true
}

// freezerChangeState runs the next step of freezer_change_state() on op's
// cgroup: the first takes freezer_mutex, the last (it leaves Actor.Tmp 0)
// drops it. It reports false when the mutex is taken.
func (c *Ctx) freezerChangeState(a int, op *Op, freeze bool) bool {
	A := &c.S.Actor[a]
	walk := c.P.Cgroups[op.Cg].Walk
	i := int(A.Tmp)
	w := &walk[i]
	if w.T >= 0 && c.S.Holder[LockCssSet] != 0 {
		return false // css_task_iter_next() takes css_set_lock
	}
	if A.Tmp == 0 {
		if c.S.FreezerMutex != 0 {
			return false
		}
		c.S.FreezerMutex = uint8(a + 1)
	}
	i++
	if freeze {
		c.Label = w.FreezeLabel
	} else {
		c.Label = w.ThawLabel
	}
	switch {
	case w.T >= 0 && freeze:
		c.K.FreezeTask(c, w.T)
	case w.T >= 0:
		c.K.ThawTask(c, w.T)
		c.Thawed[w.T] = true
	default:
		// The cgroup the write names gets FREEZING_SELF; each
		// descendant FREEZING_PARENT as its parent now is.
		flag, f := CGROUP_FREEZING_SELF, freeze
		if w.Cg != op.Cg {
			flag = CGROUP_FREEZING_PARENT
			f = c.S.Cgroup[c.P.Cgroups[w.Cg].Parent].State&CGROUP_FREEZING != 0
		}
		if !c.K.FreezerApplyState(c, w.Cg, f, flag) {
			// Nothing to do for its tasks: on to the next cgroup.
			for i < len(walk) && walk[i].T >= 0 {
				i++
			}
		}
	}
	if i == len(walk) {
		c.S.FreezerMutex = 0
		i = 0
	}
	A.Tmp = uint8(i)
	return true
}

// FreezerApplyState is freezer_apply_state(freezer, freeze, state): set or
// clear the FREEZING flag; it reports whether freeze_cgroup() or
// unfreeze_cgroup() follows (a thaw leaves the tasks alone while the
// cgroup is still freezing because of its parent).
func FreezerApplyState(c *Ctx, cg int, freeze bool, flag uint8) bool {
	s := &c.S.Cgroup[cg]
	if freeze {
		s.State |= flag
		return true
	}
	s.State &^= flag
	if s.State&CGROUP_FREEZING != 0 {
		return false
	}
	s.State &^= CGROUP_FROZEN
	return true
}

// FreezerRead is freezer_read(): update_if_frozen() on the cgroup and its
// descendants, bottom-up, then what freezer.state says.
func FreezerRead(c *Ctx, cg int) string {
	c.K.UpdateIfFrozen(c, cg)
	return freezerStateStr(c.S.Cgroup[cg].State)
}

// UpdateIfFrozen is update_if_frozen() on cg after its descendants (the
// caller's bottom-up order, here a recursion): a FREEZING cgroup whose
// children are all FROZEN and whose tasks are all frozen becomes FROZEN.
// FROZEN is only ever set while FREEZING; only a thaw clears it.
func UpdateIfFrozen(c *Ctx, cg int) {
	cd := &c.P.Cgroups[cg]
	for _, ch := range cd.Children {
		c.K.UpdateIfFrozen(c, ch)
	}
	if c.frozenOnRead(cg) {
		c.S.Cgroup[cg].State |= CGROUP_FROZEN
	}
}

// frozenOnRead: update_if_frozen() finds cg FROZEN (already, or now).
// Its children are taken as updated first.
func (c *Ctx) frozenOnRead(cg int) bool {
	s := c.S.Cgroup[cg].State
	if s&CGROUP_FROZEN != 0 {
		return true
	}
	if s&CGROUP_FREEZING == 0 {
		return false
	}
	cd := &c.P.Cgroups[cg]
	for _, ch := range cd.Children {
		if !c.frozenOnRead(ch) {
			return false
		}
	}
	for _, t := range cd.Tasks {
		// "if (freezing(task) && !frozen(task))": an exited task is
		// no longer iterated.
		if c.Freezing(t) && !c.FreezeDone(t) {
			return false
		}
	}
	return true
}

// freezerStateStr is freezer_state_strs().
func freezerStateStr(s uint8) string {
	switch {
	case s&CGROUP_FROZEN != 0:
		return "FROZEN"
	case s&CGROUP_FREEZING != 0:
		return "FREEZING"
	}
	return "THAWED"
}

// FreezerState is what a read of cgroup cg's freezer.state says now
// (freezer_read(): update_if_frozen() first), without changing the state.
func (c *Ctx) FreezerState(cg int) string {
	if c.frozenOnRead(cg) {
		return "FROZEN"
	}
	return freezerStateStr(c.S.Cgroup[cg].State)
}

// RewriteIsNoop: writing FROZEN to cgroup cg again would change nothing —
// cg already has FREEZING_SELF (so every descendant FREEZING_PARENT), and
// freeze_task() would do nothing to any of their tasks: each is not
// freezing, frozen, skipped (the old freezer's PF_FREEZER_SKIP), or can
// neither be frozen in place nor be changed by the fake signal's wakeup
// (TIF_SIGPENDING already set, not in an interruptible sleep).
func (c *Ctx) RewriteIsNoop(cg int) bool {
	if c.S.Cgroup[cg].State&CGROUP_FREEZING_SELF == 0 {
		return false
	}
	for _, w := range c.P.Cgroups[cg].Walk {
		if w.T < 0 {
			if c.S.Cgroup[w.Cg].State&CGROUP_FREEZING == 0 {
				return false
			}
			continue
		}
		t := w.T
		T := &c.S.Task[t]
		if !c.Freezing(t) || c.Frozen(t) {
			continue
		}
		if c.K.OldFreezer && T.Flags&PF_FREEZER_SKIP != 0 {
			continue
		}
		if !c.K.OldFreezer && c.SetTaskFrozenCommon(t) {
			return false
		}
		if !T.SigPending || c.TaskStateMatch(t, TASK_INTERRUPTIBLE) != 0 {
			return false
		}
	}
	return true
}
