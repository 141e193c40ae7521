package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The oracle runs a user's corpus too and holds the same runs to each
// design named.
func TestOracleDirectory(t *testing.T) {
	needOracle(t)
	dir := userCorpus(t)
	os.Remove(filepath.Join(dir, "u10.jc"))
	stdout, stderr, code := jobctl(t, "oracle", dir, "--variant", "v6.1,mainline,peterz-v2")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"match      u1 ", "allowed by v6.1\n", "allowed by mainline\n",
		"skipped    u2                                       under peterz-v2: peterz-v2 never shipped in a kernel",
		"2 scenarios x 3 designs on Linux",
		"(compared with v6.1, mainline, peterz-v2): 4 match, 0 mismatch, 2 skipped",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("no %q in\n%s", want, stdout)
		}
	}
}
