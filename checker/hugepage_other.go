//go:build !linux

package checker

// hugePages is Linux's MADV_HUGEPAGE; elsewhere the slots keep the
// system's pages.
func hugePages(s []uint64) {}

// dropHugePages is Linux's MADV_NOHUGEPAGE; elsewhere nothing.
func dropHugePages(s []uint64) {}

// slab is Linux's reserved region for the table; elsewhere the table
// lives in Go memory and a growth past its capacity copies it.
type slab struct{ slots []uint64 }

func reserveSlab(bytes int64) *slab { return nil }

func (s *slab) commit(r []uint64) bool { return false }

func (s *slab) release() {}
