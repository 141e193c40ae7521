// Package jctest builds the model's machines from scenarios for the tests
// of other packages: parse, compile, pick a design.
package jctest

import (
	"testing"

	"jobctl/model"
	"jobctl/scenario"
	"jobctl/variants"
)

// Parse parses an inline scenario named test.jc.
func Parse(t testing.TB, src string) *scenario.Scenario {
	t.Helper()
	sc, err := scenario.Parse("test.jc", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// Kernel is the named design ("" for mainline), with PREEMPT_RT if rt.
func Kernel(t testing.TB, variant string, rt bool) *model.Kernel {
	t.Helper()
	if variant == "" {
		k := model.Mainline()
		k.RT = rt
		return k
	}
	v, err := variants.Get(variant)
	if err != nil {
		t.Fatal(err)
	}
	return v.Kernel(rt)
}

// Machine compiles sc under design k.
func Machine(t testing.TB, sc *scenario.Scenario, k *model.Kernel) *model.Machine {
	t.Helper()
	p, err := model.Compile(sc)
	if err != nil {
		t.Fatal(err)
	}
	return model.NewMachine(k, p)
}

// Inline is Machine(Parse(src)) under the named design ("" for mainline).
func Inline(t testing.TB, variant, src string) *model.Machine {
	t.Helper()
	sc := Parse(t, src)
	return Machine(t, sc, Kernel(t, variant, sc.RT))
}
