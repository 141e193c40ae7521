package main

import (
	"strings"
	"testing"

	"jobctl/checker"
	"jobctl/scenario"
	"jobctl/variants"
)

// TestSummaryNamesWhatDiffers: the summary line names the scenarios and
// designs whose results are not as expected, and --only-differ shows just
// those cells.
func TestSummaryNamesWhatDiffers(t *testing.T) {
	vs := variants.All()[:3]
	mk := func(name string, st ...status) []*cellResult {
		sc := &scenario.Scenario{Name: "builtin:" + name}
		var row []*cellResult
		for j, s := range st {
			row = append(row, &cellResult{sc: sc, v: vs[j], status: s, res: &checker.Result{Verdict: checker.Pass, States: 10}})
		}
		return row
	}
	rows := [][]*cellResult{
		mk("R1-a", asExpected, asExpected, asExpected),
		mk("R2-b", asExpected, differs, asExpected),
		mk("R3-c", differs, asExpected, unknown),
	}
	got := summaryLine(rows)
	want := "6 as expected, 2 differ: R2-b (" + vs[1].Name + "), R3-c (" + vs[0].Name + "); 1 incomplete: R3-c (" + vs[2].Name + ")"
	if got != want {
		t.Errorf("summary\n got %s\nwant %s", got, want)
	}
	var b strings.Builder
	writeMatrix(&b, vs, rows, true, outStyle{})
	out := b.String()
	if strings.Contains(out, "R1-a") || !strings.Contains(out, "R2-b") || !strings.Contains(out, "R3-c") {
		t.Errorf("--only-differ shows the wrong rows:\n%s", out)
	}
	lines := strings.Split(out, "\n")
	if !strings.HasPrefix(lines[1], "R2-b") || !strings.Contains(lines[1], " .  ") || !strings.Contains(lines[1], "pass!") {
		t.Errorf("--only-differ row %q: want . for as expected and pass! for the difference", lines[1])
	}
	if !strings.Contains(out, "3 scenarios x 3 variants = 9 checks: "+want+"; 90 states") {
		t.Errorf("--only-differ summary is not the whole matrix's:\n%s", out)
	}
	b.Reset()
	writeMatrix(&b, vs, rows[:1], true, outStyle{})
	if !strings.Contains(b.String(), "(every result is what its scenario expects)") {
		t.Errorf("--only-differ with nothing to show:\n%s", b.String())
	}
	// Many differing scenarios: the first six are named, the rest counted.
	rows = nil
	for i := 0; i < 8; i++ {
		rows = append(rows, mk(string(rune('a'+i)), differs))
	}
	if got := summaryLine(rows); !strings.HasSuffix(got, "f ("+vs[0].Name+"), and 2 more") {
		t.Errorf("summary of 8: %s", got)
	}
}
