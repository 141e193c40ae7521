package hunt

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"

	"jobctl/checker"
	"jobctl/model"
	"jobctl/oracle"
	"jobctl/scenario"
)

// witness is what a design-against-design difference is about, so that
// minimization keeps exactly it: property Prop violated under design A
// and not under B, or (Prop "") A's and B's outcome sets differ.
type witness struct {
	A, B int // indices into Options.Designs
	Prop string
}

// key names what w is about, for the memo of minimizations.
func (w witness) key() string { return fmt.Sprintf("%d %d %s", w.A, w.B, w.Prop) }

// props lists the properties a result violates.
func props(r *checker.Result) []string {
	var out []string
	for _, f := range r.Violations {
		out = append(out, f.Property)
	}
	return out
}

func has(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func sameOutcomes(a, b *checker.Result) bool {
	if len(a.Outcomes) != len(b.Outcomes) {
		return false
	}
	for i := range a.Outcomes {
		if a.Outcomes[i].Text != b.Outcomes[i].Text {
			return false
		}
	}
	return true
}

// designWitnesses lists the differences among the designs' results: for
// each property that some designs violate and others do not (in
// property order), the first design (in the designs' order) that
// violates it and the first that does not; when the verdicts agree, the
// first pair whose outcome sets differ. Each is a finding of its own, so
// that a scenario that breaks two properties under one design (R1: I2
// and I4 under peterz-v2) is minimized for each.
func designWitnesses(rs []*checker.Result) []witness {
	var out []witness
	var order []string
	for _, r := range rs {
		for _, p := range props(r) {
			if !has(order, p) {
				order = append(order, p)
			}
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return propRank(order[i]) < propRank(order[j]) })
	for _, p := range order {
		a, b := -1, -1
		for i, r := range rs {
			switch v := has(props(r), p); {
			case v && a < 0:
				a = i
			case !v && b < 0:
				b = i
			}
		}
		if a >= 0 && b >= 0 {
			out = append(out, witness{A: a, B: b, Prop: p})
		}
	}
	if len(out) > 0 {
		return out
	}
	for i := range rs {
		for j := i + 1; j < len(rs); j++ {
			if !sameOutcomes(rs[i], rs[j]) {
				return []witness{{A: i, B: j}}
			}
		}
	}
	return nil
}

// propRank orders properties as the checker reports them: I1..I14,
// stuck, then the scenario's own.
func propRank(p string) int {
	if q, ok := model.ParseProp(p); ok {
		return int(q)
	}
	return 100 + len(p)
}

// runtimeTakes are the signals a Go runtime thread of an oracle tracee
// can take (oracle/doc.go, execMasked in oracle/helper_linux.go): SIGSTOP
// and those the runtime keeps unblocked.
var runtimeTakes = map[int]bool{
	scenario.SIGSTOP: true, scenario.SIGHUP: true, scenario.SIGINT: true, scenario.SIGQUIT: true, 4: true, // SIGILL
	scenario.SIGTRAP: true, scenario.SIGABRT: true, 7: true, 8: true, scenario.SIGSEGV: true, // SIGBUS, SIGFPE
	scenario.SIGTERM: true, 16: true, scenario.SIGCHLD: true, 27: true, 31: true, // SIGSTKFLT, SIGPROF, SIGSYS
}

// unfaithful says why the oracle cannot run sp as the model sees it, or
// "": a freeze that never completes, a thread dead in a frozen cgroup
// (both below), or sp sends a group-directed signal that a Go runtime thread of the
// oracle's tracee process can take (kernel/signal.c:complete_signal()
// picks any thread that wants it), and in the model (r, checked with
// coverage) such a signal finds no thread to take it and stays in
// shared_pending — at complete_signal(), or in a final state. On the
// kernel a runtime thread may dequeue it instead, so such a run says
// nothing about the kernel.
func unfaithful(sp *Spec, r *checker.Result) string {
	// A freeze that never completes: the oracle gives up waiting after
	// a bound and reports "timeout" (and the actor done); the model
	// leaves the op pending. Both say it never froze, in two words.
	freezes := map[string]bool{}
	n := map[string]int{}
	for _, o := range sp.Ops {
		n[o.Actor]++
		if o.Kind == scenario.OpFreeze {
			freezes[fmt.Sprintf("%s#%d=pending", o.Actor, n[o.Actor])] = true
		}
	}
	for _, o := range r.Outcomes {
		for _, kv := range strings.Fields(o.Text) {
			if freezes[kv] {
				return "a freeze that never completes (the oracle ends its wait with \"timeout\", the model leaves it pending)"
			}
		}
	}
	// A thread that died while its process's cgroup stays frozen: the
	// tracee's Go runtime threads, frozen with it, live on until a thaw
	// (a frozen task dies only once thawed), so the process has not
	// exited on the kernel ("exit" none) where in the model, which has
	// no such threads, it has.
	for _, o := range r.Outcomes {
		kv := map[string]string{}
		for _, f := range strings.Fields(o.Text) {
			k, v, _ := strings.Cut(f, "=")
			kv[k] = v
		}
		for _, p := range sp.Procs {
			if kv[p.Name+".freezer"] != "FROZEN" && kv[p.Name+".frozen"] != "1" {
				continue
			}
			for _, t := range p.Threads {
				if st := kv[t+".state"]; st == "Z" || st == "gone" {
					return "a thread dead in a frozen cgroup (the tracee's Go runtime threads, frozen, keep its process from exiting until a thaw)"
				}
			}
		}
	}
	sent := map[int]bool{}
	for _, list := range [][]scenario.Op{sp.Init, sp.Ops} {
		for _, o := range list {
			if o.Kind == scenario.OpKill && runtimeTakes[o.Sig] {
				sent[o.Sig] = true
			}
		}
	}
	if len(sent) == 0 {
		return ""
	}
	why := func(sig int) string {
		return "a group-directed " + scenario.SigName(sig) + " that no named thread takes could go to a Go runtime thread of the tracee"
	}
	if r.Coverage != nil && r.Coverage.Covered(model.GroupSignalQueued()) {
		for sig := 1; sig < 64; sig++ {
			if sent[sig] {
				return why(sig)
			}
		}
	}
	for _, o := range r.Outcomes {
		for _, kv := range strings.Fields(o.Text) {
			k, v, _ := strings.Cut(kv, "=")
			if !strings.HasSuffix(k, ".pending") {
				continue
			}
			for _, n := range strings.Split(v, ",") {
				if sig, err := scenario.ParseSig(n); err == nil && sent[sig] {
					return why(sig)
				}
			}
		}
	}
	return ""
}

// designsShow: sp is valid and still shows w.
func (h *hunter) designsShow(sp *Spec, w witness) bool {
	_, p, why := h.prepare(sp)
	if why != "" {
		return false
	}
	ra, _, err := h.check(p, h.opt.Designs[w.A], false)
	if err != nil || ra.Incomplete != "" {
		return false
	}
	if w.Prop != "" && !has(props(ra), w.Prop) {
		return false
	}
	rb, _, err := h.check(p, h.opt.Designs[w.B], false)
	if err != nil || rb.Incomplete != "" {
		return false
	}
	if w.Prop != "" {
		return !has(props(rb), w.Prop)
	}
	return !sameOutcomes(ra, rb)
}

// designResults checks sp under every design of the hunt's verdict
// designs, with the counterexamples.
func (h *hunter) designResults(sp *Spec) ([]DesignResult, error) {
	_, p, why := h.prepare(sp)
	if why != "" {
		return nil, errors.New(why)
	}
	var out []DesignResult
	for _, d := range h.verdictDesigns() {
		r, m, err := h.check(p, d, false)
		if err != nil {
			return nil, err
		}
		dr := DesignResult{Design: d.Name, Verdict: r.Verdict, Properties: props(r), Incomplete: r.Incomplete}
		for _, f := range r.Violations {
			dr.Counterexamples = append(dr.Counterexamples, Counterexample{Property: f.Property, Message: f.Message, Schedule: checker.Schedule(m, f.Trace)})
		}
		for _, o := range r.Outcomes {
			dr.Outcomes = append(dr.Outcomes, o.Text)
		}
		out = append(out, dr)
	}
	return out, nil
}

// verdictDesigns: the designs a finding is checked under, the compared
// ones first.
func (h *hunter) verdictDesigns() []Design {
	var out []Design
	for _, d := range h.opt.Designs {
		out = append(out, d)
	}
	if o := h.opt.Oracle; o != nil && !hasDesign(out, o.Design.Name) {
		out = append(out, o.Design)
	}
	for _, d := range h.opt.VerdictDesigns {
		if !hasDesign(out, d.Name) {
			out = append(out, d)
		}
	}
	return out
}

// designFinding is the evidence of a design-against-design finding.
func (h *hunter) designFinding(sp *Spec, w witness) *Finding {
	drs, err := h.designResults(sp)
	if err != nil {
		return nil
	}
	a, b := h.opt.Designs[w.A].Name, h.opt.Designs[w.B].Name
	f := &Finding{Kind: KindDesigns, Pair: []string{a, b}, Property: w.Prop, Designs: drs}
	if w.Prop != "" {
		f.Summary = fmt.Sprintf("%s is violated under %s and not under %s", w.Prop, a, b)
	} else {
		f.Summary = fmt.Sprintf("%s and %s allow different outcomes", a, b)
	}
	return f
}

// kernelShows runs sc on the kernel runs times and compares each outcome
// with the model's (r); it returns the evidence of the first outcome the
// model does not allow, or nil.
func (h *hunter) kernelShows(sc *scenario.Scenario, r *checker.Result, runs int, seed uint64) *KernelEvidence {
	o := h.opt.Oracle
	var model []string
	for _, x := range r.Outcomes {
		model = append(model, x.Text)
	}
	keys := oracle.Keys(model[0])
	var got []string
	for j := 0; j < runs && h.ctx.Err() == nil; j++ {
		s := rand.New(rand.NewPCG(h.opt.Seed^0x6a6f6263746c, seed+uint64(j))).Int64()
		run := o.run
		if run == nil {
			run = oracle.Run
		}
		out, err := run(h.ctx, sc, oracle.Options{Timeout: o.Timeout, Seed: s, Exe: o.Exe})
		h.stats.OracleRuns++
		switch {
		case h.ctx.Err() != nil:
			return nil
		case errors.Is(err, oracle.ErrTimeout):
			h.stats.Wedged++
			h.rep.addWedged(sc.Text)
			return nil
		case err != nil:
			h.stats.Errors++
			h.rep.addError(err.Error())
			if h.failing++; h.failing >= maxFailing {
				h.broken = fmt.Errorf("the oracle failed %d runs in a row, the last with: %v", h.failing, err)
			}
			return nil
		}
		h.failing = 0
		got = append(got, oracle.Canonical(keys, out.Obs))
		if !has(model, got[len(got)-1]) {
			break // one outside the model is enough
		}
	}
	for _, ob := range oracle.Tally(got, model) {
		if !ob.InModel {
			return &KernelEvidence{Kernel: o.Kernel, Design: o.Design.Name, Runs: len(got), Mismatches: ob.Count,
				Outcome: ob.Text, Closest: ob.Closest, Diff: ob.Diff, ModelOutcomes: model}
		}
	}
	return nil
}

// kernelShowsSpec: sp is valid and, in up to Confirm runs, the kernel
// produced an outcome the model does not allow.
func (h *hunter) kernelShowsSpec(sp *Spec, seed uint64) *KernelEvidence {
	sc, p, why := h.prepare(sp)
	if why != "" {
		return nil
	}
	r, _, err := h.check(p, h.opt.Oracle.Design, true)
	if err != nil || r.Incomplete != "" || len(r.Outcomes) == 0 || unfaithful(sp, r) != "" {
		return nil
	}
	return h.kernelShows(sc, r, h.opt.Oracle.Confirm, seed)
}

// kernelFinding is the evidence of an oracle finding: the mismatch a run
// of the minimized scenario showed (ev; nil: run it again), and its
// verdicts under the designs.
func (h *hunter) kernelFinding(sp *Spec, ev *KernelEvidence, seed uint64) *Finding {
	if ev == nil {
		ev = h.kernelShowsSpec(sp, seed)
	}
	if ev == nil {
		return nil
	}
	drs, err := h.designResults(sp)
	if err != nil {
		return nil
	}
	var keys []string
	for _, d := range ev.Diff {
		k, _, _ := strings.Cut(d, ":")
		keys = append(keys, k)
	}
	return &Finding{Kind: KindOracle, Kernel: ev, Designs: drs,
		Summary: fmt.Sprintf("the kernel's %s differ from every outcome the %s model allows", strings.Join(keys, ", "), ev.Design)}
}
