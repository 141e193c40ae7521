// Package render draws one interleaving of a scenario the way kernel
// developers draw a race in a commit message: one column per CPU (actor),
// time flowing down, each line a kernel function and the effect that
// matters.
//
//	CPU0 (F)                          CPU1 (S)
//	freeze_cgroup: freeze_task(T)
//	  T: __state TASK_STOPPED ->
//	      TASK_FROZEN
//	                                  kill: group_send_sig_info ->
//	                                      send_signal_locked
//	                                    T: jobctl -STOPPED
//	                                    T: pending +SIGKILL
//
// Each step shows every kernel field it changed (model.Machine.Diff), and
// the lines fit a width: 75 columns by default for one or two CPUs, as a
// commit message does; wider layouts get more (Race.Width).
//
// A Race is built from what checker.Replay returns (the states and the step
// contexts of a trace); the same Race serves `jobctl run` and the
// counterexamples of `jobctl check`. Everything here is a pure function of
// its input: the same trace draws the same bytes.
package render

import (
	"fmt"
	"strings"

	"jobctl/model"
)

// Layout of a diagram.
const (
	// Wrap is the widest a column gets: a step label (or an effect line)
	// longer than that is continued on the next line of its column.
	Wrap = 48
	// Gap is the space between two columns.
	Gap = 3
	// effectIndent indents an effect under its step; contIndent indents
	// the continuation lines of a wrapped label.
	effectIndent = 2
	contIndent   = 4
)

// Step is one atomic step of one actor, as drawn.
type Step struct {
	Actor   int      // actor index (model.Program.Actors)
	Token   string   // the step as a schedule token: "S", or "S:T2" for one outcome of several
	Label   string   // "function: step" (model.Ctx.Label)
	Effects []string // "T: __state TASK_STOPPED -> TASK_FROZEN", "T: jobctl -STOPPED" (Effects)
	Marks   []string // properties this step is the first in the trace to violate
	// Changes is every field the step changed (model.Machine.Diff), the
	// model's bookkeeping included: what Effects draws from.
	Changes []model.Change
}

// Race is one interleaving ready to draw.
type Race struct {
	Actors []string // actor names, by actor index
	Steps  []Step
	Start  []string // properties the initial state already violates
	Final  []string // the final state of each task, one line each (FinalState)
	// Width is the width every line of the drawing fits (0: WidthFor the
	// number of columns, 75 for one or two). Color draws the step that
	// violates a property, and its marks, in ANSI colour.
	Width int
	Color bool
}

// New builds the Race of a trace (actor indices) from the states and step
// contexts checker.Replay returned for it: len(states) == len(trace)+1 and
// len(ctxs) == len(trace). want selects the properties whose first
// violation is marked on the step that causes it (0: none).
func New(m *model.Machine, trace []model.Move, states []model.State, ctxs []model.Ctx, want model.PropSet) (*Race, error) {
	if len(states) != len(trace)+1 || len(ctxs) != len(trace) {
		return nil, fmt.Errorf("render: %d steps, %d states and %d step contexts do not fit together", len(trace), len(states), len(ctxs))
	}
	r := &Race{}
	for _, a := range m.P.Actors {
		r.Actors = append(r.Actors, a.Name)
	}
	var seen model.PropSet
	if want != 0 {
		seen = m.CheckState(&states[0], want)
		r.Start = propNames(seen)
	}
	for i, mv := range trace {
		a := int(mv.Actor)
		if a >= len(r.Actors) {
			return nil, fmt.Errorf("render: step %d: no actor %d", i+1, a)
		}
		before, after := &states[i], &states[i+1]
		c := ctxs[i]
		c.S = after
		st := Step{Actor: a, Token: m.MoveString(before, mv), Label: c.StepLabel(), Effects: Effects(m, before, after, &c), Changes: m.Diff(before, after)}
		if c.NChoice > 1 {
			st.Effects = append([]string{fmt.Sprintf("%s %s (%d of %d outcomes)", c.ChoiceWhat, c.ChoiceLabel, c.Choice+1, c.NChoice)}, st.Effects...)
		}
		if want != 0 {
			bad := m.CheckState(after, want) | m.CheckTransition(before, after, &c, want)
			st.Marks = propNames(bad &^ seen)
			seen |= bad
		}
		r.Steps = append(r.Steps, st)
	}
	r.Final = FinalState(m, &states[len(states)-1])
	return r, nil
}

func propNames(ps model.PropSet) []string {
	if ps == 0 {
		return nil
	}
	return strings.Split(ps.String(), ",")
}

// FinalState describes each task of s in one line: __state, saved_state,
// jobctl, and where it is (its Loc), asleep or runnable.
func FinalState(m *model.Machine, s *model.State) []string {
	var out []string
	for t, td := range m.P.Tasks {
		T := &s.Task[t]
		var where string
		switch {
		case T.ExitState != 0:
			where = "exited, " + exitStateName(T.ExitState) + exitHow(T)
		case T.Loc == model.LocUser:
			where = "in user mode"
			if !T.OnRq {
				where += ", not runnable"
			}
		case T.OnRq:
			where = "in " + T.Loc.String() + ", runnable"
		default:
			where = "in " + T.Loc.String() + ", asleep"
		}
		out = append(out, fmt.Sprintf("%s: __state %s, saved_state %s, jobctl %s; %s",
			td.Name, model.StateName(T.State), model.StateName(T.Saved), model.JobctlString(T.Jobctl), where))
	}
	return out
}

// SplitLabel splits a step label at its first ": " into the kernel
// function and the step within it ("" when the label has no ": ").
func SplitLabel(label string) (function, step string) {
	f, s, _ := strings.Cut(label, ": ")
	return f, s
}

// WrapText breaks s at spaces into lines of at most width bytes. A word
// longer than width gets a line of its own, or follows a short lead.
func WrapText(s string, width int) []string {
	words := strings.Fields(s)
	if len(words) == 0 {
		return []string{""}
	}
	var lines []string
	cur := words[0]
	for _, w := range words[1:] {
		// Break before a word that does not fit, unless the line so far is
		// only a short lead ("T:"), which would be left alone on its line.
		if len(cur)+1+len(w) > width && len(cur) > width/4 {
			lines = append(lines, cur)
			cur = w
			continue
		}
		cur += " " + w
	}
	// No orphan: a short last word goes back to its line when that
	// overflows only a little.
	if n := len(lines); n > 0 && len(cur) <= width/6 && len(lines[n-1])+1+len(cur) <= width+width/6 {
		lines[n-1] += " " + cur
		return lines
	}
	return append(lines, cur)
}
