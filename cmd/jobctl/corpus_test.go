package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// A user's own corpus: several files, or a directory, check as the matrix
// of the built-in corpus, under a list of designs.

const (
	userA = "actor S\nprocess T\nS: kill T SIGKILL\nfinal T.exit=killed(SIGKILL)\n"
	userB = "actor S W\nprocess T parent W\nS: kill T SIGSTOP\nW: wait T WUNTRACED\nverdict * pass\n"
	// A final check that fails under every design.
	userBad = "actor S\nprocess T\nS: kill T SIGSTOP\nfinal T.state=R\n"
)

func userCorpus(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range map[string]string{"u10.jc": userBad, "u2.jc": userB, "u1.jc": userA, "notes.txt": "not a scenario"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestCheckDirectory(t *testing.T) {
	dir := userCorpus(t)
	stdout, stderr, code := jobctl(t, "check", dir, "--variant", "v6.1,mainline", "--quiet")
	if code != exitDiffers {
		t.Errorf("exit %d, want %d (u10 fails its final check)\n%s%s", code, exitDiffers, stdout, stderr)
	}
	// Rows in natural order of the file names, the designs in the order
	// given, the built-in corpus's header, cells and summary.
	rows := regexp.MustCompile(`(?m)^(scenario|u1|u2|u10) +(\S+) +(\S+) +(?:\d+|states) +\S+$`).FindAllStringSubmatch(stdout, -1)
	var got []string
	for _, r := range rows {
		got = append(got, strings.Join(r[1:], " "))
	}
	want := []string{"scenario v6.1 mainline", "u1 pass pass", "u2 pass pass", "u10 final! final!"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("rows %q, want %q\n%s", got, want, stdout)
	}
	if !strings.Contains(stdout, "3 scenarios x 2 variants = 6 checks: 4 as expected, 2 differ") {
		t.Errorf("summary:\n%s", stdout)
	}
}

func TestCheckSeveralFiles(t *testing.T) {
	dir := userCorpus(t)
	// Files in the order given, a built-in name among them.
	stdout, _, code := jobctl(t, "check", filepath.Join(dir, "u2.jc"), "R1", filepath.Join(dir, "u1.jc"), "--variant", "mainline", "--quiet")
	if code != exitOK {
		t.Errorf("exit %d\n%s", code, stdout)
	}
	if !regexp.MustCompile(`(?s)\nu2 +pass.*\nR1-kill-frozen-stopped +pass.*\nu1 +pass`).MatchString(stdout) {
		t.Errorf("matrix:\n%s", stdout)
	}
	// One file is still shown in detail.
	stdout, _, _ = jobctl(t, "check", filepath.Join(dir, "u1.jc"), "--variant", "mainline,v6.1", "--quiet")
	if !strings.Contains(stdout, "== mainline: pass") || !strings.Contains(stdout, "== v6.1: pass") || strings.Contains(stdout, "legend") {
		t.Errorf("detail:\n%s", stdout)
	}
}

func TestCorpusInputErrors(t *testing.T) {
	dir := userCorpus(t)
	empty := t.TempDir()
	dup := t.TempDir()
	for _, n := range []string{"a.jc", "b.jc"} {
		os.WriteFile(filepath.Join(dup, n), []byte("scenario same\n"+userA), 0o644)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"check", empty}, empty + ": a directory without scenario files (want *.jc files in it)"},
		{[]string{"check", dup}, filepath.Join(dup, "b.jc") + `: scenario "same" again (also ` + filepath.Join(dup, "a.jc") + `)`},
		{[]string{"check", dir, "--variant", "v6.1,nosuch"}, `unknown variant "nosuch"`},
		{[]string{"check", dir, "--variant", "v6.1,,mainline"}, `an empty design name`},
		{[]string{"check", dir, "--variant", "mainline,mainline"}, `names mainline twice`},
		{[]string{"oracle", empty}, empty + ": a directory without scenario files"},
		{[]string{"oracle", dir, "--variant", "v6.1,nosuch"}, `unknown variant "nosuch"`},
	} {
		stdout, stderr, code := jobctl(t, tc.args...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("%q: exit %d, stderr %q, want exit 2 and one line with %q\n%s", tc.args, code, stderr, tc.want, stdout)
		}
	}
}
