package main

import (
	"regexp"
	"strings"
	"testing"
)

var cpuHeader = regexp.MustCompile(`CPU\d+ \(`)

// overWide returns the lines of out wider than width, leaving out the
// lines of race diagrams with more than two CPUs (and their final state),
// which follow the terminal instead.
func overWide(out string, width int) []string {
	var bad []string
	wide := false
	for _, l := range strings.Split(out, "\n") {
		if n := len(cpuHeader.FindAllString(l, -1)); n > 0 {
			wide = n > 2
		}
		if strings.Contains(l, "=> ") && strings.Contains(l, " violated") {
			wide = false
		}
		if len(l) > width && !wide {
			bad = append(bad, l)
		}
	}
	return bad
}

// TestCounterexamplesFit75: every built-in scenario checked under every
// design prints nothing wider than 75 columns — outcomes, messages and the
// race diagram of every counterexample of one or two CPUs — and so does a
// run of it.
func TestCounterexamplesFit75(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped under -short: renders every counterexample of the corpus (./test.sh runs it)")
	}
	all, err := builtin()
	if err != nil {
		t.Fatal(err)
	}
	drawn, wide := 0, 0
	for _, sc := range all {
		name := scenarioName(sc)
		if strings.HasPrefix(name, "scale-") {
			continue // the benchmarks: large, and they pass under every design
		}
		out, stderr, code := jobctl(t, "check", name, "--quiet")
		if code != exitOK {
			t.Errorf("check %s: exit %d\n%s", name, code, stderr)
		}
		for _, l := range overWide(out, 75) {
			t.Errorf("check %s: a line of %d columns: %q", name, len(l), l)
		}
		for _, l := range strings.Split(out, "\n") {
			if n := len(cpuHeader.FindAllString(l, -1)); n > 0 && n <= 2 {
				drawn++
			} else if n > 2 {
				wide++
			}
		}
		out, _, _ = jobctl(t, "run", name)
		for _, l := range overWide(out, 75) {
			t.Errorf("run %s: a line of %d columns: %q", name, len(l), l)
		}
	}
	if drawn < 30 {
		t.Errorf("only %d diagrams of one or two CPUs drawn", drawn)
	}
	t.Logf("%d diagrams of one or two CPUs, %d wider", drawn, wide)
}

// TestWiderLayouts: a race of three or more CPUs follows --width, then
// COLUMNS; --width applies to two CPUs too.
func TestWiderLayouts(t *testing.T) {
	// R6-kill-before-schedule-during-getregs under ebiederm-fixed: P, S, T step.
	const sc, v = "R6-kill-before-schedule-during-getregs", "ebiederm-fixed"
	widest := func(out string) int {
		n := 0
		for _, l := range strings.Split(out, "\n") {
			n = max(n, len(l))
		}
		return n
	}
	out, _, _ := jobctl(t, "check", sc, "--variant", v, "--quiet")
	if !strings.Contains(out, "CPU2 (") {
		t.Fatalf("want a race of three CPUs:\n%s", out)
	}
	for _, width := range []string{"90", "140"} {
		t.Setenv("COLUMNS", width)
		out, _, _ := jobctl(t, "check", sc, "--variant", v, "--quiet")
		if w := widest(out); w > atoi(width) {
			t.Errorf("COLUMNS=%s: a line of %d columns", width, w)
		}
	}
	t.Setenv("COLUMNS", "200")
	out, _, _ = jobctl(t, "check", sc, "--variant", v, "--quiet", "--width", "100")
	if w := widest(out); w > 100 {
		t.Errorf("--width 100: a line of %d columns", w)
	}
	out, _, _ = jobctl(t, "run", "R1", "--variant", "peterz-v2", "--width", "60")
	if w := widest(out); w > 60 {
		t.Errorf("run --width 60: a line of %d columns", w)
	}
	// The matrix follows COLUMNS too, in blocks of designs.
	t.Setenv("COLUMNS", "100")
	out, _, _ = jobctl(t, "check", "--max-states", "50", "--quiet")
	if w := widest(out); w > 100 {
		t.Errorf("matrix with COLUMNS=100: a line of %d columns", w)
	}
	if strings.Count(out, "\nscenario ") < 1 || !strings.Contains(out, "mainline") {
		t.Errorf("matrix in blocks:\n%s", out)
	}
}

// TestNoColorWhenPiped: output to a pipe (or a buffer) has no ANSI codes.
func TestNoColorWhenPiped(t *testing.T) {
	for _, args := range [][]string{{"check", "R1", "--quiet"}, {"run", "R1", "--variant", "peterz-v2"}, {"check", "--max-states", "50", "--quiet"}} {
		out, _, _ := jobctl(t, args...)
		if strings.Contains(out, "\x1b[") {
			t.Errorf("jobctl %s: ANSI codes in piped output", strings.Join(args, " "))
		}
	}
	st := outStyle{color: true}
	if got := st.paint(ansiGreen, "pass"); got != ansiGreen+"pass\x1b[0m" {
		t.Errorf("paint: %q", got)
	}
	t.Setenv("NO_COLOR", "1")
	if newStyle(nil, 0).color {
		t.Error("NO_COLOR set, colour on")
	}
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}
