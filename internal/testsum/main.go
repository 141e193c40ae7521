// Command testsum reads the output of "go test -json" on stdin and prints
// what "go test" prints without -v — one line per package, the whole output
// of every failing test — followed by a summary of the tests that were
// skipped and why, so that a skip is never silent. It exits 1 if anything
// failed (a test, a package, a build) or if the input is not go test's
// JSON, 0 otherwise; test.sh keeps go test's own exit code too (pipefail).
//
//	go test -json ./... | go run ./internal/testsum
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// event is one line of go test -json (cmd/test2json).
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
	// ImportPath and FailedBuild come with build output (Go 1.24+).
	ImportPath  string
	FailedBuild string
}

func main() {
	os.Exit(summarize(os.Stdin, os.Stdout))
}

type testKey struct{ pkg, test string }

// summarize copies the essentials of a go test -json stream to w and
// returns the exit code.
func summarize(r io.Reader, w io.Writer) int {
	out := map[testKey][]string{} // output of each test (and of each package: test "")
	var skipped []testKey
	failed := false
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<26)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if err := json.Unmarshal(line, &e); err != nil || e.Action == "" {
			// Not JSON: go test prints some build failures as text.
			fmt.Fprintf(w, "%s\n", line)
			failed = true
			continue
		}
		k := testKey{e.Package, e.Test}
		switch e.Action {
		case "output":
			out[k] = append(out[k], e.Output)
		case "build-output":
			fmt.Fprint(w, e.Output)
		case "build-fail":
			failed = true
		case "skip":
			if e.Test != "" {
				skipped = append(skipped, k)
				continue
			}
			fmt.Fprintf(w, "?   \t%s\t[no test files]\n", e.Package)
		case "fail":
			failed = true
			if e.Test != "" {
				fmt.Fprint(w, strings.Join(out[k], ""))
				continue
			}
			// The package's own output (a panic, a build failure,
			// TestMain) and its FAIL line.
			fmt.Fprint(w, strings.Join(out[k], ""))
			if e.FailedBuild == "" && !endsWithFail(out[k]) {
				fmt.Fprintf(w, "FAIL\t%s\t%.3fs\n", e.Package, e.Elapsed)
			}
		case "pass":
			if e.Test == "" {
				fmt.Fprintf(w, "ok  \t%s\t%.3fs\n", e.Package, e.Elapsed)
			}
		}
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintf(w, "testsum: reading go test -json: %v\n", err)
		failed = true
	}
	writeSkips(w, skipped, out)
	if failed {
		return 1
	}
	return 0
}

func endsWithFail(lines []string) bool {
	return len(lines) > 0 && strings.HasPrefix(lines[len(lines)-1], "FAIL\t")
}

// skipReason is what a skipped test said: the lines of its output other
// than go test's own "=== RUN" / "--- SKIP" lines, without the file:line
// prefix t.Skip adds.
func skipReason(lines []string) string {
	var parts []string
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "=== ") || strings.HasPrefix(t, "--- SKIP") {
			continue
		}
		// "file_test.go:12: reason"
		if i := strings.Index(t, ": "); i > 0 && strings.Contains(t[:i], ".go:") {
			t = t[i+2:]
		}
		parts = append(parts, t)
	}
	if len(parts) == 0 {
		return "(no reason given)"
	}
	return strings.Join(parts, " ")
}

// writeSkips prints the skipped tests grouped by reason, the reasons in
// order of first appearance.
func writeSkips(w io.Writer, skipped []testKey, out map[testKey][]string) {
	if len(skipped) == 0 {
		fmt.Fprintln(w, "skipped: none")
		return
	}
	byReason := map[string][]string{}
	var reasons []string
	for _, k := range skipped {
		r := skipReason(out[k])
		if _, ok := byReason[r]; !ok {
			reasons = append(reasons, r)
		}
		byReason[r] = append(byReason[r], strings.TrimPrefix(k.pkg, "jobctl/")+"."+k.test)
	}
	fmt.Fprintf(w, "skipped: %d test(s), for %d reason(s):\n", len(skipped), len(reasons))
	for _, r := range reasons {
		tests := byReason[r]
		sort.Strings(tests)
		fmt.Fprintf(w, "  %s\n    %s\n", r, strings.Join(tests, ", "))
	}
}
