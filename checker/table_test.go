package checker

import (
	"encoding/binary"
	"sync"
	"testing"
)

// tableSearch is a search with just what insert needs: 8-byte states.
func tableSearch(workers int) *search {
	x := &search{size: 8, nxt: newRecSpace(8), cur: newRecSpace(8), tab: newTable(minSlots), ov: map[uint64][]uint64{}}
	for range workers {
		x.workers = append(x.workers, &worker{})
	}
	return x
}

// insertAll inserts keys [0, n) from every worker concurrently, each
// worker with its own links (worker w's link for key k is k*workers+w),
// and returns how many inserts reported a new state.
func insertAll(x *search, n int) int {
	var wg sync.WaitGroup
	x.share()
	defer x.fold()
	news := make([]int, len(x.workers))
	for w := range x.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &x.workers[w].cursor
			for k := 0; k < n; k++ {
				kk := (k*7919 + w*104729) % n // a different order per worker
				ri, rw, tr := c.next(x.nxt)
				binary.LittleEndian.PutUint64(pk(rw, 8), uint64(kk))
				if x.insert(x.workers[w], ri, rw, tr, fingerprint(uint64(kk)), uint64(kk*len(x.workers)+w)) {
					c.commit()
					news[w]++
				}
			}
		}()
	}
	wg.Wait()
	total := 0
	for _, v := range news {
		total += v
	}
	return total
}

// TestTableConcurrentInsert: four workers inserting the same keys in
// different orders find each key new exactly once, and its record keeps
// the smallest link of all its inserts — past the table's hard limit (the
// overflow map) too, and after the table grows.
func TestTableConcurrentInsert(t *testing.T) {
	const workers, n = 4, 5000 // more than the minimal table holds
	x := tableSearch(workers)
	if got := insertAll(x, n); got != n {
		t.Fatalf("%d inserts reported new, want %d", got, n)
	}
	if x.ovN.Load() == 0 {
		t.Fatalf("the overflow map was not used (table of %d slots, %d keys)", len(x.tab.slots), x.tab.n.Load())
	}
	if x.stored() != n {
		t.Fatalf("stored %d, want %d", x.stored(), n)
	}
	check := func(when string) {
		seen := map[uint64]bool{}
		for id := 0; id < int(x.nxt.chunks.Load()); id++ {
			ch := x.nxt.chunk(id)
			for k := 0; k < ch.used; k++ {
				rw, tr := ch.w[k*x.nxt.words:(k+1)*x.nxt.words], ch.trl(k)
				key := binary.LittleEndian.Uint64(pk(rw, 8))
				if seen[key] {
					t.Fatalf("%s: key %d has two records", when, key)
				}
				seen[key] = true
				if want := key * workers; tr[rLink] != want {
					t.Errorf("%s: key %d keeps link %d, want the smallest, %d", when, key, tr[rLink], want)
				}
				if s := tr[rSlot]; s != noSlot && x.tab.slots[s]&idxMask != uint64(id*recChunkLen+k) {
					t.Errorf("%s: key %d: slot %d does not refer to its record", when, key, s)
				}
			}
		}
		if len(seen) != n {
			t.Errorf("%s: %d records, want %d", when, len(seen), n)
		}
	}
	check("before growing")
	x.resize()
	if x.ovN.Load() != 0 || len(x.ov) != 0 || x.tab.n.Load() != n {
		t.Fatalf("after resize: %d overflow keys, %d in the table", x.ovN.Load(), x.tab.n.Load())
	}
	if l := float64(n) / float64(len(x.tab.slots)); l > 0.9 {
		t.Errorf("load %.2f after resize", l)
	}
	check("after growing")
	// Every key is still there: inserting again finds it.
	if got := insertAll(x, n); got != 0 {
		t.Errorf("%d keys reported new on the second pass", got)
	}
}

// TestTableSizes: the sizes grow by doubling, then by a fifth, and a
// table at its target size is at most 9/10 full with room for a block.
func TestTableSizes(t *testing.T) {
	if nextSize(1<<12) != 1<<13 || nextSize(doubleBelow) != doubleBelow/40*48 {
		t.Errorf("nextSize: %d, %d", nextSize(1<<12), nextSize(doubleBelow))
	}
	x := tableSearch(1)
	x.maxBranch = 10
	for _, n := range []int64{0, 1000, 100000, 10_000_000} {
		ns := x.target(n)
		if (n+int64(ns)/16)*10 > int64(ns)*9 && (n+blockStates*10)*10 > int64(ns)*9 {
			t.Errorf("target(%d) = %d slots: too full", n, ns)
		}
		if ns > minSlots && n*10 < int64(ns)/2 {
			t.Errorf("target(%d) = %d slots: too large", n, ns)
		}
	}
}

// TestTableGrowInPlace: growing the table in place, by any ratio (a
// fifth, doubling, more, or keeping its size to move the overflow map in)
// and with any number of workers, keeps every key findable and every
// record's slot pointing at its reference — with keys of earlier depths
// (plain) and of this one (references) mixed, as at a block boundary.
func TestTableGrowInPlace(t *testing.T) {
	for _, workers := range []int{1, 2, 3, 4} {
		for _, ratio := range []float64{1, 1.2, 2, 3.7} {
			x := tableSearch(workers)
			x.tab.release()
			x.tab = newTableIn(1<<14, 64<<20)
			const old, cur = 6000, 3000
			// Plain keys of earlier depths, as a level's end leaves them.
			for k := range old {
				key := plainFP(fingerprint(uint64(1e6 + k)))
				x.tab.slots[x.tab.place(key, key)] = key
			}
			x.tab.n.Store(old)
			if got := insertAll(x, cur); got != cur {
				t.Fatalf("%d inserts reported new, want %d", got, cur)
			}
			ns := int(float64(len(x.tab.slots)) * ratio)
			x.rehash(ns)
			if len(x.tab.slots) != ns/bucketSlots*bucketSlots || x.tab.n.Load() != old+cur || len(x.ov) != 0 {
				t.Fatalf("workers %d, ratio %.1f: %d slots, %d keys, %d overflow", workers, ratio, len(x.tab.slots), x.tab.n.Load(), len(x.ov))
			}
			found := 0
			for k := range old {
				key := plainFP(fingerprint(uint64(1e6 + k)))
				x.tab.probe(key, func(i uint64) bool {
					v := x.tab.slots[i]
					if v == 0 {
						t.Fatalf("workers %d, ratio %.1f: plain key %d lost", workers, ratio, k)
					}
					if v == key {
						found++
						return true
					}
					return false
				})
			}
			for id := 0; id < int(x.nxt.chunks.Load()); id++ {
				ch := x.nxt.chunk(id)
				for k := 0; k < ch.used; k++ {
					tr := ch.trl(k)
					if v := x.tab.slots[tr[rSlot]]; v&refBit == 0 || v&idxMask != uint64(id*recChunkLen+k) {
						t.Fatalf("workers %d, ratio %.1f: record %d: its slot holds %#x", workers, ratio, id*recChunkLen+k, v)
					}
					found++
				}
			}
			if found != old+cur {
				t.Errorf("workers %d, ratio %.1f: %d keys found, want %d", workers, ratio, found, old+cur)
			}
			if got := insertAll(x, cur); got != 0 {
				t.Errorf("workers %d, ratio %.1f: %d keys of this depth reported new after growing", workers, ratio, got)
			}
			x.tab.release()
		}
	}
}
