package model

import (
	"reflect"
	"testing"
)

// fill sets every field of v (recursively, through structs and arrays) to
// a non-zero value.
func fill(v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			fill(v.Field(i))
		}
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			fill(v.Index(i))
		}
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(3)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(3)
	case reflect.String:
		v.SetString("stale")
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
	default:
		panic("fill: a field of kind " + v.Kind().String() + ": teach fill and Ctx.reset about it")
	}
}

// TestCtxReset: reset leaves nothing of the step before, whatever field
// a later change adds to Ctx: a Ctx with every field set is reset into
// exactly the context of a new step.
func TestCtxReset(t *testing.T) {
	m := &Machine{K: &Kernel{}, P: &Program{}, Cov: &Coverage{}}
	s := new(State)
	var c Ctx
	fill(reflect.ValueOf(&c).Elem())
	c.reset(m, s, 2)
	want := Ctx{K: m.K, P: m.P, S: s, Choice: 2, NChoice: 1, Cov: m.Cov}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("reset left %+v, want %+v", c, want)
	}
	if c.K != m.K || c.S != s || c.Cov != m.Cov {
		t.Error("reset did not point the context at the machine and the state")
	}
}
