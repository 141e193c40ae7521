package model

import "unsafe"

// Layout is the part of State one scenario uses: a prefix of each array
// (its tasks, thread groups, outside actors and result slots) and the
// small fields after them. Every byte outside it is zero in every state of
// the scenario — steps only ever index the scenario's own tasks, groups,
// actors and slots — so packing the used sections is lossless, and a
// two-thread scenario is stored and hashed at its own size, not at the
// bounds' (MaxTasks, MaxResults, ...).
type Layout struct {
	sec  [numSections]section
	nsec int
	// Size is the packed size in bytes, a multiple of 8.
	Size int
}

type section struct{ off, n uintptr }

const numSections = 6

// stateSize is the size of State in bytes.
const stateSize = unsafe.Sizeof(State{})

func newLayout(p *Program) Layout {
	var s State
	var l Layout
	add := func(off, n uintptr) {
		if n == 0 {
			return
		}
		if l.nsec > 0 {
			last := &l.sec[l.nsec-1]
			if last.off+last.n == off {
				last.n += n
				return
			}
		}
		l.sec[l.nsec] = section{off, n}
		l.nsec++
	}
	add(unsafe.Offsetof(s.Task), uintptr(len(p.Tasks))*unsafe.Sizeof(s.Task[0]))
	add(unsafe.Offsetof(s.Proc), uintptr(len(p.Procs))*unsafe.Sizeof(s.Proc[0]))
	add(unsafe.Offsetof(s.Actor), uintptr(p.NOutside)*unsafe.Sizeof(s.Actor[0]))
	add(unsafe.Offsetof(s.Res), uintptr(p.NRes)*unsafe.Sizeof(s.Res[0]))
	add(unsafe.Offsetof(s.Cgroup), uintptr(len(p.Cgroups))*unsafe.Sizeof(s.Cgroup[0]))
	add(unsafe.Offsetof(s.Holder), stateSize-unsafe.Offsetof(s.Holder))
	n := 0
	for i := 0; i < l.nsec; i++ {
		n += int(l.sec[i].n)
	}
	l.Size = (n + 7) &^ 7
	return l
}

// NumSections is the number of used sections: Pack writes them one
// after another, SectionLen(i) bytes each.
func (l *Layout) NumSections() int { return l.nsec }

// SectionLen is the length of used section i.
func (l *Layout) SectionLen(i int) int { return int(l.sec[i].n) }

// SectionOffset is where used section i starts in a State, in bytes.
func (l *Layout) SectionOffset(i int) uintptr { return l.sec[i].off }

// StateSize is the size of a State in bytes (a multiple of 8).
const StateSize = int(stateSize)

// The checker reads a State as 8-byte words (checker/hash.go): a State
// whose size is not a multiple of 8 does not compile.
var _ [stateSize % 8]struct{} = [0]struct{}{}

func stateBytes(s *State) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(s)), stateSize)
}

// Pack writes the used part of s into dst[:l.Size] (the padding up to a
// multiple of 8 is zeroed). It allocates nothing.
func (l *Layout) Pack(dst []byte, s *State) {
	b := stateBytes(s)
	o := 0
	for i := 0; i < l.nsec; i++ {
		sc := l.sec[i]
		o += copy(dst[o:], b[sc.off:sc.off+sc.n])
	}
	clear(dst[o:l.Size])
}

// Unpack is the inverse of Pack: it writes the used part of s from src.
// The rest of s must be zero (a State of this scenario).
func (l *Layout) Unpack(s *State, src []byte) {
	b := stateBytes(s)
	o := 0
	for i := 0; i < l.nsec; i++ {
		sc := l.sec[i]
		o += copy(b[sc.off:sc.off+sc.n], src[o:])
	}
}
