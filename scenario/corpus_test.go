package scenario_test

import (
	"io/fs"
	"sort"
	"testing"

	"jobctl/model"
	"jobctl/scenario"
)

// TestBuiltin: every built-in scenario parses, compiles, and its prelude
// completes under mainline; Builtin() returns them sorted by name.
func TestBuiltin(t *testing.T) {
	all, err := scenario.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	files, _ := fs.Glob(scenario.Corpus, "corpus/*.jc")
	if len(all) == 0 || len(all) != len(files) {
		t.Fatalf("%d built-in scenarios for %d files", len(all), len(files))
	}
	if !sort.SliceIsSorted(all, func(i, j int) bool { return all[i].Name < all[j].Name }) {
		t.Error("Builtin() is not sorted by name")
	}
	seen := map[string]bool{}
	for _, sc := range all {
		if seen[sc.Name] {
			t.Errorf("two built-in scenarios named %s", sc.Name)
		}
		seen[sc.Name] = true
		p, err := model.Compile(sc)
		if err != nil {
			t.Errorf("%s: %v", sc.File, err)
			continue
		}
		if _, err := model.NewMachine(model.Mainline(), p).Initial(); err != nil {
			t.Errorf("%s: prelude: %v", sc.File, err)
		}
	}
}

// TestLoadByName: a built-in scenario is found by its name, and by a
// unique prefix ending before a '-'.
func TestLoadByName(t *testing.T) {
	sc, err := scenario.Load("R1-kill-frozen-stopped")
	if err != nil || sc.Name != "R1-kill-frozen-stopped" || sc.File != "builtin:R1-kill-frozen-stopped.jc" {
		t.Fatalf("Load by name: %v %+v", err, sc)
	}
	sc, err = scenario.Load("R1")
	if err != nil || sc.Name != "R1-kill-frozen-stopped" {
		t.Fatalf("Load by prefix: %v", err)
	}
}

// TestLoadFile: an existing path is read as a file, whatever the corpus holds.
func TestLoadFile(t *testing.T) {
	sc, err := scenario.Load("corpus/R1-kill-frozen-stopped.jc")
	if err != nil {
		t.Fatal(err)
	}
	if sc.Name != "R1-kill-frozen-stopped" || sc.File != "corpus/R1-kill-frozen-stopped.jc" {
		t.Errorf("name %q file %q", sc.Name, sc.File)
	}
}

// TestLoadErrors pins Load's two "not found" messages.
func TestLoadErrors(t *testing.T) {
	for arg, want := range map[string]string{
		"no/such.jc": "no/such.jc: no such file",
		"nosuch":     "nosuch: no such file or built-in scenario (see: jobctl scenarios)",
	} {
		if _, err := scenario.Load(arg); err == nil || err.Error() != want {
			t.Errorf("Load(%q) = %v, want %s", arg, err, want)
		}
	}
}

// TestCorpusShape: the built-in corpus is what the issue asks of it — at
// least 30 scenarios, each telling its story, naming its source, with a
// title, a verdict for every other design, and a reachable outcome
// ("sometimes") so that it cannot pass vacuously.
func TestCorpusShape(t *testing.T) {
	all, err := scenario.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 30 {
		t.Fatalf("%d built-in scenarios, want at least 30", len(all))
	}
	for _, sc := range all {
		var sometimes bool
		for _, c := range sc.Checks {
			sometimes = sometimes || c.Kind == scenario.Sometimes
		}
		star := false
		for _, v := range sc.Verdicts {
			star = star || v.Variant == "*"
		}
		switch {
		case len(sc.Story) < 2:
			t.Errorf("%s: no story (a leading # comment block)", sc.Name)
		case sc.Title == "":
			t.Errorf("%s: no title", sc.Name)
		case len(sc.Source) == 0:
			t.Errorf("%s: no source line", sc.Name)
		case !star:
			t.Errorf("%s: no \"verdict * ...\" line", sc.Name)
		case !sometimes:
			t.Errorf("%s: no sometimes line: it could pass vacuously", sc.Name)
		}
	}
}
