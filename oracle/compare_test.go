package oracle

import (
	"reflect"
	"testing"
)

func TestTally(t *testing.T) {
	model := []string{
		"T.state=Z T.exit=killed(SIGKILL) F#1=D",
		"T.state=Z T.exit=killed(SIGKILL) F#1=Z",
	}
	keys := Keys(model[0])
	if !reflect.DeepEqual(keys, []string{"T.state", "T.exit", "F#1"}) {
		t.Fatalf("keys %v", keys)
	}
	inModel := Canonical(keys, map[string]string{"F#1": "D", "T.exit": "killed(SIGKILL)", "T.state": "Z", "extra": "x"})
	outside := Canonical(keys, map[string]string{"F#1": "D", "T.exit": "none", "T.state": "T"})
	missing := Canonical(keys, map[string]string{"T.state": "Z", "T.exit": "killed(SIGKILL)"})
	if missing != "T.state=Z T.exit=killed(SIGKILL) F#1=missing" {
		t.Fatalf("missing key rendered as %q", missing)
	}
	got := Tally([]string{inModel, outside, inModel}, model)
	want := []Observed{
		{Text: outside, Count: 1, Closest: model[0], Diff: []string{"T.state: kernel T, model Z", "T.exit: kernel none, model killed(SIGKILL)"}},
		{Text: inModel, Count: 2, InModel: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Tally:\n got %+v\nwant %+v", got, want)
	}
}
