package main

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestCheckHTML(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.html")
	out, errs, code := jobctl(t, "check", "R1", "--variant", "peterz-v2", "--html", path)
	if code != exitOK {
		t.Fatalf("exit %d: %s%s", code, out, errs)
	}
	if !strings.Contains(out, "== peterz-v2: violation I2,I4") {
		t.Errorf("--html changed the text output: %s", out)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("the directory holds %d files, want only the report (no temporary file left)", len(entries))
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	checkSelfContained(t, page)
	for _, want := range []string{`id="sc-R1-kill-frozen-stopped-peterz-v2-I2"`, `id="sc-R1-kill-frozen-stopped-peterz-v2-I4"`,
		`href="#sc-R1-kill-frozen-stopped-peterz-v2-I2">I2,I4,final</a>`, "violates I2", "misses TASK_FROZEN", "verdict peterz-v2 violation I2 I4"} {
		if !strings.Contains(page, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	// The same check gives the same page, but for the timings.
	dir2 := t.TempDir()
	path2 := filepath.Join(dir2, "r.html")
	jobctl(t, "check", "R1", "--variant", "peterz-v2", "--html", path2)
	b2, _ := os.ReadFile(path2)
	timing := regexp.MustCompile(`in [0-9.]+(us|ms|s)<`)
	if timing.ReplaceAllString(page, "") != strings.ReplaceAll(timing.ReplaceAllString(string(b2), ""), dir2, dir) {
		t.Errorf("two reports of the same check differ")
	}

	// A report that cannot be written is bad input, and leaves nothing.
	// It is refused before the check, naming the path given (not the
	// temporary file the page would have gone through).
	nowhere := filepath.Join(dir, "no", "such", "r.html")
	out, errs, code = jobctl(t, "check", "R1", "--variant", "mainline", "--html", nowhere)
	if code != exitUsage || !strings.Contains(errs, "--html: "+nowhere+": no directory") || strings.Contains(errs, ".tmp") {
		t.Errorf("unwritable --html: exit %d, %q", code, errs)
	}
	if out != "" {
		t.Errorf("unwritable --html: the check ran first: %q", out)
	}
	_, errs, code = jobctl(t, "graph", "R1", "-o", nowhere)
	if code != exitUsage || !strings.Contains(errs, "-o: "+nowhere+": no directory") {
		t.Errorf("unwritable graph -o: exit %d, %q", code, errs)
	}
}

// checkSelfContained: every link is within the page, and nothing is
// loaded from anywhere.
func checkSelfContained(t *testing.T, page string) {
	t.Helper()
	for _, bad := range []string{"http://", "https://", "<link", "<img", "@import", "url("} {
		if strings.Contains(page, bad) {
			i := strings.Index(page, bad)
			t.Errorf("the report contains %q (…%s…): it must load nothing", bad, page[max(0, i-40):min(len(page), i+40)])
		}
	}
	if regexp.MustCompile(`<script[^>]+src=`).MatchString(page) {
		t.Errorf("the report loads a script")
	}
	ids := map[string]bool{}
	for _, m := range regexp.MustCompile(` id="([^"]+)"`).FindAllStringSubmatch(page, -1) {
		if ids[m[1]] {
			t.Errorf("id %q twice", m[1])
		}
		ids[m[1]] = true
	}
	for _, m := range regexp.MustCompile(` href="#([^"]*)"`).FindAllStringSubmatch(page, -1) {
		if !ids[m[1]] {
			t.Errorf("link to #%s, which the page does not have", m[1])
		}
	}
}

func TestGraphCommand(t *testing.T) {
	out, errs, code := jobctl(t, "graph", "R1", "--variant", "peterz-v2")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{`digraph "R1-kill-frozen-stopped under peterz-v2"`, "s0: initial state", "peripheries=2",
		"color=red", `violates I2`, `S: kill: group_send_sig_info -> send_signal_locked`, "T __state=TASK_FROZEN"} {
		if !strings.Contains(out, want) {
			t.Errorf("the graph lacks %q", want)
		}
	}
	if out2, _, _ := jobctl(t, "graph", "R1", "--variant", "peterz-v2"); out2 != out {
		t.Errorf("two graphs of the same scenario differ")
	}
	_, errs, code = jobctl(t, "graph", "R14-gstop-sigcont-before-thaw")
	if code != exitIncomplete || !strings.Contains(errs, "more than 2000 reachable states") {
		t.Errorf("a big graph: exit %d, %q", code, errs)
	}
	if _, _, code = jobctl(t, "graph", "R14-gstop-sigcont-before-thaw", "--max-states", "100000", "-o", filepath.Join(t.TempDir(), "g.dot")); code != exitOK {
		t.Errorf("a raised bound: exit %d", code)
	}
	for _, args := range [][]string{{"graph"}, {"graph", "R1", "--dot", "--svg"}, {"graph", "R1", "--max-states", "0"}, {"graph", "R1", "--variant", "v9"}} {
		if _, _, code := jobctl(t, args...); code != exitUsage {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
	if _, err := exec.LookPath("dot"); err != nil {
		t.Logf("Graphviz's dot is not installed: --svg is tested only for the message that says so")
	} else {
		out, errs, code := jobctl(t, "graph", "R1", "--variant", "peterz-v2", "--svg")
		if code != exitOK || !strings.Contains(out, "<svg") || !strings.Contains(out, "violates I2") {
			t.Errorf("--svg: exit %d, %q, %.200s", code, errs, out)
		}
	}
	t.Setenv("PATH", t.TempDir())
	_, errs, code = jobctl(t, "graph", "R1", "--svg")
	if code != exitUsage || !strings.Contains(errs, "Graphviz") || !strings.Contains(errs, "not installed") {
		t.Errorf("--svg without dot: exit %d, %q", code, errs)
	}
}

func TestExploreCommand(t *testing.T) {
	for _, args := range [][]string{{"explore"}, {"explore", "R1", "--variant", "v9"}, {"explore", "R1", "--listen", "nonsense"}, {"explore", "nosuch"}} {
		if _, _, code := jobctl(t, args...); code != exitUsage {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
	stop := make(chan struct{})
	exploreStop = stop
	defer func() { exploreStop = nil }()
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		code := run([]string{"explore", "R1", "--variant", "peterz-v2", "--listen", "127.0.0.1:0"}, pw, io.Discard)
		pw.Close()
		done <- code
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, pr)
	m := regexp.MustCompile(`at (http://127\.0\.0\.1:\d+/) `).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("no loopback URL in %q", line)
	}
	resp, err := http.Get(m[1] + "api/state?schedule=F%20F")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"__state": "TASK_FROZEN"`) {
		t.Errorf("GET /api/state: %d %.300s", resp.StatusCode, body)
	}
	close(stop)
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("explore exited %d after the stop", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("explore did not stop")
	}
}
