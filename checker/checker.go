// Package checker explores every interleaving of a scenario's actors under
// one kernel design, breadth-first, and reports each violated property
// with a shortest interleaving that shows it.
//
// The search is level-synchronous: the states of one depth are expanded
// in parallel, the workers inserting into one shared visited set, and the
// states found are put in breadth-first order at the end of each depth
// (search.go), so the result — states, counterexamples, outcomes — is the
// same at any level of parallelism.
package checker

import (
	"fmt"
	"io"
	"runtime"
	"runtime/metrics"
	"sort"
	"strings"
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
	// Symmetry keeps one state of each set of states that differ only by
	// a swap of interchangeable threads (model.Symmetry: the threads of a
	// group that no op, check or ordered walk still to come tells apart).
	// Verdicts, violated properties, shortest-trace lengths and outcome
	// sets are those of the full search; state, transition and outcome
	// counts are of the reduced one. Traces are real interleavings. A
	// check whose terminal states' outcomes tell free threads apart is
	// run again without it (Result.SymmetryNote says so).
	Symmetry bool
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

// Prelude is the property a check reports when the scenario's prelude does
// not reach its start state under the design (model.PreludeError).
const Prelude = "prelude"

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
	StateBytes  int   // bytes of one packed state (the scenario's layout), as the frontier holds it
	Memory      int64 // the peak of what the memory bound counts, in bytes
	// Symmetry: the search was reduced by thread symmetry
	// (Options.Symmetry); SymmetryNote says over which classes, or why
	// it was not.
	Symmetry     bool
	SymmetryNote string
	// StoredBytes is what the visited set and the parent links take at
	// the end (the whole table, empty slots too, and the node arrays):
	// StoredBytes/States is the cost of one stored state.
	StoredBytes int64
	// Coverage is what the check reached, with Options.Coverage; else nil.
	Coverage *model.Coverage

	symBroken bool // the reduced search met an outcome that is not symmetric
}

// BytesPerState is StoredBytes per stored state.
func (r *Result) BytesPerState() float64 {
	if r.States == 0 {
		return 0
	}
	return float64(r.StoredBytes) / float64(r.States)
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
	Property string // "I4", "stuck", or "final"/"sometimes"/"always"/"noterminal"/"prelude" for a scenario check
	Message  string
	Trace    []model.Move // from the initial state; empty for a check over the whole space
}

// NoTrace says, for a violation without a trace, why there is none.
func (f Found) NoTrace() string {
	switch f.Property {
	case Prelude:
		return "the prelude runs before the exploration: there is no interleaving to show"
	case NoTerminal:
		return "a property of the whole state space: no single interleaving shows it"
	}
	return "a check over all final outcomes: no single interleaving shows it"
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

// record notes the first (shortest) trace found for a property.
func (x *search) record(prop, msg string, tr []model.Move) {
	if _, ok := x.found[prop]; ok {
		return
	}
	x.found[prop] = &Found{Property: prop, Message: msg, Trace: tr}
	if p, ok := model.ParseProp(prop); ok {
		x.foundMask |= 1 << p
	}
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

const chunkLen = 1 << 12

func (c *chunked[T]) push(v T) {
	if c.n%chunkLen == 0 {
		c.chunks = append(c.chunks, make([]T, chunkLen))
	}
	c.chunks[c.n/chunkLen][c.n%chunkLen] = v
	c.n++
}

func (c *chunked[T]) at(i int) *T { return &c.chunks[i/chunkLen][i%chunkLen] }

// grow makes the array n long: the new elements are zero until written
// through at (by several goroutines, each its own indices).
func (c *chunked[T]) grow(n int) {
	for len(c.chunks)*chunkLen < n {
		c.chunks = append(c.chunks, make([]T, chunkLen))
	}
	c.n = max(c.n, n)
}

func (c *chunked[T]) bytes() int64 {
	var z T
	return int64(len(c.chunks)) * chunkLen * int64(unsafe.Sizeof(z))
}

// arena holds packed states of one size in fixed-size blocks. The first
// block starts small and doubles up to a block's size (the copy happens
// once: reset keeps the blocks), so that a small scenario's frontier is
// small.
type arena struct {
	size   int // bytes per state
	per    int // states per block
	blocks [][]byte
	n      int
}

// firstBlock is the number of states the first block starts with.
const firstBlock = 64

func newArena(size int) arena {
	return arena{size: size, per: max(1, (1<<20)/size)}
}

func (a *arena) push(pk []byte) {
	b, i := a.n/a.per, a.n%a.per
	if b == len(a.blocks) {
		n := a.per
		if b == 0 {
			n = min(a.per, firstBlock)
		}
		a.blocks = append(a.blocks, make([]byte, n*a.size))
	}
	if (i+1)*a.size > len(a.blocks[b]) { // only the first block grows
		grown := make([]byte, min(2*len(a.blocks[b]), a.per*a.size))
		copy(grown, a.blocks[b])
		a.blocks[b] = grown
	}
	o := i * a.size
	copy(a.blocks[b][o:o+a.size], pk)
	a.n++
}

func (a *arena) at(i int) []byte {
	o := (i % a.per) * a.size
	return a.blocks[i/a.per][o : o+a.size]
}

// reset empties the arena, keeping its blocks for reuse.
func (a *arena) reset() { a.n = 0 }

func (a *arena) bytes() int64 {
	var n int64
	for _, b := range a.blocks {
		n += int64(len(b))
	}
	return n
}

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

func defaultWorkers() int { return runtime.GOMAXPROCS(0) }
