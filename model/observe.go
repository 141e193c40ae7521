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

// ObsKey is an observation key of a tracee thread (or, for KeyFreezer and
// KeyFrozen, of its cgroups): the keys of final lines and of "observe T
// KEY".
// Each has one encoding into result slots (encodeKey) and one rendering
// (formatKey), used for the final observation and for an observe op alike,
// so that a key recorded mid-script prints exactly as it does at the end.
type ObsKey uint8

const (
	KeyState   ObsKey = iota // the /proc letter, or gone: ResLetter
	KeyExit                  // none, exited(N), killed(SIG): ResNone, ResExited, ResKilled
	KeyRan                   // yes/no: ResObserved, 1 or 0
	KeyTracer                // TracerPid as an actor, or none: ResObserved, 1+actor or 0
	KeyPending               // SigPnd|ShdPnd: two slots of their own
	KeySigpnd                // SigPnd: two slots
	KeyShdpnd                // ShdPnd: two slots
	KeyWchan                 // /proc/PID/wchan: ResObserved, the index in scenario.Wchans
	KeyFreezer               // its v1 cgroup's freezer.state: ResObserved, the index in scenario.FreezerStates
	KeyFrozen                // its v2 cgroup's cgroup.events frozen: ResObserved, 0 or 1
	NumKeys
)

// keyNames are the keys' names, as scenario.ObserveKeys lists them (a test
// holds the two lists together).
var keyNames = [NumKeys]string{"state", "exit", "ran", "tracer", "pending", "sigpnd", "shdpnd", "wchan", "freezer", "frozen"}

func (k ObsKey) String() string { return keyNames[k] }

// ParseKey returns the key named name.
func ParseKey(name string) (ObsKey, bool) {
	for k, n := range keyNames {
		if n == name {
			return ObsKey(k), true
		}
	}
	return 0, false
}

// Width is the number of result slots key k takes: two for a signal set
// (31 bits do not fit one uint16 slot), one for the others.
func (k ObsKey) Width() int {
	if k == KeyPending || k == KeySigpnd || k == KeyShdpnd {
		return 2
	}
	return 1
}

// encodeKey writes what key k of task t reads in c.S into dst[:k.Width()].
// Every slot written is non-zero (0 is ResPending). It allocates nothing:
// an observe op calls it inside a step.
func (c *Ctx) encodeKey(k ObsKey, t int, dst []Result) {
	T := &c.S.Task[t]
	proc := c.P.Tasks[t].Proc
	gone := T.ExitState == EXIT_DEAD
	switch k {
	case KeyState:
		dst[0] = ResLetter | Result(c.Letter(t)) // 'X' (EXIT_DEAD) prints "gone"
	case KeyExit:
		// The exit status user space can see is the process's: its
		// parent's wait reports it once the leader is a zombie and no
		// thread lives (delay_group_leader(), kernel/exit.c, v6.18).
		// Before that there is none, not even for a thread already
		// gone — a leader held in its PTRACE_EVENT_EXIT stop, say.
		dst[0] = ResNone
		threads := c.P.Procs[proc].Threads
		L := &c.S.Task[threads[0]]
		exited := L.ExitState != 0
		for _, u := range threads {
			exited = exited && c.S.Task[u].ExitState != 0
		}
		if exited {
			switch L.ExitKind {
			case ExitExited:
				dst[0] = ResExited | Result(L.ExitVal)
			case ExitKilled:
				dst[0] = ResKilled | Result(L.ExitVal)
			}
		}
	case KeyRan:
		dst[0] = ResObserved
		if T.Loc == LocUser && T.OnRq && T.ExitState == 0 {
			dst[0] |= 1
		}
	case KeyTracer:
		dst[0] = ResObserved
		if !gone {
			dst[0] |= Result(T.Tracer)
		}
	case KeyPending, KeySigpnd, KeyShdpnd:
		var set uint32
		if !gone {
			if k != KeyShdpnd {
				set |= T.Pending
			}
			if k != KeySigpnd {
				set |= c.S.Proc[proc].Shared
			}
		}
		// Bit 0 (no signal) marks the first slot as written.
		dst[0], dst[1] = Result(set&0xffff|1), Result(set>>16)
	case KeyWchan:
		dst[0] = ResObserved | Result(c.Wchan(t))
	case KeyFreezer:
		dst[0] = ResObserved | Result(freezerIndex(c.FreezerState(c.P.Tasks[t].Cg[V1])))
	case KeyFrozen:
		dst[0] = ResObserved
		if cg := c.P.Tasks[t].Cg[V2]; cg >= 0 && c.CgroupEventsFrozen(cg) == "1" {
			dst[0] |= 1
		}
	}
}

// freezerIndex is state's index in scenario.FreezerStates.
func freezerIndex(state string) int {
	for i, s := range scenario.FreezerStates {
		if s == state {
			return i
		}
	}
	return 0
}

// formatKey renders src[:k.Width()], written by encodeKey, as the key's
// value ("pending" if the op that records it has not run).
func (p *Program) formatKey(k ObsKey, src []Result) string {
	if src[0] == ResPending {
		return scenario.Pending
	}
	v := int(src[0] & 0xfff)
	switch k {
	case KeyRan:
		if v != 0 {
			return scenario.Yes
		}
		return scenario.No
	case KeyTracer:
		if v == 0 {
			return scenario.None
		}
		return p.Actors[v-1].Name
	case KeyPending, KeySigpnd, KeyShdpnd:
		return scenario.SigsetString(uint32(src[0]&^1) | uint32(src[1])<<16)
	case KeyWchan:
		return scenario.Wchans[v]
	case KeyFreezer:
		return scenario.FreezerStates[v]
	case KeyFrozen:
		return fmt.Sprint(v)
	}
	return src[0].String()
}

// Wchan is what /proc/PID/task/TID/wchan reads for task t, as an index in
// scenario.Wchans: 0 ("0") unless the task is asleep — get_wchan()
// (kernel/sched/core.c, v6.18) unwinds only a task that is neither
// TASK_RUNNING nor on a runqueue — else the function it sleeps in, from
// where it is (Task.Loc). A task frozen in place keeps the function it
// sleeps in; one that froze on its way to user mode is in __refrigerator.
func (c *Ctx) Wchan(t int) int {
	T := &c.S.Task[t]
	if T.OnRq || T.State == TASK_RUNNING || T.ExitState != 0 {
		return wchanNone
	}
	switch T.Loc {
	case LocPause:
		if T.Flags&RESTART_NANOSLEEP != 0 {
			return wchanRestart
		}
		return wchanNanosleep
	case LocRefrigerator:
		return wchanRefrigerator
	case LocDSSSleep:
		return wchanSignalStop
	case LocPSSleep:
		return wchanPtraceStop
	case LocTrapSleep:
		// The cgroup v2 freezer's trap: do_freezer_trap() is inlined
		// into get_signal() (measured on 6.18).
		return wchanGetSignal
	case LocRTWait:
		// PREEMPT_RT: the rtlock functions are __sched, so the function
		// that takes the lock shows.
		switch T.RTRet {
		case LocDSSEnterFrozen, LocPSEnterFrozen, LocTrapEnterFrozen:
			return wchanEnterFrozen
		case LocLeaveFrozen:
			return wchanLeaveFrozen
		case LocDSSNotify:
			return wchanSignalStop
		case LocPSNotify:
			return wchanPtraceStop
		}
		return wchanGetSignal
	}
	return wchanNone
}

// Indexes in scenario.Wchans.
const (
	wchanNone = iota
	wchanNanosleep
	wchanRefrigerator
	wchanSignalStop
	wchanPtraceStop
	wchanGetSignal
	wchanEnterFrozen
	wchanRestart
	wchanLeaveFrozen
)

// Observe returns what user space can see in state s, as the oracle sees
// it on the real kernel, in a fixed order: per tracee thread every key of
// ThreadKeys (its state letter, "gone" once reaped; exit status; whether it
// runs user code; tracer; pending sets; wchan); per cgroup what its
// freezer.state (v1) or cgroup.events (v2) reads; per outside actor whether
// it finished and each op's result (ACTOR#N, or ACTOR#N.KEY for each key an
// observe op records); then the results of the prelude's ops (ACTOR#initN).
func (m *Machine) Observe(s *State) []Obs {
	c := m.ctx(s)
	var out []Obs
	var r [2]Result
	for _, pd := range m.P.Procs {
		for _, t := range pd.Threads {
			name := m.P.Tasks[t].Name + "."
			for k := KeyState; k < KeyFreezer; k++ {
				c.encodeKey(k, t, r[:])
				out = append(out, Obs{name + keyNames[k], m.P.formatKey(k, r[:])})
			}
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
		done := scenario.No
		if int(A.PC) >= len(ad.Script) {
			done = scenario.Yes
		}
		out = append(out, Obs{ad.Name + ".done", done})
		for i := range ad.Script {
			out = m.P.opObs(s, &ad.Script[i], fmt.Sprintf("%s#%d", ad.Name, i+1), out)
		}
	}
	n := make([]int, m.P.NOutside)
	for i := range m.P.Prelude {
		op := &m.P.Prelude[i]
		if op.Res < 0 {
			continue
		}
		n[op.Actor]++
		out = m.P.opObs(s, op, fmt.Sprintf("%s#init%d", m.P.Actors[op.Actor].Name, n[op.Actor]), out)
	}
	return out
}

// opObs appends the result of op under name: "A#2=stopped(SIGSTOP)", or
// for an observe op that records keys "A#2.state=t A#2.pending=none ...".
func (p *Program) opObs(s *State, op *Op, name string, out []Obs) []Obs {
	if len(op.Keys) == 0 {
		r := ResPending
		if op.Res >= 0 {
			r = s.Res[op.Res]
		}
		return append(out, Obs{name, p.resultString(op, r)})
	}
	slot := op.Res
	for _, k := range op.Keys {
		out = append(out, Obs{name + "." + keyNames[k], p.formatKey(k, s.Res[slot:slot+k.Width()])})
		slot += k.Width()
	}
	return out
}

// ResultText is the result of op i of actor a in s as the outcome prints
// it: "stopped(SIGSTOP)", or for an observe op that records keys
// "state=t pending=none".
func (p *Program) ResultText(s *State, a, i int) string {
	obs := p.opObs(s, &p.Actors[a].Script[i], "", nil)
	if len(obs) == 1 && obs[0].Key == "" {
		return obs[0].Value
	}
	parts := make([]string, len(obs))
	for j, o := range obs {
		parts[j] = strings.TrimPrefix(o.Key, ".") + "=" + o.Value
	}
	return strings.Join(parts, " ")
}

// ResultString is op i of actor a's result in s as the observation key
// ACTOR#N spells it (ResultText: an observe op's keys as KEY=VALUE).
func (p *Program) ResultString(s *State, a, i int) string { return p.ResultText(s, a, i) }

// resultString renders op's single-slot result r. A report of wait4(-1)
// or waitid(P_ALL) names the thread whose pid the call returned:
// "T2:stopped(SIGTRAP)".
func (p *Program) resultString(op *Op, r Result) string {
	if (op.Kind == scenario.OpWait || op.Kind == scenario.OpWaitid) && op.T < 0 {
		switch r & resKindMask {
		case ResPending, ResOK, ResErrno, ResNone:
		default:
			return p.Tasks[int(r>>ResChildShift)&(MaxTasks-1)].Name + ":" + r.String()
		}
	}
	return r.String()
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

// siCodeNames are the printed si_code of a PTRACE_GETSIGINFO result: the
// kernel's name for a sender's code, or the exit code that ptrace_notify()
// and PTRACE_EVENT_STOP put there (scenario.SiCodes, which the language's
// value check uses, lists the same; TestSiCodes holds them together).
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

// String renders a single-slot result the way the oracle reports it (a
// key an observe op recorded is rendered by its key: formatKey).
func (r Result) String() string {
	v := int(r & resValMask)
	switch r & resKindMask {
	case ResPending:
		return scenario.Pending
	case ResOK:
		return "0"
	case ResErrno:
		if n, ok := scenario.ErrnoNames[v]; ok {
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
		return scenario.None
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
			return scenario.Gone // reaped: /proc has no entry any more
		}
		return string(rune(v))
	case ResObserved:
		return fmt.Sprintf("observed(%d)", int(r&0xfff))
	}
	return "?"
}

// sigsetString renders a pending set (bit n = signal n) as the pending
// keys print it.
func sigsetString(set uint32) string { return scenario.SigsetString(set) }
