package checker

import (
	"encoding/binary"
	"math/bits"
)

// fingerprint hashes a packed state (model.Layout.Pack: a multiple of 8
// bytes). It is wyhash's folded 64×64→128-bit multiply over 16 bytes at a
// time, with fixed secrets, so that runs are reproducible. It allocates
// nothing.
func fingerprint(b []byte) uint64 {
	const (
		s0 = 0xa0761d6478bd642f
		s1 = 0xe7037ed1a0b428db
		s2 = 0x8ebc6af09c88c6e3
	)
	h := uint64(len(b)) ^ s0
	for len(b) >= 16 {
		h = mix(binary.LittleEndian.Uint64(b)^s1, binary.LittleEndian.Uint64(b[8:])^h)
		b = b[16:]
	}
	if len(b) >= 8 {
		h = mix(binary.LittleEndian.Uint64(b)^s1, h^s2)
	}
	return mix(h^s0, h^s1)
}

func mix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
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
	if s.full() {
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

// full: the next insert grows the table (load 3/4).
func (s *fpSet) full() bool { return 4*(s.n+1) > 3*len(s.keys) }

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
