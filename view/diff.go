package view

import (
	"fmt"

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
// (model.Machine.Diff: where a task is, to the step within its kernel
// function; an op's result with the op, "#2 observe T").
func Changes(m *model.Machine, before, after *model.State) []Change {
	var out []Change
	for _, c := range m.Diff(before, after) {
		out = append(out, Change(c))
	}
	return out
}
