package model

import (
	"fmt"
	"strings"

	"jobctl/scenario"
)

// Change is one field a step changed: whose (a thread, a thread group,
// an actor, a lock), which field (the kernel's name for it), and its
// value before and after, each named so that two different values never
// print the same.
type Change struct{ Who, Field, From, To string }

// Diff lists every field that differs between two states of m's scenario,
// in a fixed order: per thread, per thread group, per outside actor, then
// the locks held across steps. It is for traces and the explorer, not the
// checker's hot path (it allocates).
func (m *Machine) Diff(before, after *State) []Change {
	var out []Change
	add := func(who, field, from, to string) {
		if from != to {
			out = append(out, Change{who, field, from, to})
		}
	}
	for t, td := range m.P.Tasks {
		B, A := &before.Task[t], &after.Task[t]
		n := td.Name
		add(n, "__state", StateName(B.State), StateName(A.State))
		add(n, "saved_state", StateName(B.Saved), StateName(A.Saved))
		add(n, "jobctl", JobctlName(B.Jobctl), JobctlName(A.Jobctl))
		add(n, "pending", sigsetString(B.Pending), sigsetString(A.Pending))
		add(n, "pending SI_KERNEL", sigsetString(B.PendingKernel), sigsetString(A.PendingKernel))
		add(n, "pending SI_USER", sigsetString(B.PendingUser), sigsetString(A.PendingUser))
		add(n, "blocked", sigsetString(B.Blocked), sigsetString(A.Blocked))
		add(n, "signal frames", framesName(B.Frames), framesName(A.Frames))
		add(n, "TIF_SIGPENDING", onOff(B.SigPending), onOff(A.SigPending))
		add(n, "on_rq", onOff(B.OnRq), onOff(A.OnRq))
		add(n, "where", B.Loc.Step(), A.Loc.Step())
		add(n, "ptrace", ptraceName(B.Ptrace), ptraceName(A.Ptrace))
		add(n, "parent", m.tracerName(B.Tracer), m.tracerName(A.Tracer))
		add(n, "exit_code", fmt.Sprintf("%#x", B.ExitCode), fmt.Sprintf("%#x", A.ExitCode))
		add(n, "flags", taskFlagsName(B.Flags), taskFlagsName(A.Flags))
		add(n, "exit_state", exitStateName(B.ExitState), exitStateName(A.ExitState))
		add(n, "last_siginfo", siginfoName(B.LastSiginfo, B.LastSigno), siginfoName(A.LastSiginfo, A.LastSigno))
		add(n, "script", fmt.Sprint(B.ScriptPC), fmt.Sprint(A.ScriptPC))
		// Locals of the kernel function the thread is in.
		add(n, "returns to", retName(B.Ret), retName(A.Ret))
		add(n, "signr", fmt.Sprint(B.Sig), fmt.Sprint(A.Sig))
		add(n, "ksig->info", ksigName(B.SigInfo), ksigName(A.SigInfo))
		add(n, "why", fmt.Sprint(B.Why), fmt.Sprint(A.Why))
		add(n, "completed group stop", fmt.Sprint(B.GstopDone), fmt.Sprint(A.GstopDone))
		add(n, "exit", exitName(B), exitName(A))
		add(n, "refrigerator returns to", retName(B.FrzRet), retName(A.FrzRet))
		add(n, "rtlock wait resumes", retName(B.RTRet), retName(A.RTRet))
		add(n, "ptraced list position", fmt.Sprint(B.PtraceSeq), fmt.Sprint(A.PtraceSeq))
		add(n, "frozen (cgroup v2)", onOff(B.CgFrozen), onOff(A.CgFrozen))
	}
	for pi, pd := range m.P.Procs {
		B, A := &before.Proc[pi], &after.Proc[pi]
		n := pd.Name
		add(n, "signal->flags", SignalFlagsName(B.Flags), SignalFlagsName(A.Flags))
		add(n, "group_stop_count", fmt.Sprint(B.GroupStopCount), fmt.Sprint(A.GroupStopCount))
		add(n, "group_exit_code", fmt.Sprint(B.GroupExitCode), fmt.Sprint(A.GroupExitCode))
		add(n, "exit_group code", fmt.Sprint(B.GroupExitVal), fmt.Sprint(A.GroupExitVal))
		add(n, "shared_pending", sigsetString(B.Shared), sigsetString(A.Shared))
		add(n, "SIG_IGN", sigsetString(B.Ignored), sigsetString(A.Ignored))
		add(n, "handler", sigsetString(B.Handled), sigsetString(A.Handled))
		add(n, "curr_target", m.P.Tasks[B.CurrTarget].Name, m.P.Tasks[A.CurrTarget].Name)
		add(n, "CLD_STOPPED sent", fmt.Sprint(B.CldStopped), fmt.Sprint(A.CldStopped))
		add(n, "CLD_CONTINUED sent", fmt.Sprint(B.CldContinued), fmt.Sprint(A.CldContinued))
	}
	for i, cd := range m.P.Cgroups {
		B, A := &before.Cgroup[i], &after.Cgroup[i]
		if cd.V2 {
			add("cgroup v2 "+cd.Name, "flags", cgrpFlagsName(B.State), cgrpFlagsName(A.State))
		} else {
			add("freezer "+cd.Name, "state", freezerFlagsName(B.State), freezerFlagsName(A.State))
		}
		// v2 only; never set in a v1 cgroup.
		add("cgroup "+cd.Name, "freezer.freeze", onOff(B.Freeze), onOff(A.Freeze))
		add("cgroup "+cd.Name, "freezer.e_freeze", fmt.Sprint(B.EFreeze), fmt.Sprint(A.EFreeze))
	}
	for a := 0; a < m.P.NOutside; a++ {
		ad := &m.P.Actors[a]
		B, A := &before.Actor[a], &after.Actor[a]
		add(ad.Name, "op", m.opName(a, B), m.opName(a, A))
		for i := range ad.Script {
			add(ad.Name, fmt.Sprintf("#%d %s", i+1, ad.Script[i].Src.String()), m.P.ResultText(before, a, i), m.P.ResultText(after, a, i))
		}
	}
	for l := range before.Holder {
		add(LockNames[l]+"_lock", "held by", m.holderName(before.Holder[l]), m.holderName(after.Holder[l]))
	}
	add("freezer_mutex", "held by", m.holderName(before.FreezerMutex), m.holderName(after.FreezerMutex))
	add("cgroup_mutex", "held by", m.holderName(before.CgroupMutex), m.holderName(after.CgroupMutex))
	return out
}

func onOff(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func (m *Machine) tracerName(tr uint8) string {
	if tr == 0 {
		return "real parent"
	}
	return m.P.Actors[tr-1].Name
}

func (m *Machine) holderName(h uint8) string {
	if h == 0 {
		return "nobody"
	}
	return m.P.Actors[h-1].Name
}

// opName is where actor a is in its script: the op and its atomic step.
func (m *Machine) opName(a int, A *Actor) string {
	sc := m.P.Actors[a].Script
	if int(A.PC) >= len(sc) {
		return "done"
	}
	s := fmt.Sprintf("#%d %s", A.PC+1, sc[A.PC].Src.String())
	if A.Step > 0 {
		s += fmt.Sprintf(" (step %d)", A.Step)
	}
	if A.Hold > 0 {
		s += ", holds " + m.P.Tasks[A.Hold-1].Name
	}
	if sc[A.PC].Kind == scenario.OpWait || sc[A.PC].Kind == scenario.OpWaitid {
		switch {
		case A.Step == 1 && A.Flags&ActWoken != 0:
			s += ", woken (TASK_RUNNING on wait_chldexit)"
		case A.Step == 1:
			s += ", asleep on wait_chldexit"
		}
		return s
	}
	if A.Tmp != 0 || A.Flags != 0 || A.Aux != 0 {
		// The op's scratch registers (model/actor.go), named: two states
		// that differ only there are different states.
		s += fmt.Sprintf(" (tmp %d, flags %#x, aux %d)", A.Tmp, A.Flags, A.Aux)
	}
	return s
}

func retName(l Loc) string {
	switch l {
	case 0:
		return "-"
	case RetPtraceSignal:
		return "ptrace_signal"
	case RetSyscallEntry:
		return "ptrace_report_syscall_entry"
	case RetSyscallExit:
		return "ptrace_report_syscall_exit"
	}
	return l.String()
}

func exitName(T *Task) string {
	switch T.ExitKind {
	case ExitExited:
		return fmt.Sprintf("exited(%d)", T.ExitVal)
	case ExitKilled:
		return fmt.Sprintf("killed(%d)", T.ExitVal)
	}
	if T.ExitVal != 0 {
		return fmt.Sprintf("code %d", T.ExitVal)
	}
	return "none"
}

// StateName renders a __state value by its bits, so that different
// values never read the same: TASK_TRACED is __TASK_TRACED (0x008) since
// v5.19 and TASK_WAKEKILL|__TASK_TRACED (0x108) before, and the two are
// named that way. TASK_STOPPED (0x104 in every version) keeps its name.
func StateName(st uint16) string {
	switch st {
	case TASK_RUNNING:
		return "TASK_RUNNING"
	case TASK_STOPPED:
		return "TASK_STOPPED"
	}
	var parts []string
	for _, b := range []struct {
		bit  uint16
		name string
	}{{TASK_INTERRUPTIBLE, "TASK_INTERRUPTIBLE"}, {TASK_UNINTERRUPTIBLE, "TASK_UNINTERRUPTIBLE"},
		{__TASK_STOPPED, "__TASK_STOPPED"}, {__TASK_TRACED, "__TASK_TRACED"}, {TASK_PARKED, "TASK_PARKED"},
		{TASK_DEAD, "TASK_DEAD"}, {TASK_WAKEKILL, "TASK_WAKEKILL"}, {TASK_WAKING, "TASK_WAKING"},
		{TASK_RTLOCK_WAIT, "TASK_RTLOCK_WAIT"}, {TASK_FREEZABLE, "TASK_FREEZABLE"}, {TASK_FROZEN, "TASK_FROZEN"}} {
		if st&b.bit != 0 {
			parts = append(parts, b.name)
			st &^= b.bit
		}
	}
	if st != 0 {
		parts = append(parts, fmt.Sprintf("%#x", st))
	}
	return strings.Join(parts, "|")
}

// JobctlName renders every jobctl bit by name, and the signal number of
// the last group stop (JOBCTL_STOP_SIGMASK) when set.
func JobctlName(j uint32) string {
	s := JobctlString(j)
	if sig := j & JOBCTL_STOP_SIGMASK; sig != 0 {
		if s == "0" {
			s = ""
		} else {
			s += "|"
		}
		s += fmt.Sprintf("SIGMASK=%d", sig)
	}
	return s
}

func ptraceName(p uint32) string {
	if p == 0 {
		return "0"
	}
	var parts []string
	if p&PT_PTRACED != 0 {
		parts = append(parts, "PT_PTRACED")
	}
	if p&PT_SEIZED != 0 {
		parts = append(parts, "PT_SEIZED")
	}
	for _, o := range []struct {
		bit  uint32
		name string
	}{{PT_TRACESYSGOOD, "PT_TRACESYSGOOD"}, {PT_TRACE_EXIT, "PT_TRACE_EXIT"}, {PT_EXITKILL, "PT_EXITKILL"}} {
		if p&o.bit != 0 {
			parts = append(parts, o.name)
		}
	}
	if rest := p &^ (PT_PTRACED | PT_SEIZED | PT_OPT_MASK); rest != 0 {
		parts = append(parts, fmt.Sprintf("%#x", rest))
	}
	return strings.Join(parts, "|")
}

func taskFlagsName(f uint8) string {
	if f == 0 {
		return "0"
	}
	var parts []string
	for _, b := range []struct {
		bit  uint8
		name string
	}{{PF_EXITING, "PF_EXITING"}, {PF_FROZEN, "PF_FROZEN"}, {PF_FREEZER_SKIP, "PF_FREEZER_SKIP"}, {TIF_SYSCALL_TRACE, "TIF_SYSCALL_TRACE"}, {RESTART_NANOSLEEP, "restart_block=hrtimer_nanosleep_restart"}, {ERESTART_RESTARTBLOCK, "-ERESTART_RESTARTBLOCK"}, {SYSCALL_ENTERED, "syscall entered"}, {KICKED, "kick_process"}} {
		if f&b.bit != 0 {
			parts = append(parts, b.name)
			f &^= b.bit
		}
	}
	if f != 0 {
		parts = append(parts, fmt.Sprintf("%#x", f))
	}
	return strings.Join(parts, "|")
}

func exitStateName(e uint8) string {
	switch e {
	case 0:
		return "0"
	case EXIT_ZOMBIE:
		return "EXIT_ZOMBIE"
	case EXIT_DEAD:
		return "EXIT_DEAD"
	}
	return fmt.Sprint(e)
}

func siginfoName(si, signo uint8) string {
	if si == SiNone && signo == 0 {
		return "NULL"
	}
	code := fmt.Sprint(si)
	if si < numSi {
		code = siCodeNames[si]
	}
	return fmt.Sprintf("{%s, %s}", scenario.SigName(int(signo)), code)
}

// ksigName renders Task.SigInfo: the si_code, and the queue.
func ksigName(si uint8) string {
	if si == 0 {
		return "-"
	}
	s := fmt.Sprint(si &^ SigInfoShared)
	if si&^SigInfoShared < numSi {
		s = siCodeNames[si&^SigInfoShared]
	}
	if si&SigInfoShared != 0 {
		s += " (shared)"
	}
	return s
}

// framesName renders the signal frames, innermost first.
func framesName(f uint32) string {
	if f == 0 {
		return "none"
	}
	var parts []string
	for ; f != 0; f >>= 5 {
		parts = append(parts, scenario.SigName(int(f&31)))
	}
	return strings.Join(parts, ",")
}

// SignalFlagsName renders signal->flags by name.
func SignalFlagsName(f uint8) string {
	if f == 0 {
		return "0"
	}
	var parts []string
	for _, b := range []struct {
		bit  uint8
		name string
	}{{SIGNAL_STOP_STOPPED, "SIGNAL_STOP_STOPPED"}, {SIGNAL_STOP_CONTINUED, "SIGNAL_STOP_CONTINUED"},
		{SIGNAL_GROUP_EXIT, "SIGNAL_GROUP_EXIT"}, {SIGNAL_CLD_STOPPED, "SIGNAL_CLD_STOPPED"}, {SIGNAL_CLD_CONTINUED, "SIGNAL_CLD_CONTINUED"}} {
		if f&b.bit != 0 {
			parts = append(parts, b.name)
			f &^= b.bit
		}
	}
	if f != 0 {
		parts = append(parts, fmt.Sprintf("%#x", f))
	}
	return strings.Join(parts, "|")
}

// freezerFlagsName renders a v1 freezer->state.
func freezerFlagsName(f uint8) string {
	return flagsName(uint32(f), []flagName{{uint32(CGROUP_FREEZING_SELF), "CGROUP_FREEZING_SELF"},
		{uint32(CGROUP_FREEZING_PARENT), "CGROUP_FREEZING_PARENT"}, {uint32(CGROUP_FROZEN), "CGROUP_FROZEN"}})
}

// cgrpFlagsName renders the v2 freezer's bits of cgrp->flags.
func cgrpFlagsName(f uint8) string {
	return flagsName(uint32(f), []flagName{{uint32(CGRP_FREEZE), "CGRP_FREEZE"}, {uint32(CGRP_FROZEN), "CGRP_FROZEN"}})
}

type flagName struct {
	bit  uint32
	name string
}

// flagsName renders bits by name ("0" for none, leftovers in hex).
func flagsName(f uint32, names []flagName) string {
	var parts []string
	for _, b := range names {
		if f&b.bit != 0 {
			parts = append(parts, b.name)
			f &^= b.bit
		}
	}
	if f != 0 {
		parts = append(parts, fmt.Sprintf("%#x", f))
	}
	if len(parts) == 0 {
		return "0"
	}
	return strings.Join(parts, "|")
}
