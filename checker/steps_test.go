package checker

import (
	"testing"

	"jobctl/model"
	"jobctl/scenario"
	"jobctl/variants"
)

// TestBlockedStepsChangeNothing: on every built-in scenario × design, a
// step that cannot run leaves the state as it was (Machine.Step's
// contract; the explorer copies the state again only after a step that
// ran). The explorer panics, with verifySteps, on a step that breaks it.
func TestBlockedStepsChangeNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped under -short: checks every built-in scenario under every design (./test.sh runs it)")
	}
	all, err := scenario.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	verifySteps = true
	defer func() { verifySteps = false }()
	for _, sc := range all {
		p, err := model.Compile(sc)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range variants.All() {
			m := model.NewMachine(v.Kernel(sc.RT), p)
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Errorf("%s under %s: %v", sc.Name, v.Name, r)
					}
				}()
				if _, err := Check(m, Options{Workers: 1}); err != nil {
					t.Fatal(err)
				}
			}()
		}
	}
}
