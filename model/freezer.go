package model

// The freezer: freeze_task(), __set_task_frozen(), the
// refrigerator and __thaw_task(), after kernel/freezer.c (v6.18 for the
// mainline design; variants replace SetTaskFrozen and ThawTask).

// freezing is freezing(p): the task's cgroup v1 freezer cgroup is FREEZING
// or FROZEN (cgroup_freezing(); 6.18 has the revert 14a67b42cb6f, so FROZEN
// counts), and the task has not exited (PF_NOFREEZE).
func (c *Ctx) Freezing(t int) bool {
	return c.Cgroup1(t).State&CGROUP_FREEZING != 0 && c.S.Task[t].Alive()
}

// frozen is frozen(p): __state & TASK_FROZEN (v6.1+), PF_FROZEN before.
func (c *Ctx) Frozen(t int) bool {
	T := &c.S.Task[t]
	if c.K.OldFreezer {
		return T.Flags&PF_FROZEN != 0
	}
	return T.State&TASK_FROZEN != 0
}

// freezeDone: what try_to_freeze_tasks() and the cgroup's
// update_if_frozen() accept as frozen: frozen(p), an exited task, and with
// the old freezer a task that sleeps in freezable_schedule()
// (freezer_should_skip()).
func (c *Ctx) FreezeDone(t int) bool {
	T := &c.S.Task[t]
	if !T.Alive() || c.Frozen(t) {
		return true
	}
	return c.K.OldFreezer && T.Flags&PF_FREEZER_SKIP != 0
}

// freezeTask is freeze_task(p) under freezer_lock. It reports whether the
// task still has to freeze (the caller retries).
func FreezeTask(c *Ctx, t int) bool {
	T := &c.S.Task[t]
	if !c.Freezing(t) || c.Frozen(t) {
		c.Cover(brFreezeTaskNone)
		return false
	}
	if c.K.OldFreezer {
		// ≤ v6.0: a task in freezable_schedule() is skipped: it will
		// freeze itself when it wakes.
		if T.Flags&PF_FREEZER_SKIP != 0 {
			c.Cover(brFreezeTaskNone)
			return false
		}
	} else if c.K.SetTaskFrozen(c, t) {
		// task_call_func(p, __set_task_frozen): frozen in place.
		c.Cover(brFreezeTaskInPlace)
		return false
	}
	// fake_signal_wake_up(): lock_task_sighand(); signal_wake_up(p, 0).
	c.Cover(brFreezeTaskKick)
	c.K.SignalWakeUp(c, t, false)
	return true
}

// setTaskFrozenCommon is the test __set_task_frozen() makes (v6.1+): the
// task is blocked (not runnable; task_is_runnable() since v6.12) in a
// freezable, stopped or traced sleep.
func (c *Ctx) SetTaskFrozenCommon(t int) bool {
	T := &c.S.Task[t]
	if T.OnRq || !T.Alive() {
		return false
	}
	return T.State&(TASK_FREEZABLE|__TASK_STOPPED|__TASK_TRACED) != 0
}

// SetTaskFrozenSaved is __set_task_frozen() of v6.7+ (8f0eed4a78a8): the
// state it overwrites is kept in saved_state.
func SetTaskFrozenSaved(c *Ctx, t int) bool {
	if !c.SetTaskFrozenCommon(t) {
		return false
	}
	T := &c.S.Task[t]
	T.Saved = T.State
	T.State = TASK_FROZEN
	return true
}

// SetTaskFrozenPlain is __set_task_frozen() of v6.1–v6.6 (f5d39b020809):
// TASK_STOPPED and TASK_TRACED are overwritten, and survive only in jobctl.
func SetTaskFrozenPlain(c *Ctx, t int) bool {
	if !c.SetTaskFrozenCommon(t) {
		return false
	}
	c.S.Task[t].State = TASK_FROZEN
	return true
}

// ThawTaskRestoreSaved is __thaw_task() of v6.7+ with its fixes
// (23ab79e8e469 "Do not restore saved_state of a thawed task",
// 418146e39891 "Clean saved_state when restoring it during thaw"): only a
// frozen task is touched; a state parked in saved_state is restored
// without a wakeup, otherwise the task is woken from TASK_FROZEN.
func ThawTaskRestoreSaved(c *Ctx, t int) {
	if !c.Frozen(t) {
		return
	}
	T := &c.S.Task[t]
	// task_call_func(p, __restore_freezer_state)
	if T.Saved != TASK_RUNNING {
		c.Cover(brThawRestore)
		T.State = T.Saved
		T.Saved = TASK_RUNNING
		return
	}
	c.Cover(brThawWake)
	c.K.TryToWakeUp(c, t, TASK_FROZEN)
}

// ThawTaskRestoreJobctl is __thaw_task() of v6.1–v6.6: restore the special
// state that jobctl says the task is in (__set_task_special(), no frozen()
// test), else wake it from TASK_FROZEN.
func ThawTaskRestoreJobctl(c *Ctx, t int) {
	T := &c.S.Task[t]
	if T.Alive() {
		var state uint16
		switch {
		case T.Jobctl&JOBCTL_TRACED != 0:
			state = c.K.TaskTraced
		case T.Jobctl&JOBCTL_STOPPED != 0:
			state = TASK_STOPPED
		}
		if state != 0 {
			c.Cover(brThawRestore)
			T.State = state
			return
		}
	}
	c.Cover(brThawWake)
	c.K.TryToWakeUp(c, t, TASK_FROZEN)
}

// ThawTaskOld is __thaw_task() of the old freezer (≤ v6.0):
// if (frozen(p)) wake_up_process(p).
func ThawTaskOld(c *Ctx, t int) {
	if c.Frozen(t) {
		c.Cover(brThawWake)
		c.K.TryToWakeUp(c, t, TASK_NORMAL)
	}
}

// refrigerator is one pass of __refrigerator() by the current task: mark
// itself frozen and, while freezing(), sleep (kernel/freezer.c, v6.18).
// The kernel writes TASK_FROZEN (and, since v6.7, saved_state =
// TASK_RUNNING) under pi_lock, drops it, and then tests freezing() under
// freezer_lock; the model makes the two sections one step. The only
// observer of the state between them is a thaw, whose
// wake_up_state(TASK_FROZEN) leaves the task TASK_RUNNING, which is where
// the freezing() test that follows leaves it too: no outcome depends on
// the split (docs/MODEL.md, "Step boundaries").
func Refrigerator(c *Ctx, t int) {
	T := &c.S.Task[t]
	if c.K.OldFreezer {
		// ≤ v6.0: TASK_UNINTERRUPTIBLE and PF_FROZEN.
		T.State = TASK_UNINTERRUPTIBLE
		if c.Freezing(t) {
			c.Cover(brRefrigeratorStay)
			T.Flags |= PF_FROZEN
			T.OnRq = false
			T.Loc = LocRefrigerator
			return
		}
		T.Flags &^= PF_FROZEN
	} else {
		T.State = TASK_FROZEN
		if c.K.SavedStateAlways {
			T.Saved = TASK_RUNNING // v6.7+, under pi_lock
		}
		if c.Freezing(t) {
			c.Cover(brRefrigeratorStay)
			T.OnRq = false // TASK_FROZEN always blocks
			T.Loc = LocRefrigerator
			return
		}
	}
	c.Cover(brRefrigeratorLeave)
	T.State = TASK_RUNNING
	T.Loc = T.FrzRet
	T.FrzRet = 0
	if T.Loc == LocRelock {
		// try_to_freeze() returned: go on into get_signal's relock
		// in the same step.
		c.K.GetSignal(c, t, 0)
	}
}
