// Package hunt generates scenarios and looks for the ones on which the
// model and the running kernel disagree, or two designs do.
//
// A hunt draws scenarios from the op alphabet (Alphabet) within Bounds:
// exhaustively up to a size, in a fixed order (Enumerate, the way
// herdtools' diy enumerates litmus tests), or at random from a seed,
// favouring mutations of scenarios that reached model steps nothing
// before them reached (coverage-guided). Every scenario is rendered as
// text and must pass scenario.Parse, model.Compile and the model's
// prelude — and, for the oracle, oracle.Supported — before it is used, so
// that only what a person could have written is ever run.
//
// For each scenario the hunt compares
//   - design against design: the checker's verdict (the violated
//     properties) and outcome set under each design; and
//   - with the oracle, the running kernel against the design that matches
//     it: each outcome of a run on the kernel must be one of the model's.
//
// A difference is a finding. It is minimized — ops, actors, threads and
// processes dropped while it still shows — and written as a scenario file
// with its evidence (the two designs' verdicts and counterexamples, or the
// kernel's outcome beside the model's closest one, key by key). A finding
// whose minimized scenario, in canonical form (actors named in order of
// use, processes and threads by position), was found before is a
// duplicate and is counted, not reported again.
//
// The stream of scenarios is indexed; a shard (i/n) takes the indices
// equal to i mod n, so that a hunt runs as an array job, and Merge
// combines the shards' reports into the report one process would have
// written (exactly so for an enumerated or unguided random hunt of a
// fixed count).
package hunt
