package model

import (
	"testing"

	"jobctl/scenario"
)

// Helpers shared by the model's table tests. A test either builds a
// Machine from a tiny scenario and drives it with a fixed schedule (step),
// or takes the Ctx of a state and calls one kernel function on it.

// compile parses and compiles a scenario written inline in a test.
func compile(t testing.TB, src string) *Program {
	t.Helper()
	sc, err := scenario.Parse("test.jc", []byte(src))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	p, err := Compile(sc)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return p
}

// machine compiles src under k and runs its prelude.
func machine(t testing.TB, k *Kernel, src string) (*Machine, State) {
	t.Helper()
	m := NewMachine(k, compile(t, src))
	s, err := m.Initial()
	if err != nil {
		t.Fatalf("initial: %v", err)
	}
	return m, s
}

// actor returns the actor index of name (an outside actor or a thread).
func actor(t testing.TB, m *Machine, name string) int {
	t.Helper()
	for i, a := range m.P.Actors {
		if a.Name == name {
			return i
		}
	}
	t.Fatalf("no actor %q", name)
	return -1
}

// task returns the task index of thread name.
func task(t testing.TB, m *Machine, name string) int {
	t.Helper()
	for i, td := range m.P.Tasks {
		if td.Name == name {
			return i
		}
	}
	t.Fatalf("no thread %q", name)
	return -1
}

// step runs one atomic step of each named actor in turn; each must be
// able to step and must change the state. It returns the Ctx of the last.
func step(t testing.TB, m *Machine, s *State, names ...string) Ctx {
	t.Helper()
	var c Ctx
	for _, n := range names {
		next := *s
		mv, err := m.ParseMove(s, n)
		if err != nil {
			t.Fatal(err)
		}
		var ok bool
		c, ok = m.Step(&next, mv)
		if !ok || next == *s {
			t.Fatalf("%s cannot step (state %+v)", n, s.Task[0])
		}
		*s = next
	}
	return c
}

// blocked reports that actor name cannot make a step that changes s.
func blocked(m *Machine, s *State, a int) bool {
	next := *s
	_, ok := m.Step(&next, Act(a))
	return !ok || next == *s
}

// runOut steps actor name until it cannot step any more (at most 100 steps).
func runOut(t testing.TB, m *Machine, s *State, name string) {
	t.Helper()
	a := actor(t, m, name)
	for i := 0; i < 100; i++ {
		if blocked(m, s, a) {
			return
		}
		m.Step(s, Act(a))
	}
	t.Fatalf("%s does not stop stepping", name)
}

// ctxOf is the context in which a test calls one kernel function on s.
func ctxOf(m *Machine, s *State) *Ctx { return &Ctx{K: m.K, P: m.P, S: s} }

// Kernels for the function tests. Each is Mainline() with the fields a
// design of package variants changes for the function under test (the
// variants package itself cannot be imported here: it imports model).

// kD3 is mainline (v6.7+, checked against v6.18).
func kD3() *Kernel { return Mainline() }

// kD2 has the v6.1–v6.6 freezer and no saved_state outside PREEMPT_RT
// (variants/v6_1.go).
func kD2() *Kernel {
	k := Mainline()
	k.SavedStateAlways = false
	k.WTIMatch = WTIMask
	k.FrozenLetter = 'R'
	k.SetTaskFrozen = SetTaskFrozenPlain
	k.ThawTask = ThawTaskRestoreJobctl
	return k
}

// kD1 has the old PF_FROZEN freezer and exact wait_task_inactive()
// (variants/v5_19.go).
func kD1() *Kernel {
	k := kD2()
	k.OldFreezer = true
	k.WTIMatch = WTIExact
	k.CheckAttachMask = __TASK_TRACED
	k.DropAfterGroupExit = false
	k.FrozenLetter = 'D'
	k.SetTaskFrozen = nil
	k.ThawTask = ThawTaskOld
	return k
}

// kLeak is the ptrace_stop() of v5.18 and of the b/c proposals:
// TASK_TRACED with TASK_WAKEKILL and no early return (variants/ebiederm.go
// on its v5.18 base).
func kLeak() *Kernel {
	k := kD2()
	k.TaskTraced = taskTracedOld
	k.PtraceStopEarlyReturn = false
	k.PtraceFrozenBit = JOBCTL_DELAY_WAKEKILL
	k.PtraceStopClear = JOBCTL_LISTENING | JOBCTL_DELAY_WAKEKILL
	return k
}

// Scenario skeletons.
const (
	// One single-threaded process T whose real parent is W.
	srcOne = "actor W S P F\nprocess T parent W\n"
	// T stopped by SIGSTOP, the stop reported to W: T asleep in
	// do_signal_stop() with JOBCTL_STOPPED and TASK_STOPPED.
	srcStopped = srcOne + "init W: kill T SIGSTOP\ninit W: wait T WUNTRACED\n"
	// A process P with threads T1 (leader) and T2.
	srcTwo = "actor W S F\nprocess P threads T1 T2 parent W\n"
)
