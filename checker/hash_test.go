package checker

import (
	"testing"
	"unsafe"

	"jobctl/model"
)

// TestFingerprintSeesEveryByte: flipping any bit of any byte of a used
// section changes a state's fingerprint, and the incremental hash (delta)
// sees the same change, for every layout size of the scaling family.
func TestFingerprintSeesEveryByte(t *testing.T) {
	for n := 1; n <= 8; n++ {
		m, s := scaleMachine(t, n&3+1)
		L := &m.P.Layout
		hp := newHashPlan(L)
		if n > 4 { // every used byte non-zero: no bit a change could hide behind
			b := unsafe.Slice((*byte)(unsafe.Pointer(&s)), model.StateSize)
			for sec := 0; sec < L.NumSections(); sec++ {
				off := int(L.SectionOffset(sec))
				for i := off; i < off+L.SectionLen(sec); i++ {
					b[i] = byte(i*37 + 1)
				}
			}
		}
		var h [maxGroups]uint64
		sum := hp.groups(&s, &h)
		base := hp.fpState(&s)
		if fingerprint(sum) != base {
			t.Fatal("fpState is not the fingerprint of the groups' sum")
		}
		b := unsafe.Slice((*byte)(unsafe.Pointer(&s)), model.StateSize)
		bytes := 0
		for sec := 0; sec < L.NumSections(); sec++ {
			off := int(L.SectionOffset(sec))
			for i := off; i < off+L.SectionLen(sec); i++ {
				bytes++
				for bit := 0; bit < 8; bit++ {
					orig := s
					b[i] ^= 1 << bit
					if hp.fpState(&s) == base {
						t.Errorf("%d threads: flipping bit %d of byte %d does not change the fingerprint", n, bit, i)
					}
					if ds, mask := hp.delta(&s, &orig, &h, sum); mask == 0 || fingerprint(ds) != hp.fpState(&s) {
						t.Errorf("%d threads: byte %d bit %d: delta (mask %#x) is not the changed state's fingerprint", n, i, bit, mask)
					}
					b[i] ^= 1 << bit
				}
			}
		}
		if bytes != L.Size && bytes > L.Size || bytes < L.Size-7 {
			t.Fatalf("%d threads: %d bytes in the sections, packed size %d", n, bytes, L.Size)
		}
		if hp.fpState(&s) != base {
			t.Fatal("the fingerprint is not a function of the state")
		}
	}
}

// TestFingerprintAllocs: hashing a state, whole or by delta, allocates
// nothing.
func TestFingerprintAllocs(t *testing.T) {
	m, s := scaleMachine(t, 2)
	hp := newHashPlan(&m.P.Layout)
	var h [maxGroups]uint64
	next := s
	next.Task[0].Jobctl ^= 1
	var sink uint64
	if n := testing.AllocsPerRun(100, func() {
		sum := hp.groups(&s, &h)
		d, mask := hp.delta(&next, &s, &h, sum)
		sink ^= hp.fpState(&s) + d + mask
	}); n != 0 {
		t.Errorf("hashing allocates %v times per call", n)
	}
	_ = sink
}

// TestFingerprintPackedIsInPlace walks a group stop under the freezer for
// every layout size of the scaling family and checks, at every state and
// every successor, what the explorer relies on: a state's fingerprint is
// the same hashed in place (fpState) or packed (fpPacked); the delta
// from the parent gives the successor's fingerprint, and a zero mask
// exactly when the successor is the parent; save and apply rebuild the
// successor from the parent, and restore turns it back into the parent.
func TestFingerprintPackedIsInPlace(t *testing.T) {
	for n := 1; n <= 4; n++ {
		m, s := scaleMachine(t, n)
		L := &m.P.Layout
		hp := newHashPlan(L)
		buf := make([]byte, L.Size)
		seen := map[uint64]bool{}
		queue := []model.State{s}
		var h [maxGroups]uint64
		var vals [maxGroups][4]uint64
		steps := 0
		for len(queue) > 0 && len(seen) < 3000 {
			cur := queue[0]
			queue = queue[1:]
			L.Pack(buf, &cur)
			fs, fp := hp.fpState(&cur), hp.fpPacked(L, buf)
			if fs != fp {
				t.Fatalf("%d threads: fpState %#x, fpPacked %#x", n, fs, fp)
			}
			if seen[fs] {
				continue
			}
			seen[fs] = true
			sum := hp.groups(&cur, &h)
			for _, mv := range Enabled(m, &cur) {
				next := cur
				m.Step(&next, mv)
				steps++
				d, mask := hp.delta(&next, &cur, &h, sum)
				if fingerprint(d) != hp.fpState(&next) {
					t.Fatalf("%d threads, %s: the delta's fingerprint is not the successor's", n, m.MoveString(&cur, mv))
				}
				if (mask == 0) != (next == cur) {
					t.Fatalf("%d threads, %s: mask %#x, successor equal to parent: %v", n, m.MoveString(&cur, mv), mask, next == cur)
				}
				hp.save(&vals, &next, mask)
				re := cur
				hp.apply(&re, &vals, mask)
				if re != next {
					t.Fatalf("%d threads, %s: save and apply do not rebuild the successor", n, m.MoveString(&cur, mv))
				}
				hp.restore(&re, &cur, mask)
				if re != cur {
					t.Fatalf("%d threads, %s: restore does not give back the parent", n, m.MoveString(&cur, mv))
				}
				queue = append(queue, next)
			}
		}
		if len(seen) < 50 || steps < 100 {
			t.Fatalf("%d threads: only %d states hashed, %d steps", n, len(seen), steps)
		}
	}
}
