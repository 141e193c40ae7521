package checker

import (
	"sync/atomic"
	"unsafe"
)

// A record is one state found at the depth being built: its packed state
// and what the level's end needs. The records of one depth are the next
// frontier; they are the only place whole states live (with --exact,
// every state is also kept, see exactStore).
//
// A chunk keeps its records' packed states (Layout.Size/8 words each) in
// one array and their trailers in another, so that what is read of many
// records at once — an insert's check of a record found at this depth, the
// level's end — is 32 bytes a record, side by side, not a line of each
// state. A trailer is, in 8-byte words:
//
//	fp    the state's fingerprint
//	link  parent node index<<16 | move: the first generator in
//	      breadth-first order (lowered atomically by later generators)
//	slot  the table slot that refers to this record
//	info  the state properties it violates (low 32 bits) | recAlways<<32
const (
	rFP = iota
	rLink
	rSlot
	rInfo
	recExtra
)

// recAlways: the state falsifies one of the scenario's "always" checks.
const recAlways = 1 << 32

// recChunkLen is the number of records in one chunk.
const recChunkLen = 1 << 10

type recChunk struct {
	w    []uint64 // packed states
	t    []uint64 // trailers, recExtra words each
	used int      // records written (by the worker that owns the chunk)
}

// trailer is a record's trailer.
type trailer = *[recExtra]uint64

type recPage [1 << 10]atomic.Pointer[recChunk]

// recSpace holds the records of one depth. Workers take whole chunks
// (chunk ids from an atomic counter) and fill them alone; anyone may read
// a record once a table slot refers to it. The two-level directory never
// moves, so readers need no lock; chunks are reused from one use of the
// space to the next.
type recSpace struct {
	words  int // of a packed state
	pages  [1 << 12]atomic.Pointer[recPage]
	chunks atomic.Int64 // chunk ids handed out
	mem    atomic.Int64 // bytes of chunks allocated
}

func newRecSpace(size int) *recSpace { return &recSpace{words: size / 8} }

// take hands out a fresh chunk id with its (reused or new) chunk.
func (r *recSpace) take() (int, *recChunk) {
	id := int(r.chunks.Add(1) - 1)
	pi, ci := id>>10, id&(1<<10-1)
	if pi >= len(r.pages) {
		panic("checker: more records in one depth than the directory holds")
	}
	p := r.pages[pi].Load()
	if p == nil {
		np := new(recPage)
		if r.pages[pi].CompareAndSwap(nil, np) {
			p = np
		} else {
			p = r.pages[pi].Load()
		}
	}
	ch := p[ci].Load()
	if ch == nil {
		ch = &recChunk{w: make([]uint64, recChunkLen*r.words), t: make([]uint64, recChunkLen*recExtra)}
		r.mem.Add(int64(len(ch.w)+len(ch.t)) * 8)
		p[ci].Store(ch)
	}
	ch.used = 0
	return id, ch
}

// rec returns the packed state of record i.
func (r *recSpace) rec(i uint64) []uint64 {
	o := int(i%recChunkLen) * r.words
	return r.chunk(int(i / recChunkLen)).w[o : o+r.words : o+r.words]
}

// trl returns the trailer of record i.
func (r *recSpace) trl(i uint64) trailer {
	return r.chunk(int(i / recChunkLen)).trl(int(i % recChunkLen))
}

// trl returns the trailer of the chunk's record k.
func (ch *recChunk) trl(k int) trailer { return (trailer)(ch.t[k*recExtra:]) }

// chunk returns chunk id's records written.
func (r *recSpace) chunk(id int) *recChunk { return r.pages[id>>10].Load()[id&(1<<10-1)].Load() }

// reset empties the space, keeping its chunks for reuse.
func (r *recSpace) reset() { r.chunks.Store(0) }

func (r *recSpace) bytes() int64 { return r.mem.Load() }

// pk is the packed state of a record's words.
func pk(w []uint64, size int) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(&w[0])), size)
}

// recCursor is a worker's place in the space: the chunk it fills.
type recCursor struct {
	id int
	ch *recChunk
}

// next returns the index, packed state and trailer of the next free
// record of the worker's chunk, taking a new chunk when it is full. The
// record is taken only by commit.
func (c *recCursor) next(r *recSpace) (uint64, []uint64, trailer) {
	if c.ch == nil || c.ch.used == recChunkLen {
		c.id, c.ch = r.take()
	}
	o := c.ch.used * r.words
	return uint64(c.id)*recChunkLen + uint64(c.ch.used), c.ch.w[o : o+r.words : o+r.words], c.ch.trl(c.ch.used)
}

func (c *recCursor) commit() { c.ch.used++ }

// peek returns the packed state of the record next would return, or nil
// when next takes a new chunk.
func (c *recCursor) peek(r *recSpace) []uint64 {
	if c.ch == nil || c.ch.used == recChunkLen {
		return nil
	}
	o := c.ch.used * r.words
	return c.ch.w[o : o+r.words : o+r.words]
}
