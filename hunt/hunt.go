package hunt

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"regexp"
	"sort"
	"time"

	"jobctl/checker"
	"jobctl/model"
	"jobctl/oracle"
	"jobctl/scenario"
)

// Design is one kernel design the hunt checks scenarios under.
type Design struct {
	Name   string
	Kernel func(rt bool) *model.Kernel
}

// Oracle is how a hunt holds the model to the running kernel.
type Oracle struct {
	Design  Design // the design that matches the running kernel
	Kernel  string // the running kernel's release (uname -r), for the report
	Runs    int    // runs of each scenario (0: 1)
	Confirm int    // runs of each candidate while minimizing (0: 3)
	// Timeout is one run's wall-clock limit (0: 10s).
	Timeout time.Duration
	Exe     string // the binary the oracle re-executes ("": this one)
	// run is oracle.Run; a test puts a kernel of its own here.
	run func(context.Context, *scenario.Scenario, oracle.Options) (oracle.Outcome, error)
}

// Options configure a hunt.
type Options struct {
	Bounds Bounds
	Seed   uint64
	// Count bounds the scenarios drawn (0: no bound); Time bounds the
	// hunt's duration (0: no bound). A random hunt needs one of them.
	Count int
	Time  time.Duration
	// Enumerate > 0: every scenario within Bounds of 1..Enumerate ops, in
	// a fixed order (Enumerate), instead of random ones.
	Enumerate int
	// Guided: a random hunt mutates, half the time, a scenario that
	// reached coverage points no scenario before it had (starting from
	// Seeds). Its stream then depends on what it found: a shard's is
	// reproducible, but shards together are not the unsharded hunt.
	Guided bool
	Seeds  []*scenario.Scenario
	// Shard of Shards: this process takes the scenarios whose index is
	// Shard mod Shards (Shards 0 or 1: all).
	Shard, Shards int
	// Designs are compared with each other (two or more), or none.
	Designs []Design
	// Oracle, if set, runs every scenario on the kernel too.
	Oracle *Oracle
	// VerdictDesigns are the designs a finding's verdict lines name
	// (nil: Designs, and the oracle's).
	VerdictDesigns []Design
	MaxStates      int           // per check (0: 200,000)
	CheckTimeout   time.Duration // per check (0: 20s)
	// OnProgress is called about every second; OnFinding with each new
	// finding.
	OnProgress func(Stats)
	OnFinding  func(*Finding)
}

// Stats is where a hunt is.
type Stats struct {
	Scenarios  int // drawn (by this shard)
	Valid      int // checked
	Invalid    int // rejected by the language, the model or the oracle's support check
	Incomplete int // a check hit a limit
	Differ     int // showed a difference (before minimizing)
	Findings   int // distinct minimized findings
	OracleRuns int
	Wedged     int // oracle runs that hit their timeout
	Errors     int // oracle runs that failed
	Covered    int // coverage points reached
	Points     int // coverage points in all
	Elapsed    time.Duration
}

// hunter is one hunt in progress.
type hunter struct {
	ctx   context.Context
	opt   Options
	start time.Time
	last  time.Time
	stats Stats
	rep   *Report
	cov   *model.Coverage
	// The guided pool: for each coverage point the smallest scenario
	// that reached it and how many scenarios did; and the scenarios that
	// first violated a (design, property).
	best  []*Spec
	hits  []int
	extra []*Spec
	// byShape indexes the findings by shape; minimized memoizes the
	// shape a scenario (by canonical text) minimized to.
	byShape   map[string]*Finding
	minimized map[string]string
	invalid   map[string]int
	// failing counts the oracle runs in a row that failed; broken, set
	// when there were maxFailing, stops the hunt.
	failing int
	broken  error
	// verdicts are the (design, property) pairs some scenario violated:
	// a scenario that violates a new one joins the pool too.
	verdicts map[string]bool
}

// Run hunts until the bounds are reached, ctx is done, or (enumerating)
// every scenario was drawn.
func Run(ctx context.Context, opt Options) (*Report, error) {
	if err := opt.Bounds.Validate(); err != nil {
		return nil, err
	}
	if len(opt.Designs) == 1 {
		return nil, errors.New("design against design needs two designs or more")
	}
	if len(opt.Designs) == 0 && opt.Oracle == nil {
		return nil, errors.New("nothing to compare: name two designs or more, or the oracle")
	}
	if opt.Enumerate == 0 && opt.Count == 0 && opt.Time == 0 {
		return nil, errors.New("a random hunt needs a bound: a count or a time")
	}
	if opt.Shards <= 0 {
		opt.Shards = 1
	}
	if opt.Shard < 0 || opt.Shard >= opt.Shards {
		return nil, fmt.Errorf("shard %d of %d", opt.Shard, opt.Shards)
	}
	if opt.MaxStates == 0 {
		opt.MaxStates = 200_000
	}
	if opt.CheckTimeout == 0 {
		opt.CheckTimeout = 20 * time.Second
	}
	if o := opt.Oracle; o != nil {
		if o.Runs <= 0 {
			o.Runs = 1
		}
		if o.Confirm <= 0 {
			o.Confirm = 3
		}
		if o.Timeout <= 0 {
			o.Timeout = 10 * time.Second
		}
		opt.Bounds.ModelOnly = false
	}
	if opt.Enumerate > 0 {
		opt.Guided = false
	}
	if opt.VerdictDesigns == nil {
		opt.VerdictDesigns = opt.Designs
		if opt.Oracle != nil && !hasDesign(opt.Designs, opt.Oracle.Design.Name) {
			opt.VerdictDesigns = append(append([]Design(nil), opt.Designs...), opt.Oracle.Design)
		}
	}
	h := &hunter{ctx: ctx, opt: opt, start: time.Now(), cov: model.NewCoverage(nil),
		byShape: map[string]*Finding{}, minimized: map[string]string{}, invalid: map[string]int{}, verdicts: map[string]bool{}}
	h.last = h.start
	h.rep = newReport(opt)
	h.best, h.hits = make([]*Spec, len(model.Points())), make([]int, len(model.Points()))
	if opt.Guided {
		for _, sc := range opt.Seeds {
			if sp, err := FromScenario(sc); err == nil {
				h.seed(sp)
			}
		}
	}
	exhausted := false
	if opt.Enumerate > 0 {
		next, stop := iter.Pull(iter.Seq[*Spec](func(yield func(*Spec) bool) {
			Enumerate(opt.Bounds, opt.Enumerate, yield)
		}))
		defer stop()
		for i := 0; h.more(i); i++ {
			sp, ok := next()
			if !ok {
				exhausted = true
				break
			}
			if i%opt.Shards == opt.Shard {
				h.one(i, sp)
			}
		}
	} else {
		for i := opt.Shard; h.more(i); i += opt.Shards {
			h.one(i, h.draw(i))
		}
	}
	h.rep.Exhausted = exhausted
	h.finish()
	if h.broken != nil {
		return h.rep, h.broken
	}
	return h.rep, ctx.Err()
}

func hasDesign(ds []Design, name string) bool {
	for _, d := range ds {
		if d.Name == name {
			return true
		}
	}
	return false
}

// maxFailing oracle runs in a row that fail (the binary gone, the
// cgroup hierarchy unmounted, ...) stop a hunt: nothing it would do next
// could say anything about the kernel.
const maxFailing = 20

// more: scenario i is within the bounds.
func (h *hunter) more(i int) bool {
	if h.ctx.Err() != nil || h.broken != nil {
		return false
	}
	if h.opt.Count > 0 && i >= h.opt.Count {
		return false
	}
	return h.opt.Time == 0 || time.Since(h.start) < h.opt.Time
}

// draw generates random scenario i: a fresh one or, guided, half the
// time a mutation (or a splice) of a pool member — most often the
// smallest scenario that reached one of the points reached least.
func (h *hunter) draw(i int) *Spec {
	r := rand.New(rand.NewPCG(h.opt.Seed, uint64(i)))
	if h.opt.Guided && r.IntN(2) > 0 {
		if parent := h.parent(r); parent != nil {
			if r.IntN(4) == 0 {
				if other := h.parent(r); other != nil {
					return Splice(r, parent, other, h.opt.Bounds)
				}
			}
			return Mutate(r, parent, h.opt.Bounds)
		}
	}
	return Random(r, h.opt.Bounds)
}

// parent picks a pool member: half the time the smallest scenario of a
// point drawn with odds inverse to how many scenarios reached it (a point
// one scenario reached is drawn a hundred times as often as one a hundred
// did), else of any point reached, or one that first violated a (design,
// property).
func (h *hunter) parent(r *rand.Rand) *Spec {
	var covered []int
	for p, sp := range h.best {
		if sp != nil {
			covered = append(covered, p)
		}
	}
	if len(covered) == 0 {
		if len(h.extra) == 0 {
			return nil
		}
		return h.extra[r.IntN(len(h.extra))]
	}
	switch k := r.IntN(4); {
	case k < 2:
		total := 0.0
		for _, p := range covered {
			total += 1 / float64(h.hits[p])
		}
		x := r.Float64() * total
		for _, p := range covered {
			if x -= 1 / float64(h.hits[p]); x < 0 {
				return h.best[p]
			}
		}
		return h.best[covered[len(covered)-1]]
	case k == 2 && len(h.extra) > 0:
		return h.extra[r.IntN(len(h.extra))]
	}
	return h.best[covered[r.IntN(len(covered))]]
}

// seed checks a scenario of Options.Seeds and adds it to the pool.
func (h *hunter) seed(sp *Spec) {
	_, p, why := h.prepare(sp)
	if why != "" {
		return
	}
	cov := model.NewCoverage(nil)
	for _, d := range h.poolDesigns() {
		r, _, err := h.check(p, d, true)
		if err != nil || r.Incomplete != "" {
			return
		}
		cov.Merge(r.Coverage)
	}
	h.admit(sp, cov)
}

// poolDesigns are the designs a scenario is checked under.
func (h *hunter) poolDesigns() []Design {
	designs := h.opt.Designs
	if o := h.opt.Oracle; o != nil && !hasDesign(designs, o.Design.Name) {
		designs = append(append([]Design(nil), designs...), o.Design)
	}
	return designs
}

// admit counts what scenario sp reached, and keeps it as the best of each
// point it reached where it is smaller than the best so far.
func (h *hunter) admit(sp *Spec, cov *model.Coverage) {
	for p := range h.best {
		if !cov.Covered(model.Point(p)) {
			continue
		}
		h.hits[p]++
		if b := h.best[p]; b == nil || sp.Size() < b.Size() {
			h.best[p] = sp
		}
	}
}

// prepare renders, parses and compiles sp; why says why it is not a
// scenario the hunt can use.
func (h *hunter) prepare(sp *Spec) (*scenario.Scenario, *model.Program, string) {
	sc, err := scenario.Parse("hunt.jc", []byte("scenario hunt\n"+sp.Text()))
	if err != nil {
		return nil, nil, "language: " + errText(err)
	}
	p, err := model.Compile(sc)
	if err != nil {
		return nil, nil, "model: " + errText(err)
	}
	if h.opt.Oracle != nil {
		if why := oracle.Supported(sc); why != "" {
			return nil, nil, "oracle: " + why
		}
	}
	return sc, p, ""
}

// errText is an error as a reason for the report: without its position
// (the positions of generated text say nothing) and with the quoted parts
// (an op, a name) elided, so that one reason counts every scenario it
// rejects.
func errText(err error) string {
	var se *scenario.Error
	s := err.Error()
	if errors.As(err, &se) {
		s = se.Msg
	}
	s = position.ReplaceAllString(s, "")
	return quoted.ReplaceAllString(s, `"…"`)
}

var (
	position = regexp.MustCompile(`^[^:\s]+:\d+:\d+: `)
	quoted   = regexp.MustCompile(`"[^"]*"`)
)

// check explores p under design d.
func (h *hunter) check(p *model.Program, d Design, cover bool) (*checker.Result, *model.Machine, error) {
	m := model.NewMachine(d.Kernel(p.Sc.RT), p)
	r, err := checker.Check(m, checker.Options{MaxStates: h.opt.MaxStates, Timeout: h.opt.CheckTimeout, Workers: 1, Coverage: cover})
	return r, m, err
}

// one hunts scenario i.
func (h *hunter) one(i int, sp *Spec) {
	h.stats.Scenarios++
	defer h.tick()
	sc, p, why := h.prepare(sp)
	if why != "" {
		h.reject(why)
		return
	}
	designs := h.poolDesigns()
	var results []*checker.Result
	var kernelModel *checker.Result
	cov := model.NewCoverage(nil)
	novel := false
	for _, d := range designs {
		r, _, err := h.check(p, d, true)
		if err != nil {
			h.reject("model: " + errText(err))
			return
		}
		h.addCoverage(r)
		cov.Merge(r.Coverage)
		if r.Incomplete != "" {
			h.stats.Incomplete++
			return
		}
		for _, f := range r.Violations {
			if k := d.Name + " " + f.Property; !h.verdicts[k] {
				h.verdicts[k] = true
				novel = true
			}
		}
		if h.opt.Oracle != nil && d.Name == h.opt.Oracle.Design.Name {
			kernelModel = r
		}
		results = append(results, r)
	}
	if allPrelude(results) {
		h.reject("model: the prelude never completes")
		return
	}
	if kernelModel != nil && len(kernelModel.Outcomes) == 0 {
		h.reject("model: no terminal state (every interleaving runs for ever)")
		return
	}
	if kernelModel != nil {
		if why := unfaithful(sp, kernelModel); why != "" {
			h.reject("oracle: " + why)
			return
		}
	}
	h.stats.Valid++
	if len(h.opt.Designs) > 1 {
		ws := designWitnesses(results[:len(h.opt.Designs)])
		if len(ws) > 0 {
			h.stats.Differ++
		}
		for _, w := range ws {
			h.found(i, sp, w.key(), func(c *Spec) bool { return h.designsShow(c, w) }, func(c *Spec) *Finding { return h.designFinding(c, w) })
		}
	}
	if o := h.opt.Oracle; o != nil {
		if ev := h.kernelShows(sc, kernelModel, o.Runs, uint64(i)<<8); ev != nil {
			h.stats.Differ++
			// The evidence of each scenario that showed a mismatch, so
			// that the minimized one's is what a run of it did, not a
			// rerun that the kernel's timing may not repeat.
			seen := map[string]*KernelEvidence{sp.Text(): ev}
			if again := h.kernelShowsSpec(sp, uint64(i)<<8|0x20); again == nil {
				// Not seen again: a flake of timing, or of the
				// harness. Reported as it was seen, not minimized.
				h.found(i, sp, "oracle", func(*Spec) bool { return false }, func(c *Spec) *Finding {
					f := h.kernelFinding(c, ev, 0)
					if f != nil {
						f.Summary = "not reproduced: " + f.Summary
					}
					return f
				})
				goto pool
			}
			shows := func(c *Spec) bool {
				e := h.kernelShowsSpec(c, uint64(i)<<8|0x80)
				if e != nil {
					seen[c.Text()] = e
				}
				return e != nil
			}
			h.found(i, sp, "oracle", shows, func(c *Spec) *Finding {
				f := h.kernelFinding(c, seen[c.Text()], uint64(i)<<8|0x40)
				if f != nil {
					f.Reproduced = true
				}
				return f
			})
		}
	}
pool:
	if h.opt.Guided {
		h.admit(sp, cov)
		if novel {
			h.extra = append(h.extra, sp)
		}
	}
}

// allPrelude: under every design the prelude never completes (the
// checker's "prelude" violation): nothing was explored.
func allPrelude(rs []*checker.Result) bool {
	for _, r := range rs {
		if len(r.Violations) != 1 || r.Violations[0].Property != checker.Prelude {
			return false
		}
	}
	return len(rs) > 0
}

func (h *hunter) reject(why string) {
	h.stats.Invalid++
	h.invalid[why]++
}

// addCoverage merges a check's coverage into the hunt's.
func (h *hunter) addCoverage(r *checker.Result) {
	if r != nil && r.Coverage != nil {
		h.cov.Merge(r.Coverage)
	}
}

// found minimizes a difference that scenario i shows and records it,
// once per shape.
func (h *hunter) found(i int, sp *Spec, what string, shows func(*Spec) bool, evidence func(*Spec) *Finding) {
	key := what + "\x00" + sp.Shape()
	shape, ok := h.minimized[key]
	if !ok {
		budget := 400
		if h.opt.Oracle != nil {
			budget = 60
		}
		min := Minimize(sp, func(c *Spec) bool { h.tick(); return shows(c) }, budget)
		canon := min.Canonical()
		if shows(canon) {
			min = canon
		}
		shape = min.Shape()
		h.minimized[key] = shape
		if _, dup := h.byShape[shape]; !dup {
			f := evidence(min)
			if f == nil {
				// It no longer shows (a kernel outcome seen once):
				// nothing to report for this shape yet.
				delete(h.minimized, key)
				return
			}
			f.Shape, f.First, f.Original = shape, i, sp.Text()
			f.Name = findingName(f.Kind, shape)
			// The file is the scenario the evidence is of, in its
			// own names: the canonical shape when that still
			// showed, else the one minimizing ended with (the
			// original, for a mismatch not seen again).
			f.File = findingFile(f, h, min.Text())
			h.byShape[shape] = f
			h.rep.Findings = append(h.rep.Findings, f)
			h.stats.Findings++
			if h.opt.OnFinding != nil {
				h.opt.OnFinding(f)
			}
		}
	}
	if f := h.byShape[shape]; f != nil {
		f.Count++
	}
}

// tick reports progress about every second.
func (h *hunter) tick() {
	if h.opt.OnProgress == nil || time.Since(h.last) < time.Second {
		return
	}
	h.last = time.Now()
	h.opt.OnProgress(h.progress())
}

func (h *hunter) progress() Stats {
	s := h.stats
	s.Covered, s.Points = h.cov.Count(), len(model.Points())
	s.Elapsed = time.Since(h.start)
	return s
}

// finish fills the report's counts and coverage.
func (h *hunter) finish() {
	s := h.progress()
	r := h.rep
	r.Scenarios, r.Valid, r.Invalid, r.Incomplete = s.Scenarios, s.Valid, s.Invalid, s.Incomplete
	r.Differ, r.OracleRuns, r.Wedged, r.Errors = s.Differ, s.OracleRuns, s.Wedged, s.Errors
	r.Rejected = h.invalid
	r.Coverage = coverageReport(h.cov)
	sort.SliceStable(r.Findings, func(i, j int) bool { return r.Findings[i].First < r.Findings[j].First })
	if h.opt.OnProgress != nil {
		h.opt.OnProgress(s)
	}
}

// Stats returns the final counts of a report as a Stats (for a last
// progress line).
func (r *Report) Stats() Stats {
	return Stats{Scenarios: r.Scenarios, Valid: r.Valid, Invalid: r.Invalid, Incomplete: r.Incomplete, Differ: r.Differ,
		Findings: len(r.Findings), OracleRuns: r.OracleRuns, Wedged: r.Wedged, Errors: r.Errors,
		Covered: r.Coverage.Covered, Points: r.Coverage.Total}
}
