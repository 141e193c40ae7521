package checker

import (
	"unsafe"

	"jobctl/model"
)

// stateWords is the size of model.State in 64-bit words. State has no
// padding and a size that is a multiple of 8 (asserted in tests), so its
// bytes are its value.
const stateWords = unsafe.Sizeof(model.State{}) / 8

// fingerprint hashes the bytes of a state: a 64-bit multiply-xorshift mix
// of each word (wyhash-style), fixed seed, so that runs are reproducible.
// It allocates nothing.
func fingerprint(s *model.State) uint64 {
	w := (*[stateWords]uint64)(unsafe.Pointer(s))
	h := uint64(0x9E3779B97F4A7C15)
	for _, x := range w {
		h ^= x
		h *= 0xbf58476d1ce4e5b9
		h ^= h >> 31
		h *= 0x94d049bb133111eb
		h ^= h >> 29
	}
	return h
}

// fpSet is an open-addressing set of fingerprints; 0 marks an empty slot
// (a real fingerprint of 0 is stored as 1). It grows by doubling.
type fpSet struct {
	keys []uint64
	n    int
}

func newFPSet() *fpSet { return &fpSet{keys: make([]uint64, 1<<12)} }

// insert adds fp and reports whether it was new.
func (s *fpSet) insert(fp uint64) bool {
	if fp == 0 {
		fp = 1
	}
	if 4*(s.n+1) > 3*len(s.keys) {
		s.grow()
	}
	mask := uint64(len(s.keys) - 1)
	for i := fp & mask; ; i = (i + 1) & mask {
		switch s.keys[i] {
		case 0:
			s.keys[i] = fp
			s.n++
			return true
		case fp:
			return false
		}
	}
}

// contains reports whether fp is in the set. It only reads, so workers may
// call it concurrently while nobody inserts.
func (s *fpSet) contains(fp uint64) bool {
	if fp == 0 {
		fp = 1
	}
	mask := uint64(len(s.keys) - 1)
	for i := fp & mask; ; i = (i + 1) & mask {
		switch s.keys[i] {
		case 0:
			return false
		case fp:
			return true
		}
	}
}

func (s *fpSet) grow() {
	old := s.keys
	s.keys = make([]uint64, 2*len(old))
	s.n = 0
	for _, k := range old {
		if k != 0 {
			s.insert(k)
		}
	}
}

func (s *fpSet) bytes() int64 { return int64(len(s.keys)) * 8 }
