package oracle

import (
	"context"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"jobctl/scenario"
)

func TestMain(m *testing.M) {
	if HelperMain() {
		return
	}
	if os.Getenv(envTestRunner) != "" {
		killedRunnerMain() // safety_test.go
		return
	}
	os.Exit(m.Run())
}

// needKernel skips a test that needs the real kernel, saying why.
func needKernel(t *testing.T, sc *scenario.Scenario) {
	t.Helper()
	if why := Supported(sc); why != "" {
		t.Skipf("cannot run on this machine: %s", why)
	}
}

// Small constructors for scenarios written in Go.

// runOK runs sc and fails the test on an error; it logs the run's log.
func runOK(t *testing.T, sc *scenario.Scenario, opt Options) map[string]string {
	t.Helper()
	_, obs := runLog(t, sc, opt)
	return obs
}

// runLog is runOK that also returns the log.
func runLog(t *testing.T, sc *scenario.Scenario, opt Options) ([]string, map[string]string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := Run(ctx, sc, opt)
	for _, l := range out.Log {
		t.Log(l)
	}
	if err != nil {
		t.Fatalf("Run(%s): %v", sc.Name, err)
	}
	assertClean(t)
	return out.Log, out.Obs
}

func logHas(log []string, s string) bool {
	for _, l := range log {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}

// expect checks that obs holds every key=value in want.
func expect(t *testing.T, obs map[string]string, want ...string) {
	t.Helper()
	for _, kv := range want {
		k, v, _ := strings.Cut(kv, "=")
		if got, ok := obs[k]; !ok {
			t.Errorf("%s: missing (want %s)", k, v)
		} else if got != v {
			t.Errorf("%s = %s, want %s", k, got, v)
		}
	}
	if t.Failed() {
		t.Logf("observations:\n%s", renderObs(obs))
	}
}

func renderObs(obs map[string]string) string {
	keys := make([]string, 0, len(obs))
	for k := range obs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString("  " + k + "=" + obs[k] + "\n")
	}
	return b.String()
}

func itoa(n int) string { return strconv.Itoa(n) }
