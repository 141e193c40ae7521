package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"jobctl/checker"
	"jobctl/model"
	"jobctl/scenario"
	"jobctl/variants"
)

// jobctl runs the CLI in-process.
func jobctl(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return out.String(), errb.String(), code
}

// oneLineError is the one line FILE:LINE:COL: MESSAGE of a malformed scenario.
var oneLineError = regexp.MustCompile(`^[^\n:]+:\d+:\d+: [^\n]+\n$`)

func TestExitCodes(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr *regexp.Regexp // when set, stderr must match
	}{
		{"passing scenario", []string{"check", "testdata/pass.jc", "--variant", "mainline"}, exitOK, nil},
		{"expected violation found", []string{"check", "testdata/pass.jc", "--variant", "peterz-v2"}, exitOK, nil},
		{"flags before the scenario", []string{"check", "--variant", "ebiederm", "testdata/pass.jc"}, exitOK, nil},
		{"wrong verdict", []string{"check", "testdata/wrong.jc", "--variant", "mainline"}, exitDiffers, nil},
		{"wrong verdict, json", []string{"check", "testdata/wrong.jc", "--variant", "mainline", "--json"}, exitDiffers, nil},
		{"malformed scenario", []string{"check", "testdata/malformed.jc"}, exitUsage,
			regexp.MustCompile(`^testdata/malformed\.jc:4:4: unknown op "freez" [^\n]*\n$`)},
		{"malformed scenario, run", []string{"run", "testdata/malformed.jc"}, exitUsage, oneLineError},
		{"unknown variant", []string{"check", "testdata/pass.jc", "--variant", "v9.99"}, exitUsage,
			regexp.MustCompile(`unknown variant "v9.99"`)},
		{"unknown variant, run", []string{"run", "testdata/pass.jc", "--variant", "v9.99"}, exitUsage, nil},
		{"missing file", []string{"check", "testdata/nosuch.jc"}, exitUsage,
			regexp.MustCompile(`^testdata/nosuch\.jc: no such file\n$`)},
		{"missing built-in", []string{"run", "NoSuchScenario"}, exitUsage, nil},
		{"limit hit", []string{"check", "testdata/pass.jc", "--variant", "mainline", "--max-states", "5"}, exitIncomplete, nil},
		{"limit hit, json", []string{"check", "testdata/pass.jc", "--variant", "mainline", "--max-states", "5", "--json"}, exitIncomplete, nil},
		{"run, no violation", []string{"run", "testdata/pass.jc", "--variant", "mainline"}, exitOK, nil},
		{"run, bad schedule line", []string{"run", "testdata/badschedule.jc"}, exitUsage,
			regexp.MustCompile(`^testdata/badschedule\.jc:14:1: schedule: step 2: S cannot step \(can step: F, T\)\n$`)},
		{"run, bad --schedule", []string{"run", "testdata/pass.jc", "--schedule", "F S S"}, exitUsage,
			regexp.MustCompile(`step 3: S cannot step \(can step: F, T\)`)},
		{"run, unknown actor in --schedule", []string{"run", "testdata/pass.jc", "--schedule", "F Q"}, exitUsage,
			regexp.MustCompile(`step 2: no actor named "Q"`)},
		{"run, --schedule with --random", []string{"run", "testdata/pass.jc", "--random", "--schedule", "F"}, exitUsage, nil},
		{"run, --seed without --random", []string{"run", "testdata/pass.jc", "--seed", "3"}, exitUsage, nil},
		{"no command", nil, exitUsage, nil},
		{"unknown command", []string{"frobnicate"}, exitUsage, regexp.MustCompile(`unknown command "frobnicate"`)},
		{"unknown flag", []string{"check", "--frobnicate"}, exitUsage, regexp.MustCompile(`flag provided but not defined`)},
		{"bad flag value", []string{"check", "--max-states", "many"}, exitUsage, nil},
		{"two scenarios", []string{"check", "testdata/pass.jc", "testdata/wrong.jc", "--variant", "mainline"}, exitDiffers, nil},
		{"help", []string{"help"}, exitOK, nil},
		{"help check", []string{"help", "check"}, exitOK, nil},
		{"check --help", []string{"check", "--help"}, exitOK, nil},
		{"help unknown", []string{"help", "frobnicate"}, exitUsage, nil},
		{"verdict for an unknown variant", []string{"check", "testdata/badverdict.jc"}, exitUsage,
			regexp.MustCompile(`^testdata/badverdict\.jc:5:9: verdict for unknown variant "v6.2" \(want \* or one of: v5.18, `)},
		{"oracle, bad --repeat", []string{"oracle", "--repeat", "0"}, exitUsage, regexp.MustCompile(`--repeat wants a positive count`)},
		{"oracle, unknown variant", []string{"oracle", "--variant", "v9.99"}, exitUsage, regexp.MustCompile(`unknown variant "v9.99"`)},
		{"oracle, missing file", []string{"oracle", "testdata/nosuch.jc"}, exitUsage, regexp.MustCompile(`testdata/nosuch\.jc: no such file`)},
		{"oracle, malformed scenario", []string{"oracle", "testdata/malformed.jc"}, exitUsage, regexp.MustCompile(`^testdata/malformed\.jc:\d+:\d+: `)},
		{"oracle, bad --patience", []string{"oracle", "--patience", "0s"}, exitUsage, regexp.MustCompile(`--patience wants a positive duration`)},
		{"oracle, --append without --kernel", []string{"oracle", "--append", "nokaslr"}, exitUsage, regexp.MustCompile(`--append needs --kernel`)},
		{"oracle, --accel without --kernel", []string{"oracle", "--accel", "tcg"}, exitUsage, regexp.MustCompile(`--accel needs --kernel`)},
		{"oracle, bad --accel", []string{"oracle", "--kernel", "testdata/pass.jc", "--accel", "hvf"}, exitUsage, regexp.MustCompile(`--accel wants auto, kvm or tcg, got "hvf"`)},
		{"oracle, --kernel that is missing", []string{"oracle", "--kernel", "testdata/no-such-bzImage", "R1"}, exitUsage,
			regexp.MustCompile(`^jobctl oracle: kernel image: stat testdata/no-such-bzImage: no such file or directory\n$`)},
		{"oracle, design that never shipped", []string{"oracle", "testdata/pass.jc", "--variant", "peterz-v2"}, exitOK, nil},
		{"variants --diff unknown", []string{"variants", "--diff", "mainline", "v9.99"}, exitUsage, nil},
		{"variants --diff one", []string{"variants", "--diff", "mainline"}, exitUsage, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := jobctl(t, tt.args...)
			if code != tt.code {
				t.Fatalf("jobctl %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(tt.args, " "), code, tt.code, stdout, stderr)
			}
			if tt.stderr != nil && !tt.stderr.MatchString(stderr) {
				t.Errorf("jobctl %s: stderr %q does not match %q", strings.Join(tt.args, " "), stderr, tt.stderr)
			}
			if strings.Contains(stderr, "internal error:") {
				t.Errorf("jobctl %s: %s", strings.Join(tt.args, " "), stderr)
			}
		})
	}
}

func TestHelpDocumentsExitCodes(t *testing.T) {
	stdout, _, _ := jobctl(t, "help")
	for _, want := range []string{"check", "run", "scenarios", "variants", "oracle", "Exit codes", "  0 ", "  1 ", "  2 ", "  3 ", "  4 "} {
		if !strings.Contains(stdout, want) {
			t.Errorf("jobctl help does not mention %q", want)
		}
	}
	stdout, _, _ = jobctl(t, "help", "check")
	for _, f := range []string{"--variant", "--json", "--max-states", "--timeout", "--max-memory", "--exact", "--workers", "--rt", "--counterexample"} {
		if !strings.Contains(stdout, f) {
			t.Errorf("jobctl help check does not document %s", f)
		}
	}
}

// TestPanicIsInternalError: a panic anywhere becomes exit 4, not a crash.
func TestPanicIsInternalError(t *testing.T) {
	saved := commands
	defer func() { commands = saved }()
	commands = append(append([]*command{}, commands...), &command{name: "boom", run: func([]string, io.Writer, io.Writer) (int, error) {
		panic("boom")
	}})
	_, stderr, code := jobctl(t, "boom")
	if code != exitInternal || !strings.Contains(stderr, "internal error: boom") {
		t.Fatalf("exit %d, stderr %q; want exit %d and an internal error", code, stderr, exitInternal)
	}
}

// TestBadInputNeverPanics feeds malformed scenarios through check and run.
func TestBadInputNeverPanics(t *testing.T) {
	dir := t.TempDir()
	srcs := []string{
		"",
		"process",
		"actor F\nprocess T\nF: freeze\n",
		"actor F\nprocess T\nF: kill T SIGNOPE\n",
		"actor F\nprocess T\nschedule F Q\n",
		"actor F\nprocess T\nverdict mainline maybe\n",
		"actor F\nprocess T threads T T2 T3 T4 T5\n",
		"actor A B C D E F\nprocess T\n",
		"actor F\nprocess T\nF: kill T SIGKILL\nF: kill T SIGKILL\nF: kill T SIGKILL\nF: kill T SIGKILL\nF: kill T SIGKILL\nF: kill T SIGKILL\nF: kill T SIGKILL\nF: kill T SIGKILL\nF: kill T SIGKILL\n",
		"\"unterminated\n",
		"actor F\nprocess T\nschedule\n",
	}
	for i, src := range srcs {
		path := filepath.Join(dir, "s"+string(rune('a'+i))+".jc")
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{{"check", path, "--variant", "mainline"}, {"run", path}, {"check", path, "--json", "--variant", "v5.18"}} {
			_, stderr, code := jobctl(t, args...)
			if code == exitInternal {
				t.Errorf("jobctl %s on %q: %s", strings.Join(args, " "), src, stderr)
			}
			if code == exitUsage && strings.Count(stderr, "\n") != 1 {
				t.Errorf("jobctl %s on %q: want one line on stderr, got %q", strings.Join(args, " "), src, stderr)
			}
		}
	}
}

var jsonFields = []string{"scenario", "variant", "verdict", "expected", "violations", "states", "transitions", "depth", "elapsed_ms", "outcomes", "incomplete"}

// checkJSON parses --json output: one object per line, with the contract's fields.
func checkJSON(t *testing.T, out string) []map[string]any {
	t.Helper()
	var objs []map[string]any
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var o map[string]any
		if err := json.Unmarshal(sc.Bytes(), &o); err != nil {
			t.Fatalf("line %d is not JSON: %v\n%s", len(objs)+1, err, sc.Text())
		}
		for _, f := range jsonFields {
			if _, ok := o[f]; !ok {
				t.Errorf("line %d has no field %q: %s", len(objs)+1, f, sc.Text())
			}
		}
		switch o["verdict"] {
		case "pass", "violation", "incomplete":
		default:
			t.Errorf("verdict %v", o["verdict"])
		}
		switch o["expected"] {
		case "pass", "violation":
		default:
			t.Errorf("expected %v", o["expected"])
		}
		vs, _ := o["violations"].([]any)
		if o["verdict"] == "violation" && len(vs) == 0 {
			t.Errorf("a violation without violations: %s", sc.Text())
		}
		for _, v := range vs {
			v := v.(map[string]any)
			for _, f := range []string{"property", "message", "trace"} {
				if _, ok := v[f]; !ok {
					t.Errorf("violation without %q: %v", f, v)
				}
			}
			for _, st := range v["trace"].([]any) {
				st := st.(map[string]any)
				for _, f := range []string{"actor", "function", "step"} {
					if _, ok := st[f].(string); !ok {
						t.Errorf("trace step without %q: %v", f, st)
					}
				}
			}
		}
		objs = append(objs, o)
	}
	return objs
}

func TestJSON(t *testing.T) {
	out, stderr, code := jobctl(t, "check", "testdata/pass.jc", "--json")
	if code == exitUsage || code == exitInternal {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	objs := checkJSON(t, out)
	if len(objs) != len(variants.All()) {
		t.Fatalf("%d lines, want one per variant (%d)", len(objs), len(variants.All()))
	}
	for i, v := range variants.All() {
		if objs[i]["variant"] != v.Name || objs[i]["scenario"] != "pass" {
			t.Errorf("line %d is (%v, %v), want (pass, %s)", i+1, objs[i]["scenario"], objs[i]["variant"], v.Name)
		}
	}
	// Peter's v2 violates I4, and its trace names kernel functions.
	var b0 map[string]any
	for _, o := range objs {
		if o["variant"] == "peterz-v2" {
			b0 = o
		}
	}
	if b0 == nil || b0["verdict"] != "violation" || b0["expected"] != "violation" {
		t.Fatalf("peterz-v2: %v", b0)
	}
	found := false
	for _, v := range b0["violations"].([]any) {
		v := v.(map[string]any)
		if v["property"] != "I4" {
			continue
		}
		found = true
		tr := v["trace"].([]any)
		if len(tr) == 0 {
			t.Fatal("I4 without a trace")
		}
		st := tr[len(tr)-1].(map[string]any)
		if st["function"] == "" || strings.Contains(st["function"].(string), ": ") {
			t.Errorf("last step %v: the label is not split at its first \": \"", st)
		}
	}
	if !found {
		t.Errorf("peterz-v2 does not report I4: %v", b0["violations"])
	}

	// The matrix in JSON: one line per (scenario, variant).
	out, _, _ = jobctl(t, "check", "--json", "--max-states", "2000", "--variant", "mainline")
	all, err := scenario.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	if objs := checkJSON(t, out); len(objs) != len(all) {
		t.Errorf("check --json --variant mainline: %d lines for %d built-in scenarios", len(objs), len(all))
	}
}

// outcomeOf extracts the "outcome:" block of `jobctl run` as one line.
func outcomeOf(t *testing.T, out string) string {
	t.Helper()
	_, rest, ok := strings.Cut(out, "\n outcome:\n")
	if !ok {
		t.Fatalf("no outcome in:\n%s", out)
	}
	var kv []string
	for _, l := range strings.Split(rest, "\n") {
		if !strings.HasPrefix(l, "   ") {
			break
		}
		kv = append(kv, strings.TrimSpace(l))
	}
	return strings.Join(kv, " ")
}

// TestCounterexampleReplays: a counterexample file written by check is
// replayed exactly by run: from its schedule line, and with --schedule.
func TestCounterexampleReplays(t *testing.T) {
	dir := t.TempDir()
	out, stderr, code := jobctl(t, "check", "testdata/pass.jc", "--variant", "peterz-v2", "--json", "--counterexample", dir)
	if code != exitOK {
		t.Fatalf("exit %d: %s\n%s", code, stderr, out)
	}
	objs := checkJSON(t, out)
	sc, err := scenario.Load("testdata/pass.jc")
	if err != nil {
		t.Fatal(err)
	}
	p, err := model.Compile(sc)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := variants.Get("peterz-v2")
	m := model.NewMachine(v.Kernel(false), p)
	outcomes := map[string]bool{}
	for _, o := range objs[0]["outcomes"].([]any) {
		outcomes[o.(map[string]any)["outcome"].(string)] = true
	}
	n := 0
	for _, vi := range objs[0]["violations"].([]any) {
		vi := vi.(map[string]any)
		file, _ := vi["counterexample"].(string)
		if file == "" {
			continue
		}
		n++
		if matches, _ := filepath.Glob(filepath.Join(dir, ".*tmp*")); len(matches) > 0 {
			t.Errorf("temporary files left: %v", matches)
		}
		// The trace, as the checker found it.
		var trace []model.Move
		var names []string
		for _, st := range vi["trace"].([]any) {
			name := st.(map[string]any)["actor"].(string)
			names = append(names, name)
			trace = append(trace, model.Act(actorIndex(p, name)))
		}
		states, _, err := checker.Replay(m, trace)
		if err != nil {
			t.Fatal(err)
		}
		want := m.Outcome(&states[len(states)-1])

		// The file records its design: no --variant needed.
		runOut, stderr, code := jobctl(t, "run", file)
		if !strings.Contains(runOut, " under peterz-v2") || stderr != "" {
			t.Errorf("run %s does not replay under the file's design:\n%s%s", file, runOut, stderr)
		}
		if code != exitDiffers {
			t.Errorf("run %s: exit %d, want %d (a property is violated)\n%s", file, code, exitDiffers, stderr)
		}
		if got := outcomeOf(t, runOut); got != want {
			t.Errorf("run %s: outcome\n  %s\nwant\n  %s", file, got, want)
		}
		if !strings.Contains(runOut, vi["property"].(string)) {
			t.Errorf("run %s does not report %s:\n%s", file, vi["property"], runOut)
		}
		if vi["property"] == "I4" && !outcomes[want] {
			t.Errorf("the I4 counterexample ends in %q, not one of check's outcomes", want)
		}
		runOut2, _, _ := jobctl(t, "run", "testdata/pass.jc", "--variant", "peterz-v2", "--schedule", strings.Join(names, " "))
		if got := outcomeOf(t, runOut2); got != want {
			t.Errorf("run --schedule %q: outcome\n  %s\nwant\n  %s", strings.Join(names, " "), got, want)
		}
	}
	if n == 0 {
		t.Fatal("no counterexample written")
	}
	// An explicit --variant wins, with a note.
	files, _ := filepath.Glob(filepath.Join(dir, "*.jc"))
	out, stderr, code = jobctl(t, "run", files[0], "--variant", "mainline")
	if !strings.Contains(out, " under mainline") || !strings.Contains(stderr, `note: --variant mainline overrides the file's "variant peterz-v2"`) {
		t.Errorf("run --variant mainline on %s: exit %d\n%s%s", files[0], code, out, stderr)
	}
}

// TestVariantLine: a scenario's variant line names a design, checked like
// a verdict's; run honours it.
func TestVariantLine(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile("testdata/pass.jc")
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.jc")
	os.WriteFile(bad, append(append([]byte{}, src...), "variant peterz-v9\n"...), 0o644)
	_, stderr, code := jobctl(t, "run", bad)
	if code != exitUsage || !oneLineError.MatchString(stderr) || !strings.Contains(stderr, `variant "peterz-v9" is not a design`) {
		t.Errorf("run with an unknown variant line: exit %d, %q", code, stderr)
	}
	good := filepath.Join(dir, "good.jc")
	os.WriteFile(good, append(append([]byte{}, src...), "variant v5.18\n"...), 0o644)
	out, _, _ := jobctl(t, "run", good)
	if !strings.Contains(out, "good under v5.18") {
		t.Errorf("run with variant v5.18:\n%s", out)
	}
}

// TestPartialSchedule: a schedule that stops before the scenario does says
// that the final and liveness checks were not made, and passes no
// judgement it could not make.
func TestPartialSchedule(t *testing.T) {
	out, _, code := jobctl(t, "run", "R1", "--schedule", "F")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	for _, want := range []string{"could still step", "final and liveness checks were not made"} {
		if !strings.Contains(flat(out), want) {
			t.Errorf("run R1 --schedule F lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\n no property violated\n") {
		t.Errorf("a partial run claims a clean pass:\n%s", out)
	}
	out, _, _ = jobctl(t, "run", "R1")
	if strings.Contains(out, "not made") {
		t.Errorf("a complete run says checks were not made:\n%s", out)
	}
}

// maskTimes hides the only output that depends on the clock.
var timeRE = regexp.MustCompile(` *\b[0-9][0-9.hmsu]*[smh]\b|"elapsed_ms":[0-9]+`)

func maskTimes(s string) string { return timeRE.ReplaceAllString(s, " TIME") }

func TestDeterministicAcrossWorkers(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped under -short: checks the whole corpus at several --workers (./test.sh runs it)")
	}
	for _, args := range [][]string{
		{"check", "testdata/pass.jc"},
		{"check", "testdata/pass.jc", "--rt"},
		{"check", "testdata/pass.jc", "--json"},
		{"check", "--max-states", "20000"},
		{"check", "--max-states", "20000", "--json"},
	} {
		one, _, c1 := jobctl(t, append(args, "--workers", "1")...)
		four, _, c4 := jobctl(t, append(args, "--workers", "4")...)
		if args[1] == "testdata/pass.jc" && args[len(args)-1] != "--json" {
			// No timing in the one-scenario report: byte-identical.
			if one != four {
				t.Errorf("jobctl %s: --workers 1 and 4 differ: %s", strings.Join(args, " "), firstDiff(one, four))
			}
		}
		if maskTimes(one) != maskTimes(four) || c1 != c4 {
			t.Errorf("jobctl %s: --workers 1 (exit %d) and 4 (exit %d) differ: %s", strings.Join(args, " "), c1, c4, firstDiff(maskTimes(one), maskTimes(four)))
		}
	}
}

// firstDiff shows where two outputs part.
func firstDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(la) || i < len(lb); i++ {
		var x, y string
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if x != y {
			return fmt.Sprintf("line %d:\n  %s\n  %s", i+1, x, y)
		}
	}
	return "(no difference)"
}

func TestCheckDrawsTheRace(t *testing.T) {
	out, _, code := jobctl(t, "check", "testdata/pass.jc", "--variant", "peterz-v2")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	for _, want := range []string{
		"== peterz-v2: violation",
		"(expected violation I4: as expected)",
		"--- I4: counterexample",
		"CPU0 (F)",
		"CPU1 (S)",
		"freeze_cgroup: freeze_task(T)",
		"T: __state TASK_STOPPED -> TASK_FROZEN",
		"final state:",
		"=> I4 violated:",
	} {
		if !strings.Contains(flat(out), want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "(W)") {
		t.Errorf("W never steps but has a column:\n%s", out)
	}
	for i, l := range strings.Split(out, "\n") {
		if strings.TrimRight(l, " ") != l {
			t.Errorf("line %d has trailing blanks: %q", i+1, l)
		}
	}
}

func TestMatrix(t *testing.T) {
	out, stderr, code := jobctl(t, "check", "--max-states", "20000")
	if code == exitUsage || code == exitInternal {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(out, "\n")
	hdr := strings.Fields(lines[0])
	if hdr[0] != "scenario" || hdr[len(hdr)-2] != "states" || hdr[len(hdr)-1] != "time" {
		t.Errorf("header %q", lines[0])
	}
	for i, v := range variants.All() {
		if hdr[1+i] != v.Name {
			t.Errorf("column %d is %q, want %q", i+1, hdr[1+i], v.Name)
		}
	}
	all, _ := builtin()
	for i, sc := range all {
		if f := strings.Fields(lines[1+i]); len(f) == 0 || f[0] != scenarioName(sc) {
			t.Errorf("row %d is %q, want scenario %s", i+1, lines[1+i], scenarioName(sc))
		}
	}
	if !strings.Contains(out, "legend:") || !strings.Contains(out, "as expected") {
		t.Errorf("no summary or legend:\n%s", out)
	}
	// A "!" in a cell exactly when the exit code says a result differs.
	rows, _, _ := strings.Cut(out, "\n\n")
	differs := regexp.MustCompile(`\S!(\s|$)`).MatchString(rows)
	if differs != (code == exitDiffers) {
		t.Errorf("exit %d but cells marked with '!': %v\n%s", code, differs, out)
	}
}

func TestRun(t *testing.T) {
	out, _, code := jobctl(t, "run", "testdata/pass.jc", "--variant", "mainline")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	for _, want := range []string{"schedule (the lowest-numbered actor that can step):", "CPU0 (F)", "final state:", "outcome:", "T.exit=killed(SIGKILL)", "no property violated"} {
		if !strings.Contains(out, want) {
			t.Errorf("run output lacks %q:\n%s", want, out)
		}
	}
	// A random walk is reproducible from its seed.
	a, _, _ := jobctl(t, "run", "testdata/pass.jc", "--random", "--seed", "7")
	b, _, _ := jobctl(t, "run", "testdata/pass.jc", "--random", "--seed", "7")
	if a != b {
		t.Errorf("--random --seed 7 differs between runs:\n%s\n----\n%s", a, b)
	}
	// A schedule cut short: no liveness verdict, and it says so.
	out, _, code = jobctl(t, "run", "testdata/pass.jc", "--schedule", "F")
	if code != exitOK || !strings.Contains(out, "could still step") {
		t.Errorf("a partial schedule: exit %d\n%s", code, out)
	}
}

func TestVariants(t *testing.T) {
	out, _, code := jobctl(t, "variants")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, v := range variants.All() {
		if !strings.Contains(out, v.Name) || !strings.Contains(out, v.ID) {
			t.Errorf("variants does not list %s (%s)", v.Name, v.ID)
		}
	}
	out, _, code = jobctl(t, "variants", "--diff", "peterz-v2", "ebiederm")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"SignalWakeUpState", "SignalWakeUp "} {
		if !strings.Contains(out, want) {
			t.Errorf("variants --diff peterz-v2 ebiederm lacks %q:\n%s", want, out)
		}
	}
}

func TestScenarios(t *testing.T) {
	out, _, code := jobctl(t, "scenarios")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	all, err := builtin()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(all) {
		t.Fatalf("%d lines for %d scenarios:\n%s", len(lines), len(all), out)
	}
	for i, sc := range all {
		if !strings.HasPrefix(lines[i], scenarioName(sc)+" ") || !strings.Contains(lines[i], sc.Title) {
			t.Errorf("line %q, want %s and its title %q", lines[i], scenarioName(sc), sc.Title)
		}
		shown, _, code := jobctl(t, "scenarios", "--show", scenarioName(sc))
		if code != exitOK || strings.TrimSuffix(shown, "\n") != strings.TrimSuffix(sc.Text, "\n") {
			t.Errorf("scenarios --show %s: exit %d, not its source", scenarioName(sc), code)
		}
	}
	if _, _, code := jobctl(t, "scenarios", "--show", "NoSuchScenario"); code != exitUsage {
		t.Errorf("--show of an unknown scenario: exit %d", code)
	}
}

func TestNaturalLess(t *testing.T) {
	sorted := []string{"R1-a", "R2-b", "R3-a", "R10-a", "R10-b", "R11", "freeze", "scale-2t", "scale-10t"}
	for i := range sorted {
		for j := range sorted {
			if got := naturalLess(sorted[i], sorted[j]); got != (i < j) {
				t.Errorf("naturalLess(%q, %q) = %v", sorted[i], sorted[j], got)
			}
		}
	}
}

func TestParseFlagsInterspersed(t *testing.T) {
	var v string
	var j bool
	fs := newFlags("x")
	fs.StringVar(&v, "variant", "", "")
	fs.BoolVar(&j, "json", false, "")
	pos, err := parseFlags(fs, []string{"A", "--variant", "b0", "B", "--json", "--", "--variant"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(pos, " ") != "A B --variant" || v != "b0" || !j {
		t.Errorf("pos %q, variant %q, json %v", pos, v, j)
	}
}

// flat is text with every run of white space (line breaks and the
// indentation of wrapped lines included) folded into one space.
func flat(s string) string { return strings.Join(strings.Fields(s), " ") }
