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

// ObsKey is an observation key of a tracee thread (or, for KeyFreezer,
// of its thread group): the keys of final lines and of "observe T KEY".
// Each has one encoding into result slots (encodeKey) and one rendering
// (formatKey), used for the final observation and for an observe op alike,
// so that a key recorded mid-script prints exactly as it does at the end.
type ObsKey uint8

const (
	KeyState   ObsKey = iota // the /proc letter, or gone: ResLetter
	KeyExit                  // none, exited(N), killed(SIG): ResNone, ResExited, ResKilled
	KeyRan                   // yes/no: ResBool
	KeyTracer                // TracerPid as an actor, or none: ResActor (1+actor, 0 none)
	KeyPending               // SigPnd|ShdPnd: two slots (sigsetSlots)
	KeySigpnd                // SigPnd: two slots
	KeyShdpnd                // ShdPnd: two slots
	KeyWchan                 // /proc/PID/wchan: ResWchan (index in scenario.Wchans)
	KeyFreezer               // the group's freezer.state: ResFreezer (index in scenario.FreezerStates)
	NumKeys
)

// keyNames are the keys' names, as scenario.ObserveKeys lists them (a test
// holds the two lists together).
var keyNames = [NumKeys]string{"state", "exit", "ran", "tracer", "pending", "sigpnd", "shdpnd", "wchan", "freezer"}

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
		dst[0] = ResNone
		if T.ExitState != 0 {
			switch T.ExitKind {
			case ExitExited:
				dst[0] = ResExited | Result(T.ExitVal)
			case ExitKilled:
				dst[0] = ResKilled | Result(T.ExitVal)
			}
		}
	case KeyRan:
		dst[0] = ResBool
		if T.Loc == LocUser && T.OnRq && T.ExitState == 0 {
			dst[0] |= 1
		}
	case KeyTracer:
		dst[0] = ResActor
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
		dst[0] = ResWchan | Result(c.Wchan(t))
	case KeyFreezer:
		dst[0] = ResFreezer | Result(c.FreezerStateIndex(proc))
	}
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
	case LocRTWait:
		// PREEMPT_RT: the rtlock functions are __sched, so the function
		// that takes the lock shows.
		switch T.RTRet {
		case LocDSSEnterFrozen, LocPSEnterFrozen:
			return wchanEnterFrozen
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
)

// Observe returns what user space can see in state s, as the oracle sees
// it on the real kernel, in a fixed order: per tracee thread every key of
// ThreadKeys (its state letter, "gone" once reaped; exit status; whether it
// runs user code; tracer; pending sets; wchan); per thread group what its
// cgroup's freezer.state reads; per outside actor whether it finished and
// each op's result (ACTOR#N, or ACTOR#N.KEY for each key an observe op
// records); then the results of the prelude's ops (ACTOR#initN).
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
		c.encodeKey(KeyFreezer, pd.Threads[0], r[:])
		out = append(out, Obs{pd.Name + ".freezer", m.P.formatKey(KeyFreezer, r[:])})
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
		return append(out, Obs{name, r.String()})
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

// Outcome is Observe as one line: "KEY=VALUE KEY=VALUE ...".
func (m *Machine) Outcome(s *State) string {
	obs := m.Observe(s)
	parts := make([]string, len(obs))
	for i, o := range obs {
		parts[i] = o.Key + "=" + o.Value
	}
	return strings.Join(parts, " ")
}

// String renders a single-slot result the way the oracle reports it.
func (r Result) String() string {
	v := int(r & 0xfff)
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
		if v&ResEventStop != 0 {
			return "stopped(" + scenario.SigName(v&0xff) + ",EVENT_STOP)"
		}
		return "stopped(" + scenario.SigName(v&0xff) + ")"
	case ResContinued:
		return "continued"
	case ResExited:
		return fmt.Sprintf("exited(%d)", v)
	case ResKilled:
		return "killed(" + scenario.SigName(v) + ")"
	case ResNone:
		return scenario.None
	case ResLetter:
		if v == 'X' {
			return scenario.Gone // reaped: /proc has no entry any more
		}
		return string(rune(v))
	case ResBool:
		if v != 0 {
			return scenario.Yes
		}
		return scenario.No
	case ResWchan:
		if v < len(scenario.Wchans) {
			return scenario.Wchans[v]
		}
	case ResFreezer:
		if v < len(scenario.FreezerStates) {
			return scenario.FreezerStates[v]
		}
	}
	return "?"
}

// FreezerState is what the group's cgroup v1 freezer.state reads
// (kernel/cgroup/legacy_freezer.c:freezer_read(), v6.18): THAWED, or
// FREEZING until update_if_frozen() finds every task frozen, then FROZEN.
// (A task in freezable_schedule() counts as frozen with the old freezer.)
func (c *Ctx) FreezerState(proc int) string {
	return scenario.FreezerStates[c.FreezerStateIndex(proc)]
}

// FreezerStateIndex is FreezerState as an index in scenario.FreezerStates.
func (c *Ctx) FreezerStateIndex(proc int) int {
	s := &c.S.Proc[proc]
	if !s.Freezing {
		return freezerThawed
	}
	for _, t := range c.P.Procs[proc].Threads {
		if !c.FreezeDone(t) {
			return freezerFreezing
		}
	}
	return freezerFrozen
}

// Indexes in scenario.FreezerStates.
const (
	freezerThawed = iota
	freezerFreezing
	freezerFrozen
)

// sigsetString renders a pending set (bit n = signal n) as the pending
// keys print it.
func sigsetString(set uint32) string { return scenario.SigsetString(set) }
