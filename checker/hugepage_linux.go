package checker

import (
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
