package checker

import (
	"math/bits"
	"unsafe"

	"jobctl/model"
)

// The fingerprint of a state is a sum of group hashes. A layout's used
// sections (model.Layout) touch some of State's 8-byte words; the plan
// lists them in order, four to a group, and a group's hash mixes its four
// words with secrets of their own (wyhash's folded 64×64→128-bit multiply,
// two independent multiplies a group). The fingerprint is a bijective
// finalizer of the seed plus every group's hash, modulo 2⁶⁴.
//
// A sum can be updated: a step changes one or two tasks and a few small
// fields, so a successor is compared with the state it came from group by
// group, and only the groups that differ are hashed again (delta). The
// same comparison says which words to keep for the successor (save) and
// to put back into the stepping buffer (restore), so that the worker never
// copies a whole state per step.
//
// Bytes of State outside the used sections are zero in every state of
// the scenario, so a word that a section only partly covers is hashed
// whole (the explorer checks, with verifySteps, that a step leaves them
// alone). Runs are reproducible: the secrets are fixed. Nothing allocates.
type hashPlan struct {
	off  [4 * maxGroups]uintptr // byte offset in State of each word of each group
	key  [4 * maxGroups]uint64  // each word's secret
	ng   int                    // groups
	all  uint64                 // the mask of every group
	seed uint64
}

// maxGroups is the number of groups a State has at most: the plan's masks
// have a bit per group.
const maxGroups = (model.StateSize/8 + 3) / 4

var _ [64 - maxGroups]struct{} // a group mask fits in a uint64

const (
	s0 = 0xa0761d6478bd642f
	s1 = 0xe7037ed1a0b428db
)

func newHashPlan(L *model.Layout) *hashPlan {
	p := &hashPlan{seed: uint64(L.Size) * s0}
	var words []uintptr
	for i := 0; i < L.NumSections(); i++ {
		lo := L.SectionOffset(i) &^ 7
		hi := min((L.SectionOffset(i)+uintptr(L.SectionLen(i))+7)&^7, uintptr(model.StateSize))
		for o := lo; o < hi; o += 8 {
			if len(words) == 0 || words[len(words)-1] < o { // sections are in order
				words = append(words, o)
			}
		}
	}
	// The last group is filled up with its last word again: hashing or
	// copying a word twice changes nothing.
	for len(words)%4 != 0 {
		words = append(words, words[len(words)-1])
	}
	p.ng = len(words) / 4
	p.all = 1<<p.ng - 1
	z := uint64(s1)
	for j, o := range words {
		p.off[j] = o
		z += 0x9E3779B97F4A7C15 // splitmix64
		k := (z ^ z>>30) * 0xBF58476D1CE4E5B9
		k = (k ^ k>>27) * 0x94D049BB133111EB
		p.key[j] = k ^ k>>31
	}
	return p
}

// word is the 8-byte word of s at byte offset off; setWord sets it.
func word(s *model.State, off uintptr) uint64 {
	return *(*uint64)(unsafe.Add(unsafe.Pointer(s), off))
}

func setWord(s *model.State, off uintptr, v uint64) {
	*(*uint64)(unsafe.Add(unsafe.Pointer(s), off)) = v
}

// offs is where the words of group g are in a State.
func (p *hashPlan) offs(g int) *[4]uintptr { return (*[4]uintptr)(p.off[4*g:]) }

// group is the hash of group g of s.
func (p *hashPlan) group(s *model.State, g int) uint64 {
	o, k := p.offs(g), (*[4]uint64)(p.key[4*g:])
	return mix(word(s, o[0])^k[0], word(s, o[1])^k[1]) + mix(word(s, o[2])^k[2], word(s, o[3])^k[3])
}

// groups fills h with the hash of every group of s and returns their sum
// with the seed: fingerprint(sum) is s's fingerprint.
func (p *hashPlan) groups(s *model.State, h *[maxGroups]uint64) uint64 {
	sum := p.seed
	for g := 0; g < p.ng; g++ {
		h[g] = p.group(s, g)
		sum += h[g]
	}
	return sum
}

// delta compares next with cur (whose group hashes are h and their sum
// sum) and returns next's sum and the mask of the groups that differ: 0
// when next is cur.
func (p *hashPlan) delta(next, cur *model.State, h *[maxGroups]uint64, sum uint64) (uint64, uint64) {
	var mask uint64
	for g := 0; g < p.ng && g < maxGroups; g++ {
		o := p.offs(g)
		// (^ and | bind alike in Go: each difference in parentheses.)
		if (word(next, o[0])^word(cur, o[0]))|(word(next, o[1])^word(cur, o[1]))|
			(word(next, o[2])^word(cur, o[2]))|(word(next, o[3])^word(cur, o[3])) != 0 {
			mask |= 1 << g
			sum += p.group(next, g) - h[g]
		}
	}
	return sum, mask
}

// save keeps the words of the groups in mask of s in v.
func (p *hashPlan) save(v *[maxGroups][4]uint64, s *model.State, mask uint64) {
	for ; mask != 0; mask &= mask - 1 {
		g := bits.TrailingZeros64(mask)
		o := p.offs(g)
		v[g] = [4]uint64{word(s, o[0]), word(s, o[1]), word(s, o[2]), word(s, o[3])}
	}
}

// apply writes the words v keeps for the groups in mask into s.
func (p *hashPlan) apply(s *model.State, v *[maxGroups][4]uint64, mask uint64) {
	for ; mask != 0; mask &= mask - 1 {
		g := bits.TrailingZeros64(mask)
		o := p.offs(g)
		for j := range 4 {
			setWord(s, o[j], v[g][j])
		}
	}
}

// restore copies the groups in mask from src to dst.
func (p *hashPlan) restore(dst, src *model.State, mask uint64) {
	for ; mask != 0; mask &= mask - 1 {
		g := bits.TrailingZeros64(mask)
		o := p.offs(g)
		for j := range 4 {
			setWord(dst, o[j], word(src, o[j]))
		}
	}
}

// fpState is the fingerprint of s.
func (p *hashPlan) fpState(s *model.State) uint64 {
	var h [maxGroups]uint64
	return fingerprint(p.groups(s, &h))
}

// fpPacked is the fingerprint of packed state b (of layout L): fpState of
// the state it packs.
func (p *hashPlan) fpPacked(L *model.Layout, b []byte) uint64 {
	var s model.State
	L.Unpack(&s, b)
	return p.fpState(&s)
}

// fingerprint is the fingerprint of a state whose group hashes sum to
// sum: murmur3's 64-bit finalizer, a bijection, so that states whose sums
// differ keep different fingerprints and every bit depends on every bit
// of the sum.
func fingerprint(sum uint64) uint64 {
	sum ^= sum >> 33
	sum *= 0xff51afd7ed558ccd
	sum ^= sum >> 33
	sum *= 0xc4ceb9fe1a85ec53
	sum ^= sum >> 33
	return sum
}

func mix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}
