package checker

import (
	"testing"

	"jobctl/model"
)

// TestFingerprintSeesEveryByte: flipping any bit of any byte of a packed
// state changes its fingerprint (for every packed size a scenario can
// have up to a few hundred bytes).
func TestFingerprintSeesEveryByte(t *testing.T) {
	for _, n := range []int{8, 16, 24, 136, 256, 936} {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i*7 + n)
		}
		base := fingerprint(b)
		for i := range b {
			for bit := 0; bit < 8; bit++ {
				b[i] ^= 1 << bit
				if fingerprint(b) == base {
					t.Errorf("size %d: flipping bit %d of byte %d does not change the fingerprint", n, bit, i)
				}
				b[i] ^= 1 << bit
			}
		}
		if fingerprint(b) != base {
			t.Fatal("fingerprint is not a function of the bytes")
		}
	}
}

// TestFingerprintAllocs: hashing a packed state allocates nothing.
func TestFingerprintAllocs(t *testing.T) {
	b := make([]byte, 136)
	b[3] = 1
	var sink uint64
	if n := testing.AllocsPerRun(100, func() { sink ^= fingerprint(b) }); n != 0 {
		t.Errorf("fingerprint allocates %v times per call", n)
	}
	_ = sink
}

// TestFingerprintPackedIsInPlace: a state's fingerprint is the same
// whether it is hashed in place (a successor, fpState) or packed (a
// record, fpPacked), at every state of a group stop under the freezer
// and for every layout size of the scaling family.
func TestFingerprintPackedIsInPlace(t *testing.T) {
	for n := 1; n <= 4; n++ {
		m, s := scaleMachine(t, n)
		L := &m.P.Layout
		buf := make([]byte, L.Size)
		seen := map[uint64]bool{}
		queue := []model.State{s}
		for len(queue) > 0 && len(seen) < 3000 {
			cur := queue[0]
			queue = queue[1:]
			L.Pack(buf, &cur)
			fs, fp := fpState(L, &cur), fpPacked(L, buf)
			if fs != fp {
				t.Fatalf("%d threads: fpState %#x, fpPacked %#x", n, fs, fp)
			}
			if seen[fs] {
				continue
			}
			seen[fs] = true
			for _, mv := range Enabled(m, &cur) {
				next := cur
				m.Step(&next, mv)
				queue = append(queue, next)
			}
		}
		if len(seen) < 50 {
			t.Fatalf("%d threads: only %d states hashed", n, len(seen))
		}
	}
}

// fingerprint hashes b as one section (the hash's own tests).
func fingerprint(b []byte) uint64 {
	h, g := absorb(uint64(len(b))^s0, uint64(len(b))^s3, b)
	return final(h, g)
}
