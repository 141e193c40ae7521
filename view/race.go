package view

import (
	"fmt"
	"strings"

	"jobctl/checker"
	"jobctl/model"
	"jobctl/render"
	"jobctl/scenario"
)

// Step is one move of an interleaving as the pictures show it.
type Step struct {
	N        int      `json:"n"`        // 1-based
	Move     string   `json:"move"`     // the schedule token
	Actor    string   `json:"actor"`    // the actor's name
	Function string   `json:"function"` // the kernel function ("freezer_write(FROZEN)")
	Step     string   `json:"step"`     // the atomic step within it
	Changes  []Change `json:"changes"`  // the fields it changed
	Notes    []string `json:"notes"`    // what changed nothing but matters: a wakeup that missed
	Violates []string `json:"violates"` // the properties this step is the first to violate
}

// Race is an interleaving: its moves, the step each made, and the state
// after each (States[0] is the initial state).
type Race struct {
	Actors []string // every actor's name, by actor index
	Moves  []Move
	Steps  []Step
	States []State
	// Start: properties the initial state already violates.
	Start []string
	// Terminal: no move can be made after the last step.
	Terminal bool
	// End: the properties and scenario checks violated at the end (only
	// of a terminal state: liveness, "final"), with why.
	End []Violation
}

// Violation is a property violated at the end of an interleaving.
type Violation struct {
	Property string `json:"property"`
	Message  string `json:"message"`
}

// NewRace walks the moves from the initial state of m and describes each
// step. want selects the built-in properties to mark (0: none). A move
// that cannot be made is a *ScheduleError.
func NewRace(m *model.Machine, ms []Move, want model.PropSet) (*Race, error) {
	states, ctxs, err := Walk(m, ms)
	if err != nil {
		return nil, err
	}
	r := &Race{Moves: ms}
	for _, a := range m.P.Actors {
		r.Actors = append(r.Actors, a.Name)
	}
	var seen model.PropSet
	alwaysSeen := map[int]bool{}
	always := func(s *model.State) []string {
		var out []string
		for k, c := range m.P.Sc.Checks {
			if c.Kind == scenario.Always && !alwaysSeen[k] && !checker.Holds(c.Atoms, m.Outcome(s)) {
				alwaysSeen[k] = true
				out = append(out, "always")
			}
		}
		return out
	}
	if want != 0 {
		seen = m.CheckState(&states[0], want)
		r.Start = propNames(seen)
	}
	r.Start = append(r.Start, always(&states[0])...)
	r.States = append(r.States, Of(m, &states[0]))
	for i, mv := range ms {
		before, after := &states[i], &states[i+1]
		c := ctxs[i]
		c.S = after
		fn, st := render.SplitLabel(c.StepLabel())
		step := Step{N: i + 1, Move: m.MoveString(before, mv), Actor: r.Actors[int(mv.Actor)], Function: fn, Step: st,
			Changes: Changes(m, before, after), Notes: Notes(m, before, after, &c), Violates: []string{}}
		if want != 0 {
			bad := m.CheckState(after, want) | m.CheckTransition(before, after, &c, want)
			step.Violates = append(step.Violates, propNames(bad&^seen)...)
			seen |= bad
		}
		step.Violates = append(step.Violates, always(after)...)
		r.Steps = append(r.Steps, step)
		r.States = append(r.States, Of(m, after))
	}
	last := &states[len(states)-1]
	r.Terminal = len(Enabled(m, last)) == 0
	if r.Terminal {
		if want != 0 {
			bad := m.CheckTerminal(last, want) &^ seen
			for p := model.Prop(0); p < model.NumProps; p++ {
				if bad.Has(p) {
					r.End = append(r.End, Violation{Property: p.String(), Message: m.Explain(last, p)})
				}
			}
		}
		out := m.Outcome(last)
		for _, c := range m.P.Sc.Checks {
			if c.Kind == scenario.Final && !checker.Holds(c.Atoms, out) {
				r.End = append(r.End, Violation{Property: "final", Message: fmt.Sprintf("%s: final %s is false", c.Pos, c.Text)})
			}
		}
	}
	return r, nil
}

func propNames(ps model.PropSet) []string {
	if ps == 0 {
		return nil
	}
	return strings.Split(ps.String(), ",")
}

// Notes lists what a step did that changed no field but matters to the
// race: a wakeup that found the task in a state it does not match.
func Notes(m *model.Machine, before, after *model.State, c *model.Ctx) []string {
	out := []string{}
	for t, td := range m.P.Tasks {
		B, A := &before.Task[t], &after.Task[t]
		if c.Woke[t] != 0 && !B.OnRq && !A.OnRq && B.State == A.State && B.Saved == A.Saved && A.ExitState == 0 {
			out = append(out, fmt.Sprintf("%s: ttwu(%s) misses %s", td.Name, model.StateString(c.Woke[t]), model.StateString(A.State)))
		}
	}
	return out
}

// Props is the set of built-in properties a scenario checks: all but the
// ones it disables.
func Props(sc *scenario.Scenario) model.PropSet {
	want := model.All
	for _, d := range sc.Disabled {
		if p, ok := model.ParseProp(d); ok {
			want &^= 1 << p
		}
	}
	return want
}
