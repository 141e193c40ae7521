// Package render draws one interleaving of a scenario the way kernel
// developers draw a race in a commit message: one column per CPU (actor),
// time flowing down, each line a kernel function and the effect that
// matters.
//
//	CPU0 (F)                          CPU1 (S)
//	freeze_cgroup: freeze_task(T)
//	  T: __state TASK_STOPPED -> TASK_FROZEN
//	                                  kill: group_send_sig_info -> send_signal_locked
//	                                    T: jobctl -STOPPED
//
// A Race is built from what checker.Replay returns (the states and the step
// contexts of a trace); the same Race serves `jobctl run` and the
// counterexamples of `jobctl check`. Everything here is a pure function of
// its input: the same trace draws the same bytes.
package render

import (
	"fmt"
	"io"
	"strings"

	"jobctl/model"
	"jobctl/scenario"
)

// Layout of a diagram.
const (
	// Wrap is the width at which a step label (or an effect line) is
	// continued on the next line of its column.
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
	Effects []string // "T: __state TASK_STOPPED -> TASK_FROZEN", "T: jobctl -STOPPED"
	Marks   []string // properties this step is the first in the trace to violate
}

// Race is one interleaving ready to draw.
type Race struct {
	Actors []string // actor names, by actor index
	Steps  []Step
	Start  []string // properties the initial state already violates
	Final  []string // the final state of each task, one line each (FinalState)
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
		st := Step{Actor: a, Token: m.MoveString(before, mv), Label: c.StepLabel(), Effects: Effects(m, before, after, &c)}
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

// namedJobctl are the jobctl bits JobctlString names (everything but
// JOBCTL_STOP_SIGMASK, the number of the last stop signal).
const namedJobctl = ^model.JOBCTL_STOP_SIGMASK

// Effects lists what a step changed that a reader of the race needs, for
// each task: __state, saved_state, the named jobctl bits, a wakeup that
// found nothing to wake, going to sleep or being woken, exiting; and for
// each thread group the signal->flags that matter; and what an outside
// actor's op returned, unless 0. c may be nil.
func Effects(m *model.Machine, before, after *model.State, c *model.Ctx) []string {
	var out []string
	for t, td := range m.P.Tasks {
		B, A := &before.Task[t], &after.Task[t]
		n := td.Name
		woken := !B.OnRq && A.OnRq && A.ExitState == 0
		sleeps := B.OnRq && !A.OnRq && A.ExitState == 0
		if B.State != A.State {
			line := fmt.Sprintf("%s: __state %s -> %s", n, model.StateString(B.State), model.StateString(A.State))
			switch {
			case woken:
				line += " (woken)"
			case sleeps:
				line += " (sleeps)"
			}
			out = append(out, line)
		} else {
			switch {
			case woken:
				out = append(out, fmt.Sprintf("%s: woken (__state %s)", n, model.StateString(A.State)))
			case sleeps:
				out = append(out, fmt.Sprintf("%s: sleeps in %s (__state %s)", n, A.Loc, model.StateString(A.State)))
			}
		}
		if B.Saved != A.Saved {
			out = append(out, fmt.Sprintf("%s: saved_state %s -> %s", n, model.StateString(B.Saved), model.StateString(A.Saved)))
		}
		if d := JobctlDiff(B.Jobctl, A.Jobctl); d != "" {
			out = append(out, n+": jobctl "+d)
		}
		if c != nil && c.Woke[t] != 0 && !B.OnRq && !A.OnRq && B.State == A.State && B.Saved == A.Saved && A.ExitState == 0 {
			out = append(out, fmt.Sprintf("%s: ttwu(%s) misses %s", n, model.StateString(c.Woke[t]), model.StateString(A.State)))
		}
		if B.ExitState != A.ExitState {
			out = append(out, fmt.Sprintf("%s: exit_state %s%s", n, exitStateName(A.ExitState), exitHow(A)))
		}
	}
	for p, pd := range m.P.Procs {
		if d := signalFlagsDiff(before.Proc[p].Flags, after.Proc[p].Flags); d != "" {
			out = append(out, pd.Name+": signal->flags "+d)
		}
	}
	// An outside actor's op that returned something other than 0.
	for a := 0; a < m.P.NOutside && a < len(before.Actor); a++ {
		script := m.P.Actors[a].Script
		for pc := int(before.Actor[a].PC); pc < int(after.Actor[a].PC) && pc < len(script); pc++ {
			if r := m.P.Result(after, a, pc); r != model.ResOK {
				out = append(out, fmt.Sprintf("%s: %s returns %s", m.P.Actors[a].Name, script[pc].Src.String(), r))
			}
		}
	}
	return out
}

// JobctlDiff renders the change of the named jobctl bits as "-STOPPED
// +TRACED", or "" when none changed.
func JobctlDiff(before, after uint32) string {
	var parts []string
	if gone := before &^ after & namedJobctl; gone != 0 {
		for _, b := range strings.Split(model.JobctlString(gone), "|") {
			parts = append(parts, "-"+b)
		}
	}
	if came := after &^ before & namedJobctl; came != 0 {
		for _, b := range strings.Split(model.JobctlString(came), "|") {
			parts = append(parts, "+"+b)
		}
	}
	return strings.Join(parts, " ")
}

var signalFlagNames = []struct {
	bit  uint8
	name string
}{
	{model.SIGNAL_STOP_STOPPED, "SIGNAL_STOP_STOPPED"},
	{model.SIGNAL_STOP_CONTINUED, "SIGNAL_STOP_CONTINUED"},
	{model.SIGNAL_GROUP_EXIT, "SIGNAL_GROUP_EXIT"},
}

func signalFlagsDiff(before, after uint8) string {
	var parts []string
	for _, f := range signalFlagNames {
		switch {
		case before&f.bit != 0 && after&f.bit == 0:
			parts = append(parts, "-"+f.name)
		case before&f.bit == 0 && after&f.bit != 0:
			parts = append(parts, "+"+f.name)
		}
	}
	return strings.Join(parts, " ")
}

func exitStateName(es uint8) string {
	switch es {
	case 0:
		return "0"
	case model.EXIT_ZOMBIE:
		return "EXIT_ZOMBIE"
	case model.EXIT_DEAD:
		return "EXIT_DEAD"
	}
	return fmt.Sprintf("%#x", es)
}

func exitHow(T *model.Task) string {
	switch T.ExitKind {
	case model.ExitExited:
		return fmt.Sprintf(" (exited with %d)", T.ExitVal)
	case model.ExitKilled:
		return " (killed by " + scenario.SigName(int(T.ExitVal)) + ")"
	}
	return ""
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
			td.Name, model.StateString(T.State), model.StateString(T.Saved), model.JobctlString(T.Jobctl), where))
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

// WrapStrict breaks s at spaces into lines of at most width bytes; only a
// word longer than width makes a longer line (it gets a line of its own).
func WrapStrict(s string, width int) []string {
	words := strings.Fields(s)
	if len(words) == 0 {
		return []string{""}
	}
	var lines []string
	cur := words[0]
	for _, w := range words[1:] {
		if len(cur)+1+len(w) > width {
			lines = append(lines, cur)
			cur = w
			continue
		}
		cur += " " + w
	}
	return append(lines, cur)
}

// cell is the text one step puts in its column, indented within it.
func cell(st *Step) []string {
	label := st.Label
	if label == "" {
		label = "(step)"
	}
	var out []string
	for i, l := range WrapText(label, Wrap) {
		if i > 0 {
			l = strings.Repeat(" ", contIndent) + l
		}
		out = append(out, l)
	}
	add := func(text string) {
		for i, l := range WrapText(text, Wrap-effectIndent) {
			ind := effectIndent
			if i > 0 {
				ind = contIndent + effectIndent
			}
			out = append(out, strings.Repeat(" ", ind)+l)
		}
	}
	for _, e := range st.Effects {
		add(e)
	}
	for _, p := range st.Marks {
		add("=> violates " + p)
	}
	return out
}

// Columns returns the actors that take part in the race (that make at
// least one step), in actor order.
func (r *Race) Columns() []int {
	used := make([]bool, len(r.Actors))
	for _, st := range r.Steps {
		used[st.Actor] = true
	}
	var cols []int
	for a, u := range used {
		if u {
			cols = append(cols, a)
		}
	}
	return cols
}

// WriteDiagram draws the race: a header naming each column "CPUn (ACTOR)",
// then each step in its actor's column, its effects under it. Every line
// starts with prefix and a space; no line has trailing blanks.
func (r *Race) WriteDiagram(w io.Writer, prefix string) error {
	var b strings.Builder
	line := func(s string) {
		b.WriteString(strings.TrimRight(prefix+" "+s, " "))
		b.WriteByte('\n')
	}
	for _, p := range r.Start {
		line("(initial state) => violates " + p)
	}
	cols := r.Columns()
	if len(cols) == 0 {
		line("(no step: the state after the prelude)")
		_, err := io.WriteString(w, b.String())
		return err
	}
	colOf := make([]int, len(r.Actors))
	headers := make([]string, len(cols))
	width := make([]int, len(cols))
	for i, a := range cols {
		colOf[a] = i
		headers[i] = fmt.Sprintf("CPU%d (%s)", i, r.Actors[a])
		width[i] = len(headers[i])
	}
	cells := make([][]string, len(r.Steps))
	for i := range r.Steps {
		cells[i] = cell(&r.Steps[i])
		c := colOf[r.Steps[i].Actor]
		for _, l := range cells[i] {
			width[c] = max(width[c], len(l))
		}
	}
	offset := make([]int, len(cols))
	for i := 1; i < len(cols); i++ {
		offset[i] = offset[i-1] + width[i-1] + Gap
	}
	var hdr strings.Builder
	for i, h := range headers {
		hdr.WriteString(strings.Repeat(" ", offset[i]-hdr.Len()))
		hdr.WriteString(h)
	}
	line(hdr.String())
	for i := range r.Steps {
		pad := strings.Repeat(" ", offset[colOf[r.Steps[i].Actor]])
		for _, l := range cells[i] {
			line(pad + l)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteFinal writes the final state of each task, indented by prefix.
func (r *Race) WriteFinal(w io.Writer, prefix string) error {
	var b strings.Builder
	b.WriteString(prefix + " final state:\n")
	for _, l := range r.Final {
		b.WriteString(prefix + "   " + l + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Write draws the race and then the final state of each task.
func (r *Race) Write(w io.Writer, prefix string) error {
	if err := r.WriteDiagram(w, prefix); err != nil {
		return err
	}
	return r.WriteFinal(w, prefix)
}

// Schedule is the trace as schedule tokens, one per step (the actor's
// name, and the outcome where a step has several: "S:T2"): the argument of
// `jobctl run --schedule` and of a scenario's "schedule" line.
func (r *Race) Schedule() string {
	names := make([]string, len(r.Steps))
	for i, st := range r.Steps {
		names[i] = st.Token
		if names[i] == "" {
			names[i] = r.Actors[st.Actor]
		}
	}
	return strings.Join(names, " ")
}
