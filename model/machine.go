package model

import (
	"fmt"
)

// Machine is a compiled scenario under one kernel design: the transition
// system the checker explores. Its methods are pure functions of the state.
type Machine struct {
	K *Kernel
	P *Program
}

// NewMachine compiles nothing: p is already compiled.
func NewMachine(k *Kernel, p *Program) *Machine { return &Machine{K: k, P: p} }

func (m *Machine) ctx(s *State) Ctx { return Ctx{K: m.K, P: m.P, S: s} }

// NumActors is the number of actors: outside actors, then tracee threads.
func (m *Machine) NumActors() int { return len(m.P.Actors) }

// Step runs one atomic step of actor a on *s in place. It reports whether
// the actor could step; when it could not, *s is unchanged. The returned
// Ctx says what the step did (its label and the wakeups it issued).
func (m *Machine) Step(s *State, a int) (Ctx, bool) {
	var c Ctx
	ok := m.StepInto(&c, s, a)
	c.S = nil
	return c, ok
}

// StepInto is Step for the explorer's hot path: the step's description
// goes into *c, which the caller reuses. A kernel function of a design is
// called through a function value, so the compiler cannot keep c (and the
// state it points to) on the stack; reusing one Ctx and one scratch State
// per worker is what keeps a step free of allocations.
func (m *Machine) StepInto(c *Ctx, s *State, a int) bool {
	*c = Ctx{K: m.K, P: m.P, S: s}
	if a < m.P.NOutside {
		return c.actorStep(a)
	}
	return c.threadStep(a - m.P.NOutside)
}

// Fresh is the state before the prelude: every tracee thread runs in user
// mode, no actor has started.
func (m *Machine) Fresh() State {
	var s State
	for t := range m.P.Tasks {
		T := &s.Task[t]
		T.State = TASK_RUNNING
		T.OnRq = true
		T.Loc = LocUser
	}
	return s
}

// preludeLimit bounds how many steps the prelude may take to settle.
const preludeLimit = 10000

// Initial runs the scenario's prelude ("init" lines) from Fresh: each op
// to completion, the tracee threads settling (running until none can
// step) after each, with a fixed schedule (the op's actor whenever it can
// step, else the lowest-numbered thread). Then the actors' scripts start
// from their beginning.
func (m *Machine) Initial() (State, error) {
	s := m.Fresh()
	for _, op := range m.P.Prelude {
		pp := *m.P
		pp.Actors = make([]ActorDef, len(m.P.Actors))
		copy(pp.Actors, m.P.Actors)
		pp.Tasks = make([]TaskDef, len(m.P.Tasks))
		copy(pp.Tasks, m.P.Tasks)
		for i := range pp.Actors {
			pp.Actors[i].Script = nil
		}
		for i := range pp.Tasks {
			pp.Tasks[i].Script = nil
		}
		pp.Actors[op.Actor].Script = []Op{op}
		if t := pp.Actors[op.Actor].Task; t >= 0 {
			pp.Tasks[t].Script = []Op{op}
		}
		pm := &Machine{K: m.K, P: &pp}
		s.Actor = [MaxActors]Actor{}
		for t := range s.Task {
			s.Task[t].ScriptPC = 0
		}
		steps := 0
		// step runs actor a on s if that changes the state (a retry
		// that changes nothing, like the freezer's, is no progress).
		step := func(a int) bool {
			next := s
			if _, ok := pm.Step(&next, a); ok && next != s {
				s = next
				return true
			}
			return false
		}
		for {
			progressed := step(op.Actor)
			for a := pp.NOutside; !progressed && a < len(pp.Actors); a++ {
				progressed = step(a)
			}
			steps++
			if !progressed || steps > preludeLimit {
				break
			}
		}
		done := false
		if op.Actor < pp.NOutside {
			done = s.Actor[op.Actor].PC == 1
		} else {
			done = s.Task[pp.Actors[op.Actor].Task].ScriptPC == 1 || op.Src.Kind == 0
		}
		if !done && op.Actor < pp.NOutside {
			return s, fmt.Errorf("%s: the prelude op %q never completes", op.Src.Pos, op.Src.String())
		}
		if steps > preludeLimit {
			return s, fmt.Errorf("%s: the system does not settle after %q", op.Src.Pos, op.Src.String())
		}
	}
	s.Actor = [MaxActors]Actor{}
	for t := range s.Task {
		s.Task[t].ScriptPC = 0
	}
	return s, nil
}
