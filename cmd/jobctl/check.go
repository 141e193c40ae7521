package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"jobctl/checker"
	"jobctl/model"
	"jobctl/render"
	"jobctl/scenario"
	"jobctl/variants"
)

var cmdCheck = &command{
	name:    "check",
	summary: "explore every interleaving of scenarios under kernel designs",
	usage: `  jobctl check [flags]                   every built-in scenario x every variant
  jobctl check SCENARIO [flags]          one scenario, with counterexamples drawn
  jobctl check SCENARIO... | DIR [flags] a corpus of your own: several scenarios, or
                                         every *.jc file of a directory, as the matrix`,
	help: `
Explores every interleaving of the actors of a scenario (breadth-first, so
each counterexample is a shortest one) under a kernel design ("variant"),
checking the built-in properties I1..I14 and stuck ('jobctl props') and the
scenario's own always/final/sometimes checks, and compares the result with
the scenario's verdict lines (its verdict for the variant, else its "*"
verdict, else pass). An expected violation that lists properties is met
when any of them is violated; one without properties by any violation.

Without a SCENARIO, with several, or with a directory (every *.jc file in
it, in natural order of the names): a matrix, scenarios down and variants
across, as for the built-in corpus. Each cell
is "pass" or the properties violated ("I4", "I2,I4", "final"), with a
trailing "!" when that is not what the scenario expects and "?" when a
limit stopped the search before the expected violation was found.

With a SCENARIO (a file or a built-in name): for each variant the verdict,
the counts, the distinct final outcomes, and each violation's shortest
counterexample drawn as a race diagram (one column per CPU/actor, time
flowing down, each step the kernel function and the state it changed).

Flags:
  --variant V[,V...]   check under these variants only, in this order (names or short
                       ids; see 'jobctl variants'), e.g. --variant v6.1,mainline
  --rt                 force CONFIG_PREEMPT_RT (scenarios with "config PREEMPT_RT" have it anyway)
  --json               one JSON object per line per (scenario, variant) instead of text:
                       scenario, variant, rt, verdict (pass|violation|incomplete|error),
                       message (why an "error" check could not run),
                       expected (pass|violation), expected_properties, as_expected,
                       violations [{property, message, schedule, trace [{actor, token,
                       function, step, effects, changes [{who, field, from, to}],
                       violates}], counterexample}], states, transitions, depth, elapsed_ms,
                       bytes_per_state (the visited set and parent links per state),
                       outcomes [{outcome, count}], incomplete (the reason, "" if complete)
  --html FILE          also write the results as one self-contained HTML page: the
                       matrix (each cell links to its counterexample), every
                       counterexample as an SVG sequence diagram with the state of
                       every task at each step on hover or click, and each
                       scenario's source beside it; written atomically
  --counterexample DIR write each counterexample as a scenario file in DIR, named
                       SCENARIO.VARIANT.PROPERTY.jc, with "variant" and "schedule"
                       lines that 'jobctl run FILE' replays exactly
  --max-states N       stop a check (incomplete) after N distinct states (default 5000000)
  --timeout D          stop a check (incomplete) after duration D, e.g. 30s (default none)
  --max-memory MiB     stop a check (incomplete) before its memory would exceed MiB
                       (default: 4096, or 3/4 of the memory this process can still
                       use if that is less: the machine's available memory, or its
                       cgroup's limit less its usage)
  --exact              deduplicate whole states instead of 64-bit fingerprints
  --symmetry           keep one state per set of states that differ only by a swap of
                       interchangeable threads (a group's non-leader threads with the
                       same script that no op, check or ordered walk still to come
                       tells apart; docs/PERFORMANCE.md). Same verdicts, violated
                       properties, counterexample lengths and outcome sets; fewer
                       states, transitions and outcome counts. Off by default
  --workers N          expansion goroutines (default GOMAXPROCS); the output is the same for any N
  --quiet              no progress lines on stderr
  --width N            fit the output to N columns (default: a race of one or two
                       CPUs fits 75, as a commit message does; wider races and the
                       matrix follow COLUMNS or the terminal's width, else 75+)
  --only-differ        show only the results that are not what their scenario expects
                       (the matrix: only those rows and columns; --json: only those lines)

The limits apply to each (scenario, variant) check.

A long run reports on stderr, whatever stderr is: on a terminal one line
redrawn every second, elsewhere (a pipe, a log) a line every 5 seconds —
the checks done, and for the check in progress its states, states/s, depth,
frontier and memory. --quiet turns it off. stdout is not affected.
`,
	run: runCheck,
}

// maxMemoryMiB bounds --max-memory: 2^40 MiB (an exbibyte) is far above
// any machine, and far below the 2^43 MiB at which MiB<<20 overflows.
const maxMemoryMiB = 1 << 40

type checkFlags struct {
	variant   string
	json      bool
	maxStates int
	timeout   time.Duration
	maxMemory int64
	exact     bool
	workers   int
	rt        bool
	cexDir    string
	onlyDiff  bool
	quiet     bool
	width     int
	html      string
	symmetry  bool
	cpuprof   string // hidden: a CPU profile of the whole run (pprof), for measuring the checker
}

// status is how a result compares with its scenario's expectation.
type status int

const (
	asExpected status = iota
	differs           // definitely not what was expected
	unknown           // a limit was hit before the expected answer could be known
	failed            // the check could not run (bad scenario)
	crashed           // the check panicked: a bug in jobctl
)

// cellResult is one (scenario, variant) check.
type cellResult struct {
	sc     *scenario.Scenario
	v      *variants.Variant
	rt     bool
	m      *model.Machine
	res    *checker.Result
	err    error
	exp    scenario.Verdict
	status status
	cex    map[string]string // property -> counterexample file written
}

func runCheck(args []string, stdout, stderr io.Writer) (int, error) {
	var f checkFlags
	var maxMiB int64
	fs := newFlags("check")
	fs.StringVar(&f.variant, "variant", "", "")
	fs.BoolVar(&f.json, "json", false, "")
	fs.IntVar(&f.maxStates, "max-states", 0, "")
	fs.DurationVar(&f.timeout, "timeout", 0, "")
	fs.Int64Var(&maxMiB, "max-memory", 0, "")
	fs.BoolVar(&f.exact, "exact", false, "")
	fs.IntVar(&f.workers, "workers", 0, "")
	fs.BoolVar(&f.rt, "rt", false, "")
	fs.StringVar(&f.cexDir, "counterexample", "", "")
	fs.BoolVar(&f.onlyDiff, "only-differ", false, "")
	fs.BoolVar(&f.quiet, "quiet", false, "")
	fs.IntVar(&f.width, "width", 0, "")
	fs.StringVar(&f.html, "html", "", "")
	fs.BoolVar(&f.symmetry, "symmetry", false, "")
	fs.StringVar(&f.cpuprof, "cpuprofile", "", "")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return exitUsage, err
	}
	if f.cpuprof != "" {
		stop, err := startCPUProfile(f.cpuprof)
		if err != nil {
			return exitUsage, &inputError{fmt.Errorf("jobctl: --cpuprofile: %v", err)}
		}
		defer stop()
	}
	if f.maxStates < 0 || f.timeout < 0 || maxMiB < 0 || f.workers < 0 {
		return exitUsage, usagef("--max-states, --timeout, --max-memory and --workers must not be negative")
	}
	if maxMiB > maxMemoryMiB {
		return exitUsage, usagef("--max-memory %d MiB is more than any machine has (at most %d MiB)", maxMiB, int64(maxMemoryMiB))
	}
	f.maxMemory = maxMiB << 20
	if f.maxMemory == 0 {
		f.maxMemory = defaultMaxMemory(4 << 30)
	}

	vs, err := getVariants(f.variant)
	if err != nil {
		return exitUsage, err
	}
	// One scenario (a file or a built-in name) is shown in detail; none
	// (the built-in corpus), several or a directory as the matrix.
	detail := len(pos) == 1 && !isDir(pos[0])
	var scs []*scenario.Scenario
	if len(pos) > 0 {
		if scs, err = loadScenarios(pos); err != nil {
			return exitUsage, err
		}
	} else if scs, err = builtin(); err != nil {
		return exitUsage, err
	}
	if f.html != "" {
		if _, err := outputPath(f.html); err != nil {
			return exitUsage, &inputError{fmt.Errorf("jobctl: --html: %v", err)}
		}
	}
	if f.cexDir != "" {
		if err := os.MkdirAll(f.cexDir, 0o755); err != nil {
			return exitUsage, &inputError{fmt.Errorf("jobctl: --counterexample: %v", err)}
		}
	}
	progress := newProgress(stderr, len(scs)*len(vs), f.quiet)
	style := newStyle(stdout, f.width)
	code := exitOK
	worse := func(c int) {
		// 2 (bad input) > 1 (differs) > 3 (incomplete) > 0.
		rank := map[int]int{exitOK: 0, exitIncomplete: 1, exitDiffers: 2, exitUsage: 3, exitInternal: 4}
		if rank[c] > rank[code] {
			code = c
		}
	}
	var rows [][]*cellResult
	for _, sc := range scs {
		p, err := compile(sc)
		var row []*cellResult
		headed := false
		for _, v := range vs {
			cr := &cellResult{sc: sc, v: v, rt: sc.RT || f.rt, exp: expectation(sc, v.Name)}
			if err != nil {
				cr.err = err
				cr.status = failed
			} else {
				progress.begin(scenarioName(sc) + " under " + v.Name)
				checkOne(cr, p, &f, progress, stderr)
			}
			progress.finished()
			switch cr.status {
			case differs:
				worse(exitDiffers)
			case unknown:
				worse(exitIncomplete)
			case failed:
				worse(exitUsage)
			case crashed:
				worse(exitInternal)
			}
			// A check that cannot run is bad input: its error goes to
			// stderr too, once per scenario, as one line.
			shown := !f.onlyDiff || cr.status != asExpected
			if shown || cr.err != nil {
				progress.clear()
			}
			same := sameError(row, cr)
			if cr.status == failed && cr.err != nil && same == nil {
				fmt.Fprintln(stderr, oneLine(cr.err.Error()))
			}
			if f.json && shown {
				if err := writeJSON(stdout, cr); err != nil {
					return exitInternal, err
				}
			} else if detail && !f.json && shown {
				writeDetail(stdout, cr, !headed, same, style)
				headed = true
			}
			row = append(row, cr)
		}
		rows = append(rows, row)
	}
	progress.clear()
	if f.html != "" {
		if err := writeHTMLReport(f.html, args, vs, rows); err != nil {
			return exitUsage, &inputError{fmt.Errorf("jobctl: --html: %v", err)}
		}
	}
	if !f.json {
		if detail {
			writeDetailSummary(stdout, rows)
		} else {
			writeMatrix(stdout, vs, rows, f.onlyDiff, style)
		}
	}
	return code, nil
}

// checkOne runs one check and judges it. A panic in the model or the
// checker fails this check only (exit 4 at the end), so that the others
// are still reported.
func checkOne(cr *cellResult, p *model.Program, f *checkFlags, progress *progressReporter, stderr io.Writer) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "jobctl: internal error checking %s under %s: %v\n%s", scenarioName(cr.sc), cr.v.Name, r, debug.Stack())
			cr.res = nil
			cr.err = fmt.Errorf("jobctl: internal error: %v", r)
			cr.status = crashed
		}
	}()
	cr.m = model.NewMachine(cr.v.Kernel(cr.rt), p)
	opt := checker.Options{
		MaxStates: f.maxStates,
		Timeout:   f.timeout,
		MaxMemory: f.maxMemory,
		Exact:     f.exact,
		Workers:   f.workers,
		Props:     props(cr.sc),
		Symmetry:  f.symmetry,
	}
	if progress != nil {
		opt.OnProgress = progress.searching
		opt.ProgressEvery = progress.interval()
	}
	res, err := checker.Check(cr.m, opt)
	if err != nil {
		cr.err = &inputError{err}
		cr.status = failed
		return
	}
	cr.res = res
	cr.status = judge(cr.exp, res)
	if f.cexDir != "" {
		cr.cex = map[string]string{}
		for _, fd := range res.Violations {
			if fd.Trace == nil {
				continue // a check over the whole space: no one interleaving shows it
			}
			path, err := writeCounterexample(f.cexDir, cr, fd)
			if err != nil {
				fmt.Fprintf(stderr, "jobctl: --counterexample: %v\n", err)
				cr.status = failed
				continue
			}
			cr.cex[fd.Property] = path
		}
	}
}

// judge compares a result with what the scenario expects.
func judge(exp scenario.Verdict, r *checker.Result) status {
	switch r.Verdict {
	case checker.Violation:
		if !exp.Violation {
			return differs
		}
		if len(exp.Properties) == 0 {
			return asExpected
		}
		for _, fd := range r.Violations {
			for _, p := range exp.Properties {
				if fd.Property == p {
					return asExpected
				}
			}
		}
		if r.Incomplete != "" {
			return unknown
		}
		return differs
	case checker.Pass:
		if exp.Violation {
			return differs
		}
		return asExpected
	}
	return unknown
}

func violated(r *checker.Result) string {
	var ps []string
	for _, fd := range r.Violations {
		ps = append(ps, fd.Property)
	}
	return strings.Join(ps, ",")
}

// cellText is a matrix cell: "pass", "I2,I4", "incomplete", with "!" when
// not as expected and "?" when not known.
func cellText(cr *cellResult) string {
	if cr.status == crashed {
		return "panic!"
	}
	if cr.res == nil {
		return "error!"
	}
	var s string
	switch cr.res.Verdict {
	case checker.Pass:
		s = "pass"
	case checker.Violation:
		s = violated(cr.res)
	default:
		s = "incomplete"
	}
	switch cr.status {
	case differs:
		s += "!"
	case unknown:
		if cr.res.Verdict == checker.Violation {
			s += "?"
		}
	}
	return s
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func fmtDuration(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%dus", d.Microseconds())
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	return d.Round(time.Second).String()
}

// notAsExpected lists the checks that are not what their scenario
// expects, by status, grouped by scenario: "R1-kill-frozen-stopped
// (mainline, v6.1)". At most max scenarios are named; the rest are
// counted.
func notAsExpected(rows [][]*cellResult, want func(status) bool, max int) string {
	var parts []string
	more := 0
	for _, row := range rows {
		var ds []string
		for _, cr := range row {
			if want(cr.status) {
				ds = append(ds, cr.v.Name)
			}
		}
		if len(ds) == 0 {
			continue
		}
		if len(parts) == max {
			more++
			continue
		}
		parts = append(parts, fmt.Sprintf("%s (%s)", scenarioName(row[0].sc), strings.Join(ds, ", ")))
	}
	if more > 0 {
		parts = append(parts, fmt.Sprintf("and %d more", more))
	}
	return strings.Join(parts, ", ")
}

// summaryLine counts the checks by status and names those that are not
// as expected: which scenarios under which designs.
func summaryLine(rows [][]*cellResult) string {
	var t tally
	for _, row := range rows {
		for _, cr := range row {
			t.add(cr)
		}
	}
	s := fmt.Sprintf("%d as expected, %d differ", t.ok, t.bad)
	if t.bad > 0 {
		s += ": " + notAsExpected(rows, func(st status) bool { return st == differs }, 6)
	}
	if t.unk > 0 {
		s += fmt.Sprintf("; %d incomplete: %s", t.unk, notAsExpected(rows, func(st status) bool { return st == unknown }, 6))
	}
	if t.errs > 0 {
		s += fmt.Sprintf("; %d failed: %s", t.errs, notAsExpected(rows, func(st status) bool { return st == failed || st == crashed }, 6))
	}
	return s
}

// cellColor is the colour of a matrix cell on a terminal: green for a
// pass, red for violations, bold red for a result that differs from the
// verdict, yellow for an incomplete one.
func cellColor(cr *cellResult, text string) string {
	switch {
	case text == ".":
		return ""
	case cr.status == differs || cr.status == crashed || cr.status == failed:
		return ansiBadRed
	case cr.status == unknown:
		return ansiYellow
	case text == "pass":
		return ansiGreen
	}
	return ansiRed
}

func writeMatrix(w io.Writer, vs []*variants.Variant, allRows [][]*cellResult, onlyDiff bool, st outStyle) {
	rows := allRows
	if onlyDiff {
		// Only the rows and columns with a result that is not as expected;
		// the cells that are as expected in them show as ".".
		keep := make([]bool, len(vs))
		rows = nil
		for _, row := range allRows {
			bad := false
			for j, cr := range row {
				if cr.status != asExpected {
					keep[j], bad = true, true
				}
			}
			if bad {
				rows = append(rows, row)
			}
		}
		var kvs []*variants.Variant
		var cols []int
		for j, k := range keep {
			if k {
				kvs = append(kvs, vs[j])
				cols = append(cols, j)
			}
		}
		vs = kvs
		for i, row := range rows {
			var r []*cellResult
			for _, j := range cols {
				r = append(r, row[j])
			}
			rows[i] = r
		}
	}
	nameW := len("scenario")
	for _, row := range rows {
		if len(row) > 0 {
			nameW = max(nameW, len(scenarioName(row[0].sc)))
		}
	}
	colW := make([]int, len(vs))
	for j, v := range vs {
		colW[j] = len(v.Name)
		for _, row := range rows {
			colW[j] = max(colW[j], len(cellText(row[j])))
		}
	}
	var b strings.Builder
	line := func(s string) { b.WriteString(strings.TrimRight(s, " ") + "\n") }
	// The designs in blocks that fit the width (one block when it is not
	// known: the table is as wide as it is); the states and time columns
	// after the last block.
	const tail = 2 + 10 + 2 + 7
	var blocks [][]int
	limit := st.tableWidth()
	cur, used := []int(nil), nameW
	for j := range vs {
		if limit > 0 && len(cur) > 0 && used+2+colW[j] > limit {
			blocks = append(blocks, cur)
			cur, used = nil, nameW
		}
		cur = append(cur, j)
		used += 2 + colW[j]
	}
	if limit > 0 && len(cur) > 0 && used+tail > limit && len(cur) > 1 {
		blocks = append(blocks, cur[:len(cur)-1])
		cur = cur[len(cur)-1:]
	}
	blocks = append(blocks, cur)
	for bi, blk := range blocks {
		last := bi == len(blocks)-1
		if bi > 0 {
			b.WriteString("\n")
		}
		hdr := fmt.Sprintf("%-*s", nameW, "scenario")
		for _, j := range blk {
			hdr += fmt.Sprintf("  %-*s", colW[j], vs[j].Name)
		}
		if len(rows) > 0 {
			if last {
				hdr += fmt.Sprintf("  %10s  %7s", "states", "time")
			}
			line(hdr)
		}
		for _, row := range rows {
			s := fmt.Sprintf("%-*s", nameW, scenarioName(row[0].sc))
			states := 0
			var el time.Duration
			for _, cr := range row {
				if cr.res != nil {
					states += cr.res.States
					el += cr.res.Elapsed
				}
			}
			for _, j := range blk {
				cr := row[j]
				text := cellText(cr)
				if onlyDiff && cr.status == asExpected {
					text = "."
				}
				s += "  " + st.paint(cellColor(cr, text), text) + strings.Repeat(" ", colW[j]-len(text))
			}
			if last {
				s += fmt.Sprintf("  %10d  %7s", states, fmtDuration(el))
			}
			line(s)
		}
	}
	for _, row := range rows {
		// One line per distinct error of a scenario, naming the
		// variants it happened under (a prelude that blocks usually
		// blocks under every design).
		var msgs []string
		under := map[string][]string{}
		for _, cr := range row {
			if cr.err != nil {
				m := oneLine(cr.err.Error())
				if under[m] == nil {
					msgs = append(msgs, m)
				}
				under[m] = append(under[m], cr.v.Name)
			}
		}
		for _, m := range msgs {
			vs := strings.Join(under[m], ", ")
			if len(under[m]) == len(row) && len(row) > 1 {
				vs = "every variant"
			}
			line(fmt.Sprintf("error: %s under %s: %s", scenarioName(row[0].sc), vs, m))
		}
	}
	if onlyDiff && len(rows) == 0 {
		line("(every result is what its scenario expects)")
	}
	b.WriteString("\n")
	summary := matrixSummary(allRows)
	if limit > 0 {
		summary = wrapAll(summary, limit, 4)
	}
	var all tally
	for _, row := range allRows {
		for _, cr := range row {
			all.add(cr)
		}
	}
	for _, l := range strings.Split(strings.TrimSuffix(summary, "\n"), "\n") {
		if all.bad+all.errs > 0 {
			l = st.paint(ansiBadRed, l)
		}
		line(l)
	}
	b.WriteString(`
legend: pass          no property violated
        I1..I14       built-in properties violated ('jobctl props' says
                      what each asserts); stuck: blocked for ever
        final         the scenario's own final check failed (also: always,
                      sometimes)
        X!            not what the scenario's verdict expects for the design
        X?            a limit stopped the search before the expected
                      violation was found
        incomplete    a limit (--max-states, --timeout, --max-memory)
                      stopped the search
        error!        the scenario cannot be checked (see the error lines)
        panic!        jobctl itself failed (a bug: exit 4)
        states, time  the sum over the row
`)
	if onlyDiff {
		b.WriteString("        .             as expected (--only-differ shows only the rows and\n                      designs that are not)\n")
	}
	io.WriteString(w, b.String())
}

// matrixSummary is the line under the matrix: the counts, which scenarios
// and designs differ, and the states.
func matrixSummary(allRows [][]*cellResult) string {
	var all tally
	total := 0
	var elapsed time.Duration
	for _, row := range allRows {
		for _, cr := range row {
			all.add(cr)
			if cr.res != nil {
				total += cr.res.States
				elapsed += cr.res.Elapsed
			}
		}
	}
	nv := 0
	if len(allRows) > 0 {
		nv = len(allRows[0])
	}
	return fmt.Sprintf("%s x %s = %s: %s; %d states in %s", plural(len(allRows), "scenario"), plural(nv, "variant"), plural(all.n, "check"), summaryLine(allRows), total, fmtDuration(elapsed))
}

// sameError returns the earlier cell of row that failed with the error of
// cr, if any: an error is reported once per scenario, not once per design.
func sameError(row []*cellResult, cr *cellResult) *cellResult {
	if cr.err == nil {
		return nil
	}
	for _, o := range row {
		if o.err != nil && o.err.Error() == cr.err.Error() {
			return o
		}
	}
	return nil
}

// writeDetail writes the result of one check of one scenario in full, each
// line fitted to the style's width (a race of one or two CPUs in 75
// columns by default); same is an earlier cell with the same error,
// reported there.
func writeDetail(w io.Writer, cr *cellResult, first bool, same *cellResult, st outStyle) {
	var b strings.Builder
	width := st.textWidth()
	prose := func(format string, args ...any) {
		wrapLine(&b, strings.TrimSuffix(fmt.Sprintf(format, args...), "\n"), width, 4)
	}
	if first {
		if cr.sc.Title != "" {
			prose("%s: %s", scenarioName(cr.sc), cr.sc.Title)
		} else {
			prose("%s", scenarioName(cr.sc))
		}
		if cr.sc.File != "" && !strings.HasPrefix(cr.sc.File, "builtin:") {
			prose("  (%s)", cr.sc.File)
		}
	}
	b.WriteString("\n")
	name := cr.v.Name
	if cr.rt {
		name += " (PREEMPT_RT)"
	}
	if cr.res == nil && same != nil {
		prose("== %s: error: the same as under %s", name, same.v.Name)
		io.WriteString(w, b.String())
		return
	}
	if cr.res == nil {
		// One line, as the error is on stderr: FILE:LINE:COL: message.
		fmt.Fprintf(&b, "== %s: error: %s\n", name, oneLine(cr.err.Error()))
		io.WriteString(w, b.String())
		return
	}
	r := cr.res
	got := r.Verdict
	if r.Verdict == checker.Violation {
		got += " " + violated(r)
	}
	judgement := map[status]string{asExpected: "as expected", differs: "DIFFERS", unknown: "not known (a limit was hit)"}[cr.status]
	head := fmt.Sprintf("== %s: %s (expected %s: %s)", name, got, expectText(cr.exp), judgement)
	if st.color && len(head) <= width {
		vc := ansiGreen
		if r.Verdict != checker.Pass {
			vc = ansiRed
		}
		jc := ""
		switch cr.status {
		case differs:
			jc = ansiBadRed
		case unknown:
			jc = ansiYellow
		}
		fmt.Fprintf(&b, "== %s: %s (expected %s: %s)\n", name, st.paint(vc, got), expectText(cr.exp), st.paint(jc, judgement))
	} else {
		prose("%s", head)
	}
	if r.States > 0 { // 0: the prelude never reached a start state
		prose("   %d states, %d transitions, depth %d, %d terminal states, %.1f bytes/state stored", r.States, r.Transitions, r.Depth, r.Terminal, r.BytesPerState())
		if r.Incomplete != "" {
			prose("   incomplete: %s", r.Incomplete)
		}
		if r.SymmetryNote != "" {
			prose("   %s", r.SymmetryNote)
		}
		prose("   final outcomes:")
		if len(r.Outcomes) == 0 {
			prose("     (none: no terminal state reached)")
		}
		for _, o := range r.Outcomes {
			wrapLine(&b, fmt.Sprintf("     %4dx %s", o.Count, o.Text), width, 6)
		}
	}
	drawn := map[string]string{} // schedule -> the property drawn with it
	for _, fd := range r.Violations {
		b.WriteString("\n")
		if fd.Trace == nil {
			prose("   => %s violated: %s", fd.Property, fd.Message)
			prose("       (%s)", fd.NoTrace()) // under the message it explains
			continue
		}
		sched := scheduleOf(cr.m, fd.Trace)
		prose("   --- %s: counterexample of %s: schedule %s", fd.Property, plural(len(fd.Trace), "step"), sched)
		if prev, ok := drawn[sched]; ok {
			prose("   (the interleaving drawn for %s)", prev)
		} else if race, err := raceOf(cr.m, fd.Trace, props(cr.sc)); err != nil {
			prose("   (cannot replay: %v)", err)
		} else {
			race.Width = st.raceWidth(len(race.Columns()))
			race.Color = st.color
			race.Write(&b, "  ")
			drawn[sched] = fd.Property
		}
		prose("   => %s violated: %s", fd.Property, fd.Message)
		if p, ok := cr.cex[fd.Property]; ok {
			prose("   counterexample written to %s", p)
			prose("   (replay: jobctl run %s)", p)
		}
	}
	io.WriteString(w, b.String())
}

func writeDetailSummary(w io.Writer, rows [][]*cellResult) {
	var t tally
	for _, row := range rows {
		for _, cr := range row {
			t.add(cr)
		}
	}
	fmt.Fprintf(w, "\n%s: %s\n", plural(t.n, "check"), summaryLine(rows))
}

// tally counts cells by status.
type tally struct{ n, ok, bad, unk, errs int }

func (t *tally) add(cr *cellResult) {
	t.n++
	switch cr.status {
	case asExpected:
		t.ok++
	case differs:
		t.bad++
	case unknown:
		t.unk++
	case failed, crashed:
		t.errs++
	}
}

// raceOf replays a trace and builds its diagram.
func raceOf(m *model.Machine, trace []model.Move, want model.PropSet) (*render.Race, error) {
	states, ctxs, err := checker.Replay(m, trace)
	if err != nil {
		return nil, err
	}
	return render.New(m, trace, states, ctxs, want)
}

func scheduleOf(m *model.Machine, trace []model.Move) string { return checker.Schedule(m, trace) }

// JSON output: one object per (scenario, variant).
type jsonResult struct {
	Scenario           string          `json:"scenario"`
	Variant            string          `json:"variant"`
	RT                 bool            `json:"rt"`
	Verdict            string          `json:"verdict"`
	Message            string          `json:"message,omitempty"` // verdict "error": why the check could not run
	Expected           string          `json:"expected"`
	ExpectedProperties []string        `json:"expected_properties"`
	AsExpected         bool            `json:"as_expected"`
	Violations         []jsonViolation `json:"violations"`
	States             int             `json:"states"`
	Transitions        int             `json:"transitions"`
	Depth              int             `json:"depth"`
	ElapsedMS          int64           `json:"elapsed_ms"`
	BytesPerState      float64         `json:"bytes_per_state"` // the visited set and parent links per stored state
	Outcomes           []jsonOutcome   `json:"outcomes"`
	Incomplete         string          `json:"incomplete"`
	Symmetry           string          `json:"symmetry,omitempty"` // --symmetry: the classes reduced by, or why none
}

type jsonViolation struct {
	Property       string     `json:"property"`
	Message        string     `json:"message"`
	Schedule       string     `json:"schedule"` // the trace as 'jobctl run --schedule' takes it ("" without a trace)
	Trace          []jsonStep `json:"trace"`
	Counterexample string     `json:"counterexample,omitempty"`
}

type jsonOutcome struct {
	Outcome string `json:"outcome"`
	Count   int    `json:"count"`
}

func writeJSON(w io.Writer, cr *cellResult) error {
	exp := "pass"
	if cr.exp.Violation {
		exp = "violation"
	}
	if cr.res == nil {
		// The check could not run (a scenario the model cannot hold, a
		// prelude that blocks) or crashed: never "as expected".
		return encodeJSON(w, jsonResult{
			Scenario:           scenarioName(cr.sc),
			Variant:            cr.v.Name,
			RT:                 cr.rt,
			Verdict:            "error",
			Message:            oneLine(cr.err.Error()),
			Expected:           exp,
			ExpectedProperties: append([]string{}, cr.exp.Properties...),
			Violations:         []jsonViolation{},
			Outcomes:           []jsonOutcome{},
		})
	}
	r := cr.res
	j := jsonResult{
		Scenario:           scenarioName(cr.sc),
		Variant:            cr.v.Name,
		RT:                 cr.rt,
		Verdict:            r.Verdict,
		Expected:           exp,
		ExpectedProperties: append([]string{}, cr.exp.Properties...),
		AsExpected:         cr.status == asExpected,
		Violations:         []jsonViolation{},
		States:             r.States,
		Transitions:        r.Transitions,
		Depth:              r.Depth,
		ElapsedMS:          r.Elapsed.Milliseconds(),
		BytesPerState:      math.Round(r.BytesPerState()*10) / 10,
		Outcomes:           []jsonOutcome{},
		Incomplete:         r.Incomplete,
		Symmetry:           r.SymmetryNote,
	}
	for _, fd := range r.Violations {
		jv := jsonViolation{Property: fd.Property, Message: fd.Message, Trace: []jsonStep{}, Counterexample: cr.cex[fd.Property]}
		if len(fd.Trace) > 0 {
			race, err := raceOf(cr.m, fd.Trace, props(cr.sc))
			if err != nil {
				return fmt.Errorf("jobctl: replaying the %s counterexample of %s under %s: %v", fd.Property, scenarioName(cr.sc), cr.v.Name, err)
			}
			jv.Trace = jsonSteps(race)
			jv.Schedule = race.Schedule()
		}
		j.Violations = append(j.Violations, jv)
	}
	for _, o := range r.Outcomes {
		j.Outcomes = append(j.Outcomes, jsonOutcome{o.Text, o.Count})
	}
	return encodeJSON(w, j)
}

func encodeJSON(w io.Writer, j jsonResult) error {
	var buf strings.Builder
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(j); err != nil {
		return err
	}
	_, err := io.WriteString(w, buf.String())
	return err
}

// writeCounterexample writes the scenario with a fixed schedule line that
// replays the violation's trace, and returns the file's path.
func writeCounterexample(dir string, cr *cellResult, fd checker.Found) (string, error) {
	name := scenarioName(cr.sc)
	file := fmt.Sprintf("%s.%s.%s", safeFileName(name), cr.v.Name, fd.Property)
	if cr.rt && !cr.sc.RT {
		file += ".rt"
	}
	path := filepath.Join(dir, file+".jc")
	if filepath.Dir(path) != filepath.Clean(dir) {
		return "", fmt.Errorf("the counterexample of %s would not be in %s", name, dir)
	}
	text := counterexampleText(cr, fd, path)
	if _, err := scenario.Parse(path, []byte(text)); err != nil {
		return "", fmt.Errorf("the counterexample of %s does not parse: %v", name, err)
	}
	return path, writeFileAtomic(path, []byte(text))
}

// safeFileName makes a scenario's name (its "scenario" line, which may be
// anything) a file name: letters, digits, '-', '_' and '.' are kept, every
// other byte ('/', '\\', white space, control characters) becomes '_', and a
// leading '.' becomes '_' too, so that "../../x" is "_._.._x", never a path.
func safeFileName(name string) string {
	b := []byte(name)
	for i, c := range b {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
		if !ok || (i == 0 && c == '.') {
			b[i] = '_'
		}
	}
	if len(b) == 0 {
		return "_"
	}
	return string(b)
}

func counterexampleText(cr *cellResult, fd checker.Found, path string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(cr.sc.Text, "\n") {
		if f := strings.Fields(l); len(f) > 0 && (f[0] == "schedule" || f[0] == "variant") {
			continue
		}
		b.WriteString(l)
	}
	if b.Len() > 0 && !strings.HasSuffix(b.String(), "\n") {
		b.WriteString("\n")
	}
	if cr.rt && !cr.sc.RT {
		b.WriteString("\n# PREEMPT_RT was forced with --rt.\nconfig PREEMPT_RT\n")
	}
	fmt.Fprintf(&b, "\n# Counterexample: %s violated under %s%s (jobctl check).\n", fd.Property, cr.v.Name, map[bool]string{true: " with PREEMPT_RT"}[cr.rt])
	for _, l := range render.WrapText(fd.Message, 72) {
		fmt.Fprintf(&b, "#   %s\n", l)
	}
	fmt.Fprintf(&b, "# Replay: jobctl run %s\n", path)
	fmt.Fprintf(&b, "variant %s\n", cr.v.Name)
	fmt.Fprintf(&b, "schedule %s\n", scheduleOf(cr.m, fd.Trace))
	return b.String()
}
