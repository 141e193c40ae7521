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

// TestFPSet: the open-addressing set keeps every key across growth, tells
// new from old, and stores the fingerprint 0 as 1.
func TestFPSet(t *testing.T) {
	s := newFPSet()
	const n = 20000 // several doublings from 4096 slots
	key := func(i int) uint64 { return uint64(i)*0x9E3779B97F4A7C15 + 7 }
	for i := 0; i < n; i++ {
		if !s.insert(key(i)) {
			t.Fatalf("key %d reported as seen", i)
		}
	}
	for i := 0; i < n; i++ {
		if s.insert(key(i)) || !s.contains(key(i)) {
			t.Fatalf("key %d lost", i)
		}
	}
	if s.n != n || len(s.keys) < n*4/3 || s.bytes() != int64(len(s.keys))*8 {
		t.Errorf("n %d, %d slots", s.n, len(s.keys))
	}
	if s.contains(key(n)) || s.contains(0) {
		t.Error("contains a key never inserted")
	}
	if !s.insert(0) || !s.contains(1) || s.insert(1) {
		t.Error("fingerprint 0 is not stored as 1")
	}
}
