package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"jobctl/hunt"
	"jobctl/oracle"
	"jobctl/scenario"
	"jobctl/variants"
)

var cmdHunt = &command{
	name:    "hunt",
	summary: "generate scenarios and find where designs, or the model and the kernel, disagree",
	usage: `  jobctl hunt [--oracle] [--designs A,B] [--time D] [--seed N] [--count N] [flags]
  jobctl hunt --enumerate SIZE [--designs A,B] [flags]
  jobctl hunt merge [--json] [--out DIR] REPORT.json ...`,
	help: `
Generates scenarios from the op alphabet within bounds and, for each one,
compares
  - design against design (--designs, default every design unless
    --oracle): the checker's verdict (the properties violated) and outcome
    set under each design; a difference is a finding about the first pair
    that differs, a property first;
  - with --oracle, the running kernel against the design that matches it
    (from uname -r, or --variant): every outcome of a run on the kernel
    must be one the model allows.
Every generated scenario is valid: it parses, compiles, its prelude
completes in the model and, with --oracle, the oracle can run it (what
'jobctl oracle' would skip is never generated). Each finding is minimized
— processes, actors, threads and ops dropped while it still shows — and
written to --out as a scenario file with the evidence (the designs'
verdicts and counterexamples, or the kernel's outcome beside the model's
closest, key by key) and verdict lines; one whose minimized scenario, in
canonical form, was found before is counted as a duplicate. Progress
(scenarios/s, findings, coverage) goes to stderr; the report to stdout.

Scenarios are random from --seed (coverage-guided: half of them mutate a
scenario that reached model steps no earlier one had, the built-in corpus
first), or with --enumerate every scenario of 1..SIZE ops in a fixed order,
smallest first. Scenario i of the stream depends only on the seed and i
(and, guided, on what the hunt found before it).

Flags:
  --oracle          hold the model to the running kernel (root, Linux)
  --variant V       the design the kernel is held to (default: uname -r)
  --designs A,B     compare these designs (all: every design)
  --time D          stop after D (e.g. 30m)
  --count N         stop after N scenarios
  --seed N          the stream's seed (default 1)
  --enumerate SIZE  every scenario of 1..SIZE ops instead of random ones
  --guided=false    random scenarios only, no coverage-guided mutation
  --corpus=false    do not seed the guided pool with the built-in corpus
  --shard I/N       take only the scenarios whose index is I mod N (an
                    array job: a Kubernetes Indexed Job's
                    JOB_COMPLETION_INDEX, a Slurm array); merge the shards'
                    --json reports with 'jobctl hunt merge'
  --procs N --threads N --actors N --ops N --total N --init N
                    bounds: processes (2), threads per process (2), outside
                    actors (3), ops per actor (3), script ops in all (5),
                    prelude ops (2)
  --kinds LIST      draw only these ops (e.g. kill,attach,wait)
  --sigs LIST       draw only these signals (e.g. SIGCONT,SIGKILL)
  --model-only=false
                    design hunts: no ops or configs the oracle cannot run
                    (lock/unlock, PREEMPT_RT); --oracle implies it
  --max-states N    bound of one check (default 200000; beyond: incomplete)
  --runs N          oracle runs of each scenario (default 1)
  --confirm N       oracle runs of each candidate while minimizing (default 3)
  --timeout D       wall-clock limit of one oracle run (default 10s)
  --out DIR         write each finding as DIR/NAME.jc (default hunt-findings;
                    "" writes none)
  --json            the report as JSON on stdout: counts, coverage, findings
                    with their scenario files and evidence
  -v                each finding on stderr as it is found

'jobctl hunt merge' combines the JSON reports of the shards of one hunt
into the report the unsharded hunt writes (byte for byte, for an
enumerated or --guided=false hunt of a fixed --count), and with --out
writes the findings' files.

Exit: 0 no finding, 1 findings, 2 usage, 3 interrupted or every scenario
incomplete.
`,
	run: runHunt,
}

func runHunt(args []string, stdout, stderr io.Writer) (int, error) {
	if len(args) > 0 && args[0] == "merge" {
		return runHuntMerge(args[1:], stdout, stderr)
	}
	fs := newFlags("hunt")
	useOracle := fs.Bool("oracle", false, "")
	variant := fs.String("variant", "", "")
	designs := fs.String("designs", "", "")
	dur := fs.Duration("time", 0, "")
	count := fs.Int("count", 0, "")
	seed := fs.Uint64("seed", 1, "")
	enumerate := fs.Int("enumerate", 0, "")
	guided := fs.Bool("guided", true, "")
	corpus := fs.Bool("corpus", true, "")
	shard := fs.String("shard", "", "")
	b := hunt.DefaultBounds()
	fs.IntVar(&b.Procs, "procs", b.Procs, "")
	fs.IntVar(&b.Threads, "threads", b.Threads, "")
	fs.IntVar(&b.Actors, "actors", b.Actors, "")
	fs.IntVar(&b.Ops, "ops", b.Ops, "")
	fs.IntVar(&b.Total, "total", b.Total, "")
	fs.IntVar(&b.Init, "init", b.Init, "")
	kinds := fs.String("kinds", "", "")
	sigList := fs.String("sigs", "", "")
	modelOnly := fs.Bool("model-only", true, "")
	maxStates := fs.Int("max-states", 200_000, "")
	runs := fs.Int("runs", 1, "")
	confirm := fs.Int("confirm", 3, "")
	timeout := fs.Duration("timeout", 10*time.Second, "")
	out := fs.String("out", "hunt-findings", "")
	asJSON := fs.Bool("json", false, "")
	verbose := fs.Bool("v", false, "")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return exitUsage, err
	}
	if len(pos) > 0 {
		return exitUsage, usagef("hunt takes no scenario (%q); it makes its own", pos[0])
	}
	switch {
	case *count < 0:
		return exitUsage, usagef("--count wants a positive number, got %d", *count)
	case *dur < 0:
		return exitUsage, usagef("--time wants a positive duration, got %s", *dur)
	case *enumerate < 0 || *enumerate > 8:
		return exitUsage, usagef("--enumerate wants a size of 1..8 ops, got %d", *enumerate)
	case *enumerate == 0 && *count == 0 && *dur == 0:
		return exitUsage, usagef("a random hunt needs a bound: --time D or --count N (or --enumerate SIZE)")
	case *maxStates < 1:
		return exitUsage, usagef("--max-states wants a positive number, got %d", *maxStates)
	case *runs < 1 || *confirm < 1:
		return exitUsage, usagef("--runs and --confirm want a positive count")
	case *timeout <= 0:
		return exitUsage, usagef("--timeout wants a positive duration, got %s", *timeout)
	}
	if b.Kinds, err = hunt.ParseOps(*kinds); err != nil {
		return exitUsage, usagef("--kinds: %v", err)
	}
	if b.Sigs, err = hunt.ParseSigs(*sigList); err != nil {
		return exitUsage, usagef("--sigs: %v", err)
	}
	b.ModelOnly = *modelOnly && !*useOracle
	if err := b.Validate(); err != nil {
		return exitUsage, usagef("%v", err)
	}
	opt := hunt.Options{Bounds: b, Seed: *seed, Count: *count, Time: *dur, Enumerate: *enumerate,
		Guided: *guided && *enumerate == 0, MaxStates: *maxStates}
	if *shard != "" {
		if opt.Shard, opt.Shards, err = parseShard(*shard); err != nil {
			return exitUsage, usagef("--shard: %v", err)
		}
	}
	for _, v := range variants.All() {
		opt.VerdictDesigns = append(opt.VerdictDesigns, design(v))
	}
	names := *designs
	if names == "" && !*useOracle {
		names = "all"
	}
	if names != "" {
		vs, err := variantList(names)
		if err != nil {
			return exitUsage, err
		}
		if len(vs) < 2 {
			return exitUsage, usagef("--designs wants two designs or more (or all), got %q", names)
		}
		for _, v := range vs {
			opt.Designs = append(opt.Designs, design(v))
		}
	}
	if *useOracle {
		var v *variants.Variant
		if *variant != "" {
			if v, err = getVariant(*variant); err != nil {
				return exitUsage, err
			}
		} else if v, err = kernelDesign("hunt"); err != nil {
			return exitUsage, err
		}
		// The machine must run the oracle at all: one scenario every
		// run could hold tells why not.
		probe, _ := scenario.Parse("probe.jc", []byte("actor A\nprocess P\nA: kill P SIGCONT\n"))
		if why := oracle.Supported(probe); why != "" {
			return exitUsage, &inputError{fmt.Errorf("jobctl hunt --oracle: this machine cannot run the oracle: %s", why)}
		}
		// The helpers re-execute this binary as /proc/self/exe, which
		// stays valid for as long as the hunt runs, even if the file is
		// replaced or removed meanwhile.
		opt.Oracle = &hunt.Oracle{Design: design(v), Kernel: kernelRelease(), Runs: *runs, Confirm: *confirm, Timeout: *timeout, Exe: "/proc/self/exe"}
	} else if *variant != "" {
		return exitUsage, usagef("--variant names the design the kernel is held to: it needs --oracle")
	}
	if opt.Guided && *corpus {
		if opt.Seeds, err = builtin(); err != nil {
			return exitUsage, err
		}
	}
	if *out != "" {
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return exitUsage, &inputError{fmt.Errorf("jobctl hunt: --out: %v", err)}
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, oracleSignals...)
	defer signal.Stop(sigs)
	var got atomic.Value
	go func() {
		if s, ok := <-sigs; ok {
			got.Store(s)
			cancel()
		}
	}()
	if opt.Oracle != nil {
		if removed, err := oracle.Cleanup(); len(removed) > 0 {
			fmt.Fprintf(stderr, "jobctl hunt: cleaned up after an earlier oracle run: removed %v\n", removed)
		} else if err != nil {
			fmt.Fprintf(stderr, "jobctl hunt: cleaning up after an earlier oracle run: %v\n", oneLine(err.Error()))
		}
	}
	pr := newHuntProgress(stderr)
	opt.OnProgress = pr.show
	var writeErr error
	opt.OnFinding = func(f *hunt.Finding) {
		if *out != "" {
			if err := writeFileAtomic(filepath.Join(*out, f.Name+".jc"), []byte(f.File)); err != nil && writeErr == nil {
				writeErr = err
			}
		}
		if *verbose {
			pr.clear()
			fmt.Fprintf(stderr, "jobctl hunt: finding %s (scenario %d): %s\n", f.Name, f.First, f.Summary)
		}
	}
	rep, err := hunt.Run(ctx, opt)
	pr.done()
	if rep == nil {
		return exitUsage, usagef("%v", err)
	}
	if err != nil && ctx.Err() == nil {
		// The oracle broke: what was found so far, and why it stopped.
		writeHunt(stdout, rep, *asJSON, *out)
		return exitIncomplete, fmt.Errorf("jobctl hunt: stopped: %v", err)
	}
	if writeErr != nil {
		return exitUsage, &inputError{fmt.Errorf("jobctl hunt: --out: %v", writeErr)}
	}
	if s, ok := got.Load().(syscall.Signal); ok {
		fmt.Fprintf(stderr, "jobctl hunt: interrupted by %s; everything it started was cleaned up\n", signalName(s))
		writeHunt(stdout, rep, *asJSON, *out)
		return 128 + int(s), nil
	}
	writeHunt(stdout, rep, *asJSON, *out)
	switch {
	case len(rep.Findings) > 0:
		return exitDiffers, nil
	case rep.Valid == 0 && rep.Scenarios > 0:
		return exitIncomplete, nil
	}
	return exitOK, nil
}

// design is a variant as a hunt's design.
func design(v *variants.Variant) hunt.Design {
	return hunt.Design{Name: v.Name, Kernel: v.Kernel}
}

// variantList reads "A,B" or "all" into designs.
func variantList(list string) ([]*variants.Variant, error) {
	if list == "all" {
		return variants.All(), nil
	}
	var out []*variants.Variant
	for _, n := range strings.Split(list, ",") {
		v, err := getVariant(strings.TrimSpace(n))
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// parseShard reads "I/N".
func parseShard(s string) (int, int, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return 0, 0, fmt.Errorf("want I/N with 0 <= I < N, got %q", s)
	}
	return i, n, nil
}

// writeHunt prints the report: as JSON, or as a summary.
func writeHunt(w io.Writer, rep *hunt.Report, asJSON bool, out string) {
	if asJSON {
		rep.Write(w)
		return
	}
	how := rep.Mode
	if rep.Oracle != "" {
		how += fmt.Sprintf(", the kernel (%s) against %s", rep.Kernel, rep.Oracle)
	}
	if len(rep.Designs) > 0 {
		how += ", designs " + strings.Join(rep.Designs, ",")
	}
	fmt.Fprintf(w, "hunt (%s, seed %d): %d scenarios, %d checked, %d invalid, %d incomplete; %d differed; %d finding(s)\n",
		how, rep.Seed, rep.Scenarios, rep.Valid, rep.Invalid, rep.Incomplete, rep.Differ, len(rep.Findings))
	if rep.Oracle != "" {
		fmt.Fprintf(w, "oracle: %d runs, %d wedged, %d errors\n", rep.OracleRuns, rep.Wedged, rep.Errors)
	}
	fmt.Fprintf(w, "coverage: %d of %d points of the model\n", rep.Coverage.Covered, rep.Coverage.Total)
	for _, f := range rep.Findings {
		fmt.Fprintf(w, "\n%s  %s (%s; scenario %d, %d in all)\n", f.Name, f.Summary, f.Kind, f.First, f.Count)
		if out != "" {
			fmt.Fprintf(w, "  written to %s\n", filepath.Join(out, f.Name+".jc"))
		}
		for _, l := range strings.Split(strings.TrimRight(f.Shape, "\n"), "\n") {
			fmt.Fprintf(w, "    %s\n", l)
		}
		if ev := f.Kernel; ev != nil {
			fmt.Fprintf(w, "  kernel: %s\n  model:  %s\n", ev.Outcome, ev.Closest)
			for _, d := range ev.Diff {
				fmt.Fprintf(w, "    differs: %s\n", d)
			}
		}
		for _, d := range f.Designs {
			if len(f.Pair) > 0 && d.Design != f.Pair[0] && d.Design != f.Pair[1] {
				continue
			}
			v := d.Verdict
			if len(d.Properties) > 0 {
				v += " " + strings.Join(d.Properties, ",")
			}
			fmt.Fprintf(w, "  %-14s %s\n", d.Design, v)
			for _, x := range d.Counterexamples {
				if x.Schedule != "" {
					fmt.Fprintf(w, "    %s: schedule %s\n", x.Property, x.Schedule)
				}
			}
		}
	}
}

func runHuntMerge(args []string, stdout, stderr io.Writer) (int, error) {
	fs := newFlags("hunt merge")
	asJSON := fs.Bool("json", false, "")
	out := fs.String("out", "", "")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return exitUsage, err
	}
	if len(pos) == 0 {
		return exitUsage, usagef("merge wants the shards' JSON reports")
	}
	var reps []*hunt.Report
	for _, p := range pos {
		f, err := os.Open(p)
		if err != nil {
			return exitUsage, &inputError{fmt.Errorf("%s: %v", p, errors.Unwrap(err))}
		}
		r, err := hunt.ReadReport(f)
		f.Close()
		if err != nil {
			return exitUsage, &inputError{fmt.Errorf("%s: not a hunt report: %v", p, err)}
		}
		reps = append(reps, r)
	}
	rep, err := hunt.Merge(reps)
	if err != nil {
		return exitUsage, &inputError{fmt.Errorf("jobctl hunt merge: %v", err)}
	}
	if *out != "" {
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return exitUsage, &inputError{fmt.Errorf("jobctl hunt merge: --out: %v", err)}
		}
		for _, f := range rep.Findings {
			if err := writeFileAtomic(filepath.Join(*out, f.Name+".jc"), []byte(f.File)); err != nil {
				return exitUsage, &inputError{fmt.Errorf("jobctl hunt merge: --out: %v", err)}
			}
		}
	}
	writeHunt(stdout, rep, *asJSON, *out)
	if len(rep.Findings) > 0 {
		return exitDiffers, nil
	}
	return exitOK, nil
}

// huntProgress is the progress line on stderr: redrawn every second on a
// terminal, a whole line every progressEvery elsewhere.
type huntProgress struct {
	w     io.Writer
	tty   bool
	every time.Duration
	last  time.Time
	drawn int
}

func newHuntProgress(w io.Writer) *huntProgress {
	p := &huntProgress{w: w, tty: isTerminal(w), every: progressEvery, last: time.Now()}
	if p.tty {
		p.every = time.Second
	}
	return p
}

func (p *huntProgress) show(s hunt.Stats) {
	if time.Since(p.last) < p.every {
		return
	}
	p.last = time.Now()
	rate := 0.0
	if sec := s.Elapsed.Seconds(); sec > 0 {
		rate = float64(s.Scenarios) / sec
	}
	line := fmt.Sprintf("hunt: %d scenarios (%.1f/s), %d checked, %d differed, %d finding(s), coverage %d/%d, %s",
		s.Scenarios, rate, s.Valid, s.Differ, s.Findings, s.Covered, s.Points, s.Elapsed.Round(time.Second))
	if s.OracleRuns > 0 {
		line += fmt.Sprintf(", %d oracle runs (%d wedged, %d failed)", s.OracleRuns, s.Wedged, s.Errors)
	}
	if p.tty {
		fmt.Fprintf(p.w, "\r%-*s", p.drawn, line)
		p.drawn = len(line)
		return
	}
	fmt.Fprintln(p.w, line)
}

func (p *huntProgress) clear() {
	if p.tty && p.drawn > 0 {
		fmt.Fprintf(p.w, "\r%*s\r", p.drawn, "")
		p.drawn = 0
	}
}

func (p *huntProgress) done() { p.clear() }
