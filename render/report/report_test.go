package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"

	"jobctl/checker"
	"jobctl/internal/jctest"
	"jobctl/scenario"
	"jobctl/view"
)

func r1(t *testing.T) *scenario.Scenario {
	t.Helper()
	sc, err := scenario.Load("R1-kill-frozen-stopped")
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func cell(t *testing.T, sc *scenario.Scenario, variant string) Cell {
	t.Helper()
	m := jctest.Machine(t, sc, jctest.Kernel(t, variant, sc.RT))
	res, err := checker.Check(m, checker.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return Cell{Variant: variant, Text: res.Verdict, Status: AsExpected, Expected: "pass", Machine: m, Result: res}
}

func TestReport(t *testing.T) {
	sc := r1(t)
	bad := Cell{Variant: "broken<x>", Text: "error!", Status: Failed, Expected: "pass", Err: `x.jc:1:1: unknown op "<script>"`}
	r := &Report{Command: "jobctl check --html r.html", Variants: []string{"peterz-v2", "mainline", "broken<x>"}, Summary: "3 checks",
		Rows: []Row{{Scenario: sc, Name: "R1-kill-frozen-stopped", Cells: []Cell{cell(t, sc, "peterz-v2"), cell(t, sc, "mainline"), bad}}}}
	var b bytes.Buffer
	if err := Write(&b, r); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	freezeLine := 1 + strings.Count(sc.Text[:strings.Index(sc.Text, "\nF: freeze T")+1], "\n")
	for _, want := range []string{
		`<a href="#sc-R1-kill-frozen-stopped-peterz-v2-I2">`,     // the violating cell links to its first counterexample
		`<a href="#sc-R1-kill-frozen-stopped-mainline">pass</a>`, // a passing one to its line
		`pass, as expected, under: <a id="sc-R1-kill-frozen-stopped-mainline"></a>mainline`,
		`id="sc-R1-kill-frozen-stopped-peterz-v2-I4" data-mark="6"`, // the I4 counterexample opens at the kill
		"schedule <code class=\"sched\">F F F F F S F</code>",
		html.EscapeString(`unknown op "<script>"`),
		fmt.Sprintf("<span class=\"ln\">%d</span>F: freeze T", freezeLine), // the source, with line numbers
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if strings.Contains(page, `"<script>"`) || strings.Contains(page, "broken<x>") {
		t.Errorf("text is not escaped")
	}
	// Each counterexample carries the state at every step, as JSON.
	states := regexp.MustCompile(`<script type="application/json" class="states">(.*?)</script>`).FindAllStringSubmatch(page, -1)
	if len(states) != 2 { // peterz-v2: I2 and I4 (final is drawn with I4's interleaving)
		t.Fatalf("%d counterexamples with states, want 2", len(states))
	}
	var ss []view.State
	if err := json.Unmarshal([]byte(states[1][1]), &ss); err != nil {
		t.Fatal(err)
	}
	if len(ss) != 8 || ss[2].Tasks[0].State != "TASK_FROZEN" || ss[7].Tasks[0].State != "TASK_STOPPED" {
		t.Errorf("the I4 counterexample's states: %d, %+v", len(ss), ss)
	}
	if !strings.Contains(page, "the interleaving drawn for <a href=\"#sc-R1-kill-frozen-stopped-peterz-v2-I4\">I4</a>") {
		t.Errorf("final, with the same interleaving as I4, is not referred to it")
	}
	var again bytes.Buffer
	Write(&again, r)
	if again.String() != page {
		t.Errorf("two reports of the same results differ")
	}
}

func TestID(t *testing.T) {
	if got := ID("R1 x", "v6.7-rc1", "I4"); got != "sc-R1_x-v6.7-rc1-I4" {
		t.Errorf("ID: %q", got)
	}
}
