package main

import (
	"bytes"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// copyModule copies the repository (the module around this package) into
// a temporary directory, as a fresh clone would have it: no .git, no
// scratch files.
func copyModule(t *testing.T) string {
	t.Helper()
	src, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dst := t.TempDir()
	err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			if rel != "." && (strings.HasPrefix(d.Name(), ".") || rel == filepath.Join("internal", "scratch")) {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// fakeRoot is a directory that looks like a clone to 'variants new': a
// go.mod of module jobctl, model/kernel.go and variants/.
func fakeRoot(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module jobctl\n\ngo 1.26\n"), 0o644)
	os.MkdirAll(filepath.Join(dir, "model"), 0o755)
	os.MkdirAll(filepath.Join(dir, "variants"), 0o755)
	k, err := os.ReadFile("../../model/kernel.go")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "model", "kernel.go"), k, 0o644)
	return dir
}

// TestVariantsNew: the skeleton names the design and its base, wires
// each --hook to a stub that calls the base's own function with the
// model's parameter names, and parses as Go; bad requests are exit 2.
func TestVariantsNew(t *testing.T) {
	root := fakeRoot(t)
	out, stderr, code := jobctl(t, "variants", "new", "my-fix.v2", "--base", "v6.1", "--hook", "SetStopped,WaitTaskInactive", "--dir", root)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "wrote variants/my_fix_v2.go: design my-fix.v2, based on v6.1") {
		t.Errorf("output:\n%s", out)
	}
	file := filepath.Join(root, "variants", "my_fix_v2.go")
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parser.ParseFile(token.NewFileSet(), file, src, parser.AllErrors); err != nil {
		t.Fatalf("the skeleton does not parse: %v\n%s", err, src)
	}
	for _, want := range []string{
		`Name: "my-fix.v2", Base: "v6.1",`,
		"k.SetStopped = setStoppedMyFixV2\n",
		"k.WaitTaskInactive = waitTaskInactiveMyFixV2\n",
		"func setStoppedMyFixV2(c *model.Ctx, t int) {\n\tmodel.SetStoppedJobctl(c, t)\n}",
		"func waitTaskInactiveMyFixV2(c *model.Ctx, t int, mask uint16) (ok, wait bool) {\n\treturn model.WaitTaskInactive(c, t, mask)\n}",
	} {
		if !bytes.Contains(src, []byte(want)) {
			t.Errorf("the skeleton lacks %q:\n%s", want, src)
		}
	}
	for _, l := range strings.Split(string(src), "\n") {
		if len(strings.ReplaceAll(l, "\t", "        ")) > 90 {
			t.Errorf("a long line in the skeleton: %q", l)
		}
	}
	// A base whose function is its own (a variants function) is called by
	// its name.
	out, _, code = jobctl(t, "variants", "new", "old-fix", "--base", "v5.18", "--hook", "SignalWakeUp", "--dir", root)
	src, _ = os.ReadFile(filepath.Join(root, "variants", "old_fix.go"))
	if code != exitOK || !bytes.Contains(src, []byte("\tsignalWakeUpOld(c, t, fatal)\n")) {
		t.Errorf("exit %d\n%s\n%s", code, out, src)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"variants", "new"}, "wants one NAME"},
		{[]string{"variants", "new", "Bad_Name", "--dir", root}, "is not a design name"},
		{[]string{"variants", "new", "mainline", "--dir", root}, `design "mainline" exists already`},
		{[]string{"variants", "new", "my-fix.v2", "--dir", root}, "exists already"},
		{[]string{"variants", "new", "x", "--base", "v9", "--dir", root}, `unknown variant "v9"`},
		{[]string{"variants", "new", "x", "--hook", "NoSuch", "--dir", root}, "--hook NoSuch: no such kernel function"},
		{[]string{"variants", "new", "x", "--base", "v5.18", "--hook", "SetTaskFrozen", "--dir", root}, "v5.18 has no such function"},
		{[]string{"variants", "new", "x", "--dir", t.TempDir()}, "no go.mod of module jobctl there"},
	} {
		_, stderr, code := jobctl(t, tc.args...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("jobctl %s: exit %d, stderr %q; want exit 2 and %q", strings.Join(tc.args, " "), code, stderr, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "variants", "x.go")); !errors.Is(err, fs.ErrNotExist) {
		t.Error("a refused request wrote a file")
	}
}

// walkStep is one step of docs/PATCH.md: commands with their output, or a
// file to write.
type walkStep struct {
	path    string // a file step: where
	content string // ... and what
	cmds    []walkCmd
	start   int // byte offsets of the block's body in the page
	end     int
	// loose: "<!-- run (output not compared) -->", an output that changes
	// with the corpus (the whole matrix): shown, refreshed by
	// -update-docs, but only its exit code is compared.
	loose bool
}

type walkCmd struct {
	cmd  string
	want string // "..." means not compared
	code int
}

var (
	runBlock  = regexp.MustCompile("(?s)<!-- run( \\(output not compared\\))? -->\n```console\n(.*?)```\n")
	fileBlock = regexp.MustCompile("(?s)<!-- file: ([^ ]+) -->\n```go\n(.*?)```\n")
	exitLine  = regexp.MustCompile(`^\[exit (\d+)\]$`)
)

// walkthrough parses the steps of the page, in order.
func walkthrough(t *testing.T, page string) []walkStep {
	var steps []walkStep
	for _, m := range runBlock.FindAllStringSubmatchIndex(page, -1) {
		body := page[m[4]:m[5]]
		st := walkStep{start: m[4], end: m[5], loose: m[2] >= 0}
		for _, l := range strings.SplitAfter(body, "\n") {
			if c, ok := strings.CutPrefix(l, "$ "); ok {
				st.cmds = append(st.cmds, walkCmd{cmd: strings.TrimSpace(c)})
				continue
			}
			if len(st.cmds) == 0 {
				t.Fatalf("PATCH.md: output before a command: %q", l)
			}
			c := &st.cmds[len(st.cmds)-1]
			if e := exitLine.FindStringSubmatch(strings.TrimSpace(l)); e != nil {
				c.code, _ = strconv.Atoi(e[1])
				continue
			}
			c.want += l
		}
		steps = append(steps, st)
	}
	for _, m := range fileBlock.FindAllStringSubmatchIndex(page, -1) {
		steps = append(steps, walkStep{path: page[m[2]:m[3]], content: page[m[4]:m[5]], start: m[4], end: m[5]})
	}
	// In the order of the page.
	for i := 1; i < len(steps); i++ {
		for j := i; j > 0 && steps[j].start < steps[j-1].start; j-- {
			steps[j], steps[j-1] = steps[j-1], steps[j]
		}
	}
	return steps
}

// TestPatchWalkthrough is the new user's path through docs/PATCH.md, on a
// fresh copy of the repository: install jobctl, look up a property, write
// a design for a one-line change to do_signal_stop() in one file, see it
// caught with a counterexample that fits 75 columns, and replay the
// counterexample file without flags. Every command of the page is run
// and its output compared with the page's (-update-docs rewrites them).
func TestPatchWalkthrough(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped under -short: runs every command of docs/PATCH.md (./test.sh runs it)")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on PATH: the walkthrough installs jobctl with it")
	}
	const path = "../../docs/PATCH.md"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	page := string(data)
	steps := walkthrough(t, page)
	root := copyModule(t)
	bin := filepath.Join(root, "bin")
	env := append(os.Environ(), "GOBIN="+bin, "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "NO_COLOR=1", "COLUMNS=")
	sh := func(cmd string) (string, int) {
		c := exec.Command("sh", "-c", cmd)
		c.Dir = root
		c.Env = env
		out, err := c.CombinedOutput()
		var ee *exec.ExitError
		switch {
		case errors.As(err, &ee):
			return string(out), ee.ExitCode()
		case err != nil:
			t.Fatalf("%s: %v", cmd, err)
		}
		return string(out), 0
	}
	// Replacements of the page's outputs, from the end backwards.
	type edit struct {
		start, end int
		text       string
	}
	var edits []edit
	ran := map[string]string{}
	for _, st := range steps {
		if st.path != "" {
			if err := os.WriteFile(filepath.Join(root, st.path), []byte(st.content), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		var body strings.Builder
		for _, c := range st.cmds {
			out, code := sh(c.cmd)
			ran[c.cmd] = out
			if strings.HasPrefix(c.cmd, "go ") && code != 0 {
				t.Fatalf("%s: exit %d\n%s", c.cmd, code, out)
			}
			fmt.Fprintf(&body, "$ %s\n", c.cmd)
			if c.want == "...\n" {
				body.WriteString(c.want)
			} else {
				body.WriteString(out)
			}
			if code != 0 {
				fmt.Fprintf(&body, "[exit %d]\n", code)
			}
			if *updateDocs {
				continue
			}
			if code != c.code {
				t.Errorf("%s: exit %d, the page says %d\n%s", c.cmd, code, c.code, out)
			}
			if c.want != "...\n" && !st.loose && maskTimes(out) != maskTimes(c.want) {
				t.Errorf("%s: the output is not the page's (go test ./cmd/jobctl -run TestPatchWalkthrough -update-docs): %s",
					c.cmd, firstDiff(maskTimes(c.want), maskTimes(out)))
			}
		}
		edits = append(edits, edit{st.start, st.end, body.String()})
	}
	if *updateDocs {
		for i := len(edits) - 1; i >= 0; i-- {
			page = page[:edits[i].start] + edits[i].text + page[edits[i].end:]
		}
		if err := os.WriteFile(path, []byte(page), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// What a new user must be able to do, step by step.
	if out := ran["jobctl --version"]; !strings.HasPrefix(out, "jobctl ") {
		t.Errorf("jobctl --version after go install: %q", out)
	}
	if out, code := sh("jobctl props I4"); code != 0 || !strings.Contains(out, "I4: a killed task is not left sleeping") {
		t.Errorf("jobctl props I4: exit %d\n%s", code, out)
	}
	matrix := ran["jobctl check --variant forgets-stopped --only-differ --quiet"]
	if !regexp.MustCompile(`(?m)^stop-cont-wait +I1! `).MatchString(matrix) || !strings.Contains(matrix, " differ: R1-kill-frozen-stopped (forgets-stopped)") {
		t.Errorf("the matrix does not name what differs:\n%s", matrix)
	}
	cex := ran["jobctl check stop-cont-wait --variant forgets-stopped --counterexample cex/ --quiet"]
	if !strings.Contains(cex, "--- I1: counterexample of") || !strings.Contains(cex, "CPU1 (T)") {
		t.Errorf("the patch is not caught with a counterexample:\n%s", cex)
	}
	if strings.Contains(cex, "CPU2 (") {
		t.Errorf("the counterexample is not a race of two CPUs:\n%s", cex)
	}
	for _, l := range overWide(cex, 75) {
		t.Errorf("the counterexample has a line of %d columns: %q", len(l), l)
	}
	run := ran["jobctl run cex/stop-cont-wait.forgets-stopped.I1.jc"]
	if !strings.Contains(run, "under forgets-stopped") || !strings.Contains(run, "I1 at step") {
		t.Errorf("the counterexample file does not replay under its design:\n%s", run)
	}
	for _, l := range overWide(run, 75) {
		t.Errorf("the replay has a line of %d columns: %q", len(l), l)
	}
}
