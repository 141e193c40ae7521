package model

import (
	"reflect"
	"testing"
)

// TestDiffSeesEveryField: changing any one field of a task, thread group,
// actor, result slot or lock holder the scenario uses shows in Diff — a
// trace hides nothing a step did.
func TestDiffSeesEveryField(t *testing.T) {
	p := compile(t, "actor P S\nprocess T threads T T2 parent P\nprocess U\nP: attach T\nS: kill U SIGSTOP\nS: freeze T2 v2\n")
	m := NewMachine(Mainline(), p)
	base := m.Fresh()
	mutated := base
	root := reflect.ValueOf(&mutated).Elem()
	n := 0
	var walk func(v reflect.Value, name string)
	walk = func(v reflect.Value, name string) {
		switch v.Kind() {
		case reflect.Struct:
			for i := 0; i < v.NumField(); i++ {
				walk(v.Field(i), name+"."+v.Type().Field(i).Name)
			}
			return
		case reflect.Array:
			walk(v.Index(0), name+"[0]")
			return
		}
		if !v.CanSet() {
			return // padding
		}
		old := reflect.ValueOf(v.Interface())
		switch v.Kind() {
		case reflect.Bool:
			v.SetBool(!v.Bool())
		case reflect.Uint8, reflect.Uint16, reflect.Uint32:
			v.SetUint(v.Uint() ^ 1)
			if name == "Res[0]" {
				v.SetUint(uint64(ResOK)) // a result, not a pending op's impossible value
			}
		default:
			t.Fatalf("%s: kind %s", name, v.Kind())
		}
		if d := m.Diff(&base, &mutated); len(d) == 0 {
			t.Errorf("changing %s shows no change", name)
		}
		v.Set(old)
		n++
	}
	for _, f := range []string{"Task", "Proc", "Actor", "Res", "Cgroup", "Holder", "FreezerMutex", "CgroupMutex"} {
		walk(root.FieldByName(f), f)
	}
	if mutated != base || n < 40 {
		t.Fatalf("walked %d fields", n)
	}
}

// TestLocStepNames: every place a thread can be has its own step name, so
// that Diff shows a move between two steps of one kernel function.
func TestLocStepNames(t *testing.T) {
	seen := map[string]Loc{}
	for l := Loc(0); l <= RetSyscallExit; l++ {
		n := l.Step()
		if prev, dup := seen[n]; dup {
			t.Errorf("places %d and %d are both named %q", prev, l, n)
		}
		seen[n] = l
	}
}
