package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"jobctl/scenario"
)

// jobctlProcess runs the test binary as the jobctl command in a process of
// its own.
func jobctlProcess(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), envCLI+"=1")
	return cmd
}

// TestHuntShardsAsProcesses: a hunt split into shards run as processes
// (as an array job runs them), its --json reports merged, is byte for
// byte the hunt run in one process — for an enumerated hunt and for an
// unguided random one of a fixed count.
func TestHuntShardsAsProcesses(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		args []string
	}{
		{"enumerate", []string{"--enumerate", "2", "--count", "120", "--procs", "1", "--threads", "2", "--actors", "2", "--kinds", "kill,freeze,thaw,attach,sleep"}},
		{"random", []string{"--seed", "5", "--count", "90", "--guided=false"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			base := append([]string{"hunt", "--designs", "peterz-v2,mainline", "--json", "--out", ""}, c.args...)
			whole, err := jobctlProcess(base...).Output()
			if err != nil && !isExit(err, exitDiffers) {
				t.Fatalf("unsharded hunt: %v", err)
			}
			const n = 3
			var files []string
			cmds := make([]*exec.Cmd, n)
			outs := make([]bytes.Buffer, n)
			for i := 0; i < n; i++ {
				cmds[i] = jobctlProcess(append(base, "--shard", fmt.Sprintf("%d/%d", i, n))...)
				cmds[i].Stdout = &outs[i]
				if err := cmds[i].Start(); err != nil {
					t.Fatal(err)
				}
			}
			for i := 0; i < n; i++ {
				if err := cmds[i].Wait(); err != nil && !isExit(err, exitDiffers) {
					t.Fatalf("shard %d: %v", i, err)
				}
				f := filepath.Join(dir, fmt.Sprintf("%s-%d.json", c.name, i))
				if err := os.WriteFile(f, outs[i].Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				files = append(files, f)
			}
			// Shards in any order.
			files[0], files[2] = files[2], files[0]
			merged, stderr, code := jobctl(t, append([]string{"hunt", "merge", "--json"}, files...)...)
			if code != exitOK && code != exitDiffers {
				t.Fatalf("merge: exit %d: %s", code, stderr)
			}
			if merged != string(whole) {
				t.Fatalf("merged shards differ from the unsharded hunt:\n--- unsharded\n%s\n--- merged\n%s", whole, merged)
			}
			var rep struct {
				Scenarios int `json:"scenarios"`
				Findings  []struct {
					Name string `json:"name"`
				} `json:"findings"`
			}
			if err := json.Unmarshal(whole, &rep); err != nil {
				t.Fatal(err)
			}
			if rep.Scenarios < 90 || len(rep.Findings) == 0 {
				t.Errorf("a hunt of %d scenarios with %d findings says little about merging", rep.Scenarios, len(rep.Findings))
			}
			// A shard missing, or given twice, is an error.
			if _, stderr, code := jobctl(t, "hunt", "merge", files[0], files[1]); code != exitUsage || !strings.Contains(stderr, "missing") {
				t.Errorf("merge of 2 of 3 shards: exit %d, %q", code, stderr)
			}
			if _, stderr, code := jobctl(t, "hunt", "merge", files[0], files[0], files[1]); code != exitUsage || !strings.Contains(stderr, "twice") {
				t.Errorf("merge with a shard twice: exit %d, %q", code, stderr)
			}
		})
	}
}

func isExit(err error, code int) bool {
	ee, ok := err.(*exec.ExitError)
	return ok && ee.ExitCode() == code
}

// TestHuntFindingFiles: a design hunt writes each finding as a scenario
// file that parses, names its designs' verdicts, and that 'jobctl check'
// finds as its verdict lines say.
func TestHuntFindingFiles(t *testing.T) {
	dir := t.TempDir()
	stdout, stderr, code := jobctl(t, "hunt", "--designs", "peterz-v2,mainline", "--seed", "12", "--count", "80", "--out", dir)
	if code != exitDiffers {
		t.Fatalf("exit %d, stderr:\n%s\nstdout:\n%s", code, stderr, stdout)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.jc"))
	if len(files) == 0 {
		t.Fatalf("no finding file in %s; stdout:\n%s", dir, stdout)
	}
	if n := strings.Count(stdout, "written to "); n != len(files) {
		t.Errorf("%d files, the report names %d", len(files), n)
	}
	for _, f := range files {
		sc, err := scenario.Load(f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if len(sc.Verdicts) < 3 || sc.Title == "" || len(sc.Story) < 3 {
			t.Errorf("%s: verdicts %d, title %q, story %d lines", f, len(sc.Verdicts), sc.Title, len(sc.Story))
		}
		out, stderr, code := jobctl(t, "check", f)
		if code != exitOK {
			t.Errorf("jobctl check %s: exit %d\n%s%s", f, code, out, stderr)
		}
	}
}

// TestHuntUsage: bad flags and impossible requests are usage errors with
// a clear line, never a hunt.
func TestHuntUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"hunt"}, "needs a bound"},
		{[]string{"hunt", "--count", "5", "--designs", "mainline"}, "two designs or more"},
		{[]string{"hunt", "--count", "5", "--designs", "v9.99,mainline"}, `unknown variant "v9.99"`},
		{[]string{"hunt", "--count", "5", "--shard", "3/3"}, "--shard"},
		{[]string{"hunt", "--count", "5", "--shard", "x"}, "--shard"},
		{[]string{"hunt", "--count", "5", "--kinds", "frobnicate"}, `unknown op "frobnicate"`},
		{[]string{"hunt", "--count", "5", "--procs", "9"}, "processes"},
		{[]string{"hunt", "--count", "5", "--sigs", "SIGFOO"}, "--sigs"},
		{[]string{"hunt", "--count", "5", "--kinds", "attach", "--sigs", "SIGCONT", "--oracle", "--variant", "v9.99"}, `unknown variant "v9.99"`},
		{[]string{"hunt", "--count", "5", "--variant", "v6.1"}, "needs --oracle"},
		{[]string{"hunt", "R1", "--count", "5"}, "takes no scenario"},
		{[]string{"hunt", "merge"}, "wants the shards"},
		{[]string{"hunt", "merge", "testdata/nosuch.json"}, "no such file"},
		{[]string{"hunt", "merge", "testdata/pass.jc"}, "not a hunt report"},
	} {
		_, stderr, code := jobctl(t, c.args...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("%q: exit %d, stderr %q (want 2 and %q)", c.args, code, stderr, c.want)
		}
	}
}

// TestCoverageCommand: jobctl coverage reports the corpus's coverage per
// kernel function, lists what it misses, and a scenario of its own
// covers less than the corpus.
func TestCoverageCommand(t *testing.T) {
	all, stderr, code := jobctl(t, "coverage", "--json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep covJSON
	if err := json.Unmarshal([]byte(all), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Total < 100 || rep.Covered < rep.Total/2 || rep.Covered == rep.Total || rep.Scenarios < 30 {
		t.Fatalf("corpus coverage %d of %d over %d scenarios", rep.Covered, rep.Total, rep.Scenarios)
	}
	sum := 0
	for _, f := range rep.Functions {
		sum += f.Total
	}
	if sum != rep.Total {
		t.Errorf("functions' points add up to %d, total %d", sum, rep.Total)
	}
	one, _, code := jobctl(t, "coverage", "R1", "--json")
	var r1 covJSON
	if code != exitOK || json.Unmarshal([]byte(one), &r1) != nil || r1.Covered >= rep.Covered || r1.Covered < 10 {
		t.Errorf("R1 alone: exit %d, covers %d (the corpus %d)", code, r1.Covered, rep.Covered)
	}
	more, _, code := jobctl(t, "coverage", "R1", "--variant", "all", "--json")
	var r1all covJSON
	if code != exitOK || json.Unmarshal([]byte(more), &r1all) != nil || r1all.Covered <= r1.Covered {
		t.Errorf("R1 under every design covers %d, under mainline %d", r1all.Covered, r1.Covered)
	}
	text, _, _ := jobctl(t, "coverage")
	if !regexp.MustCompile(`(?m)^coverage of \d+ scenario\(s\) under mainline: \d+ of \d+ points`).MatchString(text) ||
		!regexp.MustCompile(`(?m)^get_signal\s+\d+/\d+`).MatchString(text) || !strings.Contains(text, "not covered (") {
		t.Errorf("coverage text:\n%s", text)
	}
}

// TestDeployManifest: the Kubernetes Job of deploy/ is an Indexed Job
// whose completions, parallelism and --shard agree, that runs privileged
// (the oracle needs root, ptrace and the cgroups), and whose jobctl
// command line is one jobctl accepts.
func TestDeployManifest(t *testing.T) {
	b, err := os.ReadFile("../../deploy/hunt-job.yaml")
	if err != nil {
		t.Fatal(err)
	}
	y := string(b)
	field := func(name string) string {
		m := regexp.MustCompile(`(?m)^\s+` + name + `:\s*(\S+)`).FindStringSubmatch(y)
		if m == nil {
			t.Fatalf("no %s", name)
		}
		return m[1]
	}
	if field("completionMode") != "Indexed" || field("privileged") != "true" {
		t.Errorf("completionMode %s, privileged %s", field("completionMode"), field("privileged"))
	}
	m := regexp.MustCompile(`--shard "\$i/(\d+)"`).FindStringSubmatch(y)
	if m == nil || !strings.Contains(y, `i="${JOB_COMPLETION_INDEX}"`) {
		t.Fatal("the command does not take its shard from JOB_COMPLETION_INDEX")
	}
	if field("completions") != m[1] || field("parallelism") != m[1] {
		t.Errorf("completions %s, parallelism %s, --shard of %s", field("completions"), field("parallelism"), m[1])
	}
	// The command line, continuation lines joined, quotes and the
	// redirection dropped, with --help last: jobctl parses every flag
	// before it and says nothing is wrong.
	cmd := regexp.MustCompile(`jobctl hunt ((?:[^\n]*\\\n)*[^\n]*)`).FindStringSubmatch(y)
	if cmd == nil {
		t.Fatal("no jobctl hunt command")
	}
	line := strings.NewReplacer("\\\n", " ", `"`, "", "$i", "0").Replace(cmd[1])
	line, _, _ = strings.Cut(line, ">")
	args := append([]string{"hunt"}, strings.Fields(line)...)
	if _, stderr, code := jobctl(t, append(args, "--help")...); code != exitOK {
		t.Errorf("jobctl %q: exit %d: %s", args, code, stderr)
	}
}
