package main

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestProgress: a long check reports on stderr even when stderr is not a
// terminal, with the fields TLC gives; --quiet silences it; stdout is the
// same either way.
func TestProgress(t *testing.T) {
	saved := progressEvery
	progressEvery = time.Millisecond
	defer func() { progressEvery = saved }()

	out, stderr, code := jobctl(t, "check", "scale-gstop-3t", "--variant", "mainline", "--workers", "1")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	line := regexp.MustCompile(`(?m)^jobctl check: 0/1 checks, [0-9.a-z]+: scale-gstop-3t under mainline: \d+ states, \d+ states/s, depth \d+, frontier \d+, \d+ MiB$`)
	if !line.MatchString(stderr) {
		t.Errorf("no progress line for the check in progress:\n%s", stderr)
	}
	quietOut, quietErr, _ := jobctl(t, "check", "scale-gstop-3t", "--variant", "mainline", "--workers", "1", "--quiet")
	if quietErr != "" {
		t.Errorf("--quiet: stderr %q", quietErr)
	}
	if quietOut != out {
		t.Errorf("progress changed stdout: %s", firstDiff(out, quietOut))
	}
	// Between checks of a matrix: how many are done (with an interval of
	// 0, after every check but the last).
	progressEvery = 0
	_, stderr, _ = jobctl(t, "check", "--max-states", "300", "--variant", "mainline")
	if !regexp.MustCompile(`(?m)^jobctl check: \d+/\d+ checks, [0-9.a-z]+$`).MatchString(stderr) {
		t.Errorf("no progress line between checks:\n%s", stderr)
	}
	for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
		if !strings.HasPrefix(l, "jobctl check: ") {
			t.Errorf("stray stderr line %q", l)
		}
	}
}
