package checker

import (
	"math/bits"
	"sync/atomic"
	"unsafe"
)

// table is the visited set: one 8-byte slot per stored state, shared by
// the workers, who insert into it concurrently with compare-and-swap.
//
// Slots are grouped in buckets of 8 (one cache line). A key's home is
// bucket b1; when b1 is full it goes to bucket b2, then b2+1, b2+2, ...
// Slots are only ever filled, never emptied or changed (but for the
// rewrite of a reference at the end of a level, below), so a lookup may
// stop at the first empty slot: a key whose home bucket has an empty slot
// is either there or nowhere. Two workers inserting the same key meet at
// the same first empty slot, and exactly one of them wins it. Bucket
// indices are computed by multiply-shift ("fastrange"), so the table can
// have any number of buckets and grow by less than doubling: the load
// stays between 3/4 and 9/10 once the table is large.
//
// A slot holds one of:
//
//   - 0: empty;
//   - a plain key (bit 63 clear): the state's 63-bit fingerprint, or with
//     --exact 23 fingerprint bits and 1+the state's node index (the
//     state itself is kept, and compared byte for byte);
//   - a reference (bit 63 set): 23 fingerprint bits and the index of a
//     record of the level being built (a state found at this depth; its
//     record holds the packed state, the fingerprint and the parent link,
//     so that a later generator of the same state can lower the link to
//     the first one in breadth-first order). When the level is done, each
//     reference is rewritten into its plain key.
//
// The table grows in place (see search.resize): its slots are the start
// of one region reserved at the size the table may reach (mapped, where
// the system allows, and touched only as far as the table uses it), so
// that growing rewrites memory already touched and touches the new end,
// instead of filling a new, larger table each time. Fresh pages are what
// a growth costs most: a fault each, and on a virtual machine often a
// fault of the host too.
type table struct {
	slots []uint64 // 8 per bucket; slots[len:cap] are zero and never written
	nb    uint64   // buckets
	n     atomic.Int64
	mem   *slab // the reserved region, or nil: the slots are Go memory
}

const (
	bucketSlots = 8
	refBit      = 1 << 63
	tagShift    = 40
	tagBits     = 23
	idxMask     = 1<<tagShift - 1
)

func newTable(slots int) *table {
	nb := uint64(max(slots/bucketSlots, 2))
	return &table{slots: alignedSlots(nb), nb: nb}
}

// newTableIn is newTable with room reserved to grow in place up to limit
// bytes (where the system cannot reserve it, the table is newTable's).
// The caller releases the table.
func newTableIn(slots int, limit int64) *table {
	nb := uint64(max(slots/bucketSlots, 2))
	var m *slab
	if !raceEnabled {
		m = reserveSlab(max(limit, int64(nb)*bucketSlots*8))
	}
	if m != nil && !m.commit(m.slots[:nb*bucketSlots]) {
		m.release()
		m = nil
	}
	if m == nil {
		return newTable(slots)
	}
	return &table{slots: m.slots[:nb*bucketSlots], nb: nb, mem: m}
}

// grow makes the table nb buckets with its keys where they are: in the
// first buckets, in their old places (the caller moves them). Past the
// reserved region, or where the system will not commit more of it, the
// slots are copied to Go memory.
func (t *table) grow(nb uint64) {
	n := nb * bucketSlots
	if n > uint64(cap(t.slots)) || t.mem != nil && !t.mem.commit(t.slots[len(t.slots):n]) {
		s := alignedSlots(nb)
		copy(s, t.slots)
		t.release()
		t.slots = s[:len(t.slots)]
	}
	t.slots = t.slots[:n]
	t.nb = nb
}

// release gives back the table's memory: the reserved region, or the huge
// page advice on Go memory. The table must not be used again.
func (t *table) release() {
	if t.mem != nil {
		t.mem.release()
		t.mem = nil
	} else {
		dropHugePages(t.slots[:cap(t.slots)])
	}
}

// alignedSlots allocates nb buckets starting on a 64-byte boundary.
func alignedSlots(nb uint64) []uint64 {
	raw := make([]uint64, nb*bucketSlots+bucketSlots)
	off := 0
	for uintptr(unsafe.Pointer(&raw[off]))%64 != 0 {
		off++
	}
	s := raw[off : off+int(nb*bucketSlots)]
	hugePages(s)
	return s
}

// tag is the part of a fingerprint a reference or an --exact key keeps.
func tag(fp uint64) uint64 { return (fp >> (63 - tagBits)) & (1<<tagBits - 1) }

// plainFP is the fingerprint as a plain key: 63 bits, never 0.
func plainFP(fp uint64) uint64 {
	fp &^= refBit
	if fp == 0 {
		fp = 1
	}
	return fp
}

// buckets are a plain key's two buckets (fastrange of two 64-bit mixes
// of its 63 bits).
func (t *table) buckets(key uint64) (b1, b2 uint64) { return t.home(key), t.second(key) }

// second is plain key key's second bucket, where its probe goes on when
// the home bucket is full.
func (t *table) second(key uint64) uint64 {
	b2, _ := bits.Mul64(bits.RotateLeft64(key, 29)*0x9E3779B97F4A7C15, t.nb)
	return b2
}

// home is plain key key's home bucket.
func (t *table) home(key uint64) uint64 { return homeIn(key, t.nb) }

// homeIn is plain key key's home bucket in a table of nb buckets.
func homeIn(key, nb uint64) uint64 {
	b1, _ := bits.Mul64(key<<1|key>>62, nb)
	return b1
}

// placeHome puts v at the first empty slot of bucket b, if it has one,
// with a plain store: for a resize's first pass, where no other worker
// writes to b.
func (t *table) placeHome(b, v uint64) (uint64, bool) {
	for i := b * bucketSlots; i < b*bucketSlots+bucketSlots; i++ {
		if t.slots[i] == 0 {
			t.slots[i] = v
			return i, true
		}
	}
	return 0, false
}

// touch prefetches key's home bucket, so that the cache line is on its
// way while the caller does other work before inserting.
func (t *table) touch(key uint64) {
	prefetch(&t.slots[t.home(plainFP(key))*bucketSlots])
}

// probe calls visit on the slots of fp's probe sequence, in order, until
// visit returns true. The caller guarantees a free slot exists.
func (t *table) probe(fp uint64, visit func(i uint64) bool) {
	b1, b := t.buckets(fp)
	for i := b1 * bucketSlots; i < b1*bucketSlots+bucketSlots; i++ {
		if visit(i) {
			return
		}
	}
	for {
		for i := b * bucketSlots; i < b*bucketSlots+bucketSlots; i++ {
			if visit(i) {
				return
			}
		}
		if b++; b == t.nb {
			b = 0
		}
	}
}

// place puts v (known to be absent) at the first empty slot of fp's
// sequence, concurrently with other placements, and returns the slot.
func (t *table) place(fp, v uint64) uint64 {
	var at uint64
	t.probe(fp, func(i uint64) bool {
		if atomic.LoadUint64(&t.slots[i]) == 0 && atomic.CompareAndSwapUint64(&t.slots[i], 0, v) {
			at = i
			return true
		}
		return false
	})
	return at
}

// ovMark marks a slot past which a key's probe goes on in the overflow map.
const ovMark = ^uint64(0)

// hardLimit: past it, new keys go to the overflow map (so a probe always
// ends at an empty slot, its key, or a mark).
func (t *table) hardLimit() int64 { return int64(len(t.slots)) - int64(len(t.slots))/32 }

func (t *table) bytes() int64 { return int64(len(t.slots)) * 8 }

// mapped is the memory of the table outside the Go heap (its reserved
// region's used part), which the runtime's figures do not count.
func (t *table) mapped() int64 {
	if t.mem == nil {
		return 0
	}
	return t.bytes()
}

// growth is the memory growing to ns slots adds: the new end in place,
// or, past the reserved region, a whole new table beside the old one.
func (t *table) growth(ns int) int64 {
	if ns <= cap(t.slots) {
		return int64(ns-len(t.slots)) * 8
	}
	return int64(ns) * 8
}
