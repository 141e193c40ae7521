//go:build amd64 || arm64

package checker

// prefetch asks the CPU to bring the cache line at p in, without waiting
// for it: unlike a load, the instruction retires at once, so the worker
// goes on stepping while the line is fetched. The table is far larger
// than the cache, and a probe's miss is the largest single cost of a
// successor (docs/PERFORMANCE.md); Go has no prefetch of its own.
//
//go:noescape
func prefetch(p *uint64)
