package model

import (
	"fmt"
	"jobctl/scenario"
	"strconv"
	"strings"
)

// Machine is a compiled scenario under one kernel design: the transition
// system the checker explores. Its methods are pure functions of the state.
type Machine struct {
	K *Kernel
	P *Program
	// Cov, when set, collects the coverage points the machine's steps
	// reach (NewCoverage(P)); nil costs nothing.
	Cov *Coverage
}

// NewMachine compiles nothing: p is already compiled.
func NewMachine(k *Kernel, p *Program) *Machine { return &Machine{K: k, P: p} }

func (m *Machine) ctx(s *State) Ctx { return Ctx{K: m.K, P: m.P, S: s} }

// NumActors is the number of actors: outside actors, then tracee threads.
func (m *Machine) NumActors() int { return len(m.P.Actors) }

// Move is one transition of the exploration: an actor's next atomic step
// and, where that step has several possible outcomes (Ctx.NChoice > 1:
// which thread complete_signal() picks, say), which of them.
type Move struct {
	Actor  uint8
	Choice uint8
}

// Act is actor a's move with the first (or only) outcome.
func Act(a int) Move { return Move{Actor: uint8(a)} }

// Step runs move mv on *s in place. It reports whether the actor could
// take it (a choice beyond the step's outcomes cannot be taken). When the
// actor cannot step (it is blocked, and the choice is in range), *s is
// left as it was: a step decides whether it can run before it changes
// anything (the checker relies on it, and its tests check it on the whole
// corpus); after a choice out of range *s must be discarded. The returned Ctx says what the step did
// (its label, its outcomes, the wakeups it issued).
func (m *Machine) Step(s *State, mv Move) (Ctx, bool) {
	var c Ctx
	ok := m.StepInto(&c, s, mv)
	c.S = nil
	return c, ok
}

// StepInto is Step for the explorer's hot path: the step's description
// goes into *c, which the caller reuses. A kernel function of a design is
// called through a function value, so the compiler cannot keep c (and the
// state it points to) on the stack; reusing one Ctx and one scratch State
// per worker is what keeps a step free of allocations.
func (m *Machine) StepInto(c *Ctx, s *State, mv Move) bool {
	c.reset(m, s, mv.Choice)
	a := int(mv.Actor)
	var ok bool
	if a < m.P.NOutside {
		ok = c.actorStep(a)
	} else {
		c.Cur = int8(a - m.P.NOutside + 1)
		ok = c.threadStep(a - m.P.NOutside)
	}
	ok = ok && c.Choice < c.NChoice
	if ok && m.Cov != nil {
		m.Cov.step(c)
	}
	return ok
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
	for pi, pd := range m.P.Procs {
		s.Proc[pi].CurrTarget = uint8(pd.Threads[0]) // copy_signal(): curr_target = the leader
	}
	return s
}

// PreludeError says that a scenario's prelude does not reach its start
// state under this design: an op never completes, or the threads never
// settle. It is a property of the design as much as of the scenario (a
// patch can make a prelude block), so the checker reports it as the
// violation "prelude", not as bad input.
type PreludeError struct {
	Pos scenario.Pos
	Msg string
}

func (e *PreludeError) Error() string { return e.Pos.String() + ": " + e.Msg }

// preludeLimit bounds how many steps the prelude may take to settle.
const preludeLimit = 10000

// Initial runs the scenario's prelude ("init" lines) from Fresh: each op
// to completion, the tracee threads settling (running until none can
// step) after each, with a fixed schedule (the op's actor whenever it can
// step, else the lowest-numbered thread). Then the outside actors'
// scripts start from their beginning, and each tracee thread goes on
// from where the prelude left it — in the kernel and in its script (a
// thread's prelude ops are the first ops of its script): a thread parked
// in "init T: sleep" is still in that nanosleep, which restarts after a
// stop as the kernel's does.
func (m *Machine) Initial() (State, error) {
	s := m.Fresh()
	ran := make([]int, len(m.P.Tasks)) // each thread's prelude ops so far
	for _, op := range m.P.Prelude {
		pp := *m.P
		pp.Actors = make([]ActorDef, len(m.P.Actors))
		copy(pp.Actors, m.P.Actors)
		pp.Tasks = make([]TaskDef, len(m.P.Tasks))
		copy(pp.Tasks, m.P.Tasks)
		for i := range pp.Actors {
			pp.Actors[i].Script = nil
		}
		t := pp.Actors[op.Actor].Task
		if t >= 0 {
			ran[t]++
		} else {
			pp.Actors[op.Actor].Script = []Op{op}
		}
		for u := range pp.Tasks {
			// A thread runs its prelude ops so far, never its script.
			pp.Tasks[u].Script = m.P.Tasks[u].Script[:ran[u]]
		}
		pm := &Machine{K: m.K, P: &pp, Cov: m.Cov}
		s.Actor = [MaxActors]Actor{}
		steps := 0
		// step runs actor a on s if that changes the state (a retry
		// that changes nothing, like the freezer's, is no progress).
		step := func(a int) bool {
			next := s
			if _, ok := pm.Step(&next, Act(a)); ok && next != s {
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
		if t < 0 && s.Actor[op.Actor].PC != 1 {
			return s, &PreludeError{op.Src.Pos, fmt.Sprintf("the prelude op %q never completes", op.Src.String())}
		}
		if steps > preludeLimit {
			return s, &PreludeError{op.Src.Pos, fmt.Sprintf("the threads do not settle within %d steps after %q (the prelude's limit)", preludeLimit, op.Src.String())}
		}
	}
	s.Actor = [MaxActors]Actor{}
	return s, nil
}

// MoveString is mv as a schedule token: the actor's name, and for a step
// with several outcomes the label of the one taken ("S:T2": S's kill, and
// complete_signal() picks T2).
func (m *Machine) MoveString(s *State, mv Move) string {
	if int(mv.Actor) >= len(m.P.Actors) {
		return fmt.Sprintf("actor%d", mv.Actor)
	}
	name := m.P.Actors[mv.Actor].Name
	next := *s
	c, ok := m.Step(&next, mv)
	switch {
	case !ok && mv.Choice > 0:
		return fmt.Sprintf("%s:%d", name, mv.Choice)
	case c.NChoice > 1:
		return name + ":" + c.ChoiceLabel
	}
	return name
}

// ParseMove reads a schedule token in state s: "A" (actor A's step, its
// first outcome), "A:LABEL" (the outcome with that label, such as the
// thread that takes a signal) or "A:N" (outcome N, from 0).
func (m *Machine) ParseMove(s *State, tok string) (Move, error) {
	name, label, hasLabel := strings.Cut(tok, ":")
	a := -1
	for i, ad := range m.P.Actors {
		if ad.Name == name {
			a = i
		}
	}
	if a < 0 {
		return Move{}, fmt.Errorf("%q is not an actor or thread", name)
	}
	mv := Act(a)
	if !hasLabel {
		return mv, nil
	}
	var labels []string
	for k := 0; k < 256; k++ {
		mv.Choice = uint8(k)
		next := *s
		c, ok := m.Step(&next, mv)
		if !ok {
			break
		}
		if c.ChoiceLabel == label || strconv.Itoa(k) == label {
			return mv, nil
		}
		labels = append(labels, c.ChoiceLabel)
		if k+1 >= int(c.NChoice) {
			break
		}
	}
	if len(labels) <= 1 {
		return Move{}, fmt.Errorf("%q: %s's next step has no outcome %q (it has one outcome: write %q)", tok, name, label, name)
	}
	return Move{}, fmt.Errorf("%q: %s's next step has no outcome %q (it has: %s)", tok, name, label, strings.Join(labels, ", "))
}
