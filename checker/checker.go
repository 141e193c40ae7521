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
	"runtime/debug"
	"runtime/metrics"
	"sort"
	"strings"
	"sync"
	"time"
	"unsafe"

	"jobctl/internal/memlimit"
	"jobctl/model"
	"jobctl/scenario"
)

// Options bound and tune one check.
type Options struct {
	MaxStates int           // stop (incomplete) after this many distinct states; 0: 5,000,000
	Timeout   time.Duration // stop (incomplete) after this long; 0: none
	// MaxMemory bounds the memory of the check (the visited set, parent
	// links, frontier, successor buffers, and the Go runtime's own
	// overhead as runtime/metrics reports it): the search stops
	// (incomplete) before it would exceed it, and the Go runtime's soft
	// memory limit is set to it for the check as a backstop. 0:
	// DefaultMaxMemory(4 GiB).
	MaxMemory int64
	// Cancel, when closed, stops the search (incomplete) at the next block.
	Cancel   <-chan struct{}
	Exact    bool      // deduplicate by whole states instead of 64-bit fingerprints
	Workers  int       // expansion goroutines; 0: GOMAXPROCS
	Progress io.Writer // if non-nil, a progress line (ProgressLine) about every second
	// OnProgress, if non-nil, is called about every ProgressEvery with
	// where the search is.
	OnProgress    func(Progress)
	ProgressEvery time.Duration // 0: one second
	Props         model.PropSet // built-in properties to check (0: all)
	// Coverage collects the model's coverage points that the prelude and
	// the exploration reach (Result.Coverage). Off, it costs nothing.
	Coverage bool
}

// Progress is where a running search is.
type Progress struct {
	States   int
	Depth    int
	Frontier int           // states of the current level still to expand, plus the next level so far
	Memory   int64         // bytes, as the memory bound counts them
	Elapsed  time.Duration //
}

// ProgressLine renders p in one line (states, states/s, depth, frontier, memory).
func ProgressLine(p Progress) string {
	rate := 0.0
	if s := p.Elapsed.Seconds(); s > 0 {
		rate = float64(p.States) / s
	}
	return fmt.Sprintf("%d states, %.0f states/s, depth %d, frontier %d, %d MiB", p.States, rate, p.Depth, p.Frontier, p.Memory>>20)
}

// Verdicts.
const (
	Pass       = "pass"
	Violation  = "violation"
	Incomplete = "incomplete"
)

// NoTerminal is the property a complete search reports when it found no
// terminal state at all: no interleaving ends, so the scenario's final
// and sometimes checks and the liveness properties were checked over
// nothing. It is never a pass.
const NoTerminal = "noterminal"

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
	StateBytes  int   // bytes of one stored state (the scenario's packed layout)
	Memory      int64 // the peak of what the memory bound counts, in bytes
	// Coverage is what the check reached, with Options.Coverage; else nil.
	Coverage *model.Coverage
}

// Outcome is one distinct final observation, with how many terminal
// states show it and the first one found.
type Outcome struct {
	Text  string
	Count int
	Trace []model.Move // from the initial state to the first terminal state with it
}

// Found is one violated property.
type Found struct {
	Property string // "I4", "stuck", or "final"/"sometimes"/"always"/"noterminal" for a scenario check
	Message  string
	Trace    []model.Move // from the initial state; empty for a check over the whole space
}

// node records how a state was first reached: its parent's node index
// and the move from there.
type node struct {
	parent uint32
	mv     model.Move
	_      uint16
}

// succ is one successor produced by a worker; its packed state is at
// off in the worker's buffer.
type succ struct {
	off    int
	fp     uint64
	parent uint32
	mv     model.Move
	bad    model.PropSet // state and transition properties it violates
}

// expansion is what a worker found for one frontier chunk.
type expansion struct {
	// cur, next and ctx are the worker's step buffers, allocated once.
	cur, next *model.State
	ctx       *model.Ctx

	lo, hi  int             // the frontier states expanded
	succs   []succ          // in frontier order
	buf     []byte          // the successors' packed states
	trans   []uint16        // per state: its transitions (0: a terminal state)
	termBad []model.PropSet // per terminal state, in frontier order
}

func (e *expansion) reset(lo, hi int) {
	e.lo, e.hi = lo, hi
	e.succs, e.buf, e.trans, e.termBad = e.succs[:0], e.buf[:0], e.trans[:0], e.termBad[:0]
}

func (e *expansion) bytes() int64 {
	return int64(cap(e.succs))*int64(unsafe.Sizeof(succ{})) + int64(cap(e.buf)) + int64(cap(e.trans))*2 + int64(cap(e.termBad))*4
}

// blockStates is how many frontier states one round expands before its
// successors are merged: limits are checked after every round (and
// --max-states at every insert), so a level never overshoots them, and the
// successor buffers stay small.
const blockStates = 4096

// Check explores m from its initial state.
func Check(m *model.Machine, opt Options) (*Result, error) {
	var cov *model.Coverage
	if opt.Coverage {
		cov = model.NewCoverage(m.P)
		mc := *m
		mc.Cov = cov
		m = &mc
	}
	init, err := m.Initial()
	if err != nil {
		return nil, err
	}
	res, err := explore(m, init, opt)
	if res != nil {
		res.Coverage = cov
	}
	return res, err
}

// search is one exploration in progress.
type search struct {
	m      *model.Machine
	opt    Options
	layout *model.Layout
	want   model.PropSet
	res    *Result
	start  time.Time

	fps   *fpSet
	exact map[string]struct{}
	nodes chunked[node]

	found      map[string]*Found
	foundOrder []string
	outcomes   map[string]*Outcome
	outOrder   []string
	always     []scenario.Check
	scratch    model.State // for explaining and observing a packed state
}

func explore(m *model.Machine, init model.State, opt Options) (*Result, error) {
	if opt.MaxStates == 0 {
		opt.MaxStates = 5_000_000
	}
	if opt.MaxMemory == 0 {
		opt.MaxMemory = DefaultMaxMemory(4 << 30)
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	if opt.ProgressEvery == 0 {
		opt.ProgressEvery = time.Second
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
	// The Go runtime's soft limit is the backstop: the GC works harder
	// as the heap nears the bound instead of letting it double.
	old := debug.SetMemoryLimit(opt.MaxMemory)
	defer debug.SetMemoryLimit(old)

	L := &m.P.Layout
	x := &search{
		m: m, opt: opt, layout: L, want: want, start: time.Now(),
		res:      &Result{Exact: opt.Exact, StateBytes: L.Size},
		fps:      newFPSet(),
		found:    map[string]*Found{},
		outcomes: map[string]*Outcome{},
		always:   checksOf(sc, scenario.Always),
	}
	if opt.Exact {
		x.exact = map[string]struct{}{}
	}
	res := x.res
	ipk := make([]byte, L.Size)
	L.Pack(ipk, &init)
	x.insert(ipk, fingerprint(ipk))
	x.nodes.push(node{parent: ^uint32(0)})
	if bad := m.CheckState(&init, want); bad != 0 {
		x.explain(&init, bad, 0, nil)
	}
	x.checkAlways(&init, 0)

	frontier := newArena(L.Size)
	frontier.push(ipk)
	next := newArena(L.Size)
	frontierBase := uint32(0) // node index of frontier state 0
	lastProgress := x.start
	depth := 0
	var exps []expansion
	stop := ""
	for frontier.n > 0 && stop == "" {
		depth++
		nextBase := uint32(x.nodes.n)
		for lo := 0; lo < frontier.n && stop == ""; lo += blockStates {
			hi := min(lo+blockStates, frontier.n)
			exps = x.expandBlock(exps, &frontier, lo, hi, frontierBase)
			stop = x.merge(exps, &frontier, frontierBase, &next)
			if stop == "" {
				stop = x.limits(exps, &frontier, &next)
			}
			if x.opt.Progress != nil || x.opt.OnProgress != nil {
				if time.Since(lastProgress) >= opt.ProgressEvery {
					lastProgress = time.Now()
					x.progress(depth, frontier.n-hi+next.n, &frontier, &next, exps)
				}
			}
		}
		if next.n > 0 && stop == "" {
			res.Depth = depth
		}
		if stop != "" && (next.n > 0 || frontier.n > 0) {
			res.Incomplete = stop
			break
		}
		frontier, next = next, frontier
		next.reset()
		frontierBase = nextBase
	}
	if x.opt.Progress != nil && time.Since(x.start) >= opt.ProgressEvery {
		fmt.Fprintf(x.opt.Progress, "\r%60s\r", "")
	}
	res.States = x.nodes.n
	x.finish()
	res.Elapsed = time.Since(x.start)
	return res, nil
}

// DefaultMaxMemory is the memory bound of a check when none is given: at
// most upTo, and at most 3/4 of what this process can still use (the
// machine's available memory, or a memory cgroup's limit less its usage,
// whichever is less), so that a default check stops (incomplete) before
// the OOM killer ends it. The quarter left is for the rest of the process.
func DefaultMaxMemory(upTo int64) int64 {
	b, _, err := memlimit.Available()
	if err != nil {
		return upTo
	}
	return max(min(upTo, b.Bytes/4*3), 1<<20)
}

// insert adds a packed state to the visited set and reports whether it was new.
func (x *search) insert(pk []byte, fp uint64) bool {
	if x.opt.Exact {
		if _, ok := x.exact[string(pk)]; ok {
			return false
		}
		x.exact[string(pk)] = struct{}{}
		return true
	}
	return x.fps.insert(fp)
}

// seen is the workers' read-only lookup (the sets change only in merge).
func (x *search) seen(pk []byte, fp uint64) bool {
	if x.opt.Exact {
		_, ok := x.exact[string(pk)]
		return ok
	}
	return x.fps.contains(fp)
}

// expandBlock expands frontier states [lo, hi) in parallel chunks.
func (x *search) expandBlock(exps []expansion, frontier *arena, lo, hi int, base uint32) []expansion {
	nw := min(x.opt.Workers, hi-lo)
	chunk := (hi - lo + nw - 1) / nw
	for len(exps) < x.opt.Workers {
		exps = append(exps, expansion{})
	}
	var wg sync.WaitGroup
	for w := range exps {
		e := &exps[w]
		a, b := lo+w*chunk, min(lo+(w+1)*chunk, hi)
		if w >= nw || a >= b {
			e.reset(0, 0)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			x.expand(e, frontier, a, b, base)
		}()
	}
	wg.Wait()
	return exps
}

// expand computes the successors of frontier states [lo, hi) into e,
// reusing its buffers. Copying, packing and hashing a state at the
// scenario's size is the unit of work; nothing is allocated per state.
func (x *search) expand(e *expansion, frontier *arena, lo, hi int, base uint32) {
	m, L, want := x.m, x.layout, x.want
	e.reset(lo, hi)
	if e.cur == nil {
		e.cur, e.next, e.ctx = new(model.State), new(model.State), new(model.Ctx)
	}
	cur, next, c := e.cur, e.next, e.ctx
	n := m.NumActors()
	for i := lo; i < hi; i++ {
		cpk := frontier.at(i)
		L.Unpack(cur, cpk)
		idx := base + uint32(i)
		trans := 0
		for a := 0; a < n; a++ {
			for k := 0; ; k++ {
				L.Copy(next, cur)
				mv := model.Move{Actor: uint8(a), Choice: uint8(k)}
				ok := m.StepInto(c, next, mv)
				nch := int(c.NChoice)
				if ok {
					off := len(e.buf)
					e.buf = grow(e.buf, L.Size)
					pk := e.buf[off:]
					L.Pack(pk, next)
					if string(pk) == string(cpk) {
						e.buf = e.buf[:off] // a stutter: a retry that changes nothing
					} else {
						trans++
						// A state seen at an earlier depth had its state
						// properties checked then; only the transition
						// into it is new.
						bad := m.CheckTransition(cur, next, c, want)
						fp := fingerprint(pk)
						if x.seen(pk, fp) {
							if bad == 0 {
								e.buf = e.buf[:off]
								goto nextChoice
							}
						} else {
							bad |= m.CheckState(next, want)
						}
						e.succs = append(e.succs, succ{off: off, fp: fp, parent: idx, mv: mv, bad: bad})
					}
				}
			nextChoice:
				if !ok && k == 0 || k+1 >= nch {
					break
				}
			}
		}
		e.trans = append(e.trans, uint16(min(trans, 1<<16-1)))
		if trans == 0 {
			e.termBad = append(e.termBad, m.CheckTerminal(cur, want))
		}
	}
}

// grow extends b by n bytes, reusing its capacity.
func grow(b []byte, n int) []byte {
	if len(b)+n > cap(b) {
		nb := make([]byte, len(b), 2*cap(b)+n)
		copy(nb, b)
		b = nb
	}
	return b[:len(b)+n]
}

// merge takes the workers' results in frontier order — each state's
// transitions, then the state itself if it is terminal (its outcome and
// liveness violations) or else its new successors — so that where it
// stops at --max-states does not depend on how the block was split among
// workers.
func (x *search) merge(exps []expansion, frontier *arena, base uint32, next *arena) string {
	m, L, res := x.m, x.layout, x.res
	for w := range exps {
		e := &exps[w]
		si, ti := 0, 0
		for i := e.lo; i < e.hi; i++ {
			idx := base + uint32(i)
			res.Transitions += int(e.trans[i-e.lo])
			if e.trans[i-e.lo] == 0 {
				res.Terminal++
				x.scratch = model.State{}
				L.Unpack(&x.scratch, frontier.at(i))
				if bad := e.termBad[ti]; bad != 0 {
					x.explain(&x.scratch, bad, idx, nil)
				}
				ti++
				text := m.Outcome(&x.scratch)
				if o, ok := x.outcomes[text]; ok {
					o.Count++
				} else {
					x.outcomes[text] = &Outcome{Text: text, Count: 1, Trace: x.traceTo(idx)}
					x.outOrder = append(x.outOrder, text)
				}
				continue
			}
			for ; si < len(e.succs) && e.succs[si].parent == idx; si++ {
				sc := &e.succs[si]
				pk := e.buf[sc.off : sc.off+L.Size]
				if sc.bad != 0 {
					// Transition and state properties: the first path in
					// BFS order is a shortest one.
					x.scratch = model.State{}
					L.Unpack(&x.scratch, pk)
					mv := sc.mv
					x.explain(&x.scratch, sc.bad, sc.parent, &mv)
				}
				if !x.insert(pk, sc.fp) {
					continue
				}
				x.nodes.push(node{parent: sc.parent, mv: sc.mv})
				next.push(pk)
				if len(x.always) > 0 {
					x.scratch = model.State{}
					L.Unpack(&x.scratch, pk)
					x.checkAlways(&x.scratch, uint32(x.nodes.n-1))
				}
				if x.nodes.n >= x.opt.MaxStates {
					return fmt.Sprintf("--max-states %d reached", x.opt.MaxStates)
				}
			}
		}
	}
	return ""
}

// memory is what the bound counts: the explorer's tables and buffers,
// and the Go runtime's mapped memory beyond the live heap.
func (x *search) memory(frontier, next *arena, exps []expansion) int64 {
	mem := x.fps.bytes() + x.nodes.bytes() + frontier.bytes() + next.bytes()
	for i := range exps {
		mem += exps[i].bytes()
	}
	if x.opt.Exact {
		mem += int64(len(x.exact)) * int64(x.layout.Size+48)
	}
	return max(mem, runtimeMemory())
}

// limits checks the time and memory bounds after a round. The memory
// bound also looks ahead: the visited set doubles when it grows, and the
// search stops before a growth that would cross the bound.
func (x *search) limits(exps []expansion, frontier, next *arena) string {
	select {
	case <-x.opt.Cancel:
		return "cancelled"
	default:
	}
	if x.opt.Timeout > 0 && time.Since(x.start) >= x.opt.Timeout {
		return fmt.Sprintf("--timeout %s reached", x.opt.Timeout)
	}
	mem := x.memory(frontier, next, exps)
	x.res.Memory = max(x.res.Memory, mem)
	ahead := mem
	if !x.opt.Exact && 4*(x.fps.n+blockStates*x.m.NumActors()) > 3*len(x.fps.keys) {
		ahead += 2 * x.fps.bytes() // the grown table beside the old one
	}
	if ahead >= x.opt.MaxMemory {
		return fmt.Sprintf("memory bound %d MiB reached", x.opt.MaxMemory>>20)
	}
	return ""
}

func (x *search) progress(depth, frontierLeft int, frontier, next *arena, exps []expansion) {
	p := Progress{States: x.nodes.n, Depth: depth, Frontier: frontierLeft, Memory: x.memory(frontier, next, exps), Elapsed: time.Since(x.start)}
	if x.opt.OnProgress != nil {
		x.opt.OnProgress(p)
	}
	if x.opt.Progress != nil {
		fmt.Fprintf(x.opt.Progress, "\r%s   ", ProgressLine(p))
	}
}

// record notes the first (shortest) trace found for a property.
func (x *search) record(prop, msg string, tr []model.Move) {
	if _, ok := x.found[prop]; ok {
		return
	}
	x.found[prop] = &Found{Property: prop, Message: msg, Trace: tr}
	x.foundOrder = append(x.foundOrder, prop)
}

// explain records the properties ps that state s (node nodeIdx, or the
// move mv from it when mv is non-nil) violates.
func (x *search) explain(s *model.State, ps model.PropSet, nodeIdx uint32, mv *model.Move) {
	for p := model.Prop(0); p < model.NumProps; p++ {
		if !ps.Has(p) {
			continue
		}
		if _, ok := x.found[p.String()]; ok {
			continue
		}
		tr := x.traceTo(nodeIdx)
		if mv != nil {
			tr = append(tr, *mv)
		}
		x.record(p.String(), x.m.Explain(s, p), tr)
	}
}

func (x *search) checkAlways(s *model.State, nodeIdx uint32) {
	if len(x.always) == 0 {
		return
	}
	text := x.m.Outcome(s)
	for _, c := range x.always {
		if !holds(c.Atoms, text) {
			if _, ok := x.found["always"]; !ok {
				x.record("always", fmt.Sprintf("%s: always %s is false", c.Pos, c.Text), x.traceTo(nodeIdx))
			}
		}
	}
}

// traceTo returns the moves from the initial state to node i.
func (x *search) traceTo(i uint32) []model.Move {
	var rev []model.Move
	for i != 0 {
		n := x.nodes.at(int(i))
		rev = append(rev, n.mv)
		i = n.parent
	}
	tr := make([]model.Move, len(rev))
	for k := range rev {
		tr[k] = rev[len(rev)-1-k]
	}
	return tr
}

// finish runs the scenario's checks over the final outcomes and sets the verdict.
func (x *search) finish() {
	res := x.res
	finalOutcomes := make([]Outcome, 0, len(x.outOrder))
	for _, t := range x.outOrder {
		finalOutcomes = append(finalOutcomes, *x.outcomes[t])
	}
	if res.Incomplete == "" {
		if res.Terminal == 0 {
			x.record(NoTerminal, "no terminal state: no interleaving ever ends, so the final and sometimes checks and the liveness properties hold over nothing", nil)
		}
		for _, c := range checksOf(x.m.P.Sc, scenario.Final) {
			for _, o := range finalOutcomes {
				if !holds(c.Atoms, o.Text) {
					x.record("final", fmt.Sprintf("%s: final %s is false in outcome: %s", c.Pos, c.Text, o.Text), o.Trace)
					break
				}
			}
		}
		for _, c := range checksOf(x.m.P.Sc, scenario.Sometimes) {
			ok := false
			for _, o := range finalOutcomes {
				if holds(c.Atoms, o.Text) {
					ok = true
					break
				}
			}
			if !ok {
				x.record("sometimes", fmt.Sprintf("%s: sometimes %s: no final outcome has it", c.Pos, c.Text), nil)
			}
		}
	}
	sort.SliceStable(finalOutcomes, func(i, j int) bool { return finalOutcomes[i].Text < finalOutcomes[j].Text })
	res.Outcomes = finalOutcomes
	sort.SliceStable(x.foundOrder, func(i, j int) bool { return propOrder(x.foundOrder[i]) < propOrder(x.foundOrder[j]) })
	for _, p := range x.foundOrder {
		res.Violations = append(res.Violations, *x.found[p])
	}
	switch {
	case len(res.Violations) > 0:
		res.Verdict = Violation
	case res.Incomplete != "":
		res.Verdict = Incomplete
	default:
		res.Verdict = Pass
	}
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

// Replay re-executes a trace from the initial state and returns every
// state on the way, with the step descriptions.
func Replay(m *model.Machine, trace []model.Move) ([]model.State, []model.Ctx, error) {
	s, err := m.Initial()
	if err != nil {
		return nil, nil, err
	}
	states := []model.State{s}
	var ctxs []model.Ctx
	for i, mv := range trace {
		if int(mv.Actor) >= m.NumActors() {
			return states, ctxs, fmt.Errorf("step %d: no actor %d", i+1, mv.Actor)
		}
		next := s
		c, ok := m.Step(&next, mv)
		if !ok || next == s {
			return states, ctxs, fmt.Errorf("step %d: %s cannot step", i+1, m.MoveString(&s, mv))
		}
		c.S = nil
		ctxs = append(ctxs, c)
		s = next
		states = append(states, s)
	}
	return states, ctxs, nil
}

// Enabled lists the moves that make a non-stutter step in s: each actor
// that can step, with each outcome of its step.
func Enabled(m *model.Machine, s *model.State) []model.Move {
	var out []model.Move
	for a := 0; a < m.NumActors(); a++ {
		for k := 0; ; k++ {
			next := *s
			mv := model.Move{Actor: uint8(a), Choice: uint8(k)}
			c, ok := m.Step(&next, mv)
			if ok && next != *s {
				out = append(out, mv)
			}
			if !ok && k == 0 || k+1 >= int(c.NChoice) {
				break
			}
		}
	}
	return out
}

// chunked is an append-only array in fixed-size chunks: it never copies
// what it holds when it grows, so its memory is its size.
type chunked[T any] struct {
	chunks [][]T
	n      int
}

const chunkLen = 1 << 16

func (c *chunked[T]) push(v T) {
	if c.n%chunkLen == 0 {
		c.chunks = append(c.chunks, make([]T, chunkLen))
	}
	c.chunks[c.n/chunkLen][c.n%chunkLen] = v
	c.n++
}

func (c *chunked[T]) at(i int) *T { return &c.chunks[i/chunkLen][i%chunkLen] }

func (c *chunked[T]) bytes() int64 {
	var z T
	return int64(len(c.chunks)) * chunkLen * int64(unsafe.Sizeof(z))
}

// arena holds packed states of one size in fixed-size blocks.
type arena struct {
	size   int // bytes per state
	per    int // states per block
	blocks [][]byte
	n      int
}

func newArena(size int) arena {
	return arena{size: size, per: max(1, (1<<20)/size)}
}

func (a *arena) push(pk []byte) {
	if a.n/a.per == len(a.blocks) {
		a.blocks = append(a.blocks, make([]byte, a.per*a.size))
	}
	o := (a.n % a.per) * a.size
	copy(a.blocks[a.n/a.per][o:o+a.size], pk)
	a.n++
}

func (a *arena) at(i int) []byte {
	o := (i % a.per) * a.size
	return a.blocks[i/a.per][o : o+a.size]
}

// reset empties the arena, keeping its blocks for reuse.
func (a *arena) reset() { a.n = 0 }

func (a *arena) bytes() int64 { return int64(len(a.blocks)) * int64(a.per*a.size) }

// runtimeMemory is the memory the Go runtime has mapped and not returned
// to the system (runtime/metrics), an upper bound of the live heap plus
// its overheads.
func runtimeMemory() int64 {
	samples := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(samples)
	if samples[0].Value.Kind() != metrics.KindUint64 || samples[1].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(samples[0].Value.Uint64() - samples[1].Value.Uint64())
}

// Schedule renders a trace as schedule tokens ("F F S:T2 F"), the form
// `jobctl run --schedule` and a scenario's "schedule" line read back.
func Schedule(m *model.Machine, trace []model.Move) string {
	s, err := m.Initial()
	toks := make([]string, len(trace))
	for i, mv := range trace {
		if err != nil {
			toks[i] = m.MoveString(&s, mv)
			continue
		}
		toks[i] = m.MoveString(&s, mv)
		m.Step(&s, mv)
	}
	return strings.Join(toks, " ")
}
