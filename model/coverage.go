package model

import (
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

//go:generate go test -run TestStepRegistry -update

// Coverage: which of the model's points a check reached, the way TLC's
// -coverage counts the actions and their sub-expressions.
//
// A point is one of
//   - a step: an atomic step of a kernel function, named by the constant
//     label it sets (Ctx.Label; the generated table steps_gen.go lists
//     every one, and a test keeps it in step with the source), or a
//     template of the freezer walks' labels, which name their cgroup;
//   - a modifier: a Prefix or Suffix a step adds to its label (the step
//     did not block, it took the rtlock it waited for, ...);
//   - a branch: a place inside a kernel function that decides where a
//     task goes next, marked with Ctx.Cover(point).
//
// The registry is complete at init, so the denominator is known before
// any check runs. Collecting costs nothing when it is off: a Machine
// without Cov steps as before, and Ctx.Cover is a nil test.

// Point is a coverage point: an index into Points().
type Point uint16

// PointKind says what a point is.
type PointKind uint8

const (
	StepPoint     PointKind = iota // an atomic step (a label)
	ModifierPoint                  // a label's Prefix or Suffix
	BranchPoint                    // a branch inside a kernel function
)

func (k PointKind) String() string {
	return [...]string{"step", "modifier", "branch"}[k]
}

// PointInfo describes one point.
type PointInfo struct {
	Func string // the kernel function (or system call) it belongs to
	Kind PointKind
	Name string // the label, or what the branch decides
}

var (
	points      []PointInfo
	pointByText = map[string]Point{} // a step label, prefix or suffix -> its point
)

func register(fn string, k PointKind, name string) Point {
	p := Point(len(points))
	points = append(points, PointInfo{Func: fn, Kind: k, Name: name})
	return p
}

// branch registers a branch point of kernel function fn.
func branch(fn, what string) Point { return register(fn, BranchPoint, what) }

// LabelFunc is the kernel function a step label names: the text before
// its first ": " (as render.SplitLabel splits it), without an argument
// list ("ptrace_request(PTRACE_LISTEN)" is ptrace_request).
func LabelFunc(label string) string {
	fn, _, _ := strings.Cut(label, ": ")
	fn, _, _ = strings.Cut(fn, "(")
	return strings.TrimSpace(fn)
}

// The modifiers, each with the function it tells about. A test checks
// that every Prefix and Suffix the model sets is here.
var modifierFuncs = []struct{ text, fn string }{
	{" (does not block)", "__schedule"},
	{"; freezable_schedule: try_to_freeze(): __refrigerator", "freezable_schedule"},
	{": ptrace_stop returns at once", "ptrace_stop"},
	{rtGotLabels[LockTasklist], "rtlock_slowlock"},
	{rtGotLabels[LockCssSet], "rtlock_slowlock"},
}

// The freezer walks' labels name their cgroup and task
// (Program.Cgroups[i].Walk, built by compileCgroups); each is one of these
// templates. NewCoverage maps a program's walk labels onto them.
var (
	walkV1WriteFrozen  = register("freezer_write", StepPoint, "freezer_write(FROZEN): freezer_apply_state: CGROUP_FREEZING")
	walkV1WriteThawed  = register("freezer_write", StepPoint, "freezer_write(THAWED): clear CGROUP_FREEZING")
	walkV1ParentFrozen = register("freezer_change_state", StepPoint, "freezer_change_state: freezer_apply_state(CHILD): CGROUP_FREEZING_PARENT")
	walkV1ParentThawed = register("freezer_change_state", StepPoint, "freezer_change_state: freezer_apply_state(CHILD): clear CGROUP_FREEZING_PARENT")
	walkV1FreezeTask   = register("freeze_cgroup", StepPoint, "freeze_cgroup: freeze_task(T)")
	walkV1ThawTask     = register("unfreeze_cgroup", StepPoint, "unfreeze_cgroup: __thaw_task(T)")
	walkV2Freeze       = register("cgroup_freeze", StepPoint, "cgroup_freeze(CG, true): cgroup_do_freeze: set CGRP_FREEZE")
	walkV2Thaw         = register("cgroup_freeze", StepPoint, "cgroup_freeze(CG, false): cgroup_do_freeze: clear CGRP_FREEZE")
	walkV2FreezeTask   = register("cgroup_freeze_task", StepPoint, "cgroup_freeze_task(T): jobctl |= JOBCTL_TRAP_FREEZE; signal_wake_up(T, false)")
	walkV2ThawTask     = register("cgroup_freeze_task", StepPoint, "cgroup_freeze_task(T): clear JOBCTL_TRAP_FREEZE; wake_up_process(T)")
	walkV2UpdateFrozen = register("cgroup_do_freeze", StepPoint, "cgroup_do_freeze(CG): cgroup_update_frozen()")
)

func init() {
	for _, l := range stepLabels {
		if _, dup := pointByText[l]; dup {
			continue
		}
		pointByText[l] = register(LabelFunc(l), StepPoint, l)
	}
	for _, m := range modifierFuncs {
		pointByText[m.text] = register(m.fn, ModifierPoint, strings.TrimLeft(m.text, " ;:"))
	}
}

// GroupSignalQueued is the branch of complete_signal() where a
// group-directed signal finds no thread to take it now and stays in
// shared_pending for whichever thread dequeues it first — in a real
// process, possibly one the scenario does not name.
func GroupSignalQueued() Point { return brCompleteShared }

// Points returns every coverage point, indexed by Point.
func Points() []PointInfo { return points }

// Coverage collects the points that steps of one program reach. It is
// safe for concurrent use by the checker's workers: marking a point
// already marked is an atomic load.
type Coverage struct {
	hit    []atomic.Uint64 // bit p: point p was reached
	labels map[string]Point

	mu      sync.Mutex
	unknown map[string]bool // labels that are no registered point
}

// NewCoverage returns an empty collector for steps of program p (nil: a
// collector to merge others into).
func NewCoverage(p *Program) *Coverage {
	cv := &Coverage{hit: make([]atomic.Uint64, (len(points)+63)/64), unknown: map[string]bool{}}
	if p == nil {
		return cv
	}
	cv.labels = map[string]Point{}
	for i := range p.Cgroups {
		cd := &p.Cgroups[i]
		for _, w := range cd.Walk {
			var f, t Point
			switch {
			case cd.V2 && w.T == walkBegin:
				f, t = walkV2Freeze, walkV2Thaw
			case cd.V2 && w.T == walkEnd:
				f, t = walkV2UpdateFrozen, walkV2UpdateFrozen
			case cd.V2:
				f, t = walkV2FreezeTask, walkV2ThawTask
			case w.T == walkBegin && w.Cg == i:
				f, t = walkV1WriteFrozen, walkV1WriteThawed
			case w.T == walkBegin:
				f, t = walkV1ParentFrozen, walkV1ParentThawed
			default:
				f, t = walkV1FreezeTask, walkV1ThawTask
			}
			cv.labels[w.FreezeLabel] = f
			cv.labels[w.ThawLabel] = t
		}
	}
	return cv
}

// Mark records that point p was reached.
func (cv *Coverage) Mark(p Point) {
	w, bit := &cv.hit[p/64], uint64(1)<<(p%64)
	if w.Load()&bit == 0 {
		w.Or(bit)
	}
}

// Covered reports whether point p was reached.
func (cv *Coverage) Covered(p Point) bool { return cv.hit[p/64].Load()&(1<<(p%64)) != 0 }

// Count is how many points were reached.
func (cv *Coverage) Count() int {
	n := 0
	for p := range points {
		if cv.Covered(Point(p)) {
			n++
		}
	}
	return n
}

// Merge adds what o reached to cv.
func (cv *Coverage) Merge(o *Coverage) {
	for i := range cv.hit {
		if b := o.hit[i].Load(); b != 0 {
			cv.hit[i].Or(b)
		}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	cv.mu.Lock()
	defer cv.mu.Unlock()
	for l := range o.unknown {
		cv.unknown[l] = true
	}
}

// Unregistered lists, sorted, the labels steps set that are no registered
// point (a label the table steps_gen.go does not know yet).
func (cv *Coverage) Unregistered() []string {
	cv.mu.Lock()
	defer cv.mu.Unlock()
	out := make([]string, 0, len(cv.unknown))
	for l := range cv.unknown {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

// step marks what the step described by c reached: its label, prefix and
// suffix.
func (cv *Coverage) step(c *Ctx) {
	for _, l := range [3]string{c.Label, c.Prefix, c.Suffix} {
		if l == "" {
			continue
		}
		p, ok := pointByText[l]
		if !ok {
			p, ok = cv.labels[l]
		}
		if ok {
			cv.Mark(p)
			continue
		}
		cv.mu.Lock()
		cv.unknown[l] = true
		cv.mu.Unlock()
	}
}

// Cover marks branch point p when coverage is being collected (a nil test
// otherwise: the model calls it on its hot path).
func (c *Ctx) Cover(p Point) {
	if c.Cov != nil {
		c.Cov.Mark(p)
	}
}
