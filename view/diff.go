package view

import (
	"fmt"
	"strings"

	"jobctl/model"
)

// Change is one field a step changed (model.Change), for JSON: who (a
// task, thread group, actor or lock), the field by its kernel name, and the
// value before and after, named.
type Change struct {
	Who   string `json:"who"`
	Field string `json:"field"`
	From  string `json:"from"`
	To    string `json:"to"`
}

// Minor: a change the pictures leave out, an outside actor's progress
// through its script (implied by the result of the op it finished).
func (c Change) Minor() bool { return c.Field == "op" }

func (c Change) String() string {
	return fmt.Sprintf("%s %s: %s -> %s", c.Who, c.Field, c.From, c.To)
}

// Changes lists the fields that differ between before and after
// (model.Machine.Diff), with two things named more closely for a reader:
// where a task is, to the step within its kernel function ("where" from
// "do_signal_stop: notify the parent" to "do_signal_stop: schedule"), and
// an op's result with the op ("#2 observe T").
func Changes(m *model.Machine, before, after *model.State) []Change {
	var out []Change
	for _, c := range m.Diff(before, after) {
		ch := Change(c)
		if ch.Field == "where" {
			continue // below, named by the step
		}
		if a := actorIndex(m, ch.Who); a >= 0 && strings.HasPrefix(ch.Field, "#") {
			var i int
			if _, err := fmt.Sscanf(ch.Field, "#%d", &i); err == nil && i >= 1 && i <= len(m.P.Actors[a].Script) {
				ch.Field += " " + m.P.Actors[a].Script[i-1].Src.String()
			}
		}
		out = append(out, ch)
	}
	// The place of each task, after its other fields.
	for t, td := range m.P.Tasks {
		if b, a := before.Task[t].Loc, after.Task[t].Loc; b != a {
			out = insertAfter(out, td.Name, Change{Who: td.Name, Field: "where", From: Loc(b), To: Loc(a)})
		}
	}
	return out
}

func actorIndex(m *model.Machine, name string) int {
	for a := 0; a < m.P.NOutside; a++ {
		if m.P.Actors[a].Name == name {
			return a
		}
	}
	return -1
}

// insertAfter puts c after the last change of who, or at the end.
func insertAfter(cs []Change, who string, c Change) []Change {
	at := len(cs)
	for i := len(cs) - 1; i >= 0; i-- {
		if cs[i].Who == who {
			at = i + 1
			break
		}
	}
	cs = append(cs, Change{})
	copy(cs[at+1:], cs[at:])
	cs[at] = c
	return cs
}
