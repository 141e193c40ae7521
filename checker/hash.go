package checker

import (
	"encoding/binary"
	"math/bits"

	"jobctl/model"
)

// The fingerprint of a state is a hash of its used sections
// (model.Layout), one after another, with fixed secrets so that runs are
// reproducible. It can be computed on the state in place (fpState: a
// successor is hashed without being packed, and packed only if it is
// new) or on its packed form (fpPacked), with the same result. It
// allocates nothing.
//
// The rounds are wyhash's folded 64×64→128-bit multiply. Two lanes
// take 16 bytes each per round, so that the multiplies of a round do not
// wait for each other.
const (
	s0 = 0xa0761d6478bd642f
	s1 = 0xe7037ed1a0b428db
	s2 = 0x8ebc6af09c88c6e3
	s3 = 0x589965cc75374cc3
)

// fpState is the fingerprint of s.
func fpState(L *model.Layout, s *model.State) uint64 {
	h, g := uint64(L.Size)^s0, uint64(L.Size)^s3
	for i := 0; i < L.NumSections(); i++ {
		h, g = absorb(h, g, L.Section(s, i))
	}
	return final(h, g)
}

// fpPacked is the fingerprint of packed state b: fpState of the state
// it packs.
func fpPacked(L *model.Layout, b []byte) uint64 {
	h, g := uint64(L.Size)^s0, uint64(L.Size)^s3
	o := 0
	for i := 0; i < L.NumSections(); i++ {
		n := L.SectionLen(i)
		h, g = absorb(h, g, b[o:o+n])
		o += n
	}
	return final(h, g)
}

// absorb takes bytes b into the lanes h, g. Every byte counts, and
// where it is: a layout's sections have fixed lengths, the seed holds
// the packed size, and the tail's length (0 to 7) is mixed in with it.
func absorb(h, g uint64, b []byte) (uint64, uint64) {
	for len(b) >= 32 {
		h = mix(binary.LittleEndian.Uint64(b)^s1, binary.LittleEndian.Uint64(b[8:])^h)
		g = mix(binary.LittleEndian.Uint64(b[16:])^s2, binary.LittleEndian.Uint64(b[24:])^g)
		b = b[32:]
	}
	if len(b) >= 16 {
		h = mix(binary.LittleEndian.Uint64(b)^s1, binary.LittleEndian.Uint64(b[8:])^h)
		b = b[16:]
	}
	if len(b) >= 8 {
		g = mix(binary.LittleEndian.Uint64(b)^s2, g^s1)
		b = b[8:]
	}
	// The last 0 to 7 bytes: one load masked to them where the slice's
	// capacity allows (the bytes after them do not count), else byte by
	// byte.
	var t uint64
	if r := len(b); r > 0 && cap(b) >= 8 {
		t = binary.LittleEndian.Uint64(b[:8]) & (1<<(8*r) - 1)
	} else {
		for i := len(b) - 1; i >= 0; i-- {
			t = t<<8 | uint64(b[i])
		}
	}
	h = mix(t^s3, h^uint64(len(b))^s2)
	return h, g
}

func final(h, g uint64) uint64 {
	return mix(h^s0, g^s1)
}

func mix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}
