package oracle

import (
	"sort"
	"strings"
)

// Comparing the kernel with the model.
//
// The model's answer for a scenario is the set of its final outcomes over
// every interleaving (checker.Result.Outcomes), each a line
// "KEY=VALUE KEY=VALUE ..." in a fixed key order. A run on the kernel gives
// one Outcome.Obs. The kernel is consistent with the model when each
// outcome it produced is one of the model's; an outcome outside that set is
// a mismatch: either the model (or our reading of the kernel behind it) is
// wrong, or the kernel does something the model does not cover.

// Keys returns the observation keys of a model outcome line, in order.
func Keys(modelOutcome string) []string {
	var keys []string
	for _, kv := range strings.Fields(modelOutcome) {
		if k, _, ok := strings.Cut(kv, "="); ok {
			keys = append(keys, k)
		}
	}
	return keys
}

// Canonical renders a kernel observation in the model's key order, so that
// it compares as a string with the model's outcomes. A key the kernel did
// not report reads "missing".
func Canonical(keys []string, obs map[string]string) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		v, ok := obs[k]
		if !ok {
			v = "missing"
		}
		parts[i] = k + "=" + v
	}
	return strings.Join(parts, " ")
}

// Observed is one distinct outcome the kernel produced.
type Observed struct {
	Text    string   // the canonical outcome line
	Count   int      // how many runs produced it
	InModel bool     // the model allows it
	Closest string   // when not: the model outcome that differs in the fewest keys
	Diff    []string // when not: "KEY: kernel X, model Y" for each differing key of Closest
}

// Tally groups canonical outcome lines into distinct outcomes, with their
// counts, and compares each with the model's set. The result is sorted by
// outcome text, so it does not depend on the order of the runs.
func Tally(runs []string, model []string) []Observed {
	inModel := map[string]bool{}
	for _, m := range model {
		inModel[m] = true
	}
	counts := map[string]int{}
	for _, r := range runs {
		counts[r]++
	}
	var out []Observed
	for text, n := range counts {
		o := Observed{Text: text, Count: n, InModel: inModel[text]}
		if !o.InModel {
			o.Closest, o.Diff = closest(text, model)
		}
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Text < out[j].Text })
	return out
}

// closest finds the model outcome with the fewest differing keys (the
// first in the model's order on a tie) and lists the differences.
func closest(text string, model []string) (string, []string) {
	kernel := fields(text)
	best, bestDiff := "", []string(nil)
	for _, m := range model {
		mf := fields(m)
		var diff []string
		for _, k := range Keys(m) {
			if kernel[k] != mf[k] {
				diff = append(diff, k+": kernel "+kernel[k]+", model "+mf[k])
			}
		}
		if best == "" || len(diff) < len(bestDiff) {
			best, bestDiff = m, diff
		}
	}
	return best, bestDiff
}

func fields(line string) map[string]string {
	m := map[string]string{}
	for _, kv := range strings.Fields(line) {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}
