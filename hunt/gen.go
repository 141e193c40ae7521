package hunt

import (
	"fmt"
	"math/rand/v2"

	"jobctl/scenario"
)

// Generation: at random from a seed, by mutating a scenario, and
// exhaustively in a fixed order. Every Spec produced keeps the language's
// rules on an actor's ops (nothing after exit, exit_group or sleep; an
// unlock right after its lock) and the Bounds; what it cannot see (a
// prelude that never completes, an op the oracle cannot run) is left to
// the validity check.

var procNames = []string{"P", "Q", "R", "S"}

// skeleton makes the processes and actors of a scenario: threads[i]
// threads for process i, nActors outside actors.
func skeleton(threads []int, nActors int) *Spec {
	sp := &Spec{}
	for i := 0; i < nActors; i++ {
		sp.Actors = append(sp.Actors, string(rune('A'+i)))
	}
	for i, n := range threads {
		p := Proc{Name: procNames[i]}
		for j := 0; j < n; j++ {
			if j == 0 {
				p.Threads = append(p.Threads, p.Name)
			} else {
				p.Threads = append(p.Threads, fmt.Sprintf("%s%d", p.Name, j+1))
			}
		}
		sp.Procs = append(sp.Procs, p)
	}
	return sp
}

// procOf is the process of thread t.
func (sp *Spec) procOf(t string) *Proc {
	for i := range sp.Procs {
		for _, u := range sp.Procs[i].Threads {
			if u == t {
				return &sp.Procs[i]
			}
		}
	}
	return &Proc{}
}

// threads lists every tracee thread of sp.
func (sp *Spec) threads() []string {
	var out []string
	for _, p := range sp.Procs {
		out = append(out, p.Threads...)
	}
	return out
}

// Random draws a scenario within b.
func Random(r *rand.Rand, b Bounds) *Spec {
	nProcs := 1 + r.IntN(b.Procs)
	threads := make([]int, nProcs)
	for i := range threads {
		threads[i] = 1 + r.IntN(b.Threads)
	}
	sp := skeleton(threads, 1+r.IntN(b.Actors))
	for i := range sp.Procs {
		if r.IntN(2) == 0 {
			sp.Procs[i].Parent = sp.Actors[r.IntN(len(sp.Actors))]
		}
	}
	if b.ModelOnly && r.IntN(8) == 0 {
		sp.RT = true
	}
	if r.IntN(8) == 0 {
		sp.Procs[r.IntN(len(sp.Procs))].Orphaned = true
	}
	for n := r.IntN(b.Init + 1); n > 0; n-- {
		sp.Init = appendLine(sp.Init, randomLine(r, sp, b, true))
	}
	for n := 1 + r.IntN(b.Total); n > 0; n-- {
		sp.Ops = appendDrawn(r, sp.Ops, randomLine(r, sp, b, false))
	}
	sp.normalize(b)
	return sp
}

// appendLine appends an op and, for an op with a follower (lock), the
// follower.
func appendLine(ops []scenario.Op, o scenario.Op) []scenario.Op {
	if o.Kind == scenario.OpNone {
		return ops
	}
	ops = append(ops, o)
	if s, ok := SpecOf(o.Kind); ok && s.Then != scenario.OpNone {
		ops = append(ops, scenario.Op{Actor: o.Actor, Kind: s.Then, Target: o.Target})
	}
	return ops
}

// appendDrawn is appendLine for a random line: half the time an op with
// a Pair is followed by it (the same actor, target and flags).
func appendDrawn(r *rand.Rand, ops []scenario.Op, o scenario.Op) []scenario.Op {
	ops = appendLine(ops, o)
	if s, ok := SpecOf(o.Kind); ok && s.Pair != scenario.OpNone && r.IntN(2) == 0 {
		ops = append(ops, scenario.Op{Actor: o.Actor, Kind: s.Pair, Target: o.Target, Flags: o.Flags})
	}
	return ops
}

// randomLine draws one op line of sp: an actor (outside or a thread) and
// one of the ops it may do, with its arguments. OpNone if there is none.
func randomLine(r *rand.Rand, sp *Spec, b Bounds, prelude bool) scenario.Op {
	ths := sp.threads()
	outside := b.specs(false, prelude)
	inside := b.specs(true, prelude)
	var who string
	var specs []OpSpec
	switch {
	case len(inside) > 0 && (len(outside) == 0 || r.IntN(4) == 0):
		who = ths[r.IntN(len(ths))]
		parent := sp.procOf(who).Parent != ""
		for _, s := range inside {
			if !s.NeedsParent || parent {
				specs = append(specs, s)
			}
		}
	case len(outside) > 0:
		who, specs = sp.Actors[r.IntN(len(sp.Actors))], outside
	default:
		return scenario.Op{}
	}
	return fill(r, sp, pick(r, specs), who)
}

// pick draws an op of specs by weight.
func pick(r *rand.Rand, specs []OpSpec) OpSpec {
	total := 0
	for _, s := range specs {
		total += max(s.Weight, 1)
	}
	n := r.IntN(total)
	for _, s := range specs {
		if n -= max(s.Weight, 1); n < 0 {
			return s
		}
	}
	return specs[len(specs)-1]
}

// weighted draws an index of n choices by weights (nil: evenly).
func weighted(r *rand.Rand, n int, weights []int) int {
	if len(weights) != n {
		return r.IntN(n)
	}
	total := 0
	for _, w := range weights {
		total += w
	}
	k := r.IntN(total)
	for i, w := range weights {
		if k -= w; k < 0 {
			return i
		}
	}
	return n - 1
}

// fill draws the arguments of op s done by actor who.
func fill(r *rand.Rand, sp *Spec, s OpSpec, who string) scenario.Op {
	o := scenario.Op{Actor: who, Kind: s.Kind}
	ths := sp.threads()
	switch s.Target {
	case TargetProc:
		if r.IntN(5) == 0 {
			o.Target = ths[r.IntN(len(ths))]
		} else {
			o.Target = sp.Procs[r.IntN(len(sp.Procs))].Name
		}
	case TargetThread:
		o.Target = ths[r.IntN(len(ths))]
	case TargetThreadAny:
		if r.IntN(6) == 0 {
			o.Target = scenario.AnyChild
		} else {
			o.Target = ths[r.IntN(len(ths))]
		}
	case TargetLock:
		o.Target = []string{"tasklist", "css_set"}[r.IntN(2)]
	}
	if len(s.Sigs) > 0 {
		o.Sig = s.Sigs[weighted(r, len(s.Sigs), s.SigWeights)]
	}
	if len(s.Flags) > 0 {
		o.Flags = s.Flags[r.IntN(len(s.Flags))]
	}
	return o
}

// normalize drops what the language or b do not allow: an actor's ops
// after one that ends it, ops beyond b.Ops per actor (an unlock is kept
// with its lock), and script ops beyond b.Total; and actors without a
// name in use are kept (they may be parents).
func (sp *Spec) normalize(b Bounds) {
	ended := map[string]bool{}
	held := map[string]map[string]bool{}
	count := map[string]int{}
	keep := func(o scenario.Op, script bool) bool {
		if ended[o.Actor] {
			return false
		}
		s, _ := SpecOf(o.Kind)
		if script && count[o.Actor] >= b.Ops && o.Kind != scenario.OpUnlock {
			return false
		}
		switch o.Kind {
		case scenario.OpUnlock:
			if !held[o.Actor][o.Target] {
				return false
			}
			held[o.Actor][o.Target] = false
		case scenario.OpLock:
			if held[o.Actor] == nil {
				held[o.Actor] = map[string]bool{}
			}
			if held[o.Actor][o.Target] {
				return false
			}
			held[o.Actor][o.Target] = true
		}
		if script {
			count[o.Actor]++
		}
		if s.Last {
			ended[o.Actor] = true
		}
		return true
	}
	var init, ops []scenario.Op
	for _, o := range sp.Init {
		if keep(o, false) {
			init = append(init, o)
		}
	}
	total := 0
	for _, o := range sp.Ops {
		if total >= b.Total && o.Kind != scenario.OpUnlock {
			continue
		}
		if keep(o, true) {
			ops = append(ops, o)
			total++
		}
	}
	sp.Init, sp.Ops = init, ops
}

// Mutate returns a variation of sp: one to three random edits (an op
// added, dropped, moved between prelude and script, or redrawn; a thread,
// a process or an actor added; a parent changed), within b's counts.
func Mutate(r *rand.Rand, sp *Spec, b Bounds) *Spec {
	c := sp.Clone()
	for n := 1 + r.IntN(3); n > 0; n-- {
		c.mutate(r, b)
	}
	c.normalize(Bounds{Ops: 32, Total: 64})
	return c
}

func (sp *Spec) mutate(r *rand.Rand, b Bounds) {
	switch r.IntN(10) {
	case 0, 1, 2: // add a script op at a random place
		if len(sp.Ops) >= b.Total {
			break
		}
		o := randomLine(r, sp, b, false)
		if o.Kind == scenario.OpNone {
			break
		}
		i := r.IntN(len(sp.Ops) + 1)
		ins := appendDrawn(r, nil, o)
		sp.Ops = append(sp.Ops[:i], append(ins, sp.Ops[i:]...)...)
	case 3: // add a prelude op
		if len(sp.Init) >= b.Init {
			break
		}
		o := randomLine(r, sp, b, true)
		if o.Kind == scenario.OpNone {
			break
		}
		i := r.IntN(len(sp.Init) + 1)
		sp.Init = append(sp.Init[:i], append(appendLine(nil, o), sp.Init[i:]...)...)
	case 4: // drop an op
		n := len(sp.Init) + len(sp.Ops)
		if n <= 1 {
			break
		}
		i := r.IntN(n)
		if i < len(sp.Init) {
			sp.Init = append(sp.Init[:i], sp.Init[i+1:]...)
		} else {
			i -= len(sp.Init)
			sp.Ops = append(sp.Ops[:i], sp.Ops[i+1:]...)
		}
	case 5: // redraw an op's arguments, or the op itself for its actor
		if len(sp.Ops) == 0 {
			break
		}
		i := r.IntN(len(sp.Ops))
		o := sp.Ops[i]
		s, ok := SpecOf(o.Kind)
		if !ok || s.Then != scenario.OpNone {
			break
		}
		if r.IntN(2) == 0 {
			specs := b.specs(s.Thread, false)
			var plain []OpSpec
			for _, x := range specs {
				if x.Then == scenario.OpNone {
					plain = append(plain, x)
				}
			}
			if len(plain) == 0 {
				break
			}
			s = plain[r.IntN(len(plain))]
		}
		sp.Ops[i] = fill(r, sp, s, o.Actor)
	case 6: // move an op between the prelude and the script
		if len(sp.Ops) > 0 && r.IntN(2) == 0 && len(sp.Init) < b.Init {
			i := r.IntN(len(sp.Ops))
			o := sp.Ops[i]
			if s, ok := SpecOf(o.Kind); ok && s.Prelude {
				sp.Ops = append(sp.Ops[:i], sp.Ops[i+1:]...)
				sp.Init = append(sp.Init, o)
			}
		} else if len(sp.Init) > 0 {
			i := r.IntN(len(sp.Init))
			o := sp.Init[i]
			sp.Init = append(sp.Init[:i], sp.Init[i+1:]...)
			sp.Ops = append([]scenario.Op{o}, sp.Ops...)
		}
	case 7: // add a thread to a process
		i := r.IntN(len(sp.Procs))
		p := &sp.Procs[i]
		if len(p.Threads) >= b.Threads || len(sp.threads()) >= 8 {
			break
		}
		p.Threads = append(p.Threads, sp.fresh(p.Name))
	case 8: // add a process, or an actor
		if r.IntN(2) == 0 && len(sp.Procs) < b.Procs && len(sp.threads()) < 8 {
			n := sp.fresh("P")
			sp.Procs = append(sp.Procs, Proc{Name: n, Threads: []string{n}})
		} else if len(sp.Actors) < b.Actors {
			sp.Actors = append(sp.Actors, sp.fresh("A"))
		}
	case 9: // change a process's parent
		i := r.IntN(len(sp.Procs))
		if len(sp.Actors) == 0 || r.IntN(3) == 0 {
			sp.Procs[i].Parent = ""
		} else {
			sp.Procs[i].Parent = sp.Actors[r.IntN(len(sp.Actors))]
		}
	}
}

// Splice returns x with one to three script ops of y added, y's names
// mapped onto x's by position (its i-th actor is x's i-th, or a new one;
// its threads are x's threads at the same place of the same process, or
// the leader).
func Splice(r *rand.Rand, x, y *Spec, b Bounds) *Spec {
	c := x.Clone()
	if len(y.Ops) == 0 {
		return Mutate(r, x, b)
	}
	names := map[string]string{}
	for i, a := range y.Actors {
		if i < len(c.Actors) {
			names[a] = c.Actors[i]
		} else if len(c.Actors) < b.Actors {
			n := c.fresh("A")
			c.Actors = append(c.Actors, n)
			names[a] = n
		} else {
			names[a] = c.Actors[r.IntN(len(c.Actors))]
		}
	}
	for i, p := range y.Procs {
		cp := c.Procs[i%len(c.Procs)]
		names[p.Name] = cp.Name
		for j, t := range p.Threads {
			names[t] = cp.Threads[min(j, len(cp.Threads)-1)]
		}
	}
	start := r.IntN(len(y.Ops))
	for k := 0; k < 1+r.IntN(3) && start+k < len(y.Ops) && len(c.Ops) < b.Total; k++ {
		o := y.Ops[start+k]
		o.Actor = names[o.Actor]
		if n, ok := names[o.Target]; ok {
			o.Target = n
		}
		i := r.IntN(len(c.Ops) + 1)
		c.Ops = append(c.Ops[:i], append([]scenario.Op{o}, c.Ops[i:]...)...)
	}
	c.normalize(Bounds{Ops: 32, Total: 64})
	return c.withoutOrphanUnlocks()
}

// fresh returns a name not yet used in sp, from base.
func (sp *Spec) fresh(base string) string {
	used := map[string]bool{"tasklist": true, "css_set": true, "any": true}
	for _, a := range sp.Actors {
		used[a] = true
	}
	for _, p := range sp.Procs {
		used[p.Name] = true
		for _, t := range p.Threads {
			used[t] = true
		}
	}
	if !used[base] {
		return base
	}
	for i := 2; ; i++ {
		if n := fmt.Sprintf("%s%d", base, i); !used[n] {
			return n
		}
	}
}

// Enumerate calls yield with every scenario within b of 1 to size ops
// (the prelude's and the scripts'; an unlock counts with its lock), each
// once in canonical form, smallest first, in a fixed order; it stops when
// yield returns false. It reports whether it went through them all. (Its
// processes are never orphaned and its kernels never PREEMPT_RT: those
// the random scenarios vary.)
func Enumerate(b Bounds, size int, yield func(*Spec) bool) bool {
	for n := 1; n <= size; n++ {
		for _, sk := range skeletons(b) {
			if !enumerateSize(b, sk, n, yield) {
				return false
			}
		}
	}
	return true
}

// skeletons lists the processes-and-actors layouts within b, smallest
// first: the number of actors, the processes' thread counts, and each
// process's parent.
func skeletons(b Bounds) []*Spec {
	var out []*Spec
	var shapes [][]int
	var rec func(cur []int)
	rec = func(cur []int) {
		if len(cur) > 0 {
			shapes = append(shapes, append([]int(nil), cur...))
		}
		if len(cur) == b.Procs {
			return
		}
		total := 0
		for _, n := range cur {
			total += n
		}
		for t := 1; t <= b.Threads && total+t <= 8; t++ {
			rec(append(cur, t))
		}
	}
	rec(nil)
	for na := 0; na <= b.Actors; na++ {
		for _, sh := range shapes {
			base := skeleton(sh, na)
			// Each process's parent: none or one of the actors.
			nParents := 1
			for range sh {
				nParents *= na + 1
			}
			for pc := 0; pc < nParents; pc++ {
				sk := base.Clone()
				x := pc
				for i := range sk.Procs {
					if k := x % (na + 1); k > 0 {
						sk.Procs[i].Parent = sk.Actors[k-1]
					}
					x /= na + 1
				}
				out = append(out, sk)
			}
		}
	}
	return out
}

// lines lists every op line of sk: in the prelude or in a script, by each
// actor and thread, with every choice of arguments.
func lines(b Bounds, sk *Spec, prelude bool) []scenario.Op {
	var out []scenario.Op
	add := func(who string, thread bool) {
		for _, s := range b.specs(thread, prelude) {
			targets := []string{""}
			switch s.Target {
			case TargetProc:
				targets = nil
				for _, p := range sk.Procs {
					targets = append(targets, p.Name)
				}
				for _, p := range sk.Procs {
					if len(p.Threads) > 1 {
						for _, th := range p.Threads {
							if th != p.Name {
								targets = append(targets, th)
							}
						}
					}
				}
			case TargetThread:
				targets = sk.threads()
			case TargetThreadAny:
				targets = append(sk.threads(), scenario.AnyChild)
			case TargetLock:
				targets = []string{"tasklist", "css_set"}
			}
			sigs, flags := s.Sigs, s.Flags
			if sigs == nil {
				sigs = []int{0}
			}
			if flags == nil {
				flags = []uint32{0}
			}
			for _, t := range targets {
				for _, sg := range sigs {
					for _, f := range flags {
						out = append(out, scenario.Op{Actor: who, Kind: s.Kind, Target: t, Sig: sg, Flags: f})
					}
				}
			}
		}
	}
	for _, a := range sk.Actors {
		add(a, false)
	}
	for _, t := range sk.threads() {
		add(t, true)
	}
	return out
}

// enumerateSize yields the canonical scenarios of skeleton sk with n op
// lines: k in the prelude, n-k in the scripts.
func enumerateSize(b Bounds, sk *Spec, n int, yield func(*Spec) bool) bool {
	initLines, scriptLines := lines(b, sk, true), lines(b, sk, false)
	for k := min(n, b.Init); k >= 0; k-- {
		if n-k > b.Total || k > 0 && len(initLines) == 0 || n-k > 0 && len(scriptLines) == 0 {
			continue
		}
		idx := make([]int, n)
		for {
			sp := sk.Clone()
			for i := 0; i < n; i++ {
				if i < k {
					sp.Init = appendLine(sp.Init, initLines[idx[i]])
				} else {
					sp.Ops = appendLine(sp.Ops, scriptLines[idx[i]])
				}
			}
			before := sp.Size()
			sp.normalize(b)
			if sp.Size() == before && sp.Canonical().Text() == sp.Text() {
				if !yield(sp) {
					return false
				}
			}
			// The next combination, last position fastest.
			i := n - 1
			for ; i >= 0; i-- {
				limit := len(scriptLines)
				if i < k {
					limit = len(initLines)
				}
				idx[i]++
				if idx[i] < limit {
					break
				}
				idx[i] = 0
			}
			if i < 0 {
				break
			}
		}
		if n == 0 {
			break
		}
	}
	return true
}
