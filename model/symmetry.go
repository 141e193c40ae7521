package model

import (
	"bytes"
	"fmt"
	"math/bits"
	"sort"
	"strings"
	"unsafe"

	"jobctl/scenario"
)

// Thread symmetry: threads of one process that nothing tells apart can
// be swapped, so the checker need keep only one state of each set of
// states that differ by such a swap (`jobctl check --symmetry`).
//
// The model is not symmetric in its threads as a whole: the kernel walks
// a thread list in its order in three places, and the model keeps that
// order (a thread's index):
//
//   - the cgroup freezers visit one task a step, in css_task_iter order
//     (legacy_freezer.c freeze_cgroup()/unfreeze_cgroup(), cgroup v2's
//     cgroup_do_freeze()), and a v1 "freeze" rewrites FROZEN, walking
//     again from the start, until a read says FROZEN;
//   - complete_signal() searches for a thread from signal->curr_target
//     around the list, the first that surely wants the signal ending the
//     search (kernel/signal.c, v6.18: a later thread is never picked);
//   - retarget_shared_pending() wakes threads from the blocking one on,
//     in list order (kernel/signal.c, v6.18).
//
// So two threads that a walk or search still to come will visit are not
// interchangeable: swapping them changes the order it meets them in. A
// swap is an automorphism of the rest of the search only for threads that
// no later step can tell apart. A thread is *eligible* (static) when it is
// not its group's leader (complete_signal() tries the thread a kill names
// first, and the leader is the child a wait reports), no op of the
// scenario names it, it shares its group's cgroups, no thread of its group
// is ever traced, blocks signals or installs a handler (ptrace, the
// requeue of a shared signal, and sigprocmask all reach the ordered
// scans), its script equals the others' op for op, and every
// final/sometimes/always line says the same about it as about the others.
// Eligible threads of one group with equal scripts and check atoms form a
// class. In a state, a thread of a class is *pinned* while any outside
// actor still has to run an op that scans its group in order: a kill of
// the group (its complete_signal() search), a v1 or v2 freeze, a v2 thaw,
// an exit (orphaned-group signals), or a v1 thaw that has not yet passed
// the thread (a thaw in progress has visited the tasks before its cursor,
// Actor.Tmp, and does not come back). The other threads of the class are
// *free*.
//
// Pinning depends only on the outside actors' progress, which no swap of
// threads changes, and it only ever decreases (scripts run forward; a
// thaw's cursor only moves on). A swap π of free threads therefore maps
// every step from s to a step from π(s) — the step of the swapped thread,
// or the same actor's step, which reads the free threads only through
// functions of the whole set (group stop counts, "all frozen", wake every
// thread) — into π of the successor, where π is still a swap of free
// threads. The relation "equal up to a swap of free threads" is thus a
// bisimulation that preserves every property that is symmetric in the
// threads of a class: the invariants and transition properties of
// props.go (which quantify over every thread alike; a class never holds
// the leader), stuck, and the scenario's checks (their atoms are the same
// for every thread of a class). Canon picks one representative of each
// set: the free threads sorted by their whole Task value (and whether
// signal->curr_target is that thread, the one field of the state that
// refers to a thread of a class).
//
// What the reduced search does not keep is which member of a set was
// reached: the states of a set that are reachable need not all be
// (permuting free threads of a reachable state may give an unreachable
// one). So outcomes, which name every thread, are exact only when a
// swap of free threads does not change a terminal state's outcome;
// OutcomeSymmetric tells, and the checker falls back to the unreduced
// search when it fails. Traces are rebuilt as real interleavings of the
// unreduced model (checker: the step whose successor has the same
// canonical form).
type Symmetry struct {
	classes []symClass
	// Why is empty when some class has two or more threads; otherwise
	// why symmetry does not apply to the scenario.
	Why string
}

type symClass struct {
	proc    int
	threads []int  // task indices, ascending
	mask    uint32 // the same, as a bit set
	// pinAll[a]: bit i set if outside actor a's op i pins every thread
	// of the class while it is still to run (or running).
	pinAll [MaxActors]uint32
	// kill[a]: bit i set if op i is a kill of the class's group: while
	// one is to run, signal->curr_target may still be read.
	kill [MaxActors]uint32
	// thaw[a]: bit i set if op i is a v1 thaw whose walk visits the
	// class; thawPos[a][i] is, per walk cursor, the class threads at or
	// after it (the ones the thaw still visits).
	thaw    [MaxActors]uint32
	thawPin [MaxActors][]uint32 // at thawOff[a][i] + cursor
	thawOff [MaxActors][]int
}

// NewSymmetry computes the thread classes of program p. It never returns
// nil: a Symmetry with no class of two threads has Applies() false.
func NewSymmetry(p *Program) *Symmetry {
	y := &Symmetry{}
	named := make([]bool, len(p.Tasks))
	tracedProc := make([]bool, len(p.Procs))
	var ops []*Op
	for i := range p.Prelude {
		ops = append(ops, &p.Prelude[i])
	}
	for a := range p.Actors {
		for i := range p.Actors[a].Script {
			ops = append(ops, &p.Actors[a].Script[i])
		}
	}
	for t := range p.Tasks {
		for i := range p.Tasks[t].Script {
			ops = append(ops, &p.Tasks[t].Script[i])
		}
	}
	for _, op := range ops {
		if op.T >= 0 && !p.Tasks[op.T].Leader {
			named[op.T] = true
		}
		if isPtraceOp(op.Kind) {
			switch {
			case op.T >= 0:
				tracedProc[p.Tasks[op.T].Proc] = true
			case op.Kind == scenario.OpTraceme && p.Actors[op.Actor].Task >= 0:
				tracedProc[p.Tasks[p.Actors[op.Actor].Task].Proc] = true
			}
		}
	}
	checks := p.Sc.Checks
	reasons := map[string]bool{}
	for pi, pd := range p.Procs {
		if tracedProc[pi] || pd.Handlers {
			reasons["a traced thread or a signal handler in the group"] = true
			continue
		}
		blocked := false
		for _, t := range pd.Threads {
			for _, op := range p.Tasks[t].Script {
				if !symOp(op.Kind) {
					blocked = true
				}
			}
		}
		if blocked {
			reasons["a thread's script blocks signals, handles one or traces itself"] = true
			continue
		}
		groups := map[string][]int{}
		var order []string
		for _, t := range pd.Threads {
			if p.Tasks[t].Leader || named[t] {
				continue
			}
			k := fmt.Sprintf("%v|%s|%s", p.Tasks[t].Cg, scriptSig(p, t), checkSig(checks, p.Tasks[t].Name))
			if _, ok := groups[k]; !ok {
				order = append(order, k)
			}
			groups[k] = append(groups[k], t)
		}
		for _, k := range order {
			if len(groups[k]) < 2 {
				continue
			}
			y.classes = append(y.classes, newSymClass(p, pi, groups[k]))
		}
	}
	if len(y.classes) == 0 {
		if len(reasons) == 0 {
			reasons["no two threads of a group are alike (leader, named by an op, scripts, cgroups or checks differ)"] = true
		}
		var rs []string
		for r := range reasons {
			rs = append(rs, r)
		}
		sort.Strings(rs)
		y.Why = strings.Join(rs, "; ")
	}
	return y
}

func isPtraceOp(k scenario.OpKind) bool {
	switch k {
	case scenario.OpAttach, scenario.OpSeize, scenario.OpInterrupt, scenario.OpListen, scenario.OpCont,
		scenario.OpDetach, scenario.OpPtraceKill, scenario.OpGetregs, scenario.OpPtraceSyscall,
		scenario.OpGetsiginfo, scenario.OpSetoptions, scenario.OpTraceme:
		return true
	}
	return false
}

// symOp: a thread op that does not reach an ordered scan of its group
// (block and handle end in set_current_blocked() ->
// retarget_shared_pending(); traceme makes the thread traced).
func symOp(k scenario.OpKind) bool {
	switch k {
	case scenario.OpRaise, scenario.OpPause, scenario.OpSyscall, scenario.OpIgnore, scenario.OpDefault,
		scenario.OpUnblock, scenario.OpExitGroup:
		return true
	}
	return false
}

// scriptSig renders thread t's script with its own name left out.
func scriptSig(p *Program, t int) string {
	var b strings.Builder
	for _, op := range p.Tasks[t].Script {
		tt := op.T
		if tt == t {
			tt = -2
		}
		fmt.Fprintf(&b, "%d/%d/%d/%d/%d/%d/%v;", op.Kind, op.Sig, op.Flags, tt, op.Proc, op.Cg, op.After)
	}
	fmt.Fprintf(&b, "prelude %d", p.Tasks[t].Prelude)
	return b.String()
}

// checkSig is what the scenario's check lines say about thread name: per
// line, its atoms on "name.KEY", sorted, with the name left out.
func checkSig(checks []scenario.Check, name string) string {
	var b strings.Builder
	for i, c := range checks {
		var as []string
		for _, a := range c.Atoms {
			if rest, ok := strings.CutPrefix(a.Key, name+"."); ok {
				as = append(as, fmt.Sprintf("%s=%s/%v", rest, a.Value, a.Neg))
			}
		}
		sort.Strings(as)
		fmt.Fprintf(&b, "%d:%s;", i, strings.Join(as, ","))
	}
	return b.String()
}

func newSymClass(p *Program, pi int, threads []int) symClass {
	cl := symClass{proc: pi, threads: threads}
	for _, t := range threads {
		cl.mask |= 1 << t
	}
	inWalk := func(cg int) bool {
		for _, w := range p.Cgroups[cg].Walk {
			if w.T >= 0 && cl.mask&(1<<w.T) != 0 {
				return true
			}
		}
		return false
	}
	for a := 0; a < p.NOutside; a++ {
		script := p.Actors[a].Script
		walkLen := make([]int, len(script))
		for i, op := range script {
			all := false
			switch op.Kind {
			case scenario.OpKill:
				all = op.T >= 0 && p.Tasks[op.T].Proc == pi
				if all {
					cl.kill[a] |= 1 << i
				}
			case scenario.OpExit:
				all = true
			case scenario.OpFreeze:
				all = inWalk(op.Cg)
			case scenario.OpThaw:
				if inWalk(op.Cg) {
					if p.Cgroups[op.Cg].V2 {
						all = true
					} else {
						cl.thaw[a] |= 1 << i
						walkLen[i] = len(p.Cgroups[op.Cg].Walk)
					}
				}
			}
			if all {
				cl.pinAll[a] |= 1 << i
			}
		}
		// thawPin: per thaw op and cursor, the class threads at or
		// after the cursor in its walk.
		off := 0
		cl.thawOff[a] = make([]int, len(script))
		for i := range script {
			cl.thawOff[a][i] = off
			off += walkLen[i] + 1
		}
		cl.thawPin[a] = make([]uint32, off)
		for i, op := range script {
			if cl.thaw[a]&(1<<i) == 0 {
				continue
			}
			walk := p.Cgroups[op.Cg].Walk
			for cur := 0; cur <= len(walk); cur++ {
				var m uint32
				for j := cur; j < len(walk); j++ {
					if walk[j].T >= 0 && cl.mask&(1<<walk[j].T) != 0 {
						m |= 1 << walk[j].T
					}
				}
				cl.thawPin[a][cl.thawOff[a][i]+cur] = m
			}
		}
	}
	return cl
}

// Applies reports whether some class has two or more threads.
func (y *Symmetry) Applies() bool { return len(y.classes) > 0 }

// Classes names the classes: "G: G2 G3 G4" each.
func (y *Symmetry) Classes(p *Program) []string {
	var out []string
	for _, cl := range y.classes {
		names := make([]string, len(cl.threads))
		for i, t := range cl.threads {
			names[i] = p.Tasks[t].Name
		}
		out = append(out, p.Procs[cl.proc].Name+": "+strings.Join(names, " "))
	}
	return out
}

// free is the set of cl's threads that no op still to run scans in
// order, in state s.
func (cl *symClass) free(p *Program, s *State) uint32 {
	pinned := uint32(0)
	for a := 0; a < p.NOutside; a++ {
		pc := uint(s.Actor[a].PC)
		if pc >= 32 {
			continue
		}
		rest := ^uint32(0) << pc
		if cl.pinAll[a]&rest != 0 {
			return 0
		}
		th := cl.thaw[a] & rest
		if th == 0 {
			continue
		}
		if th&^(1<<pc) != 0 {
			return 0 // a thaw still to start walks every thread
		}
		cur := int(s.Actor[a].Tmp)
		if cur == 0 {
			return 0 // this thaw has not started
		}
		pinned |= cl.thawPin[a][cl.thawOff[a][pc]+cur]
	}
	return cl.mask &^ pinned
}

// deadCurrTarget reports whether signal->curr_target of the class's
// group can no longer be read: only complete_signal()'s search reads it,
// and only a kill of the group (or the requeue of a shared signal by a
// traced thread, and no thread of a class's group is traced) searches.
func (cl *symClass) deadCurrTarget(p *Program, s *State) bool {
	for a := 0; a < p.NOutside; a++ {
		if pc := uint(s.Actor[a].PC); pc < 32 && cl.kill[a]>>pc != 0 {
			return false
		}
	}
	return true
}

const taskSize = unsafe.Sizeof(Task{})

func taskBytes(t *Task) []byte { return unsafe.Slice((*byte)(unsafe.Pointer(t)), taskSize) }

// symLess orders two free threads of a class for Canon: by their Task value,
// then the one signal->curr_target names first.
func symLess(s *State, ct int, a, b int) bool {
	if c := bytes.Compare(taskBytes(&s.Task[a]), taskBytes(&s.Task[b])); c != 0 {
		return c < 0
	}
	return a == ct && b != ct
}

// Canon rewrites s into the representative of its set: in each class, the
// free threads sorted. It reports whether s changed. It allocates nothing.
func (y *Symmetry) Canon(p *Program, s *State) bool {
	changed := false
	for k := range y.classes {
		cl := &y.classes[k]
		if ct := &s.Proc[cl.proc].CurrTarget; int(*ct) != p.Procs[cl.proc].Threads[0] && cl.deadCurrTarget(p, s) {
			*ct = uint8(p.Procs[cl.proc].Threads[0])
			changed = true
		}
		f := cl.free(p, s)
		if bits.OnesCount32(f) < 2 {
			continue
		}
		var pos [MaxTasks]int // the free threads' indices, ascending
		n := 0
		for f != 0 {
			pos[n] = bits.TrailingZeros32(f)
			f &= f - 1
			n++
		}
		ct := int(s.Proc[cl.proc].CurrTarget)
		// order[i]: the thread whose value goes to pos[i].
		var order [MaxTasks]int
		copy(order[:n], pos[:n])
		for i := 1; i < n; i++ {
			for j := i; j > 0 && symLess(s, ct, order[j], order[j-1]); j-- {
				order[j], order[j-1] = order[j-1], order[j]
			}
		}
		same := true
		for i := 0; i < n; i++ {
			same = same && order[i] == pos[i]
		}
		if same {
			continue
		}
		var tmp [MaxTasks]Task
		for i := 0; i < n; i++ {
			tmp[i] = s.Task[order[i]]
		}
		for i := 0; i < n; i++ {
			s.Task[pos[i]] = tmp[i]
			if order[i] == ct {
				s.Proc[cl.proc].CurrTarget = uint8(pos[i])
			}
		}
		changed = true
	}
	return changed
}

// swapThreads exchanges threads a and b of one class in s (every field that
// refers to them).
func swapThreads(s *State, proc, a, b int) {
	s.Task[a], s.Task[b] = s.Task[b], s.Task[a]
	switch int(s.Proc[proc].CurrTarget) {
	case a:
		s.Proc[proc].CurrTarget = uint8(b)
	case b:
		s.Proc[proc].CurrTarget = uint8(a)
	}
}

// OutcomeSymmetric reports whether terminal state s shows the same
// outcome whichever way its free threads are swapped: then its outcome
// is the outcome of every reachable state of its set. It is checked on
// the transpositions of neighbours, which generate every permutation.
func (y *Symmetry) OutcomeSymmetric(m *Machine, s *State) bool {
	text := ""
	for k := range y.classes {
		cl := &y.classes[k]
		f := cl.free(m.P, s)
		prev := -1
		for f != 0 {
			t := bits.TrailingZeros32(f)
			f &= f - 1
			if prev >= 0 && s.Task[prev] != s.Task[t] {
				if text == "" {
					text = m.Outcome(s)
				}
				u := *s
				swapThreads(&u, cl.proc, prev, t)
				if m.Outcome(&u) != text {
					return false
				}
			}
			prev = t
		}
	}
	return true
}
