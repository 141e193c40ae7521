//go:build !amd64 && !arm64

package checker

// prefetch does nothing where the checker has no prefetch instruction.
func prefetch(p *uint64) {}
