//go:build !linux

package checker

// hugePages is Linux's MADV_HUGEPAGE; elsewhere the slots keep the
// system's pages.
func hugePages(s []uint64) {}

// dropHugePages is Linux's MADV_NOHUGEPAGE; elsewhere nothing.
func dropHugePages(s []uint64) {}
