//go:build race

package checker

// raceEnabled: built with the race detector, which sees no ordering
// through memory outside the Go heap (a slot's compare-and-swap publishes
// its record), so the table stays in Go memory.
const raceEnabled = true
