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
