package checker

import (
	"math"
	"unsafe"

	"golang.org/x/sys/unix"
)

// hugePages asks the kernel to back the slots with transparent huge
// pages (MADV_HUGEPAGE; this matters where THP is "madvise", the common
// default). The table is read at random: with 4 KiB pages nearly every
// probe of a large table also misses the TLB, and a prefetch that has to
// walk the page table arrives late. It is advice: where it is refused,
// nothing changes. Called on fresh slots, before they are first written.
func hugePages(s []uint64) { adviseHuge(s, unix.MADV_HUGEPAGE) }

// dropHugePages takes the advice back from slots the table no longer
// uses, before the Go runtime gets their memory back: it returns freed
// memory to the kernel a page at a time, and khugepaged would collapse
// a range still advised into huge pages again, resident memory the
// runtime counts as released (and --max-memory does not see).
func dropHugePages(s []uint64) { adviseHuge(s, unix.MADV_NOHUGEPAGE) }

func adviseHuge(s []uint64, advice int) {
	const huge = 2 << 20
	if len(s)*8 < 2*huge {
		return
	}
	base := unsafe.Pointer(&s[0])
	p := uintptr(base)
	lo := (p + huge - 1) &^ (huge - 1)
	hi := (p + uintptr(len(s))*8) &^ (huge - 1)
	if hi <= lo {
		return
	}
	_ = unix.Madvise(unsafe.Slice((*byte)(unsafe.Add(base, lo-p)), hi-lo), advice)
}

// slab is address space reserved for the table's slots: mapped with no
// access (PROT_NONE, which no overcommit policy charges), each part made
// writable as the table grows into it, so that only the pages the table
// uses are memory; advised to huge pages.
type slab struct {
	mapped []byte   // the whole mapping
	slots  []uint64 // its part aligned to a huge page
}

// maxSlab bounds a reservation (address space, not memory): an eighth of
// a 32-bit address space.
const maxSlab = min(1<<40, math.MaxInt/4)

// reserveSlab reserves bytes for slots, or returns nil: where the
// process's address space is limited (RLIMIT_AS counts a reservation in
// full, and the heap would then run out of it), or where the system
// refuses. The table then lives in Go memory.
func reserveSlab(bytes int64) *slab {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_AS, &lim); err != nil || lim.Cur != unix.RLIM_INFINITY {
		return nil
	}
	const huge = 2 << 20
	size := (min(bytes, maxSlab) + huge - 1) &^ (huge - 1)
	b, err := unix.Mmap(-1, 0, int(size+huge), unix.PROT_NONE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE)
	if err != nil {
		return nil
	}
	p := uintptr(unsafe.Pointer(&b[0]))
	off := (p+huge-1)&^(huge-1) - p
	region := b[off : off+uintptr(size)]
	_ = unix.Madvise(region, unix.MADV_HUGEPAGE)
	return &slab{mapped: b, slots: unsafe.Slice((*uint64)(unsafe.Pointer(&region[0])), size/8)}
}

// commit makes slots r of the slab writable (under a strict overcommit
// policy, the moment they are charged), or reports that the system
// refuses.
// The range is widened to whole huge pages (the region is aligned to
// them), so that no huge page is split between writable and not.
func (s *slab) commit(r []uint64) bool {
	if len(r) == 0 {
		return true
	}
	const huge = 2 << 20
	base := uintptr(unsafe.Pointer(&s.slots[0]))
	lo := (uintptr(unsafe.Pointer(&r[0])) - base) &^ (huge - 1)
	hi := min((uintptr(unsafe.Pointer(&r[0]))-base+uintptr(len(r))*8+huge-1)&^(huge-1), uintptr(len(s.slots))*8)
	return unix.Mprotect(unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(&s.slots[0]), lo)), hi-lo), unix.PROT_READ|unix.PROT_WRITE) == nil
}

func (s *slab) release() { _ = unix.Munmap(s.mapped) }
