package model

import (
	"fmt"
	"strings"

	"jobctl/scenario"
)

// Letter is the /proc/PID/stat state letter of task t, computed as
// task_state_index() does (include/linux/sched.h, fs/proc/array.c): the
// highest TASK_REPORT bit of __state|exit_state, with the special cases
// for TASK_RTLOCK_WAIT ('D') and TASK_FROZEN ('D' since f718faf3940e,
// v6.13; 'R' before: FROZEN is outside TASK_REPORT).
func (c *Ctx) Letter(t int) byte {
	T := &c.S.Task[t]
	switch T.ExitState {
	case EXIT_ZOMBIE:
		return 'Z'
	case EXIT_DEAD:
		return 'X'
	}
	st := T.State
	if st&TASK_RTLOCK_WAIT != 0 {
		return 'D'
	}
	if st&TASK_FROZEN != 0 {
		return c.K.FrozenLetter
	}
	st &= TASK_REPORT
	idx := 0
	for st != 0 {
		idx++
		st >>= 1
	}
	return "RSDTtXZPI"[idx]
}

// Obs is one observation: a key such as "T.state" and its value.
type Obs struct{ Key, Value string }

// Observe returns what user space can see in state s, as the oracle sees
// it on the real kernel, in a fixed order: per tracee thread its state
// letter ("gone" once reaped), exit status and whether it runs user code;
// per cgroup what its freezer.state (v1) or cgroup.events (v2) reads; per outside actor
// whether it finished and each op's result.
func (m *Machine) Observe(s *State) []Obs {
	c := m.ctx(s)
	var out []Obs
	for pi, pd := range m.P.Procs {
		for _, t := range pd.Threads {
			td := &m.P.Tasks[t]
			T := &s.Task[t]
			st := string(c.Letter(t))
			if T.ExitState == EXIT_DEAD {
				st = "gone"
			}
			exit := "none"
			switch T.ExitKind {
			case ExitExited:
				if T.ExitState != 0 {
					exit = fmt.Sprintf("exited(%d)", T.ExitVal)
				}
			case ExitKilled:
				if T.ExitState != 0 {
					exit = "killed(" + scenario.SigName(int(T.ExitVal)) + ")"
				}
			}
			ran := "no"
			if T.Loc == LocUser && T.OnRq && T.ExitState == 0 {
				ran = "yes"
			}
			tracer, pending := "none", "none"
			if T.ExitState != EXIT_DEAD {
				if T.Tracer != 0 {
					tracer = m.P.Actors[T.Tracer-1].Name
				}
				pending = sigsetString(T.Pending | s.Proc[pi].Shared)
			}
			out = append(out, Obs{td.Name + ".state", st}, Obs{td.Name + ".exit", exit}, Obs{td.Name + ".ran", ran},
				Obs{td.Name + ".tracer", tracer}, Obs{td.Name + ".pending", pending})
		}
	}
	// Per cgroup: a v1 one's freezer.state, a v2 one's cgroup.events
	// "frozen", under the name of its process or of the thread that
	// lives in it alone.
	for i, cd := range m.P.Cgroups {
		if cd.V2 {
			out = append(out, Obs{cd.Name + ".frozen", c.CgroupEventsFrozen(i)})
		} else {
			out = append(out, Obs{cd.Name + ".freezer", c.FreezerState(i)})
		}
	}
	for a := 0; a < m.P.NOutside; a++ {
		ad := &m.P.Actors[a]
		A := &s.Actor[a]
		done := "no"
		if int(A.PC) >= len(ad.Script) {
			done = "yes"
		}
		out = append(out, Obs{ad.Name + ".done", done})
		for i := range ad.Script {
			out = append(out, Obs{fmt.Sprintf("%s#%d", ad.Name, i+1), m.P.ResultString(s, a, i)})
		}
	}
	return out
}

// Outcome is Observe as one line: "KEY=VALUE KEY=VALUE ...".
func (m *Machine) Outcome(s *State) string {
	obs := m.Observe(s)
	parts := make([]string, len(obs))
	for i, o := range obs {
		parts[i] = o.Key + "=" + o.Value
	}
	return strings.Join(parts, " ")
}

var errnoNames = map[int]string{EPERM: "EPERM", ESRCH: "ESRCH", EIO: "EIO", ECHILD: "ECHILD", EINVAL: "EINVAL"}

// siCodeNames are the printed si_code of a PTRACE_GETSIGINFO result: the
// kernel's name for a sender's code, or the exit code that ptrace_notify()
// and PTRACE_EVENT_STOP put there.
var siCodeNames = [numSi]string{
	SiNone: "none", SiSignal: "SIGTRAP", SiEventStop: "EVENT_STOP", SiUser: "SI_USER", SiTkill: "SI_TKILL",
	SiKernel: "SI_KERNEL", SiTrapGood: "SIGTRAP|0x80", SiEventExit: "EVENT_EXIT",
}

// stopSigName is the signal part of a stop code: a name, or SIGTRAP|0x80
// (a syscall stop under PTRACE_O_TRACESYSGOOD).
func stopSigName(v int) string {
	if v&0x80 != 0 {
		return scenario.SigName(v&0x7f) + "|0x80"
	}
	return scenario.SigName(v)
}

// stopCodeString renders a stop code's value: the signal (SIGTRAP|0x80
// for a TRACESYSGOOD syscall stop) and its PTRACE_EVENT.
func stopCodeString(v int) string {
	s := stopSigName(v & resStopSig)
	switch {
	case v&ResEventStop != 0:
		s += ",EVENT_STOP"
	case v&ResEventExit != 0:
		s += ",EVENT_EXIT"
	}
	return s
}

// String renders a result the way the oracle reports it.
func (r Result) String() string {
	v := int(r & resValMask)
	switch r & resKindMask {
	case ResPending:
		return "pending"
	case ResOK:
		return "0"
	case ResErrno:
		if n, ok := errnoNames[v]; ok {
			return n
		}
		return fmt.Sprintf("errno(%d)", v)
	case ResStopped:
		return "stopped(" + stopCodeString(v) + ")"
	case ResContinued:
		return "continued"
	case ResExited:
		return fmt.Sprintf("exited(%d)", v)
	case ResKilled:
		return "killed(" + scenario.SigName(v) + ")"
	case ResNone:
		return "none"
	case ResSiginfo:
		code := fmt.Sprint(v >> 5)
		if v>>5 < int(numSi) {
			code = siCodeNames[v>>5]
		}
		return "siginfo(" + scenario.SigName(v&31) + "," + code + ")"
	case ResCldExited:
		return fmt.Sprintf("CLD_EXITED(%d)", v)
	case ResCldKilled:
		return "CLD_KILLED(" + scenario.SigName(v) + ")"
	case ResCldStopped:
		return "CLD_STOPPED(" + scenario.SigName(v&0xff) + ")"
	case ResCldTrapped:
		return "CLD_TRAPPED(" + stopCodeString(v) + ")"
	case ResCldContinued:
		return "CLD_CONTINUED(SIGCONT)"
	case ResLetter:
		if v == 'X' {
			return "gone" // reaped: /proc has no entry any more
		}
		return string(rune(v))
	}
	return "?"
}

// ResultString is op i of actor a's result in s as the observation key
// ACTOR#N spells it. A report of wait4(-1) or waitid(P_ALL) names the
// thread whose pid the call returned: "T2:stopped(SIGTRAP)".
func (p *Program) ResultString(s *State, a, i int) string {
	r := p.Result(s, a, i)
	op := &p.Actors[a].Script[i]
	if (op.Kind == scenario.OpWait || op.Kind == scenario.OpWaitid) && op.T < 0 {
		switch r & resKindMask {
		case ResPending, ResOK, ResErrno, ResNone:
		default:
			return p.Tasks[int(r>>ResChildShift)&(MaxTasks-1)].Name + ":" + r.String()
		}
	}
	return r.String()
}

// sigsetString renders a pending set (bit n = signal n) as /proc's SigPnd
// and ShdPnd are compared: names in numeric order joined by ",", or "none".
func sigsetString(set uint32) string {
	if set == 0 {
		return "none"
	}
	var names []string
	for sig := 1; sig < 32; sig++ {
		if set&sigmask(sig) != 0 {
			names = append(names, scenario.SigName(sig))
		}
	}
	return strings.Join(names, ",")
}
