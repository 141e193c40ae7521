package hunt

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"jobctl/model"
	"jobctl/render"
	"jobctl/scenario"
)

// The kinds of finding.
const (
	KindDesigns = "designs" // two designs' verdicts or outcome sets differ
	KindOracle  = "oracle"  // the kernel produced an outcome the model does not allow
)

// ReportVersion is the report format's version.
const ReportVersion = 1

// Report is what a hunt found. It holds nothing that depends on timing
// (no durations or rates), so that the report of a hunt of a fixed count
// is the same byte for byte however it is run — in one process, or as
// shards merged with Merge.
type Report struct {
	Version   int      `json:"version"`
	Mode      string   `json:"mode"` // "random", "guided" or "enumerate"
	Seed      uint64   `json:"seed"`
	Count     int      `json:"count,omitempty"`
	Enumerate int      `json:"enumerate,omitempty"`
	Bounds    BoundsJS `json:"bounds"`
	Designs   []string `json:"designs,omitempty"`
	Oracle    string   `json:"oracle,omitempty"` // the design the kernel is held to
	Kernel    string   `json:"kernel,omitempty"`
	// Shard is set in a shard's report, and not in a merged or unsharded one.
	Shard *ShardInfo `json:"shard,omitempty"`

	Scenarios  int            `json:"scenarios"`
	Valid      int            `json:"valid"`
	Invalid    int            `json:"invalid"`
	Rejected   map[string]int `json:"rejected"` // why, with how many
	Incomplete int            `json:"incomplete"`
	Differ     int            `json:"differ"`
	OracleRuns int            `json:"oracle_runs"`
	Wedged     int            `json:"wedged"`
	Errors     int            `json:"errors"`
	// WedgedScenarios and ErrorMessages keep the first few.
	WedgedScenarios []string   `json:"wedged_scenarios,omitempty"`
	ErrorMessages   []string   `json:"error_messages,omitempty"`
	Exhausted       bool       `json:"exhausted,omitempty"` // enumerating: every scenario was drawn
	Coverage        Coverage   `json:"coverage"`
	Findings        []*Finding `json:"findings"`
}

// BoundsJS is Bounds in a report.
type BoundsJS struct {
	Procs     int      `json:"procs"`
	Threads   int      `json:"threads"`
	Actors    int      `json:"actors"`
	Ops       int      `json:"ops"`
	Total     int      `json:"total"`
	Init      int      `json:"init"`
	Kinds     []string `json:"kinds,omitempty"`
	Sigs      []string `json:"sigs,omitempty"`
	ModelOnly bool     `json:"model_only,omitempty"`
}

// ShardInfo is which shard a report is of.
type ShardInfo struct {
	Index int `json:"index"`
	Of    int `json:"of"`
}

// Coverage is the coverage a hunt reached: every point as
// "FUNCTION KIND NAME".
type Coverage struct {
	Covered int      `json:"covered"`
	Total   int      `json:"total"`
	Points  []string `json:"points"`
}

// Finding is one difference, minimized.
type Finding struct {
	Kind    string `json:"kind"`
	Name    string `json:"name"` // its file's name, without .jc
	Summary string `json:"summary"`
	// First is the index of the first scenario that showed it; Count how
	// many scenarios minimized to it.
	First int `json:"first"`
	Count int `json:"count"`
	// Shape is the minimized scenario in canonical form; Original the
	// first scenario before minimizing.
	Shape    string `json:"shape"`
	Original string `json:"original"`
	// Pair and Property: a designs finding is about Property (violated
	// under Pair[0], not under Pair[1]), or about their outcome sets
	// (Property "").
	Pair     []string        `json:"pair,omitempty"`
	Property string          `json:"property,omitempty"`
	Kernel   *KernelEvidence `json:"kernel,omitempty"`
	// Reproduced: an oracle finding showed again when its scenario was
	// run again (and was minimized); else the evidence is one run's.
	Reproduced bool `json:"reproduced,omitempty"`
	// Designs are the minimized scenario's verdicts under every design.
	Designs []DesignResult `json:"designs"`
	// File is the scenario file written for it.
	File string `json:"file"`
}

// DesignResult is a scenario's check under one design.
type DesignResult struct {
	Design          string           `json:"design"`
	Verdict         string           `json:"verdict"`
	Properties      []string         `json:"properties,omitempty"`
	Incomplete      string           `json:"incomplete,omitempty"`
	Counterexamples []Counterexample `json:"counterexamples,omitempty"`
	Outcomes        []string         `json:"outcomes"`
}

// Counterexample is a shortest interleaving that violates a property.
type Counterexample struct {
	Property string `json:"property"`
	Schedule string `json:"schedule"`
	Message  string `json:"message"`
}

// KernelEvidence is an outcome of the kernel the model does not allow.
type KernelEvidence struct {
	Kernel        string   `json:"kernel"`
	Design        string   `json:"design"`
	Runs          int      `json:"runs"`
	Mismatches    int      `json:"mismatches"`
	Outcome       string   `json:"outcome"`
	Closest       string   `json:"closest"`
	Diff          []string `json:"diff"`
	ModelOutcomes []string `json:"model_outcomes"`
}

func newReport(opt Options) *Report {
	r := &Report{Version: ReportVersion, Mode: "random", Seed: opt.Seed, Count: opt.Count, Enumerate: opt.Enumerate, Rejected: map[string]int{}}
	switch {
	case opt.Enumerate > 0:
		r.Mode = "enumerate"
	case opt.Guided:
		r.Mode = "guided"
	}
	b := opt.Bounds
	r.Bounds = BoundsJS{Procs: b.Procs, Threads: b.Threads, Actors: b.Actors, Ops: b.Ops, Total: b.Total, Init: b.Init, ModelOnly: b.ModelOnly}
	for _, k := range b.Kinds {
		r.Bounds.Kinds = append(r.Bounds.Kinds, k.String())
	}
	for _, s := range b.Sigs {
		r.Bounds.Sigs = append(r.Bounds.Sigs, scenario.SigName(s))
	}
	for _, d := range opt.Designs {
		r.Designs = append(r.Designs, d.Name)
	}
	if opt.Oracle != nil {
		r.Oracle, r.Kernel = opt.Oracle.Design.Name, opt.Oracle.Kernel
	}
	if opt.Shards > 1 {
		r.Shard = &ShardInfo{Index: opt.Shard, Of: opt.Shards}
	}
	r.Findings = []*Finding{}
	return r
}

const keepFirst = 10

func (r *Report) addWedged(text string) {
	if len(r.WedgedScenarios) < keepFirst {
		r.WedgedScenarios = append(r.WedgedScenarios, text)
	}
}

func (r *Report) addError(msg string) {
	if len(r.ErrorMessages) < keepFirst {
		r.ErrorMessages = append(r.ErrorMessages, msg)
	}
}

// PointID names a coverage point in a report.
func PointID(p model.PointInfo) string { return p.Func + " " + p.Kind.String() + " " + p.Name }

func coverageReport(cv *model.Coverage) Coverage {
	c := Coverage{Total: len(model.Points()), Points: []string{}}
	for i, p := range model.Points() {
		if cv.Covered(model.Point(i)) {
			c.Points = append(c.Points, PointID(p))
		}
	}
	sort.Strings(c.Points)
	c.Covered = len(c.Points)
	return c
}

// findingName names a finding's file after its kind and shape.
func findingName(kind, shape string) string {
	sum := sha256.Sum256([]byte(shape))
	return "hunt-" + kind + "-" + hex.EncodeToString(sum[:4])
}

// findingFile is the scenario file of a finding: its story (how it was
// found, the evidence), the minimized scenario, and what each design does.
func findingFile(f *Finding, h *hunter, body string) string {
	var b strings.Builder
	c := func(format string, args ...any) {
		for _, l := range render.WrapText(fmt.Sprintf(format, args...), 74) {
			fmt.Fprintf(&b, "# %s\n", l)
		}
	}
	raw := func(s string) { fmt.Fprintf(&b, "#   %s\n", s) }
	how := fmt.Sprintf("jobctl hunt --seed %d, scenario %d of a %s hunt", h.opt.Seed, f.First, h.rep.Mode)
	switch f.Kind {
	case KindDesigns:
		c("Found by %s, minimized: %s.", how, f.Summary)
	case KindOracle:
		ev := f.Kernel
		if f.Reproduced {
			c("Found by %s with the oracle on %s, minimized: %s.", how, ev.Kernel, f.Summary)
		} else {
			c("Found by %s with the oracle on %s, and not seen again in %d more runs, so not minimized: %s.", how, ev.Kernel, h.opt.Oracle.Confirm, f.Summary)
		}
		b.WriteString("#\n")
		c("The kernel (in %d of %d runs):", ev.Mismatches, ev.Runs)
		raw(ev.Outcome)
		c("The %s model's closest outcome:", ev.Design)
		raw(ev.Closest)
		for _, d := range ev.Diff {
			raw("differs: " + d)
		}
		c("The model allows %d outcome(s):", len(ev.ModelOutcomes))
		for _, m := range ev.ModelOutcomes {
			raw(m)
		}
	}
	b.WriteString("#\n")
	for _, d := range f.Designs {
		if d.Verdict == "violation" {
			c("%s: violation %s", d.Design, strings.Join(d.Properties, ","))
			for _, x := range d.Counterexamples {
				if x.Schedule != "" {
					raw(x.Property + ": schedule " + x.Schedule)
				}
				for _, l := range render.WrapText(x.Message, 70) {
					raw("  " + l)
				}
			}
		} else {
			c("%s: %s", d.Design, d.Verdict)
		}
	}
	fmt.Fprintf(&b, "scenario %s\n", f.Name)
	fmt.Fprintf(&b, "title hunt: %s\n", f.Summary)
	fmt.Fprintf(&b, "source %s\n", how)
	b.WriteString("\n")
	b.WriteString(body)
	b.WriteString("\n")
	// An outcome every design reaches, so that the file cannot pass
	// vacuously: a key=value some final state has under each.
	if f.Kind == KindDesigns {
		if a := commonAtom(f.Designs); a != "" {
			fmt.Fprintf(&b, "sometimes %s\n", a)
		}
	}
	if f.Kind == KindOracle {
		// What the kernel did, as a check the model must allow.
		var atoms []string
		for _, kv := range strings.Fields(f.Kernel.Outcome) {
			k, _, _ := strings.Cut(kv, "=")
			for _, d := range f.Kernel.Diff {
				if strings.HasPrefix(d, k+":") {
					atoms = append(atoms, kv)
				}
			}
		}
		if len(atoms) > 0 {
			fmt.Fprintf(&b, "sometimes %s\n", strings.Join(atoms, " "))
		}
	}
	b.WriteString("verdict * pass\n")
	for _, d := range f.Designs {
		if !h.nameable(d.Design) {
			continue
		}
		switch {
		case f.Kind == KindOracle && d.Design == f.Kernel.Design:
			// The claim: once the model is right, it passes.
			fmt.Fprintf(&b, "verdict %s pass\n", d.Design)
		case d.Verdict == "violation":
			fmt.Fprintf(&b, "verdict %s violation %s\n", d.Design, strings.Join(d.Properties, " "))
		case d.Verdict == "pass":
			fmt.Fprintf(&b, "verdict %s pass\n", d.Design)
		}
	}
	text := b.String()
	if _, err := scenario.Parse(f.Name+".jc", []byte(text)); err != nil {
		// Never write a file that does not parse; say why in it.
		return text + "# (jobctl hunt: this file does not parse: " + err.Error() + ")\n"
	}
	return text
}

// commonAtom is a KEY=VALUE that some final outcome has under every
// design of drs (a thread's state first, then an op's result), or "".
func commonAtom(drs []DesignResult) string {
	count := map[string]int{}
	var order []string
	for _, d := range drs {
		seen := map[string]bool{}
		for _, o := range d.Outcomes {
			for _, kv := range strings.Fields(o) {
				if !seen[kv] {
					seen[kv] = true
					if count[kv] == 0 {
						order = append(order, kv)
					}
					count[kv]++
				}
			}
		}
	}
	for _, want := range []string{".state=", "#", ".exit="} {
		for _, kv := range order {
			if count[kv] == len(drs) && strings.Contains(kv, want) {
				return kv
			}
		}
	}
	return ""
}

// nameable: a verdict line may name design d (VerdictDesigns holds the
// designs a scenario file may name).
func (h *hunter) nameable(d string) bool {
	return hasDesign(h.opt.VerdictDesigns, d)
}

// Write writes r as indented JSON.
func (r *Report) Write(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// ReadReport reads a report written by Write.
func ReadReport(rd io.Reader) (*Report, error) {
	dec := json.NewDecoder(rd)
	dec.DisallowUnknownFields()
	var r Report
	if err := dec.Decode(&r); err != nil {
		return nil, err
	}
	if r.Version != ReportVersion {
		return nil, fmt.Errorf("report version %d, want %d", r.Version, ReportVersion)
	}
	return &r, nil
}

// Merge combines the reports of the shards of one hunt into the report
// the hunt would have written in one process: counts summed, coverage
// united, findings of one shape merged (the first scenario's evidence,
// the counts summed), in order of their first scenario.
func Merge(reps []*Report) (*Report, error) {
	if len(reps) == 0 {
		return nil, fmt.Errorf("no reports to merge")
	}
	first := reps[0]
	if first.Shard == nil {
		if len(reps) == 1 {
			return first, nil
		}
		return nil, fmt.Errorf("report 1 is not a shard's")
	}
	n := first.Shard.Of
	seen := make([]bool, n)
	same := func(r *Report) string {
		a, b := *first, *r
		for _, x := range []*Report{&a, &b} {
			x.Shard, x.Scenarios, x.Valid, x.Invalid, x.Rejected, x.Incomplete = nil, 0, 0, 0, nil, 0
			x.Differ, x.OracleRuns, x.Wedged, x.Errors, x.WedgedScenarios, x.ErrorMessages = 0, 0, 0, 0, nil, nil
			x.Exhausted, x.Coverage, x.Findings = false, Coverage{}, nil
		}
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if string(ja) != string(jb) {
			return "it is of another hunt (mode, seed, bounds, designs, oracle or kernel differ)"
		}
		return ""
	}
	out := &Report{}
	*out = *first
	out.Shard = nil
	out.Rejected = map[string]int{}
	out.Scenarios, out.Valid, out.Invalid, out.Incomplete, out.Differ, out.OracleRuns, out.Wedged, out.Errors = 0, 0, 0, 0, 0, 0, 0, 0
	out.WedgedScenarios, out.ErrorMessages = nil, nil
	out.Exhausted = true
	points := map[string]bool{}
	byShape := map[string]*Finding{}
	for i, r := range reps {
		if r.Shard == nil || r.Shard.Of != n || r.Shard.Index < 0 || r.Shard.Index >= n {
			return nil, fmt.Errorf("report %d is not a shard of %d", i+1, n)
		}
		if seen[r.Shard.Index] {
			return nil, fmt.Errorf("report %d: shard %d/%d given twice", i+1, r.Shard.Index, n)
		}
		seen[r.Shard.Index] = true
		if why := same(r); why != "" {
			return nil, fmt.Errorf("report %d: %s", i+1, why)
		}
		out.Scenarios += r.Scenarios
		out.Valid += r.Valid
		out.Invalid += r.Invalid
		out.Incomplete += r.Incomplete
		out.Differ += r.Differ
		out.OracleRuns += r.OracleRuns
		out.Wedged += r.Wedged
		out.Errors += r.Errors
		for k, v := range r.Rejected {
			out.Rejected[k] += v
		}
		out.Exhausted = out.Exhausted && r.Exhausted
		for _, p := range r.Coverage.Points {
			points[p] = true
		}
		for _, f := range r.Findings {
			g, ok := byShape[f.Shape]
			if !ok {
				c := *f
				byShape[f.Shape] = &c
				continue
			}
			if f.First < g.First {
				count := g.Count
				*g = *f
				g.Count += count
			} else {
				g.Count += f.Count
			}
		}
	}
	for i, ok := range seen {
		if !ok {
			return nil, fmt.Errorf("shard %d/%d is missing", i, n)
		}
	}
	// The first few wedged scenarios and errors, in shard order.
	for i := 0; i < n; i++ {
		for _, r := range reps {
			if r.Shard.Index != i {
				continue
			}
			for _, w := range r.WedgedScenarios {
				out.addWedged(w)
			}
			for _, e := range r.ErrorMessages {
				out.addError(e)
			}
		}
	}
	out.Coverage = Coverage{Total: first.Coverage.Total, Points: []string{}}
	for p := range points {
		out.Coverage.Points = append(out.Coverage.Points, p)
	}
	sort.Strings(out.Coverage.Points)
	out.Coverage.Covered = len(out.Coverage.Points)
	out.Findings = []*Finding{}
	for _, f := range byShape {
		out.Findings = append(out.Findings, f)
	}
	sort.SliceStable(out.Findings, func(i, j int) bool { return out.Findings[i].First < out.Findings[j].First })
	return out, nil
}
