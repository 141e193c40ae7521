package model

import (
	"slices"
	"strings"
	"testing"
)

// Class 10 of the fidelity issue: a scenario that holds a lock across
// steps explores only the interleavings the kernel allows. The oracle
// cannot hold kernel locks, so these tests enumerate every complete
// schedule of a tiny scenario and compare the set with the kernel's.

// schedules returns every maximal schedule from s (the actors' names, one
// per step, every outcome of a step with several), sorted.
func schedules(m *Machine, s State) []string {
	var out []string
	var walk func(s State, path []string)
	walk = func(s State, path []string) {
		moved := false
		for a := range m.P.Actors {
			for ch := 0; ch < 256; ch++ {
				next := s
				c, ok := m.Step(&next, Move{Actor: uint8(a), Choice: uint8(ch)})
				if !ok || next == s {
					break
				}
				moved = true
				walk(next, append(slices.Clone(path), m.P.Actors[a].Name))
				if int(c.NChoice) <= ch+1 {
					break
				}
			}
		}
		if !moved {
			out = append(out, strings.Join(path, " "))
		}
	}
	walk(s, nil)
	slices.Sort(out)
	return slices.Compact(out)
}

// TestWaitTakesTasklistLock: do_wait() scans under
// read_lock(&tasklist_lock) (kernel/exit.c:__do_wait(), v6.18), so a
// writer holding tasklist_lock keeps the waiter out: its wait runs before
// the lock is taken or after it is dropped, never in between.
func TestWaitTakesTasklistLock(t *testing.T) {
	m, s := machine(t, kD3(), "actor W L\nprocess T parent W\nW: wait T WNOHANG\nL: lock tasklist\nL: unlock tasklist\n")
	got := schedules(m, s)
	want := []string{"L L W", "W L L"}
	if !slices.Equal(got, want) {
		t.Errorf("schedules %q, want %q", got, want)
	}
}

// TestFreezerTakesCssSetLock: freeze_cgroup() and update_if_frozen() get
// each task from css_task_iter_next(), which takes css_set_lock
// (kernel/cgroup/cgroup.c, kernel/cgroup/legacy_freezer.c, v6.18): with
// css_set_lock held, the freezer can set CGROUP_FREEZING (its first step)
// but not reach a task (freeze_task(T), then update_if_frozen()). T is
// stopped, so it is frozen in place and never steps itself.
func TestFreezerTakesCssSetLock(t *testing.T) {
	m, s := machine(t, kD3(), "actor W F L\nprocess T parent W\ninit W: kill T SIGSTOP\nF: freeze T\nL: lock css_set\nL: unlock css_set\n")
	got := schedules(m, s)
	want := []string{"F F F L L", "F F L L F", "F L L F F", "L F L F F", "L L F F F"}
	if !slices.Equal(got, want) {
		t.Errorf("schedules %q, want %q", got, want)
	}
}

// TestGetSignalContinueNoRelock: after a signal-delivery-stop the tracer
// cancels (PTRACE_CONT 0): get_signal() "continue"s its loop in the same
// siglock section (kernel/signal.c:get_signal(), v6.18) — no relock, so a
// SIGNAL_CLD_CONTINUED set meanwhile is not reported by this pass; the
// do_jobctl_trap() path ("goto relock") does report it.
func TestGetSignalContinueNoRelock(t *testing.T) {
	m, s := machine(t, kD3(), "actor P S\nprocess T\ninit P: seize T\ninit S: kill T SIGUSR1\n")
	T := &s.Task[0]
	if T.Loc != LocPSSleep || T.Ret != RetPtraceSignal {
		t.Fatalf("prelude: T %v returning to %v, want asleep in a signal-delivery-stop", T.Loc, T.Ret)
	}
	s.Proc[0].Flags |= SIGNAL_CLD_CONTINUED | SIGNAL_STOP_CONTINUED // as prepare_signal(SIGCONT) leaves it
	m.K.PtraceResume(ctxOf(m, &s), 0, 0)
	for i := 0; i < 20 && !blocked(m, &s, m.P.ActorOf(0)); i++ {
		c := step(t, m, &s, "T")
		if T.Loc == LocNotifyCld || strings.Contains(c.StepLabel(), "CLD_CONTINUED") {
			t.Fatalf("step %q: the cancelled signal's pass relocked and reported CLD_CONTINUED", c.StepLabel())
		}
	}
	if T.Loc != LocUser || s.Proc[0].Flags&SIGNAL_CLD_MASK == 0 {
		t.Errorf("T at %v, signal->flags %s; want user mode with SIGNAL_CLD_CONTINUED still set", T.Loc, SignalFlagsName(s.Proc[0].Flags))
	}

	// The jobctl trap path: ptrace_stop() from do_jobctl_trap(), then
	// "goto relock": the next pass reports.
	m, s = machine(t, kD3(), "actor P\nprocess T\ninit P: seize T\ninit P: interrupt T\n")
	T = &s.Task[0]
	if T.Loc != LocPSSleep || T.Ret != RetRelock {
		t.Fatalf("prelude: T %v returning to %v, want asleep in a PTRACE_EVENT_STOP", T.Loc, T.Ret)
	}
	s.Proc[0].Flags |= SIGNAL_CLD_CONTINUED | SIGNAL_STOP_CONTINUED
	m.K.PtraceResume(ctxOf(m, &s), 0, 0)
	reported := false
	for i := 0; i < 20 && !blocked(m, &s, m.P.ActorOf(0)); i++ {
		step(t, m, &s, "T")
		reported = reported || T.Loc == LocNotifyCld
	}
	if !reported {
		t.Error("after a jobctl trap, relock did not report CLD_CONTINUED")
	}
}
