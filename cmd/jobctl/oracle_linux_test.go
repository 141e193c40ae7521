package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"jobctl/oracle"
)

// envCLI makes the test binary the jobctl command (see TestMain), so that
// a test can signal a real jobctl process or run it in a cgroup.
const envCLI = "JOBCTL_TEST_CLI"

// TestMain lets the oracle re-execute this test binary as its tracee and
// actor helpers, as it does the jobctl binary.
func TestMain(m *testing.M) {
	if oracle.HelperMain() {
		return
	}
	if os.Getenv(envCLI) == "1" { // the jobctl command itself (signal_linux_test.go)
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// TestOracleR1 runs R1 on the real kernel through the CLI and checks the
// JSON report: every outcome the kernel produced is one the model allows.
func TestOracleR1(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipped: the oracle needs root (ptrace of helpers, cgroup freezer)")
	}
	if _, err := os.Stat("/sys/fs/cgroup/freezer"); err != nil {
		t.Skip("skipped: no cgroup v1 freezer at /sys/fs/cgroup/freezer")
	}
	stdout, stderr, code := jobctl(t, "oracle", "R1", "--repeat", "3", "--json")
	if code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s\nstdout:\n%s", code, stderr, stdout)
	}
	var r struct {
		Scenario, Variant, Verdict string
		Runs                       int
		Outcomes                   []struct {
			Outcome string
			Count   int
			InModel bool `json:"in_model"`
		}
		ModelOutcomes []string `json:"model_outcomes"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(stdout)), &r); err != nil {
		t.Fatalf("bad JSON %q: %v", stdout, err)
	}
	if r.Scenario != "R1-kill-frozen-stopped" || r.Variant != "mainline" || r.Verdict != "match" || r.Runs != 3 {
		t.Fatalf("report %+v", r)
	}
	n := 0
	for _, o := range r.Outcomes {
		n += o.Count
		if !o.InModel || !strings.Contains(o.Outcome, "T.exit=killed(SIGKILL)") {
			t.Errorf("outcome %+v", o)
		}
	}
	if n != 3 || len(r.ModelOutcomes) == 0 {
		t.Errorf("%d runs counted, %d model outcomes", n, len(r.ModelOutcomes))
	}
}

// TestOracleSkipsModelOnly: a scenario with an RT lock holder is skipped
// with its reason, and that is not a failure.
func TestOracleSkipsModelOnly(t *testing.T) {
	stdout, _, code := jobctl(t, "oracle", "R9")
	if code != exitOK || !strings.HasPrefix(stdout, "skipped") {
		t.Fatalf("exit %d, stdout %q", code, stdout)
	}
}

// TestOracleV2: a scenario frozen through cgroup v2 ("oracle cgroup v2",
// the default freezer of its freeze ops) is modelled, and where the kernel
// can run it, it matches.
func TestOracleV2(t *testing.T) {
	stdout, _, code := jobctl(t, "oracle", "testdata/v2.jc")
	if strings.HasPrefix(stdout, "skipped") {
		if strings.Contains(stdout, "not modelled") {
			t.Fatalf("v2 is still not modelled: %q", stdout)
		}
		t.Skipf("the oracle cannot run here: %s", strings.TrimSpace(stdout))
	}
	if code != exitOK || !strings.HasPrefix(stdout, "match") {
		t.Fatalf("exit %d, stdout %q", code, stdout)
	}
}
