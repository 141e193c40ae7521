package model

import "jobctl/scenario"

// wait4() and waitid(), after kernel/exit.c (v6.18):
// do_wait() -> __do_wait() -> do_wait_pid() / do_wait_thread() +
// ptrace_do_wait() -> wait_consider_task() -> wait_task_zombie() /
// wait_task_stopped() / wait_task_continued().
//
// A blocking wait is a sleep that someone must wake. do_wait() puts the
// waiter on its wait_chldexit queue (child_wait_callback), and loops:
// set_current_state(TASK_INTERRUPTIBLE); scan the children under
// read_lock(&tasklist_lock); nothing to report: schedule(). Only
// __wake_up_parent() — from do_notify_parent() and
// do_notify_parent_cldstop(), to the real parent and to the tracer — makes
// it scan again, and child_wait_callback() lets through only a wakeup
// about a task the wait is for (eligible_pid()). A flag that becomes true
// without a notification (SIGNAL_STOP_CONTINUED set by a SIGCONT that the
// child has not yet reported, say) does not end the wait; a wait that
// scans later sees it.
//
// The model: the first step of the op queues the waiter and scans (one
// step: add_wait_queue() and the first scan are not separated by anything
// another task could observe); if nothing is reported the waiter sleeps
// (Actor.Step == waitAsleep). WakeUpParent sets ActWoken; the next step
// clears it (set_current_state()) and scans again. A wakeup that comes
// after the scan but before schedule() sets TASK_RUNNING, so schedule()
// does not block: in the model that is ActWoken set while the waiter is
// "asleep", and no wakeup is lost.

// ActWoken is the Actor.Flags bit of a wait in progress: a
// __wake_up_parent() reached its wait_chldexit entry since its last scan.
const ActWoken uint8 = 0x1

// Actor.Step of a wait op.
const (
	waitStart  = 0 // not yet in do_wait()
	waitAsleep = 1 // on wait_chldexit, in schedule() (ActWoken: woken)
)

// WaitOpts is struct wait_opts: what one do_wait() call looks for, and
// what its scan found.
type WaitOpts struct {
	Actor   int    // the waiter
	T       int    // wo_pid's task (PIDTYPE_PID), or -1 for any child (PIDTYPE_MAX)
	Flags   uint32 // wo_flags
	Waitid  bool
	Notask  bool   // notask_error is still -ECHILD: nothing that could ever be reported
	Res     Result // what the scan reports
	Child   int    // the task it reports
	Reaping bool   // WNOWAIT not set: the report consumes what it reports
}

// DoWait is do_wait() for actor a's wait op (wait4(), or waitid() when
// op.Kind is OpWaitid), one step: the first scan, or a scan after a
// wakeup.
func DoWait(c *Ctx, a int, op *Op) bool {
	A := &c.S.Actor[a]
	if A.Step == waitAsleep && A.Flags&ActWoken == 0 {
		return false // asleep in schedule(): only __wake_up_parent() ends it
	}
	// The wait_opts live in the step's Ctx: a local passed to the hooks
	// would escape to the heap, an allocation per step.
	c.Wait = WaitOpts{Actor: a, T: op.T, Flags: op.Flags, Waitid: op.Kind == scenario.OpWaitid, Notask: true}
	w := &c.Wait
	if w.Waitid {
		// kernel_waitid_prepare(): "at least one of WEXITED, WSTOPPED,
		// WCONTINUED", or -EINVAL before anything else.
		if w.Flags&(scenario.WEXITED|scenario.WSTOPPED|scenario.WCONTINUED) == 0 {
			c.Label = "waitid: -EINVAL"
			return c.Done(a, ResErrno|EINVAL)
		}
	} else {
		w.Flags |= scenario.WEXITED // kernel_wait4(): wo_flags = options | WEXITED
	}
	// read_lock(&tasklist_lock) for the scan: a writer holding it across
	// steps keeps the waiter out.
	if c.S.Holder[LockTasklist] != 0 {
		return false
	}
	A.Flags &^= ActWoken // set_current_state(TASK_INTERRUPTIBLE)
	w.Reaping = w.Flags&scenario.WNOWAIT == 0
	if c.DoWaitScan(w) {
		return c.Done(a, w.Res)
	}
	switch {
	case w.Notask:
		c.Label = "do_wait: -ECHILD"
		return c.Done(a, ResErrno|ECHILD)
	case w.Flags&scenario.WNOHANG != 0:
		c.Label = "do_wait: WNOHANG, nothing to report"
		return c.Done(a, ResNone)
	}
	if A.Step == waitStart {
		c.Label = "do_wait: add_wait_queue(wait_chldexit); nothing to report; schedule()"
	} else {
		c.Label = "do_wait: woken; nothing to report; schedule()"
	}
	A.Step = waitAsleep
	return true
}

// DoWaitScan is __do_wait()'s scan under tasklist_lock: do_wait_pid() for
// one pid, or do_wait_thread() over the real children (in fork order)
// and ptrace_do_wait() over the tracees (the last attached first). It
// reports whether something was reported (w.Res, w.Child).
func (c *Ctx) DoWaitScan(w *WaitOpts) bool {
	a := w.Actor
	if w.T >= 0 {
		// pid_has_task(): a released task's pid is gone.
		if c.S.Task[w.T].ExitState == EXIT_DEAD {
			return false
		}
		// do_wait_pid(): as a child, the pid looked up as a thread
		// group (PIDTYPE_TGID: a leader only); as a tracee, as a thread.
		if c.P.Tasks[w.T].Leader && c.P.Procs[c.P.Tasks[w.T].Proc].Parent == a && c.K.WaitConsiderTask(c, w, false, w.T) {
			return true
		}
		T := &c.S.Task[w.T]
		return T.Ptrace != 0 && int(T.Tracer) == a+1 && c.K.WaitConsiderTask(c, w, true, w.T)
	}
	// do_wait_thread(): current->children holds the leaders of the
	// processes it forked (copy_process() links no other thread there).
	for _, pd := range c.P.Procs {
		if pd.Parent == a && c.K.WaitConsiderTask(c, w, false, pd.Threads[0]) {
			return true
		}
	}
	// ptrace_do_wait(): current->ptraced, most recently attached first.
	for seq := c.ptracedCount(a); seq > 0; seq-- {
		for t := range c.P.Tasks {
			T := &c.S.Task[t]
			if int(T.Tracer) == a+1 && int(T.PtraceSeq) == seq && c.K.WaitConsiderTask(c, w, true, t) {
				return true
			}
		}
	}
	return false
}

// ptracedCount is the length of actor a's ptraced list.
func (c *Ctx) ptracedCount(a int) int {
	n := 0
	for t := range c.P.Tasks {
		if int(c.S.Task[t].Tracer) == a+1 {
			n++
		}
	}
	return n
}

// WaitConsiderTask is wait_consider_task() (kernel/exit.c, v6.18): may
// child t be reported to this wait, and what. ptrace says whether t was
// found on the ptraced list.
func WaitConsiderTask(c *Ctx, w *WaitOpts, ptrace bool, t int) bool {
	T := &c.S.Task[t]
	if T.ExitState == EXIT_DEAD {
		return false
	}
	// eligible_child(): a traced child always; otherwise __WALL, or
	// __WCLONE for a clone child only (exit_signal != SIGCHLD). The
	// scenarios' processes are forked with SIGCHLD.
	if !ptrace && w.Flags&scenario.WALL == 0 && w.Flags&scenario.WCLONE != 0 {
		return false
	}
	if !ptrace && T.Ptrace != 0 && !c.PtraceReparented(t) {
		// "If it is traced by its real parent's group, just pretend
		// the caller is ptrace_do_wait()."
		c.Cover(brWaitPtraceChild)
		ptrace = true
	}
	if T.ExitState == EXIT_ZOMBIE {
		// "We don't reap group leaders with subthreads", and "a zombie
		// ptracee is only visible to its ptracer".
		if !c.K.DelayGroupLeader(c, t) && (ptrace || T.Ptrace == 0) {
			return c.K.WaitTaskZombie(c, w, t)
		}
		c.Cover(brWaitZombieDelay)
		if !ptrace || w.Flags&(scenario.WCONTINUED|scenario.WEXITED) != 0 {
			w.Notask = false
		}
	} else {
		w.Notask = false
	}
	if c.K.WaitTaskStopped(c, w, ptrace, t) {
		return true
	}
	return c.K.WaitTaskContinued(c, w, t)
}

// DelayGroupLeader is delay_group_leader() (kernel/exit.c): a leader
// whose thread group is not empty — some other thread is alive, or a
// zombie not yet released (a traced thread its tracer has not reaped) —
// is not reaped.
func DelayGroupLeader(c *Ctx, t int) bool {
	return c.P.Tasks[t].Leader && !c.ThreadGroupEmpty(t)
}

// ThreadGroupEmpty is thread_group_empty(): no thread of t's group but
// t is still on the group's list (release_task() takes a thread off).
func (c *Ctx) ThreadGroupEmpty(t int) bool {
	for _, u := range c.Threads(t) {
		if u != t && c.S.Task[u].ExitState != EXIT_DEAD {
			return false
		}
	}
	return true
}

// report finishes a scan with result r about child t.
func (w *WaitOpts) report(r Result, t int) bool {
	if w.T < 0 {
		r |= Result(t) << ResChildShift
	}
	w.Res, w.Child = r, t
	return true
}

// WaitTaskZombie is wait_task_zombie(): report (and, without WNOWAIT,
// reap) a zombie. A leader traced by another than its real parent goes
// to EXIT_TRACE: the tracer's reap detaches it and hands it to the real
// parent (do_notify_parent()); any other is released.
func WaitTaskZombie(c *Ctx, w *WaitOpts, t int) bool {
	if w.Flags&scenario.WEXITED == 0 {
		return false
	}
	T := &c.S.Task[t]
	r := ResExited | Result(T.ExitVal)
	if T.ExitKind == ExitKilled {
		r = ResKilled | Result(T.ExitVal)
	}
	if w.Waitid {
		r = ResCldExited | Result(T.ExitVal)
		if T.ExitKind == ExitKilled {
			r = ResCldKilled | Result(T.ExitVal)
		}
	}
	if !w.Reaping {
		c.Label = "do_wait: wait_task_zombie (WNOWAIT)"
		return w.report(r, t)
	}
	if c.PtraceReparented(t) && c.P.Tasks[t].Leader {
		// EXIT_TRACE: write_lock(tasklist_lock); ptrace_unlink();
		// do_notify_parent() to the real parent, who reaps it.
		c.Label = "do_wait: wait_task_zombie: EXIT_TRACE: ptrace_unlink; do_notify_parent"
		c.K.PtraceUnlink(c, t)
		c.K.DoNotifyParent(c, t)
		return w.report(r, t)
	}
	c.Label = "do_wait: wait_task_zombie: release_task"
	if T.Ptrace != 0 {
		c.K.PtraceUnlink(c, t) // release_task() -> __exit_signal() -> ptrace_unlink()
	}
	c.K.ReleaseTask(c, t)
	return w.report(r, t)
}

// WaitTaskStopped is wait_task_stopped(): a ptrace stop (for the
// tracer, whatever the flags) or a group stop (WUNTRACED/WSTOPPED), the
// code re-checked and, without WNOWAIT, consumed under siglock.
func WaitTaskStopped(c *Ctx, w *WaitOpts, ptrace bool, t int) bool {
	if !ptrace && w.Flags&scenario.WUNTRACED == 0 {
		return false
	}
	T := &c.S.Task[t]
	s := c.Sig(t)
	var code uint16
	if ptrace {
		// task_stopped_code(p, true)
		if c.TaskIsTraced(t) && T.Jobctl&JOBCTL_LISTENING == 0 {
			code = T.ExitCode
			if code != 0 && w.Reaping {
				T.ExitCode = 0
			}
		}
	} else if s.Flags&SIGNAL_STOP_STOPPED != 0 {
		code = uint16(s.GroupExitCode)
		if code != 0 && w.Reaping {
			s.GroupExitCode = 0
		}
	}
	if code == 0 {
		return false
	}
	c.Label = "do_wait: wait_task_stopped"
	if ptrace {
		c.ReportedTrap = t + 1
	}
	v := Result(code & resStopSig)
	switch code >> 8 {
	case PTRACE_EVENT_STOP:
		v |= ResEventStop
	case PTRACE_EVENT_EXIT:
		v |= ResEventExit
	}
	switch {
	case !w.Waitid:
		return w.report(ResStopped|v, t)
	case ptrace:
		return w.report(ResCldTrapped|v, t)
	}
	return w.report(ResCldStopped|v, t)
}

// WaitTaskContinued is wait_task_continued(): WCONTINUED and
// SIGNAL_STOP_CONTINUED, consumed without WNOWAIT.
func WaitTaskContinued(c *Ctx, w *WaitOpts, t int) bool {
	s := c.Sig(t)
	if w.Flags&scenario.WCONTINUED == 0 || s.Flags&SIGNAL_STOP_CONTINUED == 0 {
		return false
	}
	c.Label = "do_wait: wait_task_continued"
	if w.Reaping {
		s.Flags &^= SIGNAL_STOP_CONTINUED
	}
	if w.Waitid {
		return w.report(ResCldContinued, t)
	}
	return w.report(ResContinued, t)
}

// WakeUpParent is __wake_up_parent(p, parent) (kernel/exit.c): wake the
// waiters on actor parent's wait_chldexit queue. child_wait_callback()
// passes the wakeup only to a wait for p (eligible_pid(): its pid, or
// any child).
func WakeUpParent(c *Ctx, p int, parent int) {
	if parent < 0 || parent >= c.P.NOutside {
		return
	}
	A := &c.S.Actor[parent]
	script := c.P.Actors[parent].Script
	if int(A.PC) >= len(script) || A.Step != waitAsleep {
		return // not in do_wait(): nobody on the queue
	}
	op := &script[A.PC]
	if (op.Kind == scenario.OpWait || op.Kind == scenario.OpWaitid) && (op.T < 0 || op.T == p) {
		A.Flags |= ActWoken
	}
}

// DoNotifyParent is do_notify_parent(tsk, sig) (kernel/signal.c, v6.18)
// for a dead task: SIGCHLD and __wake_up_parent() to tsk->parent (the
// tracer while traced, else the real parent). The actors never ignore
// SIGCHLD, so it never asks for autoreap.
func DoNotifyParent(c *Ctx, t int) {
	T := &c.S.Task[t]
	parent := c.P.Procs[c.P.Tasks[t].Proc].Parent
	if T.Ptrace != 0 {
		parent = int(T.Tracer) - 1
	}
	c.K.WakeUpParent(c, t, parent)
}

// ReleaseTask is release_task() (kernel/exit.c) as far as the model
// needs it: the task leaves its thread group (EXIT_DEAD, unhashed), and
// if it was the last thread besides a zombie leader, the leader's parent
// is told that the leader can now be reaped (do_notify_parent()).
func ReleaseTask(c *Ctx, t int) {
	T := &c.S.Task[t]
	T.ExitState = EXIT_DEAD
	if c.P.Tasks[t].Leader {
		return
	}
	leader := c.Threads(t)[0]
	if c.S.Task[leader].ExitState == EXIT_ZOMBIE && c.ThreadGroupEmpty(leader) {
		c.Cover(brReleaseLast)
		c.K.DoNotifyParent(c, leader)
	}
}
