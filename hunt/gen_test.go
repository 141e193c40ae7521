package hunt

import (
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"jobctl/model"
	"jobctl/scenario"
)

// TestAlphabetCoversLanguage: every op of the language is drawn by the
// generator or excluded with a reason — a new op must be added to the
// table (or excluded) deliberately.
func TestAlphabetCoversLanguage(t *testing.T) {
	for k := scenario.OpKind(0); !strings.HasPrefix(k.String(), "op("); k++ {
		_, inAlphabet := SpecOf(k)
		_, excluded := Excluded[k]
		if inAlphabet == excluded {
			t.Errorf("op %s: in the alphabet %v, excluded %v (want exactly one)", k, inAlphabet, excluded)
		}
	}
}

// TestRandomScenariosAreValid: random scenarios render as text the
// language parses back to the same scenario, their canonical form is a
// fixed point, and most of them compile and run their prelude in the
// model (the rest are rejected with a reason, never a panic).
func TestRandomScenariosAreValid(t *testing.T) {
	b := DefaultBounds()
	b.ModelOnly = true
	reasons := map[string]int{}
	ok := 0
	const n = 1500
	for i := 0; i < n; i++ {
		r := rand.New(rand.NewPCG(7, uint64(i)))
		sp := Random(r, b)
		text := sp.Text()
		sc, err := scenario.Parse("gen.jc", []byte(text))
		if err != nil {
			reasons["parse: "+errText(err)]++
			continue
		}
		back, err := FromScenario(sc)
		if err != nil {
			t.Fatalf("FromScenario of\n%s: %v", text, err)
		}
		c := sp.Canonical()
		if back.Canonical().Text() != c.Text() {
			t.Fatalf("round trip:\n%s\nbecame\n%s", text, back.Text())
		}
		if c.Canonical().Text() != c.Text() {
			t.Fatalf("canonical form is not a fixed point:\n%s\n->\n%s", c.Text(), c.Canonical().Text())
		}
		p, err := model.Compile(sc)
		if err != nil {
			reasons["compile: "+errText(err)]++
			continue
		}
		if _, err := model.NewMachine(model.Mainline(), p).Initial(); err != nil {
			reasons["prelude: "+errText(err)]++
			continue
		}
		ok++
	}
	var rs []string
	for k, v := range reasons {
		rs = append(rs, k)
		_ = v
	}
	sort.Strings(rs)
	for _, k := range rs {
		t.Logf("%5d %s", reasons[k], k)
	}
	t.Logf("%d of %d valid", ok, n)
	if ok < n*3/4 {
		t.Errorf("only %d of %d random scenarios are valid", ok, n)
	}
}
