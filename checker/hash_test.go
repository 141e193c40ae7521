package checker

import (
	"testing"
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
