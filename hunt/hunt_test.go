package hunt

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"jobctl/checker"
	"jobctl/model"
	"jobctl/oracle"
	"jobctl/scenario"
	"jobctl/variants"
)

func TestMain(m *testing.M) {
	if oracle.HelperMain() {
		return
	}
	os.Exit(m.Run())
}

func variant(t testing.TB, name string) Design {
	t.Helper()
	v, err := variants.Get(name)
	if err != nil {
		t.Fatal(err)
	}
	return Design{Name: v.Name, Kernel: v.Kernel}
}

// leaderOnly is mainline with a fidelity class this project fixed
// deliberately put back: complete_signal() considers only the thread a
// signal was sent to (the leader, for kill(2)) and never searches the
// group for one that wants it (kernel/signal.c, v6.18: it does; corpus
// gstop-signal-target-thread).
func leaderOnly() Design {
	return Design{Name: "mainline-leader-only", Kernel: func(rt bool) *model.Kernel {
		k := model.Mainline()
		k.Name, k.RT = "mainline-leader-only", rt
		k.CompleteSignal = func(c *model.Ctx, sig, p int, group bool) { model.CompleteSignal(c, sig, p, false) }
		return k
	}}
}

func report(t testing.TB, opt Options) *Report {
	t.Helper()
	r, err := Run(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func jsonOf(t testing.TB, r *Report) string {
	var b bytes.Buffer
	if err := r.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestMinimizeIsOneMinimal: with a predicate that needs two particular
// ops, minimization keeps those two, their actors and process, and
// nothing else; and it stays within its budget.
func TestMinimizeIsOneMinimal(t *testing.T) {
	sp := &Spec{
		Actors: []string{"A", "B", "C"},
		Procs:  []Proc{{Name: "P", Threads: []string{"P", "P2"}, Parent: "A"}, {Name: "Q", Threads: []string{"Q"}}},
		Init:   []scenario.Op{{Actor: "A", Kind: scenario.OpAttach, Target: "P"}, {Actor: "P2", Kind: scenario.OpPause}},
		Ops: []scenario.Op{
			{Actor: "A", Kind: scenario.OpWait, Target: "P", Flags: scenario.WUNTRACED | scenario.WNOHANG},
			{Actor: "B", Kind: scenario.OpKill, Target: "P", Sig: scenario.SIGKILL},
			{Actor: "C", Kind: scenario.OpFreeze, Target: "Q", Flags: scenario.FreezerV1},
			{Actor: "C", Kind: scenario.OpThaw, Target: "Q", Flags: scenario.FreezerV1},
			{Actor: "B", Kind: scenario.OpKill, Target: "Q", Sig: scenario.SIGSTOP},
		},
	}
	calls := 0
	shows := func(c *Spec) bool {
		calls++
		wantAttach, wantKill := false, false
		for _, o := range append(append([]scenario.Op(nil), c.Init...), c.Ops...) {
			wantAttach = wantAttach || o.Kind == scenario.OpAttach
			wantKill = wantKill || o.Kind == scenario.OpKill && o.Sig == scenario.SIGKILL
		}
		return wantAttach && wantKill
	}
	min := Minimize(sp, shows, 1000)
	want := "actor A B\nprocess P\ninit A: attach P\nB: kill P SIGKILL\n"
	if got := min.Canonical().Text(); got != want {
		t.Errorf("minimized to\n%s\nwant\n%s", got, want)
	}
	for _, c := range reductions(min) {
		if shows(c) {
			t.Errorf("not 1-minimal: still shows without a part:\n%s", c.Text())
		}
	}
	calls = 0
	Minimize(sp, shows, 3)
	if calls > 3 {
		t.Errorf("budget 3, %d calls", calls)
	}
}

// TestCanonicalShape: renaming actors and reordering the lines of
// different actors do not change the shape; renaming processes keeps
// their order; a change of an op does.
func TestCanonicalShape(t *testing.T) {
	parse := func(src string) *Spec {
		sc, err := scenario.Parse("t.jc", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		sp, err := FromScenario(sc)
		if err != nil {
			t.Fatal(err)
		}
		return sp
	}
	a := parse("actor W F S\nprocess T parent W\ninit W: kill T SIGSTOP\nF: freeze T\nF: thaw T\nS: kill T SIGKILL\n")
	b := parse("actor X K Z\nprocess G parent Z\ninit Z: kill G SIGSTOP\nK: kill G SIGKILL\nX: freeze G\nX: thaw G\n")
	c := parse("actor X K Z\nprocess G parent Z\ninit Z: kill G SIGSTOP\nK: kill G SIGTERM\nX: freeze G\nX: thaw G\n")
	if a.Shape() != b.Shape() {
		t.Errorf("same scenario, different shapes:\n%s\n%s", a.Shape(), b.Shape())
	}
	if a.Shape() == c.Shape() {
		t.Errorf("different scenarios, one shape:\n%s", a.Shape())
	}
	want := "actor A B C\nprocess P parent A\ninit A: kill P SIGSTOP\nB: freeze P v1\nB: thaw P v1\nC: kill P SIGKILL\n"
	if a.Shape() != want {
		t.Errorf("shape\n%s\nwant\n%s", a.Shape(), want)
	}
	// A leader named apart from its process keeps a name of its own.
	d := parse("actor F\nprocess G threads G1 G2\nF: freeze G1\nF: freeze G\n")
	if got := d.Shape(); got != "actor A\nprocess P threads P1 P2\nA: freeze P1 v1\nA: freeze P v1\n" {
		t.Errorf("shape\n%s", got)
	}
}

// TestEnumerate: the enumeration is a fixed sequence of distinct
// canonical scenarios, smallest first, and it is complete for its
// bounds: every canonical scenario of one op over a tiny alphabet.
func TestEnumerate(t *testing.T) {
	b := Bounds{Procs: 1, Threads: 2, Actors: 1, Ops: 2, Total: 2, Init: 1,
		Kinds: []scenario.OpKind{scenario.OpKill, scenario.OpPause}}
	var texts []string
	seen := map[string]bool{}
	all := Enumerate(b, 2, func(sp *Spec) bool {
		txt := sp.Text()
		if seen[txt] {
			t.Errorf("enumerated twice:\n%s", txt)
		}
		seen[txt] = true
		if sp.Canonical().Text() != txt {
			t.Errorf("not canonical:\n%s", txt)
		}
		texts = append(texts, txt)
		return true
	})
	if !all {
		t.Error("Enumerate stopped early")
	}
	// Size 1, per skeleton (one thread or two; parent none or A), with s
	// signals: one thread: kill P with each, or P's sleep, in the prelude
	// or the script: 2(s+1); two threads: kill P or P2, or the sleep of P
	// or P2: 2(2s+2). Twice (parent or not): 12(s+1).
	n1 := 0
	for _, txt := range texts {
		if strings.Count(txt, ":") == 1 {
			n1++
		}
	}
	if want := 12 * (len(sendSigs) + 1); n1 != want || len(texts) <= n1 {
		t.Fatalf("%d scenarios of one op (want %d), %d in all", n1, want, len(texts))
	}
	var again []string
	Enumerate(b, 2, func(sp *Spec) bool { again = append(again, sp.Text()); return true })
	if strings.Join(again, "\x00") != strings.Join(texts, "\x00") {
		t.Error("two enumerations differ")
	}
	// Stopping: yield false ends it.
	k := 0
	if Enumerate(b, 2, func(*Spec) bool { k++; return k < 5 }) || k != 5 {
		t.Errorf("stopped after %d", k)
	}
	t.Logf("%d scenarios, %d of one op", len(texts), n1)
}

// TestGuidedFavoursRarePoints: the guided generator mutates, far more
// often than its share, the scenario that reached a point few others
// reached.
func TestGuidedFavoursRarePoints(t *testing.T) {
	h := &hunter{best: make([]*Spec, 20), hits: make([]int, 20)}
	for p := range h.best {
		h.best[p] = &Spec{Actors: []string{fmt.Sprint("A", p)}}
		h.hits[p] = 100
	}
	h.hits[7] = 1
	n := 0
	const draws = 4000
	for i := 0; i < draws; i++ {
		if h.parent(rand.New(rand.NewPCG(1, uint64(i)))) == h.best[7] {
			n++
		}
	}
	// Half the draws by inverse hits (the rare point: 100/119 of them),
	// the rest evenly (1/20): about 44%, against 5% for an even draw.
	if n < draws*35/100 || n > draws*55/100 {
		t.Errorf("the rare point's scenario was drawn %d times of %d", n, draws)
	}
}

// TestSeededHuntIsReproducible: the same options give the same report,
// guided or not.
func TestSeededHuntIsReproducible(t *testing.T) {
	for _, guided := range []bool{false, true} {
		opt := Options{Bounds: DefaultBounds(), Seed: 9, Count: 60, Guided: guided, Designs: []Design{variant(t, "v6.1"), variant(t, "mainline")}}
		a, b := jsonOf(t, report(t, opt)), jsonOf(t, report(t, opt))
		if a != b {
			t.Errorf("guided %v: two runs differ", guided)
		}
	}
}

// TestShardsMergeToTheWhole: in one process, the shards of an unguided
// hunt merged are the unsharded hunt, byte for byte (the CLI test does it
// with processes).
func TestShardsMergeToTheWhole(t *testing.T) {
	opt := Options{Bounds: DefaultBounds(), Seed: 4, Count: 80, Designs: []Design{variant(t, "peterz-v2"), variant(t, "mainline")}}
	whole := jsonOf(t, report(t, opt))
	var reps []*Report
	for i := 0; i < 4; i++ {
		o := opt
		o.Shard, o.Shards = i, 4
		reps = append(reps, report(t, o))
	}
	m, err := Merge(reps)
	if err != nil {
		t.Fatal(err)
	}
	if got := jsonOf(t, m); got != whole {
		t.Errorf("merged:\n%s\nwhole:\n%s", got, whole)
	}
	if _, err := Merge(reps[:3]); err == nil {
		t.Error("three of four shards merged")
	}
	other := opt
	other.Seed, other.Shard, other.Shards = 5, 3, 4
	if _, err := Merge(append(reps[:3:3], report(t, other))); err == nil {
		t.Error("a shard of another hunt merged")
	}
}

// fakeKernel is a kernel for the oracle path's tests: a run's outcome is
// the last outcome of the truth design's model (the kernel "is" that
// design); if flaky, only the first run of a scenario is, and the later
// ones give the leader-only mutant's.
func fakeKernel(t *testing.T, truth Design, flaky bool) func(context.Context, *scenario.Scenario, oracle.Options) (oracle.Outcome, error) {
	ran := map[string]bool{}
	return func(_ context.Context, sc *scenario.Scenario, _ oracle.Options) (oracle.Outcome, error) {
		d := truth
		if flaky && ran[sc.Text] {
			d = leaderOnly()
		}
		ran[sc.Text] = true
		p, err := model.Compile(sc)
		if err != nil {
			return oracle.Outcome{}, err
		}
		r, err := checker.Check(model.NewMachine(d.Kernel(sc.RT), p), checker.Options{})
		if err != nil {
			return oracle.Outcome{}, err
		}
		// The outcome of the truth that the hunt's model does not allow,
		// if there is one, as a kernel would show it once in a while.
		obs := map[string]string{}
		pick := r.Outcomes[len(r.Outcomes)-1].Text
		for _, kv := range strings.Fields(pick) {
			k, v, _ := strings.Cut(kv, "=")
			obs[k] = v
		}
		return oracle.Outcome{Obs: obs}, nil
	}
}

// TestOraclePathWithAFakeKernel: the oracle hunt, with a kernel that
// behaves as mainline, finds the leader-only mutant's mismatch and
// minimizes it; with a kernel that shows it once and never again, it
// reports the finding as not reproduced, unminimized.
func TestOraclePathWithAFakeKernel(t *testing.T) {
	opt := mutationHunt(leaderOnly())
	opt.Oracle.run = fakeKernel(t, variant(t, "mainline"), false)
	r := report(t, opt)
	if len(r.Findings) == 0 {
		t.Fatalf("no finding (%d scenarios, %d valid, %d runs)", r.Scenarios, r.Valid, r.OracleRuns)
	}
	for _, f := range r.Findings {
		if !f.Reproduced || f.Kernel == nil || strings.Count(f.Shape, ":") > 2 || strings.HasPrefix(f.Summary, "not reproduced") {
			t.Errorf("finding %s: reproduced %v, summary %q, shape\n%s", f.Name, f.Reproduced, f.Summary, f.Shape)
		}
	}
	// Only the first run of a scenario mismatches.
	opt = mutationHunt(leaderOnly())
	opt.Oracle.run = fakeKernel(t, variant(t, "mainline"), true)
	r = report(t, opt)
	if len(r.Findings) == 0 {
		t.Fatal("no finding")
	}
	f := r.Findings[0]
	if f.Reproduced || !strings.HasPrefix(f.Summary, "not reproduced: ") || f.Shape != f.Original && parseSpec(t, f.Original).Shape() != f.Shape {
		t.Errorf("a flake: reproduced %v, summary %q, shape\n%s\noriginal\n%s", f.Reproduced, f.Summary, f.Shape, f.Original)
	}
	if !strings.Contains(f.File, "not seen again") {
		t.Errorf("the file does not say it was not reproduced:\n%s", f.File)
	}
	// Guided from a scenario of other names (a corpus file's T and W):
	// a finding not seen again keeps them, and its file is that
	// scenario, whose keys its evidence and its sometimes line name —
	// not the canonical shape (P, A), where they name nothing.
	seed, err := scenario.Parse("seed.jc", []byte("actor W\nprocess T threads T T2\ninit W: seize T\nW: kill T SIGCONT\n"))
	if err != nil {
		t.Fatal(err)
	}
	opt = mutationHunt(leaderOnly())
	opt.Guided, opt.Seeds = true, []*scenario.Scenario{seed}
	opt.Oracle.run = fakeKernel(t, variant(t, "mainline"), true)
	r = report(t, opt)
	named := 0
	for _, f := range r.Findings {
		if f.Reproduced {
			continue
		}
		if strings.Contains(f.Original, "process T") {
			named++
		}
		sc, err := scenario.Parse(f.Name+".jc", []byte(f.File))
		if err == nil {
			_, err = model.Compile(sc)
		}
		if err != nil || strings.Contains(f.File, "does not parse") {
			t.Errorf("finding %s: its file is not a scenario (%v):\n%s", f.Name, err, f.File)
		}
	}
	if named == 0 {
		t.Errorf("no finding not seen again of the seed's names among %d", len(r.Findings))
	}
}

// TestUnfaithful: the scenarios the oracle cannot hold to the model are
// rejected, with the reason: a freeze that never completes, a group
// SIGSTOP that no named thread takes, and a thread that dies while its
// process's cgroup stays frozen.
func TestUnfaithful(t *testing.T) {
	h := &hunter{opt: Options{Oracle: &Oracle{Design: variant(t, "mainline")}}}
	for _, c := range []struct{ src, want string }{
		{"actor A\nprocess P\ninit A: freeze P v1\nA: freeze P v2\n", "a freeze that never completes"},
		{"actor A\nprocess P\ninit A: attach P\nA: kill P SIGSTOP\n", "group-directed SIGSTOP"},
		{"actor A B\nprocess P\ninit A: attach P\nA: freeze P v1\nB: kill P SIGKILL\n", "a thread dead in a frozen cgroup"},
		{"actor A B\nprocess P\ninit A: attach P\ninit A: freeze P v1\nB: kill P SIGKILL\n", ""},
		{"actor A\nprocess P threads P P2\ninit A: attach P\nA: kill P SIGCONT\n", ""},
		{"actor A\nprocess P\ninit A: attach P\nA: tkill P SIGSTOP\n", ""},
	} {
		sp := parseSpec(t, c.src)
		_, p, why := h.prepare(sp)
		if why != "" {
			t.Fatalf("%s: %s", c.src, why)
		}
		r, _, err := h.check(p, h.opt.Oracle.Design, true)
		if err != nil {
			t.Fatal(err)
		}
		got := unfaithful(sp, r)
		if c.want == "" && got != "" || !strings.Contains(got, c.want) {
			t.Errorf("%s: %q, want %q", c.src, got, c.want)
		}
	}
}

// TestBrokenOracleStopsTheHunt: when every oracle run fails (the binary
// gone, the cgroups unmounted), the hunt stops after a few with the last
// error instead of running through its bounds saying nothing.
func TestBrokenOracleStopsTheHunt(t *testing.T) {
	opt := mutationHunt(variant(t, "mainline"))
	opt.Count = 500
	opt.Oracle.run = func(context.Context, *scenario.Scenario, oracle.Options) (oracle.Outcome, error) {
		return oracle.Outcome{}, fmt.Errorf("fork/exec /gone: no such file or directory")
	}
	r, err := Run(context.Background(), opt)
	if err == nil || !strings.Contains(err.Error(), "no such file") || r == nil {
		t.Fatalf("report %v, error %v", r != nil, err)
	}
	if r.Errors != maxFailing || r.Scenarios > maxFailing+5 {
		t.Errorf("%d errors in %d scenarios", r.Errors, r.Scenarios)
	}
}
