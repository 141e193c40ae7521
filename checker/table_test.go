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
