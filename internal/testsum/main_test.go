package main

import (
	"strings"
	"testing"
)

const stream = `{"Action":"start","Package":"jobctl/a"}
{"Action":"run","Package":"jobctl/a","Test":"TestOK"}
{"Action":"output","Package":"jobctl/a","Test":"TestOK","Output":"=== RUN   TestOK\n"}
{"Action":"pass","Package":"jobctl/a","Test":"TestOK","Elapsed":0}
{"Action":"run","Package":"jobctl/a","Test":"TestRoot"}
{"Action":"output","Package":"jobctl/a","Test":"TestRoot","Output":"=== RUN   TestRoot\n"}
{"Action":"output","Package":"jobctl/a","Test":"TestRoot","Output":"    a_test.go:9: not root: the oracle needs ptrace and cgroups\n"}
{"Action":"output","Package":"jobctl/a","Test":"TestRoot","Output":"--- SKIP: TestRoot (0.00s)\n"}
{"Action":"skip","Package":"jobctl/a","Test":"TestRoot","Elapsed":0}
{"Action":"output","Package":"jobctl/a","Output":"PASS\n"}
{"Action":"pass","Package":"jobctl/a","Elapsed":0.5}
{"Action":"run","Package":"jobctl/b","Test":"TestBad"}
{"Action":"output","Package":"jobctl/b","Test":"TestBad","Output":"=== RUN   TestBad\n"}
{"Action":"output","Package":"jobctl/b","Test":"TestBad","Output":"    b_test.go:3: got 1, want 2\n"}
{"Action":"output","Package":"jobctl/b","Test":"TestBad","Output":"--- FAIL: TestBad (0.00s)\n"}
{"Action":"fail","Package":"jobctl/b","Test":"TestBad","Elapsed":0}
{"Action":"run","Package":"jobctl/b","Test":"TestRoot2"}
{"Action":"output","Package":"jobctl/b","Test":"TestRoot2","Output":"    b_test.go:9: not root: the oracle needs ptrace and cgroups\n"}
{"Action":"skip","Package":"jobctl/b","Test":"TestRoot2","Elapsed":0}
{"Action":"run","Package":"jobctl/b","Test":"TestQEMU"}
{"Action":"output","Package":"jobctl/b","Test":"TestQEMU","Output":"    b_test.go:19: no QEMU (qemu-system-x86_64 not on PATH)\n"}
{"Action":"skip","Package":"jobctl/b","Test":"TestQEMU","Elapsed":0}
{"Action":"output","Package":"jobctl/b","Output":"FAIL\n"}
{"Action":"fail","Package":"jobctl/b","Elapsed":0.25}
{"Action":"skip","Package":"jobctl/c"}
`

func TestSummarize(t *testing.T) {
	var b strings.Builder
	code := summarize(strings.NewReader(stream), &b)
	out := b.String()
	if code != 1 {
		t.Errorf("exit %d with a failing test, want 1", code)
	}
	for _, want := range []string{
		"ok  \tjobctl/a\t0.500s\n",
		"    b_test.go:3: got 1, want 2\n--- FAIL: TestBad (0.00s)\n",
		"FAIL\tjobctl/b\t0.250s\n",
		"?   \tjobctl/c\t[no test files]\n",
		"skipped: 3 test(s), for 2 reason(s):\n  not root: the oracle needs ptrace and cgroups\n    a.TestRoot, b.TestRoot2\n  no QEMU (qemu-system-x86_64 not on PATH)\n    b.TestQEMU\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "=== RUN   TestOK") {
		t.Errorf("a passing test's output is shown:\n%s", out)
	}
	// Without the failure: exit 0, and the skips are still listed.
	var lines []string
	for _, l := range strings.Split(stream, "\n") {
		if !strings.Contains(l, `"jobctl/b"`) {
			lines = append(lines, l)
		}
	}
	b.Reset()
	if code := summarize(strings.NewReader(strings.Join(lines, "\n")), &b); code != 0 || !strings.Contains(b.String(), "skipped: 1 test(s)") {
		t.Errorf("exit %d:\n%s", code, b.String())
	}
	// Text that is not go test's JSON (a build failure) fails.
	b.Reset()
	if code := summarize(strings.NewReader("# jobctl/x\nx.go:1: syntax error\n"), &b); code != 1 || !strings.Contains(b.String(), "syntax error") {
		t.Errorf("exit %d on text:\n%s", code, b.String())
	}
}
