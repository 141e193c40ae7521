package checker

import (
	"errors"
	"fmt"
	"math/bits"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"jobctl/model"
	"jobctl/scenario"
)

// The search, level by level:
//
//  1. The frontier (the records of one depth, in node order) is expanded
//     in blocks of blockStates states; in a block, the workers take runs
//     of runStates states from a shared counter.
//  2. A worker steps every actor (and every outcome of its step), hashes
//     the successor by the groups of words it changed (hashPlan.delta),
//     prefetches its home bucket, and puts it in its pipe (pipeDepth
//     successors: their changed groups). The oldest successor of
//     a full pipe is inserted into the shared table, by then with its
//     bucket in the cache: a state new to the table is packed into a free
//     record of the worker's and keeps it (the table refers to it); a
//     state found at this depth already has its record's parent link
//     lowered to this generator if it comes first in breadth-first order
//     (frontier order, then move order). Nothing else is buffered.
//  3. When the level is done, its records are put in node order — sorted
//     by parent link, which is the order a sequential breadth-first
//     search would have found them in — and become the next frontier; the
//     table's references are rewritten into plain keys, and the parent
//     links are appended to the node arrays (parent index, move). The
//     workers share these passes.
//
// So the states, parent links, counterexamples and outcomes are those of
// the sequential search, whichever worker found what first. Whatever a
// step reports that the result needs (a violated property, a terminal
// state) is kept per worker as the first in breadth-first order, and
// merged at the level's end.

// blockStates is how many frontier states one round expands: limits
// (time, memory, cancel) are checked after every round.
const blockStates = 4096

// verifySteps makes the explorer check that a step that cannot run
// leaves the state unchanged (tests set it).
var verifySteps = false

// runStates is how many frontier states a worker takes at a time.
const runStates = 64

// search is one exploration in progress.
type search struct {
	m      *model.Machine
	opt    Options
	layout *model.Layout
	size   int // packed state bytes
	want   model.PropSet
	res    *Result
	start  time.Time

	hp       *hashPlan
	tab      *table
	exact    *arena // --exact: every state, by node index
	parents  chunked[uint32]
	moves    chunked[uint8] // actor<<4|choice, or moveEscape
	bigMoves map[uint32]model.Move

	cur, nxt  *recSpace // the frontier's records, and the next depth's
	perm      []uint32  // perm[i]: record index of frontier state i
	nextPerm  []uint32
	counts    [][]uint32 // the level's end: per worker, records per parent
	trans     []uint16   // transitions of each frontier state
	workers   []*worker
	runs      []run        // the runs of the current block
	runNext   atomic.Int64 // next run to take
	maxBranch int          // the most steps out of one state so far (over whole blocks)
	foundMask model.PropSet

	// Past the table's hard limit, or when the room left below it has
	// all been claimed by the workers (some of it perhaps unused), a key
	// goes to the overflow map: its first empty slot is marked (ovMark),
	// and a probe that meets the mark goes on in the map. The next block
	// boundary grows the table (or rebuilds it at its size) and moves
	// them in, so that the table's size depends only on the states found,
	// not on the workers' timing.
	room atomic.Int64 // slots below the hard limit not yet claimed by a worker, in a block
	ovMu sync.Mutex
	ov   map[uint64][]uint64 // plain key -> references
	ovN  atomic.Int64

	found      map[string]*Found
	foundOrder []string
	outcomes   map[string]*Outcome
	outOrder   []string
	always     []scenario.Check
	scratch    model.State // for explaining and observing a packed state

	// sym is the thread symmetry the search reduces by (nil: none);
	// symBroken is set when a terminal state's outcome tells its free
	// threads apart, and the search is then run again without it.
	sym       *model.Symmetry
	symBroken atomic.Bool
}

type run struct{ lo, hi int }

// worker is one expansion goroutine's buffers, allocated once.
type worker struct {
	// cur is the state being expanded and next the buffer its successors
	// are stepped in: between steps next is cur again (hashPlan.restore
	// puts back the groups a step changed).
	cur, next *model.State
	hc        [maxGroups]uint64 // cur's group hashes
	scratch   *model.State      // a new successor, rebuilt to be packed and checked
	ctx       *model.Ctx
	cursor    recCursor
	terms     []term
	maxBranch int
	cands     [model.NumProps]cand
	pk        []byte // a successor packed for a transition violation
	pipe      [pipeDepth]pending
	head, n   int        // pipe[head] is the oldest of n pending successors
	later     []rehashed // a resize's keys for its last pass
	saved     []uint64   // a resize's old buckets, copied out of the way
	// added is how many states the worker put in the table in this block,
	// quota how many it has room for (claimed from search.room a few
	// hundred at a time): a count shared by the workers would move its
	// cache line between them at every new state.
	added, quota int64
}

// workerMem is a worker and the buffers it writes at every step, in one
// allocation padded at both ends. Allocated one by one, two workers'
// contexts (reset at every step) sat side by side in one size class and
// shared a cache line, which moved between the cores at every step.
type workerMem struct {
	_                  [cacheLine]byte
	w                  worker
	cur, next, scratch model.State
	ctx                model.Ctx
	_                  [cacheLine]byte
}

// cacheLine is the line size of the CPUs the checker is tuned for.
const cacheLine = 64

func newWorker(size int) *worker {
	m := new(workerMem)
	w := &m.w
	w.cur, w.next, w.scratch, w.ctx = &m.cur, &m.next, &m.scratch, &m.ctx
	w.pk = make([]byte, size)
	return w
}

// pipeDepth is how many successors a worker has stepped and hashed but
// not yet inserted (the pipe keeps their changed groups; the worker steps
// in its own buffer). A successor's home bucket is loaded when it is
// hashed and looked up when the pipe is full, pipeDepth-1 successors
// later: the table does not fit in the cache, and the misses of several
// successors overlap instead of each stalling the worker in turn.
const pipeDepth = 4

// pending is a successor waiting for its insert: the groups of words in
// which it differs from its parent (record parent of the frontier). It is
// rebuilt and packed only if it is new (about one successor in five).
type pending struct {
	fp, link uint64
	parent   uint64
	mask     uint64
	vals     [maxGroups][4]uint64
}

// term is a terminal state of the frontier: its liveness violations and
// its outcome.
type term struct {
	i    int
	bad  model.PropSet
	text string
}

// cand is the first (in breadth-first order) step of this depth a worker
// found violating a transition property.
type cand struct {
	ok   bool
	link uint64
	pk   []byte // the state after the step
}

// moveEscape in the move array: the move is in bigMoves.
const moveEscape = 0xff

// Check explores m from its initial state.
//
// A prelude that does not reach its start state under m's design is the
// violation Prelude (with no trace: it happens before the exploration),
// not an error.
func Check(m *model.Machine, opt Options) (*Result, error) {
	var cov *model.Coverage
	if opt.Coverage {
		cov = model.NewCoverage(m.P)
		mc := *m
		mc.Cov = cov
		m = &mc
	}
	init, err := m.Initial()
	var pe *model.PreludeError
	if errors.As(err, &pe) {
		return &Result{Verdict: Violation, Exact: opt.Exact, StateBytes: m.P.Layout.Size,
			Violations: []Found{{Property: Prelude, Message: pe.Error()}}, Coverage: cov}, nil
	}
	if err != nil {
		return nil, err
	}
	res, err := checkFrom(m, init, opt)
	if res != nil {
		res.Coverage = cov
	}
	return res, err
}

// checkFrom explores m from init, reduced by thread symmetry when
// opt.Symmetry asks for it and it applies.
func checkFrom(m *model.Machine, init model.State, opt Options) (*Result, error) {
	if opt.Symmetry {
		y := model.NewSymmetry(m.P)
		if !y.Applies() {
			opt.Symmetry = false
			res, err := explore(m, init, opt, nil)
			if res != nil {
				res.SymmetryNote = "symmetry does not apply: " + y.Why
			}
			return res, err
		}
		res, err := explore(m, init, opt, y)
		if err != nil || !res.symBroken {
			if res != nil {
				res.Symmetry = true
				res.SymmetryNote = "symmetric threads: " + strings.Join(y.Classes(m.P), "; ")
			}
			return res, err
		}
		res, err = explore(m, init, opt, nil)
		if res != nil {
			res.SymmetryNote = "symmetry not used: a final outcome tells interchangeable threads apart"
		}
		return res, err
	}
	return explore(m, init, opt, nil)
}

func explore(m *model.Machine, init model.State, opt Options, sym *model.Symmetry) (*Result, error) {
	if opt.MaxStates == 0 {
		opt.MaxStates = 5_000_000
	}
	if opt.MaxMemory == 0 {
		opt.MaxMemory = DefaultMaxMemory(4 << 30)
	}
	if opt.Workers <= 0 {
		opt.Workers = defaultWorkers()
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
		m: m, opt: opt, layout: L, size: L.Size, want: want, start: time.Now(),
		res:      &Result{Exact: opt.Exact, StateBytes: L.Size},
		found:    map[string]*Found{},
		outcomes: map[string]*Outcome{},
		always:   checksOf(sc, scenario.Always),
		cur:      newRecSpace(L.Size),
		nxt:      newRecSpace(L.Size),
		bigMoves: map[uint32]model.Move{},
		sym:      sym,
	}
	x.hp = newHashPlan(L)
	x.tab = newTableIn(minSlots, opt.MaxMemory)
	defer x.tab.release()
	x.ov = map[uint64][]uint64{}
	if opt.Exact {
		a := newArena(L.Size)
		x.exact = &a
	}
	for range opt.Workers {
		x.workers = append(x.workers, newWorker(L.Size))
	}
	res := x.res

	// The initial state: node 0, the only record of depth 0.
	real := init
	if sym != nil {
		sym.Canon(m.P, &init)
	}
	ri, rw, tr := x.workers[0].cursor.next(x.nxt)
	L.Pack(pk(rw, x.size), &init)
	fp := x.hp.fpState(&init)
	x.share()
	x.insert(x.workers[0], ri, rw, tr, fp, 0)
	x.fold()
	x.workers[0].cursor.commit()
	x.perm = append(x.perm[:0], uint32(ri))
	x.tab.slots[tr[rSlot]] = x.plainKey(tr, 0)
	if x.exact != nil {
		x.exact.push(pk(rw, x.size))
	}
	x.parents.push(^uint32(0))
	x.moves.push(0)
	x.cur, x.nxt = x.nxt, x.cur
	if bad := m.CheckState(&init, want); bad != 0 {
		x.explain(&init, bad, 0, nil)
	}
	x.checkAlways(&init, 0)

	lastProgress := x.start
	depth := 0
	stop := ""
	for len(x.perm) > 0 && stop == "" {
		depth++
		F := len(x.perm)
		base := uint32(x.parents.n - F)
		nBefore := x.stored()
		x.trans = growTo(x.trans, F)
		for _, w := range x.workers {
			w.cursor = recCursor{}
			w.terms = w.terms[:0]
			for p := range w.cands {
				w.cands[p].ok = false
			}
		}
		done := 0
		for lo := 0; lo < F && stop == ""; lo += blockStates {
			hi := min(lo+blockStates, F)
			x.resize()
			x.expandBlock(lo, hi, base)
			done = hi
			for _, w := range x.workers {
				x.maxBranch = max(x.maxBranch, w.maxBranch)
			}
			if int64(x.parents.n)+x.stored()-nBefore >= int64(x.opt.MaxStates) {
				break // the level's end cuts exactly at --max-states
			}
			stop = x.limits()
			if x.symBroken.Load() {
				stop = "symmetry"
			}
			if x.opt.Progress != nil || x.opt.OnProgress != nil {
				if time.Since(lastProgress) >= opt.ProgressEvery {
					lastProgress = time.Now()
					x.progress(depth, F-hi+int(x.stored()-nBefore))
				}
			}
		}
		x.resize()
		n, cut := x.endLevel(base, done)
		if cut != "" {
			stop = cut
		}
		if n > 0 && stop == "" {
			res.Depth = depth
		}
		if stop != "" {
			res.Incomplete = stop
			break
		}
	}
	if x.opt.Progress != nil && time.Since(x.start) >= opt.ProgressEvery {
		fmt.Fprintf(x.opt.Progress, "\r%60s\r", "")
	}
	if x.symBroken.Load() {
		return &Result{symBroken: true}, nil
	}
	res.States = x.parents.n
	res.StoredBytes = x.storedBytes()
	res.Memory = max(res.Memory, x.memory())
	x.finish()
	if sym != nil {
		if err := x.realTraces(real); err != nil {
			return nil, err
		}
	}
	res.Elapsed = time.Since(x.start)
	return res, nil
}

func growTo[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// storedBytes is what the visited set and the parent links take: the
// whole table (empty slots too) and the node arrays.
func (x *search) storedBytes() int64 {
	return x.tab.bytes() + x.parents.bytes() + x.moves.bytes()
}

// plainKey is the key the table keeps for the record of trailer tr once
// it is node id.
func (x *search) plainKey(tr trailer, id int) uint64 {
	fp := tr[rFP]
	if x.exact != nil {
		return tag(fp)<<tagShift | uint64(id+1)
	}
	return plainFP(fp)
}

// insert adds the state of record ri (rw: packed, tr: its trailer,
// fingerprint fp, reached by link) to the table, for worker wk. It
// reports whether the state is new; if it is, the table refers to the
// record, which the caller must then commit. If the state was found at
// this depth already, its record keeps the smaller link.
func (x *search) insert(wk *worker, ri uint64, rw []uint64, tr trailer, fp, link uint64) bool {
	t := x.tab
	tr[rFP] = fp
	tr[rLink] = link
	key := plainFP(fp)
	tg := tag(key)
	ref := refBit | tg<<tagShift | ri
	plain := x.exact == nil
	b1, b := t.buckets(key)
	for first := true; ; first = false {
		if first {
			b = b1
		}
		for i := b * bucketSlots; i < b*bucketSlots+bucketSlots; i++ {
			v := atomic.LoadUint64(&t.slots[i])
			if plain && v&refBit == 0 && v != 0 {
				// A state of an earlier depth: the key is all there
				// is to compare (most slots, inline).
				if v == key {
					return false
				}
				continue
			}
			if v == 0 {
				w := ref
				if wk.added >= wk.quota && !x.claim(wk) {
					w = ovMark
				}
				if atomic.CompareAndSwapUint64(&t.slots[i], 0, w) && w == ref {
					tr[rSlot] = i
					wk.added++
					return true
				}
				v = atomic.LoadUint64(&t.slots[i])
			}
			if v == ovMark {
				return x.overflow(key, tg, ref, rw, tr, link)
			}
			if x.match(v, key, tg, rw, link) {
				return false
			}
		}
		if !first {
			if b++; b == t.nb {
				b = 0
			}
		} else {
			_, b = t.buckets(key)
		}
	}
}

// overflow is insert past the mark: in the overflow map.
func (x *search) overflow(key, tg, ref uint64, rw []uint64, tr trailer, link uint64) bool {
	x.ovMu.Lock()
	defer x.ovMu.Unlock()
	for _, v := range x.ov[key] {
		if x.match(v, key, tg, rw, link) {
			return false
		}
	}
	x.ov[key] = append(x.ov[key], ref)
	tr[rSlot] = noSlot
	x.ovN.Add(1)
	return true
}

// share makes the room left below the table's hard limit the block's to
// claim.
func (x *search) share() {
	x.room.Store(x.tab.hardLimit() - x.tab.n.Load())
	for _, w := range x.workers {
		w.added, w.quota = 0, 0
	}
}

// claim gives worker w room for its next states, if there is any left.
func (x *search) claim(w *worker) bool {
	const quantum = 256
	left := x.room.Add(-quantum) + quantum
	if left <= 0 {
		return false
	}
	w.quota += min(quantum, left)
	return true
}

// fold adds what the workers put in the table to its count.
func (x *search) fold() {
	for _, w := range x.workers {
		x.tab.n.Add(w.added)
		w.added, w.quota = 0, 0
	}
}

// stored is how many states the visited set holds (between blocks).
func (x *search) stored() int64 { return x.tab.n.Load() + x.ovN.Load() }

// noSlot: the record is in the overflow map.
const noSlot = ^uint64(0)

// match reports whether slot value v is the state of record rw (plain
// key key, tag tg); if v refers to a record of this depth, that record's
// link is lowered to link.
func (x *search) match(v, key, tg uint64, rw []uint64, link uint64) bool {
	if v&refBit != 0 {
		if (v>>tagShift)&(1<<tagBits-1) != tg {
			return false
		}
		ot := x.nxt.trl(v & idxMask)
		if x.exact != nil {
			if string(pk(x.nxt.rec(v&idxMask), x.size)) != string(pk(rw, x.size)) {
				return false
			}
		} else if plainFP(ot[rFP]) != key {
			return false
		}
		for {
			l := atomic.LoadUint64(&ot[rLink])
			if link >= l || atomic.CompareAndSwapUint64(&ot[rLink], l, link) {
				return true
			}
		}
	}
	if x.exact == nil {
		return v == key
	}
	if v>>tagShift != tg {
		return false
	}
	return string(x.exact.at(int(v&idxMask)-1)) == string(pk(rw, x.size))
}

// Table sizes: doubling while the table is small, then by a fifth, so
// that a large table stays between 3/4 and 9/10 full.
const minSlots = 1 << 11

// doubleBelow: up to this many slots (8 MiB) the table doubles.
const doubleBelow = 1 << 20

func nextSize(slots int) int {
	if slots < doubleBelow {
		return 2 * slots
	}
	return slots / 40 * 48
}

// target is the table size for n stored states with room for one more
// block: the smallest size of the sequence that is at most 9/10 full.
// It depends only on the states found so far, so the table (and the
// bytes a state costs) are the same for any number of workers.
func (x *search) target(n int64) int {
	ns := len(x.tab.slots)
	for {
		room := min(int64(blockStates)*int64(max(x.maxBranch, 1)), int64(ns)/16)
		if (n+room)*10 <= int64(ns)*9 {
			return ns
		}
		ns = nextSize(ns)
	}
}

// resize grows the table to its target size, moving the overflow map
// in. The table grows in place, and the workers move its keys in
// parallel, in three passes.
//
// A key's home bucket is monotone in the key (fastrange) and in the
// number of buckets, so a key at home in old bucket b has its new home
// between new buckets b*nb/ob and (b+1)*nb/ob, never below b. Each worker
// takes a range of old buckets and walks it downwards: every bucket above the one
// it reads has been read already, and a key placed at its new home never
// lands on one not yet read. The new homes of a range are the matching
// range of new buckets, which reaches past the old range's end into the
// next worker's old buckets: before anything moves, each worker copies
// out the old buckets of its range that a lower range's new buckets cover
// (none when the table keeps its size; the whole range when it doubles).
//
// Keys whose new home lies strictly inside the worker's new range and has
// a free slot are placed with plain stores: no other worker writes there.
// The rest — keys whose home is a boundary bucket two ranges share, keys
// that sat in a probe bucket and have their new home in a bucket not yet
// read, and keys whose home is full — are placed after a barrier, with
// compare-and-swap as an insert does, each at the first free slot of its
// probe: about one key in twelve at scale-gstop-6t. Slots are only
// filled, so a key placed at its home is found before any empty slot, and
// so is a key placed later.
func (x *search) resize() {
	n := x.stored()
	ns := x.target(n)
	// Keys in the overflow map are moved in even when the table keeps its
	// size (the room a worker claimed and did not use can leave a small
	// table just below its limit).
	if ns == len(x.tab.slots) && len(x.ov) == 0 {
		return
	}
	x.rehash(ns)
}

// rehash is resize to ns slots (at least the table's size).
func (x *search) rehash(ns int) {
	n := x.stored()
	t := x.tab
	ob := t.nb
	t.grow(uint64(max(ns/bucketSlots, 2)))
	var wg sync.WaitGroup
	each := func(f func(wk *worker, blo, bhi uint64)) {
		for w := range x.workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				blo, bhi := x.resizeRange(w, ob)
				f(x.workers[w], blo, bhi)
			}()
		}
		wg.Wait()
	}
	each(func(wk *worker, blo, bhi uint64) {
		cover := covered(blo, bhi, t.nb, ob)
		wk.saved = append(wk.saved[:0], t.slots[blo*bucketSlots:cover*bucketSlots]...)
		clear(t.slots[blo*bucketSlots : cover*bucketSlots])
	})
	each(func(wk *worker, blo, bhi uint64) {
		wk.later = x.rehashRange(t, ob, blo, bhi, wk.saved, wk.later[:0])
		wk.saved = nil // the next resize's is larger
	})
	each(func(wk *worker, _, _ uint64) {
		// These keys go to their home bucket or, that being full, on
		// along their probe: both buckets are loaded rehashAhead keys
		// ahead.
		later := wk.later
		for k, r := range later {
			if k+rehashAhead < len(later) {
				b1, b2 := t.buckets(later[k+rehashAhead].key)
				prefetch(&t.slots[b1*bucketSlots])
				prefetch(&t.slots[b2*bucketSlots])
			}
			x.setSlot(r.v, t.place(r.key, r.v))
		}
	})
	for _, vs := range x.ov {
		for _, v := range vs {
			x.setSlot(v, t.place(x.keyOf(v), v))
		}
	}
	clear(x.ov)
	x.ovN.Store(0)
	t.n.Store(n)
	// The runtime's limit is the backstop for the Go heap: the table's
	// region is outside it.
	if m := t.mapped(); m > 0 {
		debug.SetMemoryLimit(max(x.opt.MaxMemory-m, x.opt.MaxMemory/16))
	}
}

// savedBytes is what a resize from ob to nb buckets copies out of the
// way: with many workers, most of the old table (see resize).
func (x *search) savedBytes(ob, nb uint64) int64 {
	var b uint64
	for w := range x.workers {
		blo, bhi := x.resizeRange(w, ob)
		b += covered(blo, bhi, nb, ob) - blo
	}
	return int64(b) * bucketSlots * 8
}

// resizeRange is worker w's range of the ob old buckets in a resize.
func (x *search) resizeRange(w int, ob uint64) (blo, bhi uint64) {
	nw := uint64(len(x.workers))
	per := (ob + nw - 1) / nw
	return min(uint64(w)*per, ob), min(uint64(w+1)*per, ob)
}

// covered is where the old buckets of range [blo, bhi) that a lower
// range's new buckets cover end (growing from ob buckets to nb): they are
// [blo, covered).
func covered(blo, bhi, nb, ob uint64) uint64 { return min(scaleBucket(blo, nb, ob), bhi) }

// rehashed is a key whose placement a resize's moving pass left to its
// last.
type rehashed struct{ key, v uint64 }

// rehashRange moves the keys of old buckets [blo, bhi) of table t (grown
// from ob buckets), the first of them copied out to saved: it reads the
// buckets downwards, clearing each, places the keys it owns and returns
// the others, appended to later. A plain slot is its key. A reference's
// key is in its record's trailer, which is prefetched rehashAhead
// references before it is read.
func (x *search) rehashRange(t *table, ob, blo, bhi uint64, saved []uint64, later []rehashed) []rehashed {
	// The new buckets only this range's keys can have as home: strictly
	// inside the image of [blo, bhi), and the image's ends at the
	// table's.
	lo, hi := scaleBucket(blo, t.nb, ob)+1, scaleBucket(bhi, t.nb, ob)
	if blo == 0 {
		lo = 0
	}
	if bhi == ob {
		hi = t.nb
	}
	var ring [rehashAhead]struct{ v, b uint64 } // a reference and its old bucket
	n := 0
	for b := bhi; b > blo; {
		b--
		var src []uint64
		if i := (b - blo) * bucketSlots; i < uint64(len(saved)) {
			src = saved[i : i+bucketSlots]
		} else {
			src = t.slots[b*bucketSlots : (b+1)*bucketSlots]
		}
		// Both streams run downwards, which the hardware prefetches
		// late: the old bucket streamAhead below, and its new home.
		if b >= blo+streamAhead {
			prefetch(&t.slots[(b-streamAhead)*bucketSlots])
			prefetch(&t.slots[scaleBucket(b-streamAhead, t.nb, ob)*bucketSlots])
		}
		vals := [bucketSlots]uint64(src)
		clear(src)
		for _, v := range vals {
			switch {
			case v == 0 || v == ovMark:
			case v&refBit == 0 && x.exact == nil:
				later = x.own(t, b, lo, hi, v, v, later)
			default:
				if v&refBit != 0 {
					prefetch(&x.nxt.trl(v & idxMask)[rFP])
				}
				if n >= rehashAhead {
					u := ring[n%rehashAhead]
					later = x.own(t, u.b, lo, hi, x.keyOf(u.v), u.v, later)
				}
				ring[n%rehashAhead] = struct{ v, b uint64 }{v, b}
				n++
			}
		}
	}
	for k := max(n-rehashAhead, 0); k < n; k++ {
		u := ring[k%rehashAhead]
		later = x.own(t, u.b, lo, hi, x.keyOf(u.v), u.v, later)
	}
	return later
}

// own places slot value v (plain key key), read from old bucket b, with
// a plain store if its new home is one of the new buckets [lo, hi) the
// caller alone writes, has been read (it is b or above: a key at home in
// b always has its new home there; one that sat in a probe bucket, about
// one in ten, may have it anywhere) and has a free slot; else it appends
// it to later.
func (x *search) own(t *table, b, lo, hi, key, v uint64, later []rehashed) []rehashed {
	if h := t.home(key); h >= max(lo, b) && h < hi {
		if at, ok := t.placeHome(h, v); ok {
			x.setSlot(v, at)
			return later
		}
	}
	return append(later, rehashed{key, v})
}

// scaleBucket is floor(b*nb/ob): where bucket b of a table of ob buckets
// starts in a table of nb.
func scaleBucket(b, nb, ob uint64) uint64 {
	hi, lo := bits.Mul64(b, nb)
	q, _ := bits.Div64(hi, lo, ob)
	return q
}

// rehashAhead is how many references a resize's moving pass has
// prefetched the trailers of and not yet read, and how many keys its last
// pass has prefetched the buckets of.
const rehashAhead = 8

// streamAhead is how many buckets ahead a resize's moving pass prefetches
// the old buckets it reads and their new homes (48 measured best of 16, 48
// and 128: about a tenth off the resize at scale-gstop-6t).
const streamAhead = 48

// keyOf is the plain key of slot value v.
func (x *search) keyOf(v uint64) uint64 {
	switch {
	case v&refBit != 0:
		return plainFP(x.nxt.trl(v & idxMask)[rFP])
	case x.exact == nil:
		return v
	default:
		return plainFP(x.hp.fpPacked(x.layout, x.exact.at(int(v&idxMask)-1)))
	}
}

// setSlot notes, for slot value v placed at slot at, where its record's
// key now is.
func (x *search) setSlot(v, at uint64) {
	if v&refBit != 0 {
		x.nxt.trl(v & idxMask)[rSlot] = at
	}
}

// expandBlock expands frontier states [lo, hi): the workers take runs
// until none is left.
func (x *search) expandBlock(lo, hi int, base uint32) {
	x.runs = x.runs[:0]
	for a := lo; a < hi; a += runStates {
		x.runs = append(x.runs, run{a, min(a+runStates, hi)})
	}
	x.runNext.Store(0)
	x.share()
	defer x.fold()
	nw := min(len(x.workers), len(x.runs))
	var wg sync.WaitGroup
	for w := 1; w < nw; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x.work(x.workers[w], base)
		}()
	}
	x.work(x.workers[0], base)
	wg.Wait()
}

// work expands runs until there are none left.
func (x *search) work(w *worker, base uint32) {
	for {
		k := int(x.runNext.Add(1) - 1)
		if k >= len(x.runs) {
			break
		}
		lo, hi := x.runs[k].lo, x.runs[k].hi
		for i := lo; i < hi; i++ {
			// The frontier's records are in node order by index, not in
			// memory: the next one is loaded while this one is expanded.
			if i+1 < hi {
				nrw := x.cur.rec(uint64(x.perm[i+1]))
				for k := 0; k < len(nrw); k += 8 {
					prefetch(&nrw[k])
				}
				prefetch(&nrw[len(nrw)-1]) // a record need not start a line
			}
			x.expand(w, i, base)
		}
	}
	for w.n > 0 {
		x.settle(w)
	}
}

// settle inserts the oldest pending successor. A state new to the table
// takes a record of the worker's, and its state properties are checked.
func (x *search) settle(w *worker) {
	e := &w.pipe[w.head]
	w.head = (w.head + 1) % pipeDepth
	w.n--
	ri, rw, tr := w.cursor.next(x.nxt)
	st := w.scratch
	if x.exact != nil { // the table compares the packed states
		x.rebuild(st, e)
		x.layout.Pack(pk(rw, x.size), st)
	}
	if x.insert(w, ri, rw, tr, e.fp, e.link) {
		// The other workers read only the record's fingerprint and link
		// until the level's end.
		if x.exact == nil {
			x.rebuild(st, e)
			x.layout.Pack(pk(rw, x.size), st)
		}
		w.cursor.commit()
		// The next record is written the next time a state is new: its
		// lines were last used two depths ago and are out of the cache.
		if nrw := w.cursor.peek(x.nxt); nrw != nil {
			for k := 0; k < len(nrw); k += 8 {
				prefetch(&nrw[k])
			}
		}
		info := uint64(x.m.CheckState(st, x.want) &^ x.foundMask)
		if len(x.always) > 0 && !x.holdsAlways(st) {
			info |= recAlways
		}
		tr[rInfo] = info
	}
}

// rebuild writes pending successor e into st: its parent with the
// groups the step changed.
func (x *search) rebuild(st *model.State, e *pending) {
	x.layout.Unpack(st, pk(x.cur.rec(e.parent), x.size))
	x.hp.apply(st, &e.vals, e.mask)
}

// expand computes the successors of frontier state i (node base+i).
// Stepping, comparing and hashing at the scenario's size is the unit of
// work; nothing is copied whole and nothing is allocated per state.
func (x *search) expand(w *worker, i int, base uint32) {
	m, L, hp, want := x.m, x.layout, x.hp, x.want
	cur, next, c := w.cur, w.next, w.ctx
	ri := uint64(x.perm[i])
	cpk := pk(x.cur.rec(ri), x.size)
	L.Unpack(cur, cpk)
	hp.restore(next, cur, hp.all)
	sum := hp.groups(cur, &w.hc)
	if verifySteps && *next != *cur {
		panic("checker: the stepping buffer holds bytes outside the layout")
	}
	g := uint64(base) + uint64(i)
	trans := 0
	n := m.NumActors()
	for a := 0; a < n; a++ {
		for k := 0; ; k++ {
			mv := model.Move{Actor: uint8(a), Choice: uint8(k)}
			// A step that cannot run leaves the state as it was (the
			// model's contract, Machine.StepInto; verifySteps checks
			// it): about half the attempts.
			ok := m.StepInto(c, next, mv)
			nch := int(c.NChoice)
			if !ok && k >= nch { // a choice out of range: discard what it did
				hp.restore(next, cur, hp.all)
			}
			if ok {
				nsum, mask := hp.delta(next, cur, &w.hc, sum)
				if mask != 0 { // else a stutter: a retry that changes nothing
					trans++
					link := g<<16 | uint64(a)<<8 | uint64(k)
					// A state seen at an earlier depth had its state
					// properties checked then; only the transition into
					// it is new. The transition is the real one, before
					// symmetry swaps threads.
					bad := m.CheckTransition(cur, next, c, want) &^ x.foundMask
					if x.sym != nil && x.sym.Canon(m.P, next) {
						nsum, mask = hp.delta(next, cur, &w.hc, sum)
					}
					if bad != 0 {
						L.Pack(w.pk, next)
						w.candidate(bad, link, w.pk)
					}
					fp := fingerprint(nsum)
					if verifySteps {
						// Bytes outside the layout are hashed where a word
						// is partly used, and lost when packed.
						L.Pack(w.pk, next)
						if hp.fpPacked(L, w.pk) != fp {
							panic(fmt.Sprintf("checker: %s wrote outside the layout: the packed state hashes differently", m.MoveString(cur, mv)))
						}
					}
					// Load the state's home bucket now: it is looked up
					// when the pipe is full, and the cache miss overlaps
					// the steps in between.
					x.tab.touch(fp)
					e := &w.pipe[(w.head+w.n)%pipeDepth]
					e.fp, e.link, e.parent, e.mask = fp, link, ri, mask
					hp.save(&e.vals, next, mask)
					hp.restore(next, cur, mask)
					if w.n++; w.n == pipeDepth {
						x.settle(w)
					}
				}
			}
			if verifySteps && *next != *cur {
				panic(fmt.Sprintf("checker: %s changed the state outside the layout, or could not step and changed it", m.MoveString(cur, mv)))
			}
			if !ok && k == 0 || k+1 >= nch {
				break
			}
		}
	}
	x.trans[i] = uint16(min(trans, 1<<16-1))
	w.maxBranch = max(w.maxBranch, trans)
	if trans == 0 {
		if x.sym != nil && !x.sym.OutcomeSymmetric(m, cur) {
			x.symBroken.Store(true)
		}
		w.terms = append(w.terms, term{i: i, bad: m.CheckTerminal(cur, want), text: m.Outcome(cur)})
	}
}

// candidate notes a step (link, into state spk) violating the transition
// properties bad, if it comes before the worker's earlier ones.
func (w *worker) candidate(bad model.PropSet, link uint64, spk []byte) {
	for p := model.Prop(0); p < model.NumProps; p++ {
		if !bad.Has(p) {
			continue
		}
		cd := &w.cands[p]
		if cd.ok && cd.link <= link {
			continue
		}
		cd.ok, cd.link = true, link
		cd.pk = append(cd.pk[:0], spk...)
	}
}

func (x *search) holdsAlways(s *model.State) bool {
	text := x.m.Outcome(s)
	for _, c := range x.always {
		if !holds(c.Atoms, text) {
			return false
		}
	}
	return true
}

// minParallel is the fewest items a pass of the level's end shares out
// (tests lower it, so that small searches take the parallel paths).
var minParallel = 1 << 13

// split cuts [0, n) into one range per worker (bounds b: range w is
// [b[w], b[w+1])), or below minParallel items into one range; an item is
// a node, or a chunk of records (per of them).
func (x *search) split(n, per int) []int {
	k := len(x.workers)
	if n < max(minParallel/per, 1) {
		k = 1
	}
	b := make([]int, k+1)
	for w := range b {
		b[w] = n * w / k
	}
	return b
}

// parallel runs f on each range of b, each in its own goroutine (the
// first in this one). What f computes must not depend on the split.
func parallel(b []int, f func(w, lo, hi int)) {
	var wg sync.WaitGroup
	for w := 1; w+1 < len(b); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(w, b[w], b[w+1])
		}()
	}
	f(0, b[0], b[1])
	wg.Wait()
}

// endLevel turns the records of the depth just expanded (frontier states
// [0, done)) into nodes, in breadth-first order, and takes what the
// workers found. It returns the number of new nodes and, when
// --max-states cut the level, why the search stops.
//
// The workers share its passes over the records (as many as the states
// of the widest depth): the counts and the scatter of a counting sort,
// each over its own range of chunks, the sort of each parent's records,
// and the nodes' arrays and table slots, each over its own range of
// nodes.
func (x *search) endLevel(base uint32, done int) (int, string) {
	// Counting sort of the records by parent, then by move.
	F := len(x.perm)
	nch := int(x.nxt.chunks.Load())
	cb := x.split(nch, recChunkLen)
	nr := len(cb) - 1
	for len(x.counts) < nr {
		x.counts = append(x.counts, nil)
	}
	totals := make([]int, nr)
	parallel(cb, func(w, lo, hi int) {
		c := growTo(x.counts[w], F)
		clear(c)
		x.counts[w] = c
		n := 0
		for id := lo; id < hi; id++ {
			ch := x.nxt.chunk(id)
			for k := 0; k < ch.used; k++ {
				c[ch.t[k*recExtra+rLink]>>16-uint64(base)]++
			}
			n += ch.used
		}
		totals[w] = n
	})
	total := 0
	for _, n := range totals {
		total += n
	}
	// Parent p's records go to [start(p), start(p+1)), those of the
	// first range of chunks first.
	sum := uint32(0)
	for p := 0; p < F; p++ {
		for w := 0; w < nr; w++ {
			c := &x.counts[w][p]
			sum, *c = sum+*c, sum
		}
	}
	x.nextPerm = growTo(x.nextPerm, total)
	parallel(cb, func(w, lo, hi int) {
		c := x.counts[w]
		for id := lo; id < hi; id++ {
			ch := x.nxt.chunk(id)
			for k := 0; k < ch.used; k++ {
				p := ch.t[k*recExtra+rLink]>>16 - uint64(base)
				x.nextPerm[c[p]] = uint32(id*recChunkLen + k)
				c[p]++
			}
		}
	})
	link := func(j int) uint64 { return x.nxt.trl(uint64(x.nextPerm[j]))[rLink] }
	// Each parent's records by move, in ranges that start at a parent's
	// first record.
	gb := x.split(total, 1)
	for w := 1; w+1 < len(gb); w++ {
		gb[w] = max(gb[w], gb[w-1])
		for gb[w] > 0 && gb[w] < total && link(gb[w])>>16 == link(gb[w]-1)>>16 {
			gb[w]++
		}
	}
	parallel(gb, func(_, lo, hi int) {
		for lo < hi {
			g := lo + 1
			for g < hi && link(g)>>16 == link(lo)>>16 {
				g++
			}
			for j := lo + 1; j < g; j++ { // a state has few children
				for k := j; k > lo && link(k) < link(k-1); k-- {
					x.nextPerm[k], x.nextPerm[k-1] = x.nextPerm[k-1], x.nextPerm[k]
				}
			}
			lo = g
		}
	})

	// --max-states: the first K new states in breadth-first order, and
	// what a sequential search would have seen up to the K-th.
	K, stop := total, ""
	cutKey := ^uint64(0)
	upto := done // frontier states whose transitions and terminals count
	if total > 0 && x.parents.n+total >= x.opt.MaxStates {
		K = min(max(x.opt.MaxStates-x.parents.n, 1), total)
		stop = fmt.Sprintf("--max-states %d reached", x.opt.MaxStates)
		cutKey = link(K - 1)
		upto = int(cutKey>>16-uint64(base)) + 1
	}
	for i := 0; i < upto; i++ {
		x.res.Transitions += int(x.trans[i])
	}

	// The first violation of each property at this depth, in
	// breadth-first order: terminal states (key parent<<17), steps
	// (link<<1|1), new states (their own link).
	type best struct {
		ok   bool
		key  uint64
		node int    // terminal: the node; step: the parent
		mv   uint64 // step: the move
		pk   []byte
	}
	var first [model.NumProps]best
	offer := func(bad model.PropSet, key uint64, node int, mv uint64, spk []byte) {
		for p := model.Prop(0); p < model.NumProps; p++ {
			if bad.Has(p) && (!first[p].ok || key < first[p].key) {
				first[p] = best{true, key, node, mv, spk}
			}
		}
	}
	var terms []term
	for _, w := range x.workers {
		terms = append(terms, w.terms...)
		for p := range w.cands {
			if cd := &w.cands[p]; cd.ok && cd.link <= cutKey {
				offer(1<<p, cd.link<<1|1, int(cd.link>>16), cd.link&0xffff, cd.pk)
			}
		}
	}
	sort.Slice(terms, func(a, b int) bool { return terms[a].i < terms[b].i })
	for _, tm := range terms {
		if tm.i >= upto {
			break
		}
		node := int(base) + tm.i
		x.res.Terminal++
		if tm.bad != 0 {
			offer(tm.bad, uint64(node)<<17, node, 0, pk(x.cur.rec(uint64(x.perm[tm.i])), x.size))
		}
		if oc, ok := x.outcomes[tm.text]; ok {
			oc.Count++
		} else {
			x.outcomes[tm.text] = &Outcome{Text: tm.text, Count: 1, Trace: x.traceTo(uint32(node))}
			x.outOrder = append(x.outOrder, tm.text)
		}
	}

	// The new nodes: their parent links, their table slots rewritten into
	// plain keys, and what they violate (kept per range, taken in order).
	n0 := x.parents.n
	x.parents.grow(n0 + K)
	x.moves.grow(n0 + K)
	nb := x.split(K, 1)
	type found struct {
		bad     []int // nodes j whose state violates a state property
		always  int   // the first node j falsifying an "always" check, or -1
		escapes []int // nodes j whose move does not fit in a byte
	}
	fr := make([]found, len(nb)-1)
	parallel(nb, func(w, lo, hi int) {
		f := found{always: -1}
		for j := lo; j < hi; j++ {
			tr := x.nxt.trl(uint64(x.nextPerm[j]))
			l := tr[rLink]
			id := n0 + j
			*x.parents.at(id) = uint32(l >> 16)
			if a, c := uint8(l>>8), uint8(l); a < 15 && c < 16 {
				*x.moves.at(id) = a<<4 | c
			} else {
				*x.moves.at(id) = moveEscape
				f.escapes = append(f.escapes, j)
			}
			x.tab.slots[tr[rSlot]] = x.plainKey(tr, id)
			info := tr[rInfo]
			if model.PropSet(info) != 0 {
				f.bad = append(f.bad, j)
			}
			if info&recAlways != 0 && f.always < 0 {
				f.always = j
			}
		}
		fr[w] = f
	})
	alwaysAt := -1
	for _, f := range fr {
		for _, j := range f.escapes {
			l := x.nxt.trl(uint64(x.nextPerm[j]))[rLink]
			x.bigMoves[uint32(n0+j)] = model.Move{Actor: uint8(l >> 8), Choice: uint8(l)}
		}
		for _, j := range f.bad {
			tr := x.nxt.trl(uint64(x.nextPerm[j]))
			l := tr[rLink]
			offer(model.PropSet(tr[rInfo]), l<<1|1, int(l>>16), l&0xffff, pk(x.nxt.rec(uint64(x.nextPerm[j])), x.size))
		}
		if f.always >= 0 && alwaysAt < 0 {
			alwaysAt = f.always
		}
	}
	if x.exact != nil {
		for j := 0; j < K; j++ {
			x.exact.push(pk(x.nxt.rec(uint64(x.nextPerm[j])), x.size))
		}
	}
	if alwaysAt >= 0 {
		x.scratch = model.State{}
		x.layout.Unpack(&x.scratch, pk(x.nxt.rec(uint64(x.nextPerm[alwaysAt])), x.size))
		x.checkAlways(&x.scratch, uint32(n0+alwaysAt))
	}
	for p := model.Prop(0); p < model.NumProps; p++ {
		b := &first[p]
		if !b.ok {
			continue
		}
		x.scratch = model.State{}
		x.layout.Unpack(&x.scratch, b.pk)
		if b.key&1 == 0 { // a terminal state
			x.explain(&x.scratch, 1<<p, uint32(b.node), nil)
		} else {
			mv := model.Move{Actor: uint8(b.mv >> 8), Choice: uint8(b.mv)}
			x.explain(&x.scratch, 1<<p, uint32(b.node), &mv)
		}
	}

	// The new nodes are the next frontier.
	x.perm, x.nextPerm = x.nextPerm[:K], x.perm[:0]
	x.cur, x.nxt = x.nxt, x.cur
	x.nxt.reset()
	return K, stop
}

func (x *search) moveOf(i uint32) model.Move {
	b := *x.moves.at(int(i))
	if b == moveEscape {
		return x.bigMoves[i]
	}
	return model.Move{Actor: b >> 4, Choice: b & 15}
}

// traceTo returns the moves from the initial state to node i.
func (x *search) traceTo(i uint32) []model.Move {
	var rev []model.Move
	for i != 0 {
		rev = append(rev, x.moveOf(i))
		i = *x.parents.at(int(i))
	}
	tr := make([]model.Move, len(rev))
	for k := range rev {
		tr[k] = rev[len(rev)-1-k]
	}
	return tr
}

// memory is what the bound counts: the explorer's tables and records,
// and the Go runtime's mapped memory beyond the live heap.
func (x *search) memory() int64 {
	mem := x.storedBytes() + x.cur.bytes() + x.nxt.bytes() + int64(cap(x.perm)+cap(x.nextPerm))*4 + int64(cap(x.trans))*2
	for _, c := range x.counts {
		mem += int64(cap(c)) * 4
	}
	for _, w := range x.workers {
		mem += int64(cap(w.later))*16 + int64(cap(w.saved))*8
	}
	if x.exact != nil {
		mem += x.exact.bytes()
	}
	return max(mem, runtimeMemory()+x.tab.mapped())
}

// limits checks the time and memory bounds after a round. The memory
// bound also looks ahead: the table grows when it is 9/10 full, and the
// search stops before a growth that would cross the bound.
func (x *search) limits() string {
	select {
	case <-x.opt.Cancel:
		return "cancelled"
	default:
	}
	if x.opt.Timeout > 0 && time.Since(x.start) >= x.opt.Timeout {
		return fmt.Sprintf("--timeout %s reached", x.opt.Timeout)
	}
	mem := x.memory()
	x.res.Memory = max(x.res.Memory, mem)
	ahead := mem
	if ns := x.target(x.stored() + int64(blockStates)*int64(max(x.maxBranch, 1))); ns != len(x.tab.slots) {
		ahead += x.tab.growth(ns) + x.savedBytes(x.tab.nb, uint64(max(ns/bucketSlots, 2)))
	}
	if ahead >= x.opt.MaxMemory {
		return fmt.Sprintf("memory bound %d MiB reached", x.opt.MaxMemory>>20)
	}
	return ""
}

func (x *search) progress(depth, frontierLeft int) {
	p := Progress{States: x.parents.n, Depth: depth, Frontier: frontierLeft, Memory: x.memory(), Elapsed: time.Since(x.start)}
	if x.opt.OnProgress != nil {
		x.opt.OnProgress(p)
	}
	if x.opt.Progress != nil {
		fmt.Fprintf(x.opt.Progress, "\r%s   ", ProgressLine(p))
	}
}
