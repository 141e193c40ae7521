package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"jobctl/model"
	"jobctl/scenario"
	"jobctl/variants"
)

// writeScenario writes src to a file in a fresh directory and returns its path.
func writeScenario(t *testing.T, name, src string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// overLimit returns scenarios each over one of the model's limits, as
// exported by package model (the limits grow; the tests follow).
func overLimit() map[string]string {
	var b strings.Builder
	out := map[string]string{}

	// More threads than the model holds, in one process.
	b.WriteString("actor S\nprocess T threads")
	for i := 0; i <= model.MaxTasks; i++ {
		fmt.Fprintf(&b, " T%d", i)
	}
	b.WriteString("\nS: kill T SIGKILL\n")
	out["threads"] = b.String()

	// More processes.
	b.Reset()
	b.WriteString("actor S\n")
	for i := 0; i <= model.MaxProcs; i++ {
		fmt.Fprintf(&b, "process P%d\n", i)
	}
	b.WriteString("S: kill P0 SIGKILL\n")
	out["processes"] = b.String()

	// More outside actors.
	b.Reset()
	b.WriteString("process T\n")
	for i := 0; i <= model.MaxActors; i++ {
		fmt.Fprintf(&b, "actor A%d\nA%d: observe T\n", i, i)
	}
	out["actors"] = b.String()

	// More ops in one actor's script.
	b.Reset()
	b.WriteString("actor S\nprocess T\n")
	for i := 0; i <= model.MaxOps; i++ {
		b.WriteString("S: observe T\n")
	}
	out["ops"] = b.String()
	return out
}

// A scenario the model cannot hold is an error cell: exit 2, never "as
// expected"; in JSON an object with verdict "error" and the message.
func TestErrorCellIsNotAsExpected(t *testing.T) {
	for what, src := range overLimit() {
		t.Run(what, func(t *testing.T) {
			path := writeScenario(t, "over-"+what+".jc", src)
			stdout, stderr, code := jobctl(t, "check", path, "--variant", "mainline")
			if code != exitUsage {
				t.Errorf("check: exit %d, want %d\n%s%s", code, exitUsage, stdout, stderr)
			}
			if !strings.Contains(stdout, "== mainline: error: "+path+":") || !strings.Contains(stdout, "the model's limit is") {
				t.Errorf("check: no error line naming the file and the limit:\n%s", stdout)
			}
			if !strings.Contains(stdout, "1 check: 0 as expected, 0 differ; 1 failed: over-"+what+" (mainline)") {
				t.Errorf("check: the summary does not count a failed check:\n%s", stdout)
			}

			stdout, stderr, code = jobctl(t, "check", path, "--variant", "mainline", "--json")
			if code != exitUsage {
				t.Errorf("check --json: exit %d, want %d", code, exitUsage)
			}
			var j map[string]any
			if err := json.Unmarshal([]byte(stdout), &j); err != nil {
				t.Fatalf("check --json: %v in %q", err, stdout)
			}
			if j["verdict"] != "error" || j["as_expected"] != false || j["scenario"] != "over-"+what || j["variant"] != "mainline" {
				t.Errorf("check --json: %v", j)
			}
			if msg, _ := j["message"].(string); !strings.HasPrefix(msg, path+":") || !strings.Contains(msg, "the model's limit is") {
				t.Errorf("check --json: message %q", j["message"])
			}
			if strings.Count(stderr, "\n") != 1 {
				t.Errorf("check --json: stderr %q, want the error once", stderr)
			}
		})
	}
}

// In the matrix an error cell is "error!", with one error line per
// distinct error of a scenario, not one per design.
func TestMatrixErrorCell(t *testing.T) {
	sc, err := scenario.Parse("over.jc", []byte(overLimit()["threads"]))
	if err != nil {
		t.Fatal(err)
	}
	_, cerr := model.Compile(sc)
	if cerr == nil {
		t.Fatal("a scenario over the thread limit compiles")
	}
	vs := variants.All()[:3]
	var row []*cellResult
	for _, v := range vs {
		row = append(row, &cellResult{sc: sc, v: v, err: cerr, status: failed})
	}
	var b bytes.Buffer
	writeMatrix(&b, vs, [][]*cellResult{row}, false, outStyle{})
	out := b.String()
	if !regexp.MustCompile(`\nover +error! +error! +error! +0 `).MatchString(out) || strings.Count(out, "error!") != 3+1 { // 3 cells and the legend
		t.Errorf("matrix without error! cells:\n%s", out)
	}
	if n := strings.Count(out, "the model's limit is"); n != 1 {
		t.Errorf("the error is printed %d times, want once:\n%s", n, out)
	}
	if !strings.Contains(out, "error: over under every variant: over.jc:") {
		t.Errorf("no error line for every variant:\n%s", out)
	}
	if !strings.Contains(out, "3 checks: 0 as expected, 0 differ; 3 failed: over (v5.18, peterz-v2, peterz-v1-thaw)") {
		t.Errorf("summary:\n%s", out)
	}
}

// A prelude op that never completes fails the check under every design:
// exit 2, and the message once, not once per design.
func TestPreludeErrorOnce(t *testing.T) {
	// A prelude that never reaches its start state is the violation
	// "prelude" under each design (a patch can make a prelude block), not
	// bad input: exit 1, a verdict of violation, never "as expected".
	path := writeScenario(t, "pre.jc", "actor W\nprocess T parent W\ninit W: wait T\nW: wait T WNOHANG\nverdict * pass\n")
	stdout, _, code := jobctl(t, "check", path, "--width", "400")
	if code != exitDiffers {
		t.Errorf("exit %d, want %d", code, exitDiffers)
	}
	if n := strings.Count(stdout, "=> prelude violated: "+path+":3:9: the prelude op \"wait T\" never completes"); n != len(variants.All()) {
		t.Errorf("%d designs report the prelude violation, want %d:\n%s", n, len(variants.All()), stdout)
	}
	if strings.Contains(stdout, "as expected\n") && !strings.Contains(stdout, " 0 as expected") {
		t.Errorf("a cell whose prelude never completes counted as expected:\n%s", stdout)
	}
	out, _, code := jobctl(t, "check", path, "--json", "--variant", "mainline")
	if code != exitDiffers || !strings.Contains(out, `"verdict":"violation"`) || !strings.Contains(out, `"property":"prelude"`) {
		t.Errorf("--json: exit %d, %s; want exit 1 and a prelude violation", code, out)
	}
}

// withTimeout runs the CLI and fails the test if it does not return within d.
func withTimeout(t *testing.T, d time.Duration, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	type res struct {
		out, err string
		code     int
	}
	done := make(chan res, 1)
	go func() {
		var o, e bytes.Buffer
		c := run(args, &o, &e)
		done <- res{o.String(), e.String(), c}
	}()
	select {
	case r := <-done:
		return r.out, r.err, r.code
	case <-time.After(d):
		t.Fatalf("jobctl %s did not return within %v", strings.Join(args, " "), d)
	}
	return
}

// Every command that reads a scenario refuses what is not a regular file
// (a FIFO would hang it, /dev/zero grow without bound) and a file over the
// size cap, with one clear line and exit 2.
func TestScenarioFileKinds(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.jc")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.jc")
	if err := os.WriteFile(big, bytes.Repeat([]byte("# padding\n"), scenario.MaxFileSize/10+1), 0o644); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "subdir")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ path, want string }{
		{fifo, fifo + ": a named pipe, not a scenario file (want a regular .jc file)"},
		{"/dev/zero", "/dev/zero: a character device, not a scenario file (want a regular .jc file)"},
		{sub, sub + ": a directory, not a scenario file (want a regular .jc file)"},
		{big, big + ": " + fmt.Sprint(scenario.MaxFileSize/10*10+10) + " bytes, more than a scenario file may have (1024 KiB)"},
	}
	commands := [][]string{{"check"}, {"run"}, {"oracle"}, {"scenarios", "--show"}}
	for _, c := range cases {
		for _, cmd := range commands {
			args := append(append([]string{}, cmd...), c.path)
			want := c.want
			if c.path == sub && (cmd[0] == "check" || cmd[0] == "oracle") {
				// A directory is a corpus to these two: an empty one is.
				want = sub + ": a directory without scenario files (want *.jc files in it)"
			}
			stdout, stderr, code := withTimeout(t, 10*time.Second, args...)
			if code != exitUsage || stderr != want+"\n" || stdout != "" {
				t.Errorf("jobctl %s: exit %d, stderr %q, stdout %q; want exit 2 and %q", strings.Join(args, " "), code, stderr, stdout, want)
			}
		}
	}
}

// A counterexample file stays inside --counterexample DIR whatever the
// scenario calls itself.
func TestCounterexampleNameStaysInDir(t *testing.T) {
	src, err := os.ReadFile("testdata/pass.jc")
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	dir := filepath.Join(root, "a", "b", "out")
	path := writeScenario(t, "esc.jc", "scenario ../../escaped\n"+string(src))
	stdout, stderr, code := jobctl(t, "check", path, "--variant", "peterz-v2", "--counterexample", dir)
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	var inside []string
	err = filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			if filepath.Dir(p) != dir {
				t.Errorf("a file outside DIR: %s", p)
			}
			inside = append(inside, filepath.Base(p))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(inside) == 0 {
		t.Fatal("no counterexample written")
	}
	for _, n := range inside {
		if !strings.HasPrefix(n, "_._.._escaped.peterz-v2.") || !strings.HasSuffix(n, ".jc") {
			t.Errorf("counterexample %q", n)
		}
	}
}

func TestSafeFileName(t *testing.T) {
	for in, want := range map[string]string{
		"R1-kill-frozen-stopped": "R1-kill-frozen-stopped",
		"../../escaped":          "_._.._escaped",
		"/etc/passwd":            "_etc_passwd",
		"..":                     "_.",
		"a b\tc\x00d\\e":         "a_b_c_d_e",
		"":                       "_",
	} {
		if got := safeFileName(in); got != want {
			t.Errorf("safeFileName(%q) = %q, want %q", in, got, want)
		}
	}
}

// The smaller ones: each is bad input, exit 2, with one line that says
// what is wrong.
func TestSmallInputErrors(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string // a substring of stderr
	}{
		{"--max-memory that overflows", []string{"check", "R1", "--max-memory", fmt.Sprint(int64(1) << 43)}, "--max-memory 8796093022208 MiB is more than any machine has"},
		{"run --schedule \"\"", []string{"run", "R1", "--schedule", ""}, "--schedule wants the actors' names"},
		{"run --schedule \" \"", []string{"run", "R1", "--schedule", "  "}, "--schedule wants the actors' names"},
		{"a directory argument", []string{"run", "testdata"}, "testdata: a directory, not a scenario file"},
		{"a corpus with a bad file", []string{"check", "testdata"}, `testdata/badverdict.jc:5:9: verdict for unknown variant "v6.2"`},
	}
	for _, c := range cases {
		_, stderr, code := jobctl(t, c.args...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit 2 and %q", c.name, code, stderr, c.want)
		}
	}
}

// Every file jobctl writes (--html, graph -o, --counterexample's files)
// goes through a temporary file and a rename, which would put a regular
// file in place of whatever is at the path: a named pipe, a socket, a
// device ("--html /dev/null" as root replaced /dev/null). Those are
// refused, and left as they are; a symbolic link is followed.
func TestWriteRefusesNonRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "out.fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.html")
	if err := os.Symlink(fifo, link); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"check", "R1", "--variant", "mainline", "--quiet", "--html", fifo},
		{"check", "R1", "--variant", "mainline", "--quiet", "--html", link},
		{"graph", "R1", "-o", fifo},
		{"graph", "R1", "-o", link},
	} {
		_, stderr, code := jobctl(t, args...)
		if code != exitUsage || !strings.Contains(stderr, fifo+": a named pipe, not a regular file") {
			t.Errorf("jobctl %s: exit %d, stderr %q; want exit 2 and the named pipe refused", strings.Join(args, " "), code, stderr)
		}
		for _, p := range []string{fifo, link} {
			st, err := os.Lstat(p)
			if err != nil {
				t.Fatal(err)
			}
			if (p == fifo) != (st.Mode()&os.ModeNamedPipe != 0) || (p == link) != (st.Mode()&os.ModeSymlink != 0) {
				t.Errorf("jobctl %s: %s is now %v", strings.Join(args, " "), p, st.Mode())
			}
		}
	}
	// A link to a regular file: the file is written, the link stays.
	file := filepath.Join(dir, "report.html")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(file, filepath.Join(dir, "r.html")); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := jobctl(t, "check", "R1", "--variant", "mainline", "--quiet", "--html", filepath.Join(dir, "r.html")); code != exitOK {
		t.Fatalf("--html through a link: exit %d: %s", code, stderr)
	}
	if st, err := os.Lstat(filepath.Join(dir, "r.html")); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v %v", st, err)
	}
	if b, err := os.ReadFile(file); err != nil || !strings.Contains(string(b), "<html") {
		t.Errorf("the file the link names was not written (%d bytes, %v)", len(b), err)
	}
}
