package model

import (
	"fmt"
	"strings"

	"jobctl/scenario"
)

// Prop identifies one built-in property (docs/PROPERTIES.md). The checker gets them
// as a bit set, so that checking a state allocates nothing.
type Prop uint8

const (
	I1    Prop = iota // the canonical stop state is jobctl (sound and complete)
	I2                // a jobctl stop bit is cleared exactly with a wakeup aimed at that state
	I3                // a resumed task is never left sleeping
	I4                // a killed task is never left sleeping
	I5                // no task stays frozen after the last thaw
	I6                // TASK_FROZEN is left only through a thaw; no user code runs in a FROZEN cgroup
	I7                // the tracer sees a stable, off-CPU tracee during a request
	I8                // PREEMPT_RT: an rtlock wait never loses its wakeup
	I9                // no stale JOBCTL_STOPPED/TRACED/PTRACE_FROZEN/LISTENING in user mode or at exit
	I10               // group-stop accounting
	I11               // a wait reports a ptrace stop only while the tracee is in one
	I12               // cgroup v2: no user code runs while the task's cgroup reports frozen
	I13               // cgroup v2: no task is left in the freezer trap after the last unfreeze
	I14               // cgroup v2: a fatal signal is never held by the freezer trap
	Stuck             // an actor (or a thread in the kernel) blocked forever with work left
	NumProps
)

var propNames = [...]string{"I1", "I2", "I3", "I4", "I5", "I6", "I7", "I8", "I9", "I10", "I11", "I12", "I13", "I14", "stuck"}

// PropDocs are the one-line statements of the properties (PropDocTable
// has the whole definitions).
var PropDocs = [...]string{
	I1:    "the canonical stop state is jobctl: JOBCTL_STOPPED/TRACED set iff the task is in (or committed to) that stop",
	I2:    "pairing: JOBCTL_STOPPED/TRACED is cleared exactly when, in the same siglock section, a wakeup aimed at that state is issued",
	I3:    "a resumed task is never left sleeping (SIGCONT, ptrace resume, detach, tracer exit, LISTEN notification)",
	I4:    "fatal-signal liveness: a killed task is not left asleep in TASK_STOPPED/TASK_TRACED",
	I5:    "thaw restores exactly the state jobctl says: no task stays frozen after the last thaw",
	I6:    "frozen means not running: TASK_FROZEN is left only through __thaw_task, and no user code runs in a FROZEN cgroup",
	I7:    "the tracer sees a stable, off-CPU tracee between ptrace_check_attach and the unfreeze or resume",
	I8:    "PREEMPT_RT: saved_state never loses a wakeup; an rtlock wait ends when the lock is free",
	I9:    "no stale JOBCTL_STOPPED, TRACED, PTRACE_FROZEN or LISTENING on return to user mode or at exit",
	I10:   "group-stop accounting: group_stop_count counts the threads with STOP_PENDING|STOP_CONSUME; STOP_STOPPED only at 0",
	I11:   "each stop is reported to wait only while task_stopped_code() holds: no phantom report of a ptrace stop the tracee is not in",
	I12:   "cgroup v2 frozen means not running: no task runs user code while its cgroup's cgroup.events says frozen 1",
	I13:   "cgroup v2 unfreeze: no task is left asleep in do_freezer_trap() once its cgroup no longer freezes",
	I14:   "cgroup v2 and fatal signals: a task with a fatal signal is never left asleep in do_freezer_trap()",
	Stuck: "progress: every actor finishes its script, and no thread spins in the kernel forever",
}

func (p Prop) String() string {
	if int(p) < len(propNames) {
		return propNames[p]
	}
	return "?"
}

// ParseProp accepts a property name ("I3", "stuck").
func ParseProp(s string) (Prop, bool) {
	for i, n := range propNames {
		if strings.EqualFold(n, s) {
			return Prop(i), true
		}
	}
	return 0, false
}

// PropSet is a set of properties.
type PropSet uint32

func (ps PropSet) Has(p Prop) bool { return ps&(1<<p) != 0 }

// All is every property.
const All PropSet = 1<<NumProps - 1

func (ps PropSet) String() string {
	var parts []string
	for p := Prop(0); p < NumProps; p++ {
		if ps.Has(p) {
			parts = append(parts, p.String())
		}
	}
	return strings.Join(parts, ",")
}

// inStopWindow: the task is in do_signal_stop()/ptrace_stop() between the
// commit (S1) and the wakeup, possibly parked on an rtlock on the way.
func inDSS(l Loc) bool {
	return l == LocDSSNotify || l == LocDSSEnterFrozen || l == LocDSSSchedule || l == LocDSSSleep
}
func inPS(l Loc) bool {
	return l == LocPSNotify || l == LocPSEnterFrozen || l == LocPSSchedule || l == LocPSSleep
}

// CheckState returns the safety properties (of want) that state s violates.
func (m *Machine) CheckState(s *State, want PropSet) PropSet {
	var bad PropSet
	c := m.ctx(s)
	for t := range m.P.Tasks {
		T := &s.Task[t]
		if !T.Alive() {
			if want.Has(I9) && T.Jobctl&(JOBCTL_STOPPED|JOBCTL_TRACED|JOBCTL_LISTENING|c.K.PtraceFrozenBit) != 0 {
				bad |= 1 << I9
			}
			continue
		}
		loc := T.Loc
		if loc == LocRTWait {
			loc = T.RTRet
		}
		if want.Has(I1) && m.K.JobctlCanonical && !m.i1(T, loc) {
			bad |= 1 << I1
		}
		// ≤ v5.18 on PREEMPT_RT: task_is_traced() reads __state, so a
		// TASK_TRACED parked in saved_state by an rtlock wait is not
		// traced for anyone who asks (docs/PROPERTIES.md, I1;
		// docs/SCENARIOS.md, R7).
		if want.Has(I1) && !m.K.JobctlCanonical && T.Loc == LocRTWait && inPS(T.RTRet) && T.State&__TASK_TRACED == 0 {
			bad |= 1 << I1
		}
		if want.Has(I9) && (T.Loc == LocUser || T.Loc == LocExit || T.Loc == LocExitNotify) &&
			T.Jobctl&(JOBCTL_STOPPED|JOBCTL_TRACED|JOBCTL_LISTENING|c.K.PtraceFrozenBit) != 0 {
			bad |= 1 << I9
		}
		if want.Has(I6) && T.Loc == LocUser && T.OnRq && c.Cgroup1(t).State&CGROUP_FROZEN != 0 {
			bad |= 1 << I6
		}
		if want.Has(I12) && T.Loc == LocUser && T.OnRq && c.V2Frozen(t) {
			bad |= 1 << I12
		}
		// A fatal signal wakes the trap's interruptible sleep in the
		// same siglock section that sends it (signal_wake_up(t, true)),
		// unless a v1 freezer holds the sleep (TASK_FROZEN: I4's case).
		if want.Has(I14) && T.Loc == LocTrapSleep && !T.OnRq && T.State&TASK_FROZEN == 0 && T.Flags&PF_FROZEN == 0 &&
			(c.Sig(t).Flags&SIGNAL_GROUP_EXIT != 0 || T.FatalSignalPending()) {
			bad |= 1 << I14
		}
	}
	if want.Has(I7) {
		for a := 0; a < m.P.NOutside; a++ {
			if h := s.Actor[a].Hold; h != 0 && s.Task[h-1].OnRq {
				bad |= 1 << I7
			}
		}
	}
	if want.Has(I10) {
		for pi, pd := range m.P.Procs {
			n := 0
			for _, t := range pd.Threads {
				// An exiting thread keeps its pending bits: zap_other_threads()
				// skips current, and exit_signals() returns early once the
				// group is exiting; the group's count no longer matters.
				if s.Task[t].Flags&PF_EXITING != 0 {
					continue
				}
				if j := s.Task[t].Jobctl; j&JOBCTL_STOP_PENDING != 0 && j&JOBCTL_STOP_CONSUME != 0 {
					n++
				}
			}
			sg := &s.Proc[pi]
			if sg.Flags&SIGNAL_GROUP_EXIT != 0 {
				continue
			}
			if int(sg.GroupStopCount) != n || (sg.Flags&SIGNAL_STOP_STOPPED != 0 && sg.GroupStopCount != 0) {
				bad |= 1 << I10
			}
		}
	}
	return bad
}

// i1 is I1-sound and I1-complete for one live task.
func (m *Machine) i1(T *Task, loc Loc) bool {
	// Frozen in place, or in an rtlock wait (blocked, or woken by the
	// unlock and about to restore saved_state): the logical state is in
	// saved_state.
	parked := T.State&TASK_FROZEN != 0 || T.State == TASK_RTLOCK_WAIT || T.Loc == LocRTWait
	if T.Jobctl&JOBCTL_TRACED != 0 {
		if !inPS(loc) {
			return false
		}
		if T.State&__TASK_TRACED == 0 && !parked {
			return false
		}
	}
	if T.Jobctl&JOBCTL_STOPPED != 0 {
		if !inDSS(loc) {
			return false
		}
		if T.State&__TASK_STOPPED == 0 && !parked {
			return false
		}
	}
	st := T.State
	if parked {
		st = T.Saved
	}
	if st&__TASK_STOPPED != 0 && T.Jobctl&JOBCTL_STOPPED == 0 {
		return false
	}
	if st&__TASK_TRACED != 0 && T.Jobctl&JOBCTL_TRACED == 0 {
		return false
	}
	return true
}

// CheckTransition returns the transition properties that the step from
// before to after (described by c) violates. Only what the step changed
// is looked at: I2 and I6 need a change of the task (its jobctl or its
// __state) or a wakeup issued at it; I11 and I7 are about what the step
// reported.
func (m *Machine) CheckTransition(before, after *State, c *Ctx, want PropSet) PropSet {
	var bad PropSet
	if want.Has(I7) && c.WTIFailed && len(m.P.Tasks) > 0 {
		// wait_task_inactive() failed on a tracee that is in its
		// ptrace stop (docs/PROPERTIES.md, I7): the kernel WARNs here,
		// believing it cannot happen ("ptrace: Document that
		// wait_task_inactive can't fail", v5.19).
		bad |= 1 << I7
	}
	if want.Has(I11) && c.ReportedTrap > 0 {
		A := &after.Task[c.ReportedTrap-1]
		if !inPS(A.Loc) && !(A.Loc == LocRTWait && inPS(A.RTRet)) {
			// The tracer's wait reported a ptrace stop of a task that
			// is not in ptrace_stop(): a stale JOBCTL_TRACED and
			// exit_code (R5: "P's wait4 reports a phantom trap").
			bad |= 1 << I11
		}
	}
	for t := range m.P.Tasks {
		B, A := &before.Task[t], &after.Task[t]
		if c.Woke[t] == 0 && !c.Thawed[t] && B.Jobctl == A.Jobctl && B.State == A.State {
			continue // nothing I2 or I6 looks at changed
		}
		if want.Has(I2) && m.K.JobctlCanonical && A.Alive() {
			stoppedMask := __TASK_STOPPED | TASK_WAKEKILL
			tracedMask := __TASK_TRACED
			if m.K.TaskTraced&TASK_WAKEKILL != 0 {
				tracedMask |= TASK_WAKEKILL
			}
			if B.Jobctl&JOBCTL_STOPPED != 0 && A.Jobctl&JOBCTL_STOPPED == 0 && c.Woke[t]&stoppedMask == 0 {
				bad |= 1 << I2
			}
			if B.Jobctl&JOBCTL_TRACED != 0 && A.Jobctl&JOBCTL_TRACED == 0 && c.Woke[t]&tracedMask == 0 {
				bad |= 1 << I2
			}
			if c.Woke[t]&stoppedMask != 0 && A.Jobctl&JOBCTL_STOPPED != 0 {
				bad |= 1 << I2
			}
			if c.Woke[t]&tracedMask != 0 && A.Jobctl&JOBCTL_TRACED != 0 {
				bad |= 1 << I2
			}
		}
		if want.Has(I6) && B.State&TASK_FROZEN != 0 && A.State&TASK_FROZEN == 0 && !c.Thawed[t] && A.Alive() {
			bad |= 1 << I6
		}
	}
	return bad
}

// CheckTerminal returns the liveness properties violated in a terminal
// state (no actor can make a step that changes the state).
func (m *Machine) CheckTerminal(s *State, want PropSet) PropSet {
	var bad PropSet
	c := m.ctx(s)
	for t := range m.P.Tasks {
		if p, ok := m.stuckTask(&c, t); ok && want.Has(p) {
			bad |= 1 << p
		}
	}
	if want.Has(Stuck) {
		for a := 0; a < m.P.NOutside; a++ {
			if int(s.Actor[a].PC) < len(m.P.Actors[a].Script) {
				bad |= 1 << Stuck
			}
		}
	}
	return bad
}

// stuckTask says whether task t is left in a state nobody will end, and
// which property that breaks.
func (m *Machine) stuckTask(c *Ctx, t int) (Prop, bool) {
	s := c.S
	T := &s.Task[t]
	if !T.Alive() {
		return 0, false
	}
	frz := c.Freezing(t)
	sg := c.Sig(t)
	if !frz && (c.Frozen(t) || T.Loc == LocRefrigerator && !T.OnRq) {
		return I5, true
	}
	if !frz && T.Loc == LocTrapSleep && !T.OnRq && !c.V2Freezing(t) {
		return I13, true
	}
	if T.Loc == LocRTWait && !T.OnRq {
		if s.Holder[lockFor(T.RTRet)] == 0 {
			return I8, true
		}
		return 0, false
	}
	blocked := !T.OnRq
	if !blocked {
		if T.Loc != LocUser {
			return Stuck, true // spinning on a lock nobody releases
		}
		return 0, false
	}
	if frz {
		return 0, false // frozen while freezing: allowed until the thaw
	}
	// A fatal signal may wait for a ptrace request in progress
	// (PTRACE_FROZEN): that request's ptrace_unfreeze_traced() ends the
	// stop. In a terminal state no request is in progress, so a
	// PTRACE_FROZEN left behind is no excuse.
	if sg.Flags&SIGNAL_GROUP_EXIT != 0 && (T.Jobctl&m.K.PtraceFrozenBit == 0 || !m.requestInProgress(s, t)) {
		return I4, true
	}
	switch T.Loc {
	case LocDSSSleep:
		if m.K.JobctlCanonical && T.Jobctl&JOBCTL_STOPPED == 0 {
			return I3, true
		}
		if sg.Flags&SIGNAL_STOP_STOPPED == 0 && sg.GroupStopCount == 0 {
			return I3, true
		}
	case LocPSSleep:
		if m.K.JobctlCanonical && T.Jobctl&JOBCTL_TRACED == 0 {
			return I3, true
		}
		if T.Ptrace == 0 {
			return I3, true
		}
		// A LISTENING tracee with a trap to take (a notification, or
		// PTRACE_INTERRUPT) must have been woken to take it.
		if T.Jobctl&JOBCTL_LISTENING != 0 && T.Jobctl&JOBCTL_TRAP_MASK != 0 {
			return I3, true
		}
	}
	return 0, false
}

// Explain says in words why state s (or the step into it) violates p.
func (m *Machine) Explain(s *State, p Prop) string {
	c := m.ctx(s)
	var parts []string
	for t, td := range m.P.Tasks {
		T := &s.Task[t]
		if q, ok := m.stuckTask(&c, t); ok && q == p {
			parts = append(parts, fmt.Sprintf("%s asleep in %s (%s) forever", td.Name, T.Loc, StateString(T.State)))
		}
	}
	for a := 0; a < m.P.NOutside; a++ {
		ad := &m.P.Actors[a]
		if p == Stuck && int(s.Actor[a].PC) < len(ad.Script) {
			parts = append(parts, m.whyBlocked(&c, a))
		}
	}
	msg := PropDocs[p]
	if len(parts) > 0 {
		msg = strings.Join(parts, "; ") + " — " + msg
	}
	return msg
}

// whyBlocked says why outside actor a cannot go on in s.
func (m *Machine) whyBlocked(c *Ctx, a int) string {
	ad := &m.P.Actors[a]
	A := &c.S.Actor[a]
	op := &ad.Script[A.PC]
	if A.Step == 0 && !c.After(op) {
		var waits []string
		for _, g := range op.After {
			if c.S.Actor[g.Actor].PC < g.N {
				waits = append(waits, fmt.Sprintf("%s#%d", m.P.Actors[g.Actor].Name, g.N))
			}
		}
		return fmt.Sprintf("%s never starts %q: it waits for %s, which never returns", ad.Name, op.Src.String(), strings.Join(waits, " and "))
	}
	if op.Kind == scenario.OpSettle {
		var busy []string
		for t, td := range m.P.Tasks {
			T := &c.S.Task[t]
			if T.ExitState == 0 && T.OnRq && (T.Loc != LocUser || T.SigPending) {
				busy = append(busy, fmt.Sprintf("%s runnable in %s", td.Name, T.Loc))
			}
		}
		return fmt.Sprintf("%s blocked in %q: the tracee threads never settle (%s)", ad.Name, op.Src.String(), strings.Join(busy, ", "))
	}
	return fmt.Sprintf("%s blocked in %q", ad.Name, op.Src.String())
}

// StateString renders a __state value with the kernel's names.
func StateString(st uint16) string {
	switch st {
	case TASK_RUNNING:
		return "TASK_RUNNING"
	case TASK_STOPPED:
		return "TASK_STOPPED"
	case taskTracedOld:
		return "TASK_TRACED"
	case __TASK_TRACED:
		return "TASK_TRACED"
	case TASK_FROZEN:
		return "TASK_FROZEN"
	case TASK_RTLOCK_WAIT:
		return "TASK_RTLOCK_WAIT"
	case TASK_DEAD:
		return "TASK_DEAD"
	case TASK_INTERRUPTIBLE | TASK_FREEZABLE:
		return "TASK_INTERRUPTIBLE|TASK_FREEZABLE"
	}
	var parts []string
	for _, b := range []struct {
		bit  uint16
		name string
	}{{TASK_INTERRUPTIBLE, "TASK_INTERRUPTIBLE"}, {TASK_UNINTERRUPTIBLE, "TASK_UNINTERRUPTIBLE"},
		{__TASK_STOPPED, "__TASK_STOPPED"}, {__TASK_TRACED, "__TASK_TRACED"}, {TASK_WAKEKILL, "TASK_WAKEKILL"},
		{TASK_RTLOCK_WAIT, "TASK_RTLOCK_WAIT"}, {TASK_FREEZABLE, "TASK_FREEZABLE"}, {TASK_FROZEN, "TASK_FROZEN"}} {
		if st&b.bit != 0 {
			parts = append(parts, b.name)
		}
	}
	return strings.Join(parts, "|")
}

// JobctlString renders the jobctl bits that matter, with the kernel's names.
func JobctlString(j uint32) string {
	var parts []string
	for _, b := range []struct {
		bit  uint32
		name string
	}{{JOBCTL_STOPPED, "STOPPED"}, {JOBCTL_TRACED, "TRACED"}, {JOBCTL_PTRACE_FROZEN, "PTRACE_FROZEN"},
		{JOBCTL_DELAY_WAKEKILL, "DELAY_WAKEKILL"}, {JOBCTL_LISTENING, "LISTENING"}, {JOBCTL_STOP_PENDING, "STOP_PENDING"},
		{JOBCTL_STOP_CONSUME, "STOP_CONSUME"}, {JOBCTL_STOP_DEQUEUED, "STOP_DEQUEUED"}, {JOBCTL_TRAP_STOP, "TRAP_STOP"},
		{JOBCTL_TRAP_NOTIFY, "TRAP_NOTIFY"}, {JOBCTL_TRAPPING, "TRAPPING"}, {JOBCTL_TRAP_FREEZE, "TRAP_FREEZE"}} {
		if j&b.bit != 0 {
			parts = append(parts, b.name)
		}
	}
	if len(parts) == 0 {
		return "0"
	}
	return strings.Join(parts, "|")
}

// requestInProgress: some actor is inside a ptrace request on task t.
func (m *Machine) requestInProgress(s *State, t int) bool {
	for a := 0; a < m.P.NOutside; a++ {
		A := &s.Actor[a]
		sc := m.P.Actors[a].Script
		if int(A.PC) < len(sc) && A.Step > 0 && sc[A.PC].T == t {
			return true
		}
	}
	return false
}
