package model

// Signal generation and delivery, job-control group stop, after
// kernel/signal.c and include/linux/sched/signal.h (v6.18).

// SignalWakeUpState is signal_wake_up_state() (kernel/signal.c, v5.19+):
// set TIF_SIGPENDING and wake the task if it sleeps in state|INTERRUPTIBLE,
// else kick_process() (no state change). It never touches jobctl.
func SignalWakeUpState(c *Ctx, t int, state uint16) {
	c.SetTIFSigpending(t)
	c.K.TryToWakeUp(c, t, state|TASK_INTERRUPTIBLE)
}

// SetTIFSigpending is signal_wake_up_state()'s set_tsk_thread_flag(t,
// TIF_SIGPENDING), with what its kick_process() means for another thread
// running user code that had nothing to handle: it may make the system
// call it was already making before it notices the flag (KICKED).
func (c *Ctx) SetTIFSigpending(t int) {
	T := &c.S.Task[t]
	if !T.SigPending && T.Loc == LocUser && T.Flags&SYSCALL_ENTERED == 0 && int(c.Cur) != t+1 {
		T.Flags |= KICKED
	}
	T.SigPending = true
}

// SignalWakeUp is signal_wake_up() (include/linux/sched/signal.h, v5.19+,
// 31cae1eaae4f). A fatal wakeup ends a stop: JOBCTL_STOPPED and
// JOBCTL_TRACED are cleared here, whatever the wakeup's outcome, unless a
// ptrace request holds the task (JOBCTL_PTRACE_FROZEN). This is Eric
// Biederman's point in his reply to Peter Zijlstra's v2 1/5 (LKML,
// 2022-04-26, <87fslzfmha.fsf@email.froward.int.ebiederm.org>): if
// __state is TASK_FROZEN (or parked in saved_state) the wakeup fails, and
// only jobctl remembers the decision.
func SignalWakeUp(c *Ctx, t int, fatal bool) {
	T := &c.S.Task[t]
	var state uint16
	if fatal && T.Jobctl&c.K.PtraceFrozenBit != 0 {
		c.Cover(brWakeUpDeferred)
	}
	if fatal && T.Jobctl&c.K.PtraceFrozenBit == 0 {
		c.Cover(brWakeUpFatal)
		T.Jobctl &^= JOBCTL_STOPPED | JOBCTL_TRACED
		state = TASK_WAKEKILL | __TASK_TRACED
	}
	c.K.SignalWakeUpState(c, t, state)
}

// PtraceSignalWakeUp is ptrace_signal_wake_up() (v5.19+): resuming a
// ptrace stop clears JOBCTL_TRACED with the wakeup.
func PtraceSignalWakeUp(c *Ctx, t int, resume bool) {
	var state uint16
	if resume {
		c.S.Task[t].Jobctl &^= JOBCTL_TRACED
		state = __TASK_TRACED
	}
	c.K.SignalWakeUpState(c, t, state)
}

// taskSetJobctlPending is task_set_jobctl_pending() (kernel/signal.c).
func (c *Ctx) TaskSetJobctlPending(t int, mask uint32) bool {
	T := &c.S.Task[t]
	if (T.SigPending && T.FatalSignalPending()) || T.Flags&PF_EXITING != 0 {
		return false
	}
	if mask&JOBCTL_STOP_SIGMASK != 0 {
		T.Jobctl &^= JOBCTL_STOP_SIGMASK
	}
	T.Jobctl |= mask
	return true
}

// taskClearJobctlTrapping is task_clear_jobctl_trapping(): releases a
// tracer waiting in ptrace_attach() (wake_up_bit on JOBCTL_TRAPPING).
func (c *Ctx) TaskClearJobctlTrapping(t int) {
	c.S.Task[t].Jobctl &^= JOBCTL_TRAPPING
}

// taskClearJobctlPending is task_clear_jobctl_pending().
func (c *Ctx) TaskClearJobctlPending(t int, mask uint32) {
	T := &c.S.Task[t]
	if mask&JOBCTL_STOP_PENDING != 0 {
		mask |= JOBCTL_STOP_CONSUME | JOBCTL_STOP_DEQUEUED
	}
	T.Jobctl &^= mask
	if T.Jobctl&JOBCTL_PENDING_MASK == 0 {
		c.TaskClearJobctlTrapping(t)
	}
}

// taskParticipateGroupStop is task_participate_group_stop(): it reports
// whether this task completed the group stop (notify the parent).
func TaskParticipateGroupStop(c *Ctx, t int) bool {
	T := &c.S.Task[t]
	sig := c.Sig(t)
	consume := T.Jobctl&JOBCTL_STOP_CONSUME != 0
	if T.Jobctl&JOBCTL_STOP_PENDING == 0 {
		return false
	}
	c.TaskClearJobctlPending(t, JOBCTL_STOP_PENDING)
	if !consume {
		return false
	}
	if sig.GroupStopCount > 0 {
		sig.GroupStopCount--
	}
	if sig.GroupStopCount == 0 && sig.Flags&SIGNAL_STOP_STOPPED == 0 {
		c.Cover(brParticipateDone)
		signalSetStopFlags(sig, SIGNAL_STOP_STOPPED)
		return true
	}
	return false
}

// signalSetStopFlags is signal_set_stop_flags().
func signalSetStopFlags(sig *Signal, flags uint8) {
	sig.Flags = sig.Flags&^SIGNAL_STOP_MASK | flags
}

// sig returns the signal_struct of task t.
func (c *Ctx) Sig(t int) *Signal { return &c.S.Proc[c.P.Tasks[t].Proc] }

// threads returns the task indices of t's thread group.
func (c *Ctx) Threads(t int) []int { return c.P.Procs[c.P.Tasks[t].Proc].Threads }

// FlushPending removes the signals in mask from the private queue
// (flush_sigqueue_mask()), with their siginfo.
func (T *Task) FlushPending(mask uint32) {
	T.Pending &^= mask
	T.PendingKernel &^= mask
	T.PendingUser &^= mask
}

// alive: not yet released by the exit path (the thread is in the group's list).
func (T *Task) Alive() bool { return T.ExitState == 0 }

// ptraceTrapNotify is ptrace_trap_notify() (kernel/signal.c): a SEIZEd
// tracee re-traps to tell its tracer about a group stop or continue.
func (c *Ctx) PtraceTrapNotify(t int) {
	T := &c.S.Task[t]
	c.TaskSetJobctlPending(t, JOBCTL_TRAP_NOTIFY)
	c.K.PtraceSignalWakeUp(c, t, T.Jobctl&JOBCTL_LISTENING != 0)
}

// sendSignal is send_signal_locked() under the target's siglock (one
// atomic step): prepare_signal(), queueing, complete_signal(). group
// selects the shared queue (kill) over the private one (tgkill); si is the
// siginfo's si_code (SiUser, SiTkill, SiKernel), kept per signal of the
// private queue for PTRACE_GETSIGINFO.
func SendSignalLocked(c *Ctx, sig int, si uint8, t int, group bool) {
	if !c.K.PrepareSignal(c, sig, t) {
		return
	}
	T := &c.S.Task[t]
	pend := &T.Pending
	if group {
		pend = &c.Sig(t).Shared
	}
	if *pend&sigmask(sig) != 0 { // legacy_queue(): not queued twice
		c.Cover(brSendQueued)
		return
	}
	*pend |= sigmask(sig)
	if !group && sig != SIGKILL { // SIGKILL is never reported: its siginfo is not kept
		switch si {
		case SiKernel:
			T.PendingKernel |= sigmask(sig)
		case SiUser:
			T.PendingUser |= sigmask(sig)
		}
	}
	c.K.CompleteSignal(c, sig, t, group)
}

// prepareSignal is prepare_signal(): the send-time effects of stop and
// continue signals, and whether the signal is queued at all.
func PrepareSignal(c *Ctx, sig int, p int) bool {
	s := c.Sig(p)
	if s.Flags&SIGNAL_GROUP_EXIT != 0 {
		// 9a95f78eab70 (v6.1): a dying group takes no more signals.
		// Before, the code fell through to !sig_ignored().
		if c.K.DropAfterGroupExit {
			c.Cover(brPrepareDropDying)
			return false
		}
	} else if sigKernelStopP(sig) {
		// A stop signal flushes every pending SIGCONT.
		c.Cover(brPrepareStopFlush)
		s.Shared &^= sigmask(SIGCONT)
		for _, t := range c.Threads(p) {
			c.S.Task[t].FlushPending(sigmask(SIGCONT))
		}
	} else if sig == SIGCONT {
		// SIGCONT flushes stop signals, cancels the group stop and
		// wakes every stopped thread, at send time.
		s.Shared &^= sigKernelStop
		for _, t := range c.Threads(p) {
			T := &c.S.Task[t]
			if !T.Alive() {
				continue
			}
			T.FlushPending(sigKernelStop)
			c.TaskClearJobctlPending(t, JOBCTL_STOP_PENDING)
			if T.Ptrace&PT_SEIZED == 0 {
				c.Cover(brPrepareContWake)
				T.Jobctl &^= JOBCTL_STOPPED
				c.K.TryToWakeUp(c, t, __TASK_STOPPED)
			} else {
				c.Cover(brPrepareContNotify)
				c.PtraceTrapNotify(t)
			}
		}
		var why uint8
		if s.Flags&SIGNAL_STOP_STOPPED != 0 {
			why = SIGNAL_CLD_CONTINUED
		} else if s.GroupStopCount != 0 {
			why = SIGNAL_CLD_STOPPED
		}
		if why != 0 {
			// "The first thread which returns from do_signal_stop()
			// will take ->siglock, notice SIGNAL_CLD_MASK, and report
			// to the parent."
			c.Cover(brPrepareContCLD)
			signalSetStopFlags(s, why|SIGNAL_STOP_CONTINUED)
			s.GroupStopCount = 0
			s.GroupExitCode = 0
		}
	}
	if c.K.SigIgnored(c, p, sig) {
		c.Cover(brPrepareIgnored)
		return false
	}
	return true
}

// SigIgnored is sig_ignored() with sig_task_ignored() (kernel/signal.c,
// v6.18): a blocked signal is never ignored ("the signal handler may change
// by the time it is unblocked"); a traced task's is not either (the tracer
// may want to see it), SIGKILL aside; else it is when the disposition is
// SIG_IGN, or SIG_DFL with the default action "ignore". prepare_signal()
// ends with "return !sig_ignored(...)", so an untraced SIGCONT (ignored by
// default) does all its work in prepare_signal() and is then dropped:
// never queued, no complete_signal(), no TIF_SIGPENDING.
func SigIgnored(c *Ctx, p int, sig int) bool {
	T := &c.S.Task[p]
	if T.Blocked&sigmask(sig) != 0 {
		return false
	}
	if T.Ptrace != 0 && sig != SIGKILL {
		return false
	}
	return sigHandlerIgnored(c.SigHandler(p, sig), sig)
}

// Want is wants_signal()'s answer. task_curr() — is the thread on a CPU
// at this instant — is the scheduler's business, which the model leaves
// open: for a runnable thread with TIF_SIGPENDING already set the answer
// is "maybe", and complete_signal() takes every outcome the kernel can.
type Want uint8

const (
	WantNo Want = iota
	WantMaybe
	WantYes
)

// WantsSignal is wants_signal() (kernel/signal.c, v6.18): a thread that
// blocks the signal, is exiting, stopped or traced does not want it
// (SIGKILL aside, which cannot be blocked); one without TIF_SIGPENDING
// does; one with it only if it is running now (task_curr()), which a
// blocked thread is not.
func (c *Ctx) WantsSignal(sig int, t int) Want {
	T := &c.S.Task[t]
	if T.Blocked&sigmask(sig) != 0 || T.Flags&PF_EXITING != 0 || !T.Alive() {
		return WantNo
	}
	if sig == SIGKILL {
		return WantYes
	}
	if c.TaskIsStoppedOrTraced(t) {
		return WantNo
	}
	if !T.SigPending || int(c.Cur) == t+1 {
		return WantYes // current (raise: tgkill of itself) is on a CPU
	}
	if T.OnRq {
		return WantMaybe
	}
	return WantNo
}

// SignalTarget is one thread complete_signal() can pick: Task (-1: none,
// the signal stays queued for whoever dequeues it), and whether it came
// from the search that moves signal->curr_target.
type SignalTarget struct {
	Task   int8
	Search bool
}

// SignalTargets lists, in the kernel's search order, every thread that
// complete_signal(sig, p, type) can pick (kernel/signal.c, v6.18):
//
//	if (wants_signal(sig, p)) t = p;
//	else if (type == PIDTYPE_PID || thread_group_empty(p)) return;
//	else { t = signal->curr_target; while (!wants_signal(sig, t)) { t = next_thread(t); if (t == curr_target) return; } signal->curr_target = t; }
//
// Each "maybe" thread the search meets is picked if it is the one on a
// CPU; the first certain one ends the search.
func (c *Ctx) SignalTargets(sig int, p int, group bool, out *[MaxTasks + 1]SignalTarget) int {
	n := 0
	wp := c.WantsSignal(sig, p)
	if wp != WantNo {
		out[n] = SignalTarget{Task: int8(p)}
		n++
		if wp == WantYes {
			return n
		}
	}
	threads := c.Threads(p)
	if !group || len(threads) == 1 {
		out[n] = SignalTarget{Task: -1}
		return n + 1
	}
	start := 0
	for i, u := range threads {
		if u == int(c.Sig(p).CurrTarget) {
			start = i
		}
	}
	for i := range threads {
		u := threads[(start+i)%len(threads)]
		w := c.WantsSignal(sig, u)
		if u == p {
			w = WantNo // in this branch p is not on a CPU (or never wanted it)
		}
		if w == WantNo {
			continue
		}
		out[n] = SignalTarget{Task: int8(u), Search: true}
		n++
		if w == WantYes {
			return n
		}
	}
	out[n] = SignalTarget{Task: -1}
	return n + 1
}

// CompleteSignal is complete_signal() (kernel/signal.c, v6.18): pick a
// thread to wake (each possible pick is an outcome of the step) and, for
// a fatal signal, turn it into a group kill at once. A design replaces it
// with the exported pieces it is made of: Ctx.SignalTargets (or
// Ctx.WantsSignal), Ctx.Choose, Ctx.SigFatal, SigKernelCoredump, Sigmask,
// Ctx.TaskClearJobctlPending and Kernel.SignalWakeUp.
func CompleteSignal(c *Ctx, sig int, p int, group bool) {
	s := c.Sig(p)
	var targets [MaxTasks + 1]SignalTarget
	n := c.SignalTargets(sig, p, group, &targets)
	pick := targets[0]
	if n > 1 {
		c.ChoiceWhat = "complete_signal picks"
		pick = targets[c.Choose(n)%n]
	}
	if pick.Task < 0 {
		c.Cover(brCompleteNone)
		if group {
			c.Cover(brCompleteShared)
		}
		c.ChoiceLabel = "none"
		return
	}
	t := int(pick.Task)
	c.ChoiceLabel = c.P.Tasks[t].Name
	if pick.Search {
		if t != p {
			c.Cover(brCompleteSearch)
		}
		s.CurrTarget = uint8(t)
	}
	P := &c.S.Task[p]
	if c.SigFatal(p, sig) && s.Flags&SIGNAL_GROUP_EXIT == 0 &&
		(sig == SIGKILL || P.Ptrace == 0) && !SigKernelCoredump(sig) {
		c.Cover(brCompleteFatal)
		s.Flags = SIGNAL_GROUP_EXIT
		s.GroupExitCode = uint8(sig)
		s.GroupStopCount = 0
		for _, u := range c.Threads(p) {
			if !c.S.Task[u].Alive() {
				continue
			}
			c.TaskClearJobctlPending(u, JOBCTL_PENDING_MASK)
			c.S.Task[u].Pending |= sigmask(SIGKILL)
			c.K.SignalWakeUp(c, u, true)
		}
		return
	}
	c.Cover(brCompleteWake)
	c.K.SignalWakeUp(c, t, sig == SIGKILL)
}

// recalcSigpending is recalc_sigpending() by the current task
// (kernel/signal.c:recalc_sigpending_tsk(), v6.18): TIF_SIGPENDING stays
// set while there is work — jobctl traps, or a pending signal it does not
// block — and is never cleared while freezing(current).
func (c *Ctx) RecalcSigpending(t int) {
	T := &c.S.Task[t]
	if c.SigpendingWork(t) {
		T.SigPending = true
		return
	}
	if !c.Freezing(t) {
		T.SigPending = false
	}
}

// SigpendingWork is recalc_sigpending_tsk()'s test: JOBCTL_PENDING_MASK
// and JOBCTL_TRAP_FREEZE, PENDING(&t->pending, &t->blocked) ||
// PENDING(&shared_pending, &t->blocked), and cgroup_task_frozen() (the
// cgroup v2 freezer).
func (c *Ctx) SigpendingWork(t int) bool {
	T := &c.S.Task[t]
	return T.Jobctl&(JOBCTL_PENDING_MASK|JOBCTL_TRAP_FREEZE) != 0 || (T.Pending|c.Sig(t).Shared)&^T.Blocked != 0 || T.CgFrozen
}

// nextSignal is next_signal() (kernel/signal.c, v6.18): the lowest
// unblocked pending signal, a synchronous one (SIGSEGV, SIGBUS, SIGILL,
// SIGTRAP, SIGFPE, SIGSYS) first.
func nextSignal(pending, blocked uint32) int {
	x := pending &^ blocked
	if x == 0 {
		return 0
	}
	if x&synchronousMask != 0 {
		x &= synchronousMask
	}
	for sig := 1; sig < 32; sig++ {
		if x&sigmask(sig) != 0 {
			return sig
		}
	}
	return 0
}

// dequeueSignal is dequeue_signal(&current->blocked, ...): the next
// unblocked signal, private queue first; its siginfo's si_code goes to
// Task.SigInfo (with SigInfoShared for the shared queue: get_signal()'s
// type). Dequeuing a stop signal sets JOBCTL_STOP_DEQUEUED.
func DequeueSignal(c *Ctx, t int) int {
	T := &c.S.Task[t]
	shared := &c.Sig(t).Shared
	sig, si := nextSignal(T.Pending, T.Blocked), uint8(0)
	if sig != 0 {
		m := sigmask(sig)
		T.Pending &^= m
		switch {
		case T.PendingKernel&m != 0:
			si = SiKernel
		case T.PendingUser&m != 0:
			si = SiUser
		default:
			si = SiTkill
		}
		T.PendingKernel &^= m
		T.PendingUser &^= m
	} else if sig = nextSignal(*shared, T.Blocked); sig != 0 {
		*shared &^= sigmask(sig)
		si = SiUser | SigInfoShared
	}
	if sig != 0 {
		T.SigInfo = si
		if sigKernelStopP(sig) {
			T.Jobctl |= JOBCTL_STOP_DEQUEUED
		}
	}
	c.RecalcSigpending(t)
	return sig
}
