package main

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestRunJSON: run --json gives every step with its effects and changes,
// the schedule, and says whether the final checks were made; check's JSON
// traces carry the same steps for the same schedule.
func TestRunJSON(t *testing.T) {
	out, stderr, code := jobctl(t, "run", "R1", "--variant", "peterz-v2", "--schedule", "F F S", "--json")
	if code != exitDiffers {
		t.Fatalf("exit %d, want %d (I2 is violated)\n%s", code, exitDiffers, stderr)
	}
	var r jsonRun
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if r.Schedule != "F F S" || r.Variant != "peterz-v2" || len(r.Steps) != 3 || r.Terminal || len(r.CouldStep) == 0 {
		t.Fatalf("run --json: %+v", r)
	}
	kill := r.Steps[2]
	if kill.Actor != "S" || kill.Function != "kill" || !reflect.DeepEqual(kill.Violates, []string{"I2"}) {
		t.Errorf("the kill step: %+v", kill)
	}
	for _, want := range []string{"T: pending +SIGKILL", "T: +TIF_SIGPENDING", "T: signal->flags -SIGNAL_STOP_STOPPED +SIGNAL_GROUP_EXIT"} {
		found := false
		for _, e := range kill.Effects {
			found = found || e == want
		}
		if !found {
			t.Errorf("the kill's effects %q lack %q", kill.Effects, want)
		}
	}
	if !containsChange(kill.Changes, jsonChange{"T", "TIF_SIGPENDING", "0", "1"}) {
		t.Errorf("the kill's changes lack TIF_SIGPENDING: %+v", kill.Changes)
	}
	if len(r.Violations) == 0 || !strings.HasPrefix(r.Violations[0], "I2 at step 3 (S)") {
		t.Errorf("violations %q", r.Violations)
	}

	// check --json: the I2 counterexample is this very schedule, with the
	// same steps.
	out, _, _ = jobctl(t, "check", "R1", "--variant", "peterz-v2", "--json", "--quiet")
	var c jsonResult
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatal(err)
	}
	for _, v := range c.Violations {
		if v.Property != "I2" {
			continue
		}
		if v.Schedule != "F F S" {
			t.Errorf("I2's schedule %q", v.Schedule)
		}
		if !reflect.DeepEqual(v.Trace, r.Steps) {
			t.Errorf("check's I2 trace differs from run's steps:\n%+v\n%+v", v.Trace, r.Steps)
		}
		return
	}
	t.Errorf("no I2 in %+v", c.Violations)
}

func containsChange(cs []jsonChange, c jsonChange) bool {
	for _, x := range cs {
		if x == c {
			return true
		}
	}
	return false
}
