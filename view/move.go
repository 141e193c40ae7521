// Package view names what the model holds, for the pictures and the
// explorer: a state as its tasks, thread groups, actors and locks with the
// kernel's names for every value (__state, saved_state, jobctl bits,
// pending sets, where each task sleeps), a schedule as its moves, and an
// interleaving as its steps with the fields each one changed.
//
// Everything here is a pure function of the machine and the moves: the
// same schedule gives the same values, byte for byte once encoded.
package view

import (
	"fmt"
	"strings"

	"jobctl/checker"
	"jobctl/model"
)

// Move is one step of a schedule: the actor that steps and which outcome
// of its step happens. It is the model's move, named here once.
type Move = model.Move

// Schedule is the moves as schedule tokens separated by spaces ("F F
// S:T2"), the argument of 'jobctl run --schedule' and of the explorer's
// URLs.
func Schedule(m *model.Machine, ms []Move) string { return checker.Schedule(m, ms) }

// MaxSchedule bounds the moves of a parsed schedule.
const MaxSchedule = 10000

// ScheduleError is a schedule token that names no actor or outcome, or a
// move that cannot be made. Step is the 1-based index of the move.
type ScheduleError struct {
	Step  int
	Token string
	Msg   string
	// NotEnabled: the token names a move, but it cannot be made at that
	// point (rather than a malformed token).
	NotEnabled bool
}

func (e *ScheduleError) Error() string {
	if e.Step == 0 {
		return e.Msg
	}
	return fmt.Sprintf("step %d (%q): %s", e.Step, e.Token, e.Msg)
}

// ParseSchedule reads a schedule — tokens "ACTOR" or "ACTOR:OUTCOME"
// (model.Machine.ParseMove) separated by blanks — and checks that each
// move can be made after the ones before it, from the initial state.
func ParseSchedule(m *model.Machine, text string) ([]Move, error) {
	toks := strings.Fields(text)
	if len(toks) > MaxSchedule {
		return nil, &ScheduleError{Msg: fmt.Sprintf("a schedule of %d moves: at most %d", len(toks), MaxSchedule)}
	}
	s, err := m.Initial()
	if err != nil {
		return nil, err
	}
	ms := make([]Move, 0, len(toks))
	for i, tok := range toks {
		if name, _, _ := strings.Cut(tok, ":"); !isActor(m, name) {
			return nil, &ScheduleError{Step: i + 1, Token: tok, Msg: fmt.Sprintf("no actor named %q (actors: %s)", name, actorNames(m))}
		}
		mv, err := m.ParseMove(&s, tok)
		if err != nil {
			return nil, &ScheduleError{Step: i + 1, Token: tok, Msg: err.Error()}
		}
		if _, ok := Apply(m, &s, mv); !ok {
			return nil, notEnabled(m, &s, i, mv)
		}
		ms = append(ms, mv)
	}
	return ms, nil
}

func notEnabled(m *model.Machine, s *model.State, i int, mv Move) *ScheduleError {
	en := checker.Enabled(m, s)
	can := "no actor can step"
	if len(en) > 0 {
		toks := make([]string, len(en))
		for k, e := range en {
			toks[k] = m.MoveString(s, e)
		}
		can = "can step: " + strings.Join(toks, ", ")
	}
	tok := m.MoveString(s, mv)
	return &ScheduleError{Step: i + 1, Token: tok, NotEnabled: true, Msg: fmt.Sprintf("%s cannot make this move (%s)", tok, can)}
}

// Apply makes move mv on *s in place and reports whether it could be made:
// false when the actor cannot step, the outcome does not exist, or the step
// is a stutter (changes nothing); *s is then unchanged.
func Apply(m *model.Machine, s *model.State, mv Move) (model.Ctx, bool) {
	if int(mv.Actor) >= m.NumActors() {
		return model.Ctx{}, false
	}
	next := *s
	c, ok := m.Step(&next, mv)
	if !ok || next == *s {
		return model.Ctx{}, false
	}
	*s = next
	c.S = nil
	return c, true
}

// Enabled lists the moves that can be made in s: each actor that can step,
// with each outcome of its step.
func Enabled(m *model.Machine, s *model.State) []Move { return checker.Enabled(m, s) }

// Walk makes the moves from the initial state and returns every state on
// the way (len(ms)+1) and the step contexts (len(ms)). A move that cannot
// be made is a *ScheduleError naming it and what could step instead.
func Walk(m *model.Machine, ms []Move) ([]model.State, []model.Ctx, error) {
	s, err := m.Initial()
	if err != nil {
		return nil, nil, err
	}
	states := []model.State{s}
	ctxs := make([]model.Ctx, 0, len(ms))
	for i, mv := range ms {
		c, ok := Apply(m, &s, mv)
		if !ok {
			return states, ctxs, notEnabled(m, &s, i, mv)
		}
		ctxs = append(ctxs, c)
		states = append(states, s)
	}
	return states, ctxs, nil
}

func isActor(m *model.Machine, name string) bool {
	for _, ad := range m.P.Actors {
		if ad.Name == name {
			return true
		}
	}
	return false
}

func actorNames(m *model.Machine) string {
	names := make([]string, len(m.P.Actors))
	for i, ad := range m.P.Actors {
		names[i] = ad.Name
	}
	return strings.Join(names, ", ")
}
