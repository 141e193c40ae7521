package checker

import (
	"fmt"

	"jobctl/model"
)

// realTraces turns the traces of a search reduced by thread symmetry
// into interleavings of the unreduced model from its initial state real.
// A reduced trace is a path between canonical states: each move is taken
// from a canonical state, whose threads may be a permutation of the ones
// the real interleaving has reached. At every step some move of the real
// state reaches a state with the same canonical form (the swap that
// relates the two states maps the move to it): the first in move order is
// taken. Property messages are recomputed on the real last state, as they
// name threads; an outcome must read the same on it (else an internal
// error: the reduction would be unsound).
func (x *search) realTraces(real model.State) error {
	res := x.res
	for i := range res.Violations {
		f := &res.Violations[i]
		if len(f.Trace) == 0 {
			continue
		}
		tr, last, err := x.realTrace(real, f.Trace)
		if err != nil {
			return err
		}
		f.Trace = tr
		if p, ok := model.ParseProp(f.Property); ok {
			f.Message = x.m.Explain(&last, p)
		}
	}
	for i := range res.Outcomes {
		o := &res.Outcomes[i]
		tr, last, err := x.realTrace(real, o.Trace)
		if err != nil {
			return err
		}
		if got := x.m.Outcome(&last); got != o.Text {
			return fmt.Errorf("checker: symmetry: the real interleaving of outcome %q ends in %q", o.Text, got)
		}
		o.Trace = tr
	}
	return nil
}

// realTrace maps one reduced trace; it returns the real trace and the
// state it ends in.
func (x *search) realTrace(real model.State, trace []model.Move) ([]model.Move, model.State, error) {
	m, y := x.m, x.sym
	var c model.Ctx
	canon := real
	y.Canon(m.P, &canon)
	cur := real
	out := make([]model.Move, 0, len(trace))
	for i, mv := range trace {
		want := canon
		if !m.StepInto(&c, &want, mv) {
			return nil, cur, fmt.Errorf("checker: symmetry: step %d of a reduced trace cannot run", i+1)
		}
		y.Canon(m.P, &want)
		found := false
		for a := 0; a < m.NumActors() && !found; a++ {
			for k := 0; ; k++ {
				next := cur
				rm := model.Move{Actor: uint8(a), Choice: uint8(k)}
				ok := m.StepInto(&c, &next, rm)
				nch := int(c.NChoice)
				if ok && next != cur {
					cn := next
					y.Canon(m.P, &cn)
					if cn == want {
						out = append(out, rm)
						cur = next
						found = true
						break
					}
				}
				if !ok && k == 0 || k+1 >= nch {
					break
				}
			}
		}
		if !found {
			return nil, cur, fmt.Errorf("checker: symmetry: no real step matches step %d of a reduced trace", i+1)
		}
		canon = want
	}
	return out, cur, nil
}
