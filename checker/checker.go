// Package checker explores every interleaving of a scenario's actors under
// one kernel design, breadth-first, and reports each violated property
// with a shortest interleaving that shows it.
//
// The search is level-synchronous: the states of one depth are expanded
// in parallel, in chunks, and their successors merged in frontier order,
// so the result — states, counterexamples, outcomes — is the same at any
// level of parallelism.
package checker

import (
	"fmt"
	"io"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"
	"unsafe"

	"jobctl/model"
	"jobctl/scenario"
)

// Options bound and tune one check.
type Options struct {
	MaxStates int           // stop (incomplete) after this many distinct states; 0: 5,000,000
	Timeout   time.Duration // stop (incomplete) after this long; 0: none
	MaxMemory int64         // stop (incomplete) when the explorer's tables exceed this many bytes; 0: 4 GiB
	Exact     bool          // deduplicate by whole states instead of 64-bit fingerprints
	Workers   int           // expansion goroutines; 0: GOMAXPROCS
	Progress  io.Writer     // if non-nil, a progress line about every second
	Props     model.PropSet // built-in properties to check (0: all)
}

// Verdicts.
const (
	Pass       = "pass"
	Violation  = "violation"
	Incomplete = "incomplete"
)

// Result is what a check found.
type Result struct {
	Verdict     string
	Violations  []Found // one per violated property, in property order, each with a shortest trace
	Outcomes    []Outcome
	States      int
	Transitions int
	Depth       int
	Terminal    int
	Elapsed     time.Duration
	Incomplete  string // why the search stopped early
	Exact       bool
	StateBytes  int // bytes of one state
}

// Outcome is one distinct final observation, with how many terminal
// states show it and the first one found.
type Outcome struct {
	Text  string
	Count int
	Trace []int // actor indices from the initial state to the first terminal state with it
}

// Found is one violated property.
type Found struct {
	Property string // "I4", "stuck", or "final"/"sometimes"/"always" for a scenario check
	Message  string
	Trace    []int // actor indices from the initial state; empty for a check over the whole space
}

// node records how a state was first reached.
type node struct {
	parent uint32
	actor  uint8
}

// succ is one successor produced by a worker.
type succ struct {
	s      model.State
	fp     uint64
	parent uint32
	actor  uint8
	bad    model.PropSet // state and transition properties it violates
}

// expansion is what a worker found for one frontier chunk.
type expansion struct {
	// scratch and ctx are the worker's step buffers, allocated once.
	scratch *model.State
	ctx     *model.Ctx

	succs       []succ
	terminal    []uint32 // frontier indices (global) of terminal states
	termBad     []model.PropSet
	transitions int
}

// Check explores m from its initial state.
func Check(m *model.Machine, opt Options) (*Result, error) {
	init, err := m.Initial()
	if err != nil {
		return nil, err
	}
	return explore(m, init, opt)
}

func explore(m *model.Machine, init model.State, opt Options) (*Result, error) {
	start := time.Now()
	if opt.MaxStates == 0 {
		opt.MaxStates = 5_000_000
	}
	if opt.MaxMemory == 0 {
		opt.MaxMemory = 4 << 30
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	want := opt.Props
	if want == 0 {
		want = model.All
	}
	sc := m.P.Sc
	for _, d := range sc.Disabled { // "disable I9": the scenario does not claim it
		if p, ok := model.ParseProp(d); ok {
			want &^= 1 << p
		}
	}
	alwaysChecks := checksOf(sc, scenario.Always)

	res := &Result{Exact: opt.Exact, StateBytes: int(unsafe.Sizeof(model.State{}))}
	fps := newFPSet()
	exact := map[model.State]struct{}{}
	insert := func(s *model.State, fp uint64) bool {
		if opt.Exact {
			if _, ok := exact[*s]; ok {
				return false
			}
			exact[*s] = struct{}{}
			return true
		}
		return fps.insert(fp)
	}
	nodes := []node{{parent: ^uint32(0)}}
	insert(&init, fingerprint(&init))
	frontier := []model.State{init}
	frontierBase := uint32(0) // node index of frontier[0]
	found := map[string]*Found{}
	var foundOrder []string
	recordTrace := func(prop, msg string, tr []int) {
		if _, ok := found[prop]; ok {
			return
		}
		found[prop] = &Found{Property: prop, Message: msg, Trace: tr}
		foundOrder = append(foundOrder, prop)
	}
	record := func(prop, msg string, nodeIdx uint32, extra int) {
		if _, ok := found[prop]; ok {
			return
		}
		tr := traceTo(nodes, nodeIdx)
		if extra >= 0 {
			tr = append(tr, extra)
		}
		recordTrace(prop, msg, tr)
	}
	explain := func(s *model.State, ps model.PropSet, nodeIdx uint32, extra int) {
		for p := model.Prop(0); p < model.NumProps; p++ {
			if ps.Has(p) {
				record(p.String(), m.Explain(s, p), nodeIdx, extra)
			}
		}
	}
	if bad := m.CheckState(&init, want); bad != 0 {
		explain(&init, bad, 0, -1)
	}
	if len(alwaysChecks) > 0 {
		checkAlways(m, &init, alwaysChecks, func(c scenario.Check) {
			record("always", fmt.Sprintf("%s: always %s is false", c.Pos, c.Text), 0, -1)
		})
	}
	outcomes := map[string]*Outcome{}
	var outcomeOrder []string
	lastProgress := start
	stateBytes := int64(unsafe.Sizeof(model.State{}))
	depth := 0
	// One expansion buffer per worker, reused level after level, so that
	// after the first levels expanding a state allocates nothing.
	var exps []expansion
	var spare []model.State // the previous frontier's buffer, reused for the next one

	for len(frontier) > 0 {
		// Expand the frontier in parallel chunks.
		// Workers drop successors already seen at an earlier depth (a
		// read-only lookup: the sets change only in the merge below).
		seen := func(s *model.State, fp uint64) bool {
			if opt.Exact {
				_, ok := exact[*s]
				return ok
			}
			return fps.contains(fp)
		}
		nw := opt.Workers
		if nw > len(frontier) {
			nw = len(frontier)
		}
		chunk := (len(frontier) + nw - 1) / nw
		if len(exps) < nw {
			exps = append(exps, make([]expansion, nw-len(exps))...)
		}
		var wg sync.WaitGroup
		for w := 0; w < nw; w++ {
			lo, hi := w*chunk, (w+1)*chunk
			if hi > len(frontier) {
				hi = len(frontier)
			}
			if lo >= hi {
				// Nothing for this worker at this depth: empty its
				// reused buffer so the merge does not see the last level.
				e := &exps[w]
				e.succs, e.terminal, e.termBad, e.transitions = e.succs[:0], e.terminal[:0], e.termBad[:0], 0
				continue
			}
			wg.Add(1)
			go func(w, lo, hi int) {
				defer wg.Done()
				expand(&exps[w], m, frontier[lo:hi], frontierBase+uint32(lo), want, seen)
			}(w, lo, hi)
		}
		wg.Wait()
		depth++
		next := spare[:0]
		nextBase := uint32(len(nodes))
		stop := ""
		for w := 0; w < nw; w++ {
			e := &exps[w]
			res.Transitions += e.transitions
			for i, ti := range e.terminal {
				res.Terminal++
				fs := &frontier[ti-frontierBase]
				if bad := e.termBad[i]; bad != 0 {
					explain(fs, bad, ti, -1)
				}
				text := m.Outcome(fs)
				if o, ok := outcomes[text]; ok {
					o.Count++
				} else {
					outcomes[text] = &Outcome{Text: text, Count: 1, Trace: traceTo(nodes, ti)}
					outcomeOrder = append(outcomeOrder, text)
				}
			}
			for i := range e.succs {
				sc := &e.succs[i]
				if sc.bad != 0 {
					// Transition and state properties: the first path in
					// BFS order is a shortest one.
					explain(&sc.s, sc.bad, sc.parent, int(sc.actor))
				}
				if !insert(&sc.s, sc.fp) {
					continue
				}
				nodes = append(nodes, node{parent: sc.parent, actor: sc.actor})
				next = append(next, sc.s)
				if len(alwaysChecks) > 0 {
					idx := uint32(len(nodes) - 1)
					checkAlways(m, &sc.s, alwaysChecks, func(c scenario.Check) {
						record("always", fmt.Sprintf("%s: always %s is false", c.Pos, c.Text), idx, -1)
					})
				}
			}
		}
		res.States = len(nodes)
		mem := int64(len(nodes))*int64(unsafe.Sizeof(node{})) + int64(len(next))*stateBytes
		if opt.Exact {
			mem += int64(len(exact)) * (stateBytes + 16)
		} else {
			mem += fps.bytes()
		}
		switch {
		case len(nodes) >= opt.MaxStates:
			stop = fmt.Sprintf("--max-states %d reached", opt.MaxStates)
		case opt.Timeout > 0 && time.Since(start) >= opt.Timeout:
			stop = fmt.Sprintf("--timeout %s reached", opt.Timeout)
		case mem >= opt.MaxMemory:
			stop = fmt.Sprintf("memory bound %d MiB reached", opt.MaxMemory>>20)
		}
		if opt.Progress != nil && time.Since(lastProgress) >= time.Second {
			el := time.Since(start).Seconds()
			fmt.Fprintf(opt.Progress, "\r%d states, %.0f states/s, depth %d, queue %d   ", len(nodes), float64(len(nodes))/el, depth, len(next))
			lastProgress = time.Now()
		}
		if stop != "" && len(next) > 0 {
			res.Incomplete = stop
			break
		}
		spare = frontier
		frontier = next
		frontierBase = nextBase
		if len(next) > 0 {
			res.Depth = depth
		}
	}
	if opt.Progress != nil && time.Since(start) >= time.Second {
		fmt.Fprintf(opt.Progress, "\r%60s\r", "")
	}

	// Scenario checks over the final outcomes.
	finalOutcomes := make([]Outcome, 0, len(outcomeOrder))
	for _, t := range outcomeOrder {
		finalOutcomes = append(finalOutcomes, *outcomes[t])
	}
	if res.Incomplete == "" {
		for _, c := range checksOf(sc, scenario.Final) {
			for _, o := range finalOutcomes {
				if !holds(c.Atoms, o.Text) {
					recordTrace("final", fmt.Sprintf("%s: final %s is false in outcome: %s", c.Pos, c.Text, o.Text), o.Trace)
					break
				}
			}
		}
		for _, c := range checksOf(sc, scenario.Sometimes) {
			ok := false
			for _, o := range finalOutcomes {
				if holds(c.Atoms, o.Text) {
					ok = true
					break
				}
			}
			if !ok {
				recordTrace("sometimes", fmt.Sprintf("%s: sometimes %s: no final outcome has it", c.Pos, c.Text), nil)
			}
		}
	}
	sort.SliceStable(finalOutcomes, func(i, j int) bool { return finalOutcomes[i].Text < finalOutcomes[j].Text })
	res.Outcomes = finalOutcomes
	sort.SliceStable(foundOrder, func(i, j int) bool { return propOrder(foundOrder[i]) < propOrder(foundOrder[j]) })
	for _, p := range foundOrder {
		res.Violations = append(res.Violations, *found[p])
	}
	switch {
	case len(res.Violations) > 0:
		res.Verdict = Violation
	case res.Incomplete != "":
		res.Verdict = Incomplete
	default:
		res.Verdict = Pass
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// expand computes the successors of a frontier chunk into e, reusing its
// slices; copying a state is the unit of work.
func expand(e *expansion, m *model.Machine, states []model.State, base uint32, want model.PropSet, seen func(*model.State, uint64) bool) {
	e.succs = e.succs[:0]
	e.terminal = e.terminal[:0]
	e.termBad = e.termBad[:0]
	e.transitions = 0
	if e.scratch == nil {
		e.scratch, e.ctx = new(model.State), new(model.Ctx)
	}
	next, c := e.scratch, e.ctx
	n := m.NumActors()
	for i := range states {
		cur := &states[i]
		idx := base + uint32(i)
		moved := false
		for a := 0; a < n; a++ {
			*next = *cur
			if !m.StepInto(c, next, a) || *next == *cur {
				continue // cannot step, or a stutter (a retry that changes nothing)
			}
			moved = true
			e.transitions++
			// A state seen at an earlier depth had its state properties
			// checked then; only the transition into it is new.
			bad := m.CheckTransition(cur, next, c, want)
			fp := fingerprint(next)
			if seen(next, fp) {
				if bad == 0 {
					continue
				}
			} else {
				bad |= m.CheckState(next, want)
			}
			e.succs = append(e.succs, succ{s: *next, fp: fp, parent: idx, actor: uint8(a), bad: bad})
		}
		if !moved {
			e.terminal = append(e.terminal, idx)
			e.termBad = append(e.termBad, m.CheckTerminal(cur, want))
		}
	}
}

// traceTo returns the actor sequence from the initial state to node i.
func traceTo(nodes []node, i uint32) []int {
	var rev []int
	for i != 0 {
		rev = append(rev, int(nodes[i].actor))
		i = nodes[i].parent
	}
	tr := make([]int, len(rev))
	for k := range rev {
		tr[k] = rev[len(rev)-1-k]
	}
	return tr
}

func propOrder(p string) int {
	if q, ok := model.ParseProp(p); ok {
		return int(q)
	}
	return 100 + len(p)
}

func checksOf(sc *scenario.Scenario, k scenario.CheckKind) []scenario.Check {
	var out []scenario.Check
	for _, c := range sc.Checks {
		if c.Kind == k {
			out = append(out, c)
		}
	}
	return out
}

func checkAlways(m *model.Machine, s *model.State, cs []scenario.Check, fail func(scenario.Check)) {
	text := m.Outcome(s)
	for _, c := range cs {
		if !holds(c.Atoms, text) {
			fail(c)
		}
	}
}

// Holds evaluates a conjunction of atoms over an outcome line
// ("KEY=VALUE KEY=VALUE ...", model.Machine.Outcome).
func Holds(atoms []scenario.Atom, outcome string) bool { return holds(atoms, outcome) }

// holds evaluates a conjunction of atoms over an outcome line.
func holds(atoms []scenario.Atom, outcome string) bool {
	for _, a := range atoms {
		v, ok := lookup(outcome, a.Key)
		eq := ok && v == a.Value
		if eq == a.Neg {
			return false
		}
	}
	return true
}

func lookup(outcome, key string) (string, bool) {
	for _, kv := range strings.Fields(outcome) {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v, true
		}
	}
	return "", false
}

// Replay re-executes a trace (actor indices) from the initial state and
// returns every state on the way, with the step descriptions.
func Replay(m *model.Machine, trace []int) ([]model.State, []model.Ctx, error) {
	s, err := m.Initial()
	if err != nil {
		return nil, nil, err
	}
	states := []model.State{s}
	var ctxs []model.Ctx
	for i, a := range trace {
		next := s
		c, ok := m.Step(&next, a)
		if !ok || next == s {
			return states, ctxs, fmt.Errorf("step %d: %s cannot step", i+1, m.P.Actors[a].Name)
		}
		c.S = nil
		ctxs = append(ctxs, c)
		s = next
		states = append(states, s)
	}
	return states, ctxs, nil
}

// Enabled lists the actors that can make a non-stutter step in s.
func Enabled(m *model.Machine, s *model.State) []int {
	var out []int
	for a := 0; a < m.NumActors(); a++ {
		next := *s
		if _, ok := m.Step(&next, a); ok && next != *s {
			out = append(out, a)
		}
	}
	return out
}
