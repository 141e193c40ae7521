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
	"strconv"
	"strings"

	"jobctl/checker"
	"jobctl/model"
)

// Move is one step of a schedule: the actor that steps and which outcome
// of its step happens (Alt, 0 for a step with one outcome). It is the one
// place that knows what a trace element is; Trace and Moves convert to and
// from the checker's traces.
type Move struct {
	Actor int
	Alt   int
}

// Trace converts moves to the checker's trace.
func Trace(ms []Move) []int {
	tr := make([]int, len(ms))
	for i, mv := range ms {
		tr[i] = mv.Actor
	}
	return tr
}

// Moves converts a checker trace to moves.
func Moves(tr []int) []Move {
	ms := make([]Move, len(tr))
	for i, a := range tr {
		ms[i] = Move{Actor: a}
	}
	return ms
}

// Token is a move as a schedule names it: the actor's name, with ":ALT"
// when the move picks an outcome other than the first.
func Token(p *model.Program, mv Move) string {
	name := "?"
	if mv.Actor >= 0 && mv.Actor < len(p.Actors) {
		name = p.Actors[mv.Actor].Name
	}
	if mv.Alt != 0 {
		return name + ":" + strconv.Itoa(mv.Alt)
	}
	return name
}

// Schedule is the moves as a schedule: tokens separated by spaces, the
// argument of 'jobctl run --schedule' and of the explorer's URLs.
func Schedule(p *model.Program, ms []Move) string {
	toks := make([]string, len(ms))
	for i, mv := range ms {
		toks[i] = Token(p, mv)
	}
	return strings.Join(toks, " ")
}

// MaxSchedule bounds the moves of a parsed schedule.
const MaxSchedule = 10000

// ScheduleError is a schedule that names no actor, or a move that cannot
// be made. Step is the 1-based index of the offending move.
type ScheduleError struct {
	Step  int
	Token string
	Msg   string
	// NotEnabled: the token names an actor, but it cannot make that move
	// at that point (rather than a malformed token or an unknown actor).
	NotEnabled bool
}

func (e *ScheduleError) Error() string {
	if e.Step == 0 {
		return e.Msg
	}
	return fmt.Sprintf("step %d (%q): %s", e.Step, e.Token, e.Msg)
}

// ParseSchedule reads a schedule: actor names separated by blanks, each
// optionally followed by ":ALT", the outcome of a step that has several.
// It checks the names only; Walk checks that each move can be made.
func ParseSchedule(p *model.Program, text string) ([]Move, error) {
	toks := strings.Fields(text)
	if len(toks) > MaxSchedule {
		return nil, &ScheduleError{Msg: fmt.Sprintf("a schedule of %d moves: at most %d", len(toks), MaxSchedule)}
	}
	ms := make([]Move, 0, len(toks))
	for i, tok := range toks {
		name, alt, hasAlt := strings.Cut(tok, ":")
		mv := Move{Actor: -1}
		for a, ad := range p.Actors {
			if ad.Name == name {
				mv.Actor = a
			}
		}
		if mv.Actor < 0 {
			return nil, &ScheduleError{Step: i + 1, Token: tok, Msg: fmt.Sprintf("no actor named %q (actors: %s)", name, actorNames(p, nil))}
		}
		if hasAlt {
			n, err := strconv.Atoi(alt)
			if err != nil || n < 0 || strconv.Itoa(n) != alt {
				return nil, &ScheduleError{Step: i + 1, Token: tok, Msg: fmt.Sprintf("want ACTOR or ACTOR:N with N a number, got %q", tok)}
			}
			mv.Alt = n
		}
		ms = append(ms, mv)
	}
	return ms, nil
}

func actorNames(p *model.Program, as []int) string {
	var names []string
	if as == nil {
		for _, a := range p.Actors {
			names = append(names, a.Name)
		}
	} else {
		for _, a := range as {
			names = append(names, p.Actors[a].Name)
		}
	}
	return strings.Join(names, ", ")
}

// Apply makes move mv on *s in place and reports whether it could be made:
// false when the actor cannot step, the step is a stutter (changes
// nothing), or the alternative does not exist; *s is then unchanged.
func Apply(m *model.Machine, s *model.State, mv Move) (model.Ctx, bool) {
	if mv.Actor < 0 || mv.Actor >= m.NumActors() || mv.Alt != 0 {
		return model.Ctx{}, false
	}
	next := *s
	c, ok := m.Step(&next, mv.Actor)
	if !ok || next == *s {
		return model.Ctx{}, false
	}
	*s = next
	c.S = nil
	return c, true
}

// Enabled lists the moves that can be made in s, in actor order.
func Enabled(m *model.Machine, s *model.State) []Move {
	return Moves(checker.Enabled(m, s))
}

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
			en := Enabled(m, &s)
			can := "no actor can step"
			if len(en) > 0 {
				toks := make([]string, len(en))
				for k, e := range en {
					toks[k] = Token(m.P, e)
				}
				can = "can step: " + strings.Join(toks, ", ")
			}
			return states, ctxs, &ScheduleError{Step: i + 1, Token: Token(m.P, mv), NotEnabled: true,
				Msg: fmt.Sprintf("%s cannot make this move (%s)", Token(m.P, mv), can)}
		}
		ctxs = append(ctxs, c)
		states = append(states, s)
	}
	return states, ctxs, nil
}
