package hunt

import (
	"math/bits"
	"slices"

	"jobctl/scenario"
)

// Minimization: delta debugging over a Spec's processes, actors, threads
// and ops. Each candidate is one reduction of the current scenario; the
// first that still shows the finding (and is valid: shows checks that)
// becomes the current one, until none does: the result is 1-minimal —
// dropping any one more process, actor, thread or op, or any one flag,
// loses the finding.

// Minimize reduces sp while shows holds, calling shows at most budget
// times. shows must return false for an invalid scenario.
func Minimize(sp *Spec, shows func(*Spec) bool, budget int) *Spec {
	seen := map[string]bool{sp.Text(): true}
	cur := sp
	for changed := true; changed && budget > 0; {
		changed = false
		for _, c := range reductions(cur) {
			t := c.Text()
			if seen[t] {
				continue
			}
			seen[t] = true
			if budget <= 0 {
				break
			}
			budget--
			if shows(c) {
				cur, changed = c, true
				break
			}
		}
	}
	return cur
}

// reductions lists the scenarios one step smaller than sp, biggest step
// first: a process, an actor, a thread, half of the script, one op, a
// parent link, PREEMPT_RT, one bit of an op's flags.
func reductions(sp *Spec) []*Spec {
	var out []*Spec
	if len(sp.Procs) > 1 {
		for i := range sp.Procs {
			out = append(out, sp.dropProc(i))
		}
	}
	for _, a := range sp.Actors {
		out = append(out, sp.dropActor(a))
	}
	for i, p := range sp.Procs {
		for j := len(p.Threads) - 1; j > 0; j-- {
			out = append(out, sp.dropThread(i, j))
		}
	}
	if n := len(sp.Ops); n >= 4 {
		for _, half := range [][2]int{{0, n / 2}, {n / 2, n}} {
			c := sp.Clone()
			c.Ops = append(append([]scenario.Op(nil), sp.Ops[:half[0]]...), sp.Ops[half[1]:]...)
			out = append(out, c.withoutOrphanUnlocks())
		}
	}
	for i := len(sp.Ops) - 1; i >= 0; i-- {
		if sp.Ops[i].Kind == scenario.OpUnlock {
			continue // it goes with its lock: a lock held for ever only says "stuck"
		}
		c := sp.Clone()
		c.Ops = append(c.Ops[:i:i], c.Ops[i+1:]...)
		out = append(out, c.withoutOrphanUnlocks())
	}
	for i := len(sp.Init) - 1; i >= 0; i-- {
		c := sp.Clone()
		c.Init = append(c.Init[:i:i], c.Init[i+1:]...)
		out = append(out, c.withoutOrphanUnlocks())
	}
	for i, p := range sp.Procs {
		if p.Parent != "" {
			c := sp.Clone()
			c.Procs[i].Parent = ""
			out = append(out, c)
		}
	}
	if sp.RT {
		c := sp.Clone()
		c.RT = false
		out = append(out, c)
	}
	for i, p := range sp.Procs {
		if p.Orphaned {
			c := sp.Clone()
			c.Procs[i].Orphaned = false
			out = append(out, c)
		}
	}
	// One flag bit fewer (a wait's WNOHANG, WUNTRACED, ...), where the
	// op still has a flag set its alphabet entry draws.
	for _, list := range []*[]scenario.Op{&sp.Init, &sp.Ops} {
		for i, o := range *list {
			s, ok := SpecOf(o.Kind)
			if !ok || bits.OnesCount(uint(o.Flags)) < 2 {
				continue
			}
			for f := o.Flags; f != 0; f &= f - 1 {
				nf := o.Flags &^ (f & -f)
				if !slices.Contains(s.Flags, nf) {
					continue
				}
				c := sp.Clone()
				l := &c.Ops
				if list == &sp.Init {
					l = &c.Init
				}
				(*l)[i].Flags = nf
				out = append(out, c)
			}
		}
	}
	return out
}

// withoutOrphanUnlocks drops each unlock whose lock was dropped.
func (sp *Spec) withoutOrphanUnlocks() *Spec {
	held := map[string]map[string]bool{}
	keep := func(o scenario.Op) bool {
		switch o.Kind {
		case scenario.OpLock:
			if held[o.Actor] == nil {
				held[o.Actor] = map[string]bool{}
			}
			held[o.Actor][o.Target] = true
		case scenario.OpUnlock:
			if !held[o.Actor][o.Target] {
				return false
			}
			held[o.Actor][o.Target] = false
		}
		return true
	}
	sp.Init = filterOps(sp.Init, keep)
	sp.Ops = filterOps(sp.Ops, keep)
	return sp
}

func filterOps(ops []scenario.Op, keep func(scenario.Op) bool) []scenario.Op {
	var out []scenario.Op
	for _, o := range ops {
		if keep(o) {
			out = append(out, o)
		}
	}
	return out
}

// dropActor removes outside actor a, its ops and its parenthood.
func (sp *Spec) dropActor(a string) *Spec {
	c := sp.Clone()
	c.Actors = nil
	for _, x := range sp.Actors {
		if x != a {
			c.Actors = append(c.Actors, x)
		}
	}
	for i := range c.Procs {
		if c.Procs[i].Parent == a {
			c.Procs[i].Parent = ""
		}
	}
	keep := func(o scenario.Op) bool { return o.Actor != a }
	c.Init, c.Ops = filterOps(c.Init, keep), filterOps(c.Ops, keep)
	return c
}

// dropNames removes every op done by or aimed at one of names.
func (c *Spec) dropNames(names map[string]bool) {
	keep := func(o scenario.Op) bool { return !names[o.Actor] && !names[o.Target] }
	c.Init, c.Ops = filterOps(c.Init, keep), filterOps(c.Ops, keep)
	c.withoutOrphanUnlocks()
}

// dropProc removes process i with its threads and every op of or at them.
func (sp *Spec) dropProc(i int) *Spec {
	c := sp.Clone()
	names := map[string]bool{sp.Procs[i].Name: true}
	for _, t := range sp.Procs[i].Threads {
		names[t] = true
	}
	c.Procs = append(c.Procs[:i:i], c.Procs[i+1:]...)
	c.dropNames(names)
	return c
}

// dropThread removes thread j (not the leader) of process i and every op
// of or at it.
func (sp *Spec) dropThread(i, j int) *Spec {
	c := sp.Clone()
	t := sp.Procs[i].Threads[j]
	p := &c.Procs[i]
	p.Threads = append(p.Threads[:j:j], p.Threads[j+1:]...)
	c.dropNames(map[string]bool{t: true})
	return c
}
