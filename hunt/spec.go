package hunt

import (
	"fmt"
	"sort"
	"strings"

	"jobctl/scenario"
)

// Spec is a generated scenario before it is text: processes and their
// threads, outside actors, the prelude and the scripts. Its ops are
// scenario.Ops with Actor, Kind, Target, Sig and Flags set (no Pos).
type Spec struct {
	Actors []string // outside actors, in declaration order
	Procs  []Proc
	Init   []scenario.Op // the prelude, in order
	Ops    []scenario.Op // the scripts: each actor's ops in order (lines of different actors in any order)
	RT     bool          // config PREEMPT_RT
}

// Proc is one process: its threads, leader first, and its real parent.
type Proc struct {
	Name    string
	Threads []string // Threads[0] is the leader; a single thread is named as the process
	Parent  string   // an outside actor, or ""
	// Orphaned: its process group is orphaned (a tty stop signal does
	// nothing to it).
	Orphaned bool
}

// Clone returns a deep copy.
func (sp *Spec) Clone() *Spec {
	c := &Spec{RT: sp.RT}
	c.Actors = append([]string(nil), sp.Actors...)
	for _, p := range sp.Procs {
		c.Procs = append(c.Procs, Proc{Name: p.Name, Threads: append([]string(nil), p.Threads...), Parent: p.Parent, Orphaned: p.Orphaned})
	}
	c.Init = append([]scenario.Op(nil), sp.Init...)
	c.Ops = append([]scenario.Op(nil), sp.Ops...)
	return c
}

// Size is the number of ops, prelude included.
func (sp *Spec) Size() int { return len(sp.Init) + len(sp.Ops) }

// Text renders the scenario's directives (no story, checks or
// verdicts), one per line, as scenario.Parse reads them.
func (sp *Spec) Text() string {
	var b strings.Builder
	if len(sp.Actors) > 0 {
		fmt.Fprintf(&b, "actor %s\n", strings.Join(sp.Actors, " "))
	}
	for _, p := range sp.Procs {
		b.WriteString("process " + p.Name)
		if len(p.Threads) > 1 || len(p.Threads) == 1 && p.Threads[0] != p.Name {
			b.WriteString(" threads " + strings.Join(p.Threads, " "))
		}
		if p.Parent != "" {
			b.WriteString(" parent " + p.Parent)
		}
		if p.Orphaned {
			b.WriteString(" orphaned")
		}
		b.WriteString("\n")
	}
	if sp.RT {
		b.WriteString("config PREEMPT_RT\n")
	}
	for _, o := range sp.Init {
		fmt.Fprintf(&b, "init %s: %s\n", o.Actor, o)
	}
	for _, o := range sp.Ops {
		fmt.Fprintf(&b, "%s: %s\n", o.Actor, o)
	}
	return b.String()
}

// FromScenario takes the structure of a parsed scenario (its checks,
// verdicts, schedule and story are dropped). It fails for a scenario
// that uses something a Spec cannot hold.
func FromScenario(sc *scenario.Scenario) (*Spec, error) {
	if sc.Oracle.Cgroup == "v2" {
		return nil, fmt.Errorf("%s: \"oracle cgroup v2\" is not generated", sc.Name)
	}
	sp := &Spec{RT: sc.RT}
	for _, a := range sc.Actors {
		if !a.Thread {
			sp.Actors = append(sp.Actors, a.Name)
		}
	}
	for _, p := range sc.Processes {
		sp.Procs = append(sp.Procs, Proc{Name: p.Name, Threads: append([]string(nil), p.Threads...), Parent: p.Parent, Orphaned: p.Orphaned})
	}
	clean := func(o scenario.Op) (scenario.Op, error) {
		if _, ok := SpecOf(o.Kind); !ok && o.Kind != scenario.OpUnlock {
			return o, fmt.Errorf("%s: op %s is not in the alphabet", o.Pos, o.Kind)
		}
		if len(o.After) > 0 || len(o.Keys) > 0 {
			// Ordering across actors and keyed observations name
			// other actors' ops and tracee keys: not generated.
			return o, fmt.Errorf("%s: %s: \"after\" and observed keys are not generated", o.Pos, o.Kind)
		}
		if o.Kind == scenario.OpFreeze || o.Kind == scenario.OpThaw {
			o.Flags = uint32(sc.FreezerOf(o))
		}
		o.Pos = scenario.Pos{}
		return o, nil
	}
	for _, o := range sc.Prelude {
		c, err := clean(o)
		if err != nil {
			return nil, err
		}
		sp.Init = append(sp.Init, c)
	}
	for _, a := range sc.Actors {
		for _, o := range a.Script {
			c, err := clean(o)
			if err != nil {
				return nil, err
			}
			sp.Ops = append(sp.Ops, c)
		}
	}
	return sp, nil
}

// Canonical returns sp renamed and reordered so that two scenarios that
// differ only in names, in the order of lines of different actors, or in
// the order of actors, have the same text:
//   - processes are P, Q, R, S in declaration order (their order is
//     part of the semantics: it is the order of the thread lists the
//     kernel walks); each leader is named as its process, the other
//     threads P2, P3, ... by position;
//   - outside actors that do nothing and are nobody's parent are
//     dropped; the rest are A, B, C, ... in order of first mention in the
//     prelude, then of their scripts' text, then of the processes they
//     are the parent of;
//   - the scripts are written actor by actor, outside actors first.
func (sp *Spec) Canonical() *Spec {
	procNames := []string{"P", "Q", "R", "S", "U", "V", "W", "X"}
	rename := map[string]string{} // tracee names: processes and threads
	c := &Spec{RT: sp.RT}
	for i, p := range sp.Procs {
		n := procNames[i%len(procNames)]
		if i >= len(procNames) {
			n = fmt.Sprintf("P%d_", i)
		}
		rename[p.Name] = n
		np := Proc{Name: n, Orphaned: p.Orphaned}
		for j, t := range p.Threads {
			tn := n
			switch {
			case j > 0:
				tn = fmt.Sprintf("%s%d", n, j+1)
			case t != p.Name:
				// A leader named apart from its process keeps a name
				// of its own: "freeze G1" freezes G1 in a cgroup of
				// its own, "freeze G" the process.
				tn = n + "1"
			}
			rename[t] = tn
			np.Threads = append(np.Threads, tn)
		}
		c.Procs = append(c.Procs, np)
	}
	// Outside actors: a key that does not depend on their names.
	type akey struct {
		name   string
		init   int // first prelude mention, or a big number
		script string
		parent int // first process it is the parent of, or a big number
	}
	isActor := map[string]bool{}
	for _, a := range sp.Actors {
		isActor[a] = true
	}
	const never = 1 << 30
	keys := map[string]*akey{}
	for _, a := range sp.Actors {
		keys[a] = &akey{name: a, init: never, parent: never}
	}
	renderOp := func(o scenario.Op) string {
		o.Actor = ""
		if n, ok := rename[o.Target]; ok {
			o.Target = n
		}
		return o.String()
	}
	for i, o := range sp.Init {
		if k, ok := keys[o.Actor]; ok && k.init == never {
			k.init = i
		}
	}
	for _, o := range sp.Ops {
		if k, ok := keys[o.Actor]; ok {
			k.script += renderOp(o) + "\n"
		}
	}
	for i, p := range sp.Procs {
		if k, ok := keys[p.Parent]; ok && k.parent == never {
			k.parent = i
		}
	}
	var order []*akey
	for _, a := range sp.Actors {
		k := keys[a]
		if k.init == never && k.script == "" && k.parent == never {
			continue
		}
		order = append(order, k)
	}
	sort.SliceStable(order, func(i, j int) bool {
		a, b := order[i], order[j]
		if a.init != b.init {
			return a.init < b.init
		}
		if a.script != b.script {
			return a.script < b.script
		}
		return a.parent < b.parent
	})
	for i, k := range order {
		n := string(rune('A' + i))
		if i >= 26 {
			n = fmt.Sprintf("A%d", i)
		}
		rename[k.name] = n
		c.Actors = append(c.Actors, n)
	}
	for i, p := range sp.Procs {
		if p.Parent != "" {
			c.Procs[i].Parent = rename[p.Parent]
		}
	}
	ren := func(o scenario.Op) scenario.Op {
		o.Actor = rename[o.Actor]
		if n, ok := rename[o.Target]; ok {
			o.Target = n
		}
		o.Pos = scenario.Pos{}
		return o
	}
	for _, o := range sp.Init {
		c.Init = append(c.Init, ren(o))
	}
	// Scripts actor by actor: outside actors in their new order, then the
	// threads in declaration order.
	var actorOrder []string
	for _, k := range order {
		actorOrder = append(actorOrder, k.name)
	}
	for _, p := range sp.Procs {
		actorOrder = append(actorOrder, p.Threads...)
	}
	for _, a := range actorOrder {
		for _, o := range sp.Ops {
			if o.Actor == a {
				c.Ops = append(c.Ops, ren(o))
			}
		}
	}
	return c
}

// Shape is the canonical text of sp: two findings with the same shape are
// duplicates.
func (sp *Spec) Shape() string { return sp.Canonical().Text() }
