package oracle

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"jobctl/scenario"
)

// wantKeys is the key set package model's Observe produces for sc: per
// tracee thread every key of scenario.ThreadKeys; per v1 cgroup (each
// process's, and a thread's frozen on its own) .freezer; per v2 cgroup
// .frozen; per outside actor .done and #1..#n (#n.KEY for the keys an
// observe op records); #initN (or #initN.KEY) for the prelude ops of
// outside actors.
func wantKeys(sc *scenario.Scenario) []string {
	var keys []string
	v2 := sc.UsesFreezer(scenario.FreezerV2)
	for _, p := range sc.Processes {
		for _, t := range p.Threads {
			for _, k := range scenario.ThreadKeys {
				keys = append(keys, t+"."+k)
			}
			if sc.FrozenAlone(t, scenario.FreezerV1) && len(p.Threads) > 1 {
				keys = append(keys, t+".freezer")
			}
			if sc.FrozenAlone(t, scenario.FreezerV2) && len(p.Threads) > 1 {
				keys = append(keys, t+".frozen")
			}
		}
		keys = append(keys, p.Name+".freezer")
		if v2 {
			keys = append(keys, p.Name+".frozen")
		}
	}
	opKeys := func(name string, op scenario.Op) {
		if len(op.Keys) == 0 {
			keys = append(keys, name)
		}
		for _, k := range op.Keys {
			keys = append(keys, name+"."+k)
		}
	}
	outside := map[string]bool{}
	for _, a := range sc.Actors {
		if a.Thread {
			continue
		}
		outside[a.Name] = true
		keys = append(keys, a.Name+".done")
		for i, op := range a.Script {
			opKeys(fmt.Sprintf("%s#%d", a.Name, i+1), op)
		}
	}
	n := map[string]int{}
	for _, op := range sc.Prelude {
		if outside[op.Actor] {
			n[op.Actor]++
			opKeys(fmt.Sprintf("%s#init%d", op.Actor, n[op.Actor]), op)
		}
	}
	sort.Strings(keys)
	return keys
}

// corpusBudget bounds TestCorpus, so that the package's tests stay short
// however large the corpus grows; JOBCTL_ORACLE_CORPUS=all lifts it.
const corpusBudget = 20 * time.Second

// Every built-in scenario the oracle supports runs without error and
// yields exactly the model's key set (one run each, seeded by its index).
func TestCorpus(t *testing.T) {
	all, err := scenario.Builtin()
	if err != nil {
		t.Fatalf("scenario.Builtin: %v", err)
	}
	start, budget := time.Now(), corpusBudget
	if testing.Short() {
		budget = corpusBudget / 4
	}
	for i, sc := range all {
		t.Run(sc.Name, func(t *testing.T) {
			needKernel(t, sc)
			if time.Since(start) > budget && os.Getenv("JOBCTL_ORACLE_CORPUS") != "all" {
				t.Skipf("over the %v budget of TestCorpus (JOBCTL_ORACLE_CORPUS=all runs every scenario)", budget)
			}
			for seed := int64(i + 1); seed <= int64(i+1); seed++ {
				obs := runOK(t, sc, Options{Seed: seed})
				var got []string
				for k := range obs {
					got = append(got, k)
				}
				sort.Strings(got)
				if g, w := strings.Join(got, " "), strings.Join(wantKeys(sc), " "); g != w {
					t.Errorf("seed %d: keys\n  %s\nwant\n  %s", seed, g, w)
				}
				t.Logf("seed %d: %s", seed, strings.ReplaceAll(renderObs(obs), "\n", ""))
			}
		})
	}
}
