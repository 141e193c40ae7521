package model

import "jobctl/scenario"

// wait4() on one pid (SPEC §3.11), after kernel/exit.c: do_wait() ->
// wait_consider_task() -> wait_task_zombie() / wait_task_stopped() /
// wait_task_continued().
//
// The model makes a blocking wait an await: the step is enabled once
// something is reportable. That stands for do_wait()'s
// set_current_state(TASK_INTERRUPTIBLE); check; schedule() loop and the
// __wake_up_parent() of every notification, which cannot lose a wakeup;
// a wait that can never return shows as an actor blocked forever.

func DoWait(c *Ctx, a int, op *Op) bool {
	t := op.T
	T := &c.S.Task[t]
	s := c.Sig(t)
	flags := op.Flags | scenario.WEXITED // wait4() implies WEXITED
	isTracer := T.Ptrace != 0 && int(T.Tracer) == a+1
	// waitpid(tid) finds a thread group by its pid (do_wait_pid(),
	// PIDTYPE_TGID): the real parent can wait for the leader only; a tracer
	// for any thread it traces.
	isParent := c.P.Procs[c.P.Tasks[t].Proc].Parent == a && c.P.Tasks[t].Leader
	if T.ExitState == EXIT_DEAD || (!isTracer && !isParent) {
		c.Label = "do_wait: -ECHILD"
		return c.Done(a, ResErrno|ECHILD)
	}
	// The real parent that also traces it waits as the tracer; a real
	// parent whose child is traced by another waits for group stops only.
	ptrace := isTracer
	nowait := flags&scenario.WNOWAIT != 0

	// wait_task_zombie()
	if T.ExitState == EXIT_ZOMBIE && flags&scenario.WEXITED != 0 && c.ZombieReportable(t) && (ptrace || T.Ptrace == 0) {
		c.Label = "do_wait: wait_task_zombie"
		r := ResExited | Result(T.ExitVal)
		if T.ExitKind == ExitKilled {
			r = ResKilled | Result(T.ExitVal)
		}
		if !nowait {
			if isTracer && !isParent {
				// The tracer reaps its view; a leader stays a
				// zombie for the real parent.
				c.K.PtraceUnlink(c, t)
			} else {
				T.ExitState = EXIT_DEAD
			}
		}
		return c.Done(a, r)
	}
	// wait_task_stopped(): task_stopped_code() re-checked under siglock.
	if ptrace || flags&scenario.WUNTRACED != 0 {
		var code uint16
		if ptrace {
			if c.TaskIsTraced(t) && T.Jobctl&JOBCTL_LISTENING == 0 {
				code = T.ExitCode
				if code != 0 && !nowait {
					T.ExitCode = 0
				}
			}
		} else if s.Flags&SIGNAL_STOP_STOPPED != 0 {
			code = uint16(s.GroupExitCode)
			if code != 0 && !nowait {
				s.GroupExitCode = 0
			}
		}
		if code != 0 {
			c.Label = "do_wait: wait_task_stopped"
			if ptrace {
				c.ReportedTrap = t + 1
			}
			r := ResStopped | Result(code&0xff)
			switch code >> 8 {
			case PTRACE_EVENT_STOP:
				r |= ResEventStop
			case PTRACE_EVENT_EXIT:
				r |= ResEventExit
			}
			return c.Done(a, r)
		}
	}
	// wait_task_continued()
	if flags&scenario.WCONTINUED != 0 && s.Flags&SIGNAL_STOP_CONTINUED != 0 {
		c.Label = "do_wait: wait_task_continued"
		if !nowait {
			s.Flags &^= SIGNAL_STOP_CONTINUED
		}
		return c.Done(a, ResContinued)
	}
	if flags&scenario.WNOHANG != 0 {
		c.Label = "do_wait: WNOHANG, nothing"
		return c.Done(a, ResNone)
	}
	return false
}

// zombieReportable: a leader is reported only once the whole group is
// dead (delay_group_leader()).
func (c *Ctx) ZombieReportable(t int) bool {
	if !c.P.Tasks[t].Leader {
		return true
	}
	for _, u := range c.Threads(t) {
		if u != t && c.S.Task[u].Alive() {
			return false
		}
	}
	return true
}
