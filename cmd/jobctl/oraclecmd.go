package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"jobctl/checker"
	"jobctl/model"
	"jobctl/oracle"
	"jobctl/scenario"
	"jobctl/variants"
)

var cmdOracle = &command{
	name:    "oracle",
	summary: "run scenarios on the running kernel and compare with the model",
	usage: `  jobctl oracle [SCENARIO|DIR ...] [--repeat N] [--seed N] [--timeout D] [--patience D] [--variant V[,V...]] [--json] [-v]
  jobctl oracle --kernel IMAGE [SCENARIO ...] [--accel A] [--guest-timeout D] [--append ARGS] [flags as above]`,
	help: `
Runs each scenario with real processes on the running kernel — tracee
processes in a fresh cgroup, a tracer, signal senders, a waiter and the
cgroup freezer as helper processes of this binary — and compares what user
space observed (/proc state letters, wait and ptrace results, exit status,
whether each thread runs) with the set of final outcomes the model allows
for the design that matches the running kernel, from uname -r (and the
point release a distribution puts in uname -v, as Debian does): 6.7+ and
6.6.102+ mainline, 6.6.0–6.6.101 v6.6, 6.1.123+ v6.1.y, 6.1.0–6.1.122 v6.1,
5.19–6.0 v5.19, older v5.18. On a PREEMPT_RT kernel, the design's RT build.

With --kernel IMAGE, the same runs inside a QEMU guest that boots IMAGE (a
bzImage or a distribution's vmlinuz): this binary, which must be static
(CGO_ENABLED=0), is the guest's init; it mounts /proc, /sys, /dev and both
cgroup freezers, runs "jobctl oracle" with the same flags, sends its output
back over a second serial port and powers the guest off. The output is
what a run on that kernel prints, and the exit code its exit code; one line
on stderr says which kernel booted under which accelerator (KVM when it
works, else TCG). The design comes from the guest's uname, as above, unless
--variant names one (the design you wrote for your patch). Ctrl-C, a guest
that stops answering and SIGKILL of jobctl all leave no QEMU behind.

Without SCENARIO, every built-in scenario; with several, or a directory
(every *.jc file in it, in natural order), a corpus of your own. Those the
machine cannot run are skipped with the reason (not root, no freezer, a
kernel lock holder, a PREEMPT_RT scenario on a non-RT kernel, ...). One
line per scenario and design:
  match      every outcome the kernel produced is one the model allows
  mismatch   the kernel produced an outcome outside the model's set; the
             differing observations are shown beside the closest model outcome
  skipped    the reason
  wedged     a run did not finish within --timeout; it was cleaned up and
             the rest goes on
Nothing is left behind: every process started is killed and reaped, every
cgroup made is thawed and removed. On SIGINT (Ctrl-C), SIGTERM, SIGHUP or
SIGQUIT the oracle stops what it is doing (a run, or the model's
exploration), cleans up, says so on stderr and exits 128+N (130 for
Ctrl-C). When jobctl is killed with SIGKILL, the run's init-like helper
process tears the run down itself within a few seconds; and every oracle
command first removes what an earlier, killed one left behind.

Flags:
  --repeat N     run each scenario N times with different delays, to sample
                 more of the kernel's interleavings (default 1); -v lists
                 each outcome with its count
  --seed N       seed of the first run's delays (run i uses N+i; default 1)
  --timeout D    wall-clock limit of one run (default 10s; 30s with --kernel,
                 where an emulated guest may be slow)
  --patience D   how long the end of a run watches a runnable thread that
                 has not run yet before its .ran is "no" (default 1s; 5s
                 with --kernel)
  --variant V[,V...]
                 compare with these designs instead of the detected one
                 (e.g. --variant v6.1,mainline: the same runs held to each)
  --kernel IMAGE run in a QEMU guest booting IMAGE (see above)
  --accel A      with --kernel: auto (default: KVM if it works, else TCG),
                 kvm or tcg
  --guest-timeout D
                 with --kernel: kill a guest that sends nothing, not even its
                 once-a-second heartbeat, for D (default 60s); exit 3
  --append ARGS  with --kernel: more kernel command line
  --json         one JSON object per line per scenario and design: scenario, variant,
                 verdict (match, mismatch, skipped, wedged, incomplete),
                 reason, runs, outcomes [{outcome, count, in_model, closest,
                 diff}], model_outcomes, elapsed_ms
  -v             list the kernel's outcomes and the model's
`,
	run: runOracle,
}

type oracleReport struct {
	Scenario      string            `json:"scenario"`
	Variant       string            `json:"variant"`
	Verdict       string            `json:"verdict"`
	Reason        string            `json:"reason,omitempty"`
	Runs          int               `json:"runs"`
	Outcomes      []oracleOutcome   `json:"outcomes"`
	ModelOutcomes []string          `json:"model_outcomes"`
	ElapsedMS     int64             `json:"elapsed_ms"`
	observed      []oracle.Observed `json:"-"`
}

type oracleOutcome struct {
	Outcome string   `json:"outcome"`
	Count   int      `json:"count"`
	InModel bool     `json:"in_model"`
	Closest string   `json:"closest,omitempty"`
	Diff    []string `json:"diff,omitempty"`
}

func runOracle(args []string, stdout, stderr io.Writer) (int, error) {
	fs := newFlags("oracle")
	repeat := fs.Int("repeat", 1, "")
	seed := fs.Int64("seed", 1, "")
	timeout := fs.Duration("timeout", 10*time.Second, "")
	variant := fs.String("variant", "", "")
	asJSON := fs.Bool("json", false, "")
	verbose := fs.Bool("v", false, "")
	kernel := fs.String("kernel", "", "")
	accel := fs.String("accel", "auto", "")
	guestTimeout := fs.Duration("guest-timeout", 60*time.Second, "")
	appendArgs := fs.String("append", "", "")
	patience := fs.Duration("patience", time.Second, "")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return exitUsage, err
	}
	if *repeat < 1 {
		return exitUsage, usagef("--repeat wants a positive count, got %d", *repeat)
	}
	if *kernel == "" {
		var err error
		fs.Visit(func(f *flag.Flag) {
			if f.Name == "accel" || f.Name == "guest-timeout" || f.Name == "append" {
				err = usagef("--%s needs --kernel", f.Name)
			}
		})
		if err != nil {
			return exitUsage, err
		}
	}
	if *timeout <= 0 {
		return exitUsage, usagef("--timeout wants a positive duration, got %s", *timeout)
	}
	if *patience <= 0 {
		return exitUsage, usagef("--patience wants a positive duration, got %s", *patience)
	}
	var vs []*variants.Variant
	if *variant != "" {
		if vs, err = getVariants(*variant); err != nil {
			return exitUsage, err
		}
	} else if *kernel == "" {
		v, err := kernelDesign("oracle")
		if err != nil {
			return exitUsage, err
		}
		vs = []*variants.Variant{v}
	}
	var scs []*scenario.Scenario
	if len(pos) == 0 {
		if scs, err = builtin(); err != nil {
			return exitUsage, err
		}
	} else if scs, err = loadScenarios(pos); err != nil {
		return exitUsage, err
	}
	if *kernel != "" {
		timeoutSet := false
		fs.Visit(func(f *flag.Flag) { timeoutSet = timeoutSet || f.Name == "timeout" })
		patienceSet := false
		fs.Visit(func(f *flag.Flag) { patienceSet = patienceSet || f.Name == "patience" })
		if !timeoutSet {
			*timeout = guestRunTimeout
		}
		if !patienceSet {
			*patience = guestPatience
		}
		return runOracleKernel(kernelRun{
			image: *kernel, accel: *accel, silence: *guestTimeout, append: *appendArgs, scenarios: pos,
			repeat: *repeat, seed: *seed, timeout: *timeout, patience: *patience, variant: *variant, json: *asJSON, verbose: *verbose,
		}, stdout, stderr)
	}

	// Every terminating signal that can be caught (Ctrl-C, SIGTERM, a
	// closed terminal's SIGHUP, Ctrl-\'s SIGQUIT, a closed pipe's SIGPIPE,
	// ...: oracleSignals) cancels what is in
	// progress — the model's exploration or a run, which cleans up before
	// it returns — and jobctl exits 128+N, as a shell reports a death by
	// that signal, after saying so on stderr. Further signals meanwhile
	// are ignored, so that the cleanup finishes. (A SIGKILL cannot be
	// caught: the run's %init helper then tears it down; see package
	// oracle.)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, oracleSignals...)
	defer signal.Stop(sigs)
	var got atomic.Value // the first signal
	go func() {
		if s, ok := <-sigs; ok {
			got.Store(s)
			cancel()
		}
	}()

	// Leftovers of an earlier run that was killed go first, whatever
	// this run does (even if it skips every scenario).
	if removed, err := oracle.Cleanup(); len(removed) > 0 {
		fmt.Fprintf(stderr, "jobctl oracle: cleaned up after an earlier run: removed %v\n", removed)
	} else if err != nil {
		fmt.Fprintf(stderr, "jobctl oracle: cleaning up after an earlier run: %v\n", oneLine(err.Error()))
	}

	// On a PREEMPT_RT kernel every scenario is compared with the design's
	// RT build, as the kernel runs every one with sleeping spinlocks.
	rt := oracle.KernelIsRT()
	code := exitOK
	counts := map[string]int{}
	for _, sc := range scs {
		if ctx.Err() != nil {
			break
		}
		reports := oracleOne(ctx, sc, vs, rt, *repeat, oracle.Options{Timeout: *timeout, Seed: *seed, Patience: *patience})
		if ctx.Err() != nil {
			break // interrupted: not a result
		}
		for _, r := range reports {
			counts[r.Verdict]++
			switch r.Verdict {
			case "mismatch":
				code = maxCode(code, exitDiffers)
			case "wedged", "incomplete":
				code = maxCode(code, exitIncomplete)
			case "error":
				code = maxCode(code, exitUsage)
			}
			if *asJSON {
				if r.Outcomes == nil {
					r.Outcomes = []oracleOutcome{}
				}
				if r.ModelOutcomes == nil {
					r.ModelOutcomes = []string{}
				}
				b, _ := json.Marshal(r)
				fmt.Fprintln(stdout, string(b))
				continue
			}
			printOracle(stdout, r, *verbose, len(vs) > 1)
		}
	}
	if ctx.Err() != nil {
		sig, _ := got.Load().(syscall.Signal)
		fmt.Fprintf(stderr, "jobctl oracle: interrupted by %s; everything it started was cleaned up\n", signalName(sig))
		return 128 + int(sig), nil
	}
	if !*asJSON && len(scs)*len(vs) > 1 {
		var names []string
		for _, v := range vs {
			names = append(names, v.Name)
		}
		design := strings.Join(names, ", ")
		if rt {
			design += ", PREEMPT_RT"
		}
		what := plural(len(scs), "scenario")
		if len(vs) > 1 {
			what += " x " + plural(len(vs), "design")
		}
		fmt.Fprintf(stdout, "\n%s on %s (compared with %s): %d match, %d mismatch, %d skipped, %d wedged, %d incomplete, %d error\n",
			what, kernelRelease(), design, counts["match"], counts["mismatch"], counts["skipped"], counts["wedged"], counts["incomplete"], counts["error"])
	}
	return code, nil
}

// kernelDesign is the design that matches the running kernel (from
// uname -r), for command cmd's errors.
func kernelDesign(cmd string) (*variants.Variant, error) {
	rel, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return nil, &inputError{fmt.Errorf("jobctl %s: cannot tell the running kernel's version (%v); name a design with --variant", cmd, err)}
	}
	ver, _ := os.ReadFile("/proc/sys/kernel/version")
	v, err := variants.ForKernel(strings.TrimSpace(string(rel)), strings.TrimSpace(string(ver)))
	if err != nil {
		return nil, &inputError{fmt.Errorf("jobctl %s: %v; name a design with --variant", cmd, err)}
	}
	return v, nil
}

func maxCode(a, b int) int {
	// 1 (a mismatch) wins over 3 (incomplete); 2 (an error) over both.
	rank := map[int]int{exitOK: 0, exitIncomplete: 1, exitDiffers: 2, exitUsage: 3}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

func kernelRelease() string {
	rel, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return "this kernel"
	}
	return "Linux " + strings.TrimSpace(string(rel))
}

// oracleOne runs one scenario repeat times and compares what the kernel
// did with the model under each design of vs (their RT builds if rt): one
// report per design, from the same runs. base holds the options of every
// run; run i has seed base.Seed+i.
func oracleOne(ctx context.Context, sc *scenario.Scenario, vs []*variants.Variant, rt bool, repeat int, base oracle.Options) []oracleReport {
	seed, timeout := base.Seed, base.Timeout
	start := time.Now()
	reports := make([]oracleReport, len(vs))
	for i, v := range vs {
		reports[i] = oracleReport{Scenario: scenarioName(sc), Variant: v.Name}
	}
	defer func() {
		for i := range reports {
			reports[i].ElapsedMS = time.Since(start).Milliseconds()
		}
	}()
	// all gives every design's report that has no verdict yet the same one.
	all := func(verdict, reason string) []oracleReport {
		for i := range reports {
			if reports[i].Verdict == "" {
				reports[i].Verdict, reports[i].Reason = verdict, reason
			}
		}
		return reports
	}
	for i, v := range vs {
		if !v.Released {
			reports[i].Verdict, reports[i].Reason = "skipped", v.Name+" never shipped in a kernel"
		}
	}
	// The model's limits first: they name the line of the scenario.
	p, err := model.Compile(sc)
	if err != nil {
		return all("error", err.Error())
	}
	if why := oracle.Supported(sc); why != "" {
		return all("skipped", why)
	}
	var keys []string
	for i, v := range vs {
		r := &reports[i]
		if r.Verdict != "" {
			continue
		}
		res, err := modelOutcomes(ctx, model.NewMachine(v.Kernel(sc.RT || rt), p))
		switch {
		case ctx.Err() != nil:
			return all("incomplete", "interrupted")
		case err != nil:
			r.Verdict, r.Reason = "error", err.Error()
			continue
		case res.Incomplete != "":
			r.Verdict, r.Reason = "incomplete", "the model's exploration stopped: "+res.Incomplete
			continue
		}
		for _, o := range res.Outcomes {
			r.ModelOutcomes = append(r.ModelOutcomes, o.Text)
		}
		if len(r.ModelOutcomes) == 0 {
			r.Verdict, r.Reason = "error", "the model has no final outcome (every interleaving runs forever)"
			continue
		}
		keys = oracle.Keys(r.ModelOutcomes[0]) // the same for every design
	}
	if keys == nil {
		return reports // nothing to compare with
	}
	var runs []string
	for i := 0; i < repeat; i++ {
		opt := base
		opt.Seed = seed + int64(i)
		out, err := oracle.Run(ctx, sc, opt)
		switch {
		case ctx.Err() != nil:
			return all("incomplete", "interrupted")
		case errors.Is(err, oracle.ErrTimeout):
			for j := range reports {
				reports[j].Runs = i + 1
			}
			return all("wedged", fmt.Sprintf("run %d (seed %d) did not finish within %s; cleaned up", i+1, seed+int64(i), timeout))
		case err != nil:
			for j := range reports {
				reports[j].Runs = i
			}
			return all("error", err.Error())
		}
		runs = append(runs, oracle.Canonical(keys, out.Obs))
	}
	for i := range reports {
		r := &reports[i]
		if r.Verdict != "" {
			continue
		}
		r.Runs = repeat
		r.observed = oracle.Tally(runs, r.ModelOutcomes)
		r.Verdict = "match"
		for _, o := range r.observed {
			r.Outcomes = append(r.Outcomes, oracleOutcome{Outcome: o.Text, Count: o.Count, InModel: o.InModel, Closest: o.Closest, Diff: o.Diff})
			if !o.InModel {
				r.Verdict = "mismatch"
			}
		}
	}
	return reports
}

// Limits of the model's exploration for the oracle: the outcome set of a
// scenario the oracle can run is small (the corpus's largest takes a few
// hundred thousand states); a scenario past these is reported as
// incomplete, not explored until the machine runs out of memory.
var (
	oracleMaxStates          = 2_000_000
	oracleMaxMemory    int64 = 1 << 30
	oracleModelTimeout       = time.Minute
)

// modelOutcomes explores m for its outcome set, within the oracle's limits,
// and returns at once when ctx is cancelled (the exploration, which cannot
// be interrupted, is abandoned; the process is about to exit).
func modelOutcomes(ctx context.Context, m *model.Machine) (*checker.Result, error) {
	type result struct {
		res *checker.Result
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- result{nil, fmt.Errorf("jobctl: internal error exploring the model: %v", r)}
			}
		}()
		res, err := checker.Check(m, checker.Options{MaxStates: oracleMaxStates, MaxMemory: defaultMaxMemory(oracleMaxMemory), Timeout: oracleModelTimeout})
		done <- result{res, err}
	}()
	select {
	case r := <-done:
		return r.res, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// printOracle prints one report; several designs say which one each
// line that does not name it is about.
func printOracle(w io.Writer, r oracleReport, verbose, designs bool) {
	switch r.Verdict {
	case "match":
		fmt.Fprintf(w, "%-10s %-40s %d run(s), %d kernel outcome(s), %d allowed by %s\n", r.Verdict, r.Scenario, r.Runs, len(r.Outcomes), len(r.ModelOutcomes), r.Variant)
	case "mismatch":
		bad := 0
		for _, o := range r.Outcomes {
			if !o.InModel {
				bad += o.Count
			}
		}
		fmt.Fprintf(w, "%-10s %-40s %d of %d run(s) outside the %s model's outcomes\n", r.Verdict, r.Scenario, bad, r.Runs, r.Variant)
		for _, o := range r.Outcomes {
			if o.InModel {
				continue
			}
			fmt.Fprintf(w, "    kernel (%dx): %s\n    model:       %s\n", o.Count, o.Outcome, o.Closest)
			for _, d := range o.Diff {
				fmt.Fprintf(w, "      differs: %s\n", d)
			}
		}
	default:
		if designs {
			fmt.Fprintf(w, "%-10s %-40s under %s: %s\n", r.Verdict, r.Scenario, r.Variant, r.Reason)
		} else {
			fmt.Fprintf(w, "%-10s %-40s %s\n", r.Verdict, r.Scenario, r.Reason)
		}
	}
	if verbose && (r.Verdict == "match" || r.Verdict == "mismatch") {
		for _, o := range r.Outcomes {
			mark := "model allows"
			if !o.InModel {
				mark = "NOT in model"
			}
			fmt.Fprintf(w, "    kernel %3dx  %s  %s\n", o.Count, mark, o.Outcome)
		}
		seen := map[string]bool{}
		for _, o := range r.Outcomes {
			seen[o.Outcome] = true
		}
		for _, m := range r.ModelOutcomes {
			if !seen[m] {
				fmt.Fprintf(w, "    model only    %s\n", m)
			}
		}
	}
}
