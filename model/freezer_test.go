package model

import (
	"strings"
	"testing"
)

// The freezer, pinned against kernel/freezer.c:
// v6.1/v6.6 (d2: f5d39b020809, thaw from jobctl), v6.8/v6.18 (d3:
// 8f0eed4a78a8 with 23ab79e8e469 and 418146e39891, thaw from saved_state),
// v5.17/v5.19 (the old PF_FROZEN freezer).

// TestSetTaskFrozen pins __set_task_frozen(): only a blocked task in a
// freezable, stopped or traced sleep is frozen in place; d3 keeps the old
// __state in saved_state, d2 overwrites it (the special state survives
// only in jobctl).
func TestSetTaskFrozen(t *testing.T) {
	cases := []struct {
		name  string
		state uint16
		onRq  bool
		dead  bool
		ok    bool
	}{
		{"blocked TASK_STOPPED", TASK_STOPPED, false, false, true},
		{"blocked TASK_TRACED", __TASK_TRACED, false, false, true},
		{"blocked TASK_INTERRUPTIBLE|TASK_FREEZABLE", TASK_INTERRUPTIBLE | TASK_FREEZABLE, false, false, true},
		{"blocked TASK_INTERRUPTIBLE (not freezable)", TASK_INTERRUPTIBLE, false, false, false},
		{"blocked TASK_UNINTERRUPTIBLE", TASK_UNINTERRUPTIBLE, false, false, false},
		{"TASK_STOPPED but still on_rq (R10)", TASK_STOPPED, true, false, false},
		{"exited", TASK_DEAD | __TASK_STOPPED, false, true, false},
	}
	for _, tc := range cases {
		for _, d := range []struct {
			name string
			fn   func(*Ctx, int) bool
			sav  bool
		}{{"d2", SetTaskFrozenPlain, false}, {"d3", SetTaskFrozenSaved, true}} {
			t.Run(d.name+" "+tc.name, func(t *testing.T) {
				m := NewMachine(kD3(), compile(t, srcOne))
				s := m.Fresh()
				T := &s.Task[0]
				T.State, T.OnRq = tc.state, tc.onRq
				if tc.dead {
					T.ExitState = EXIT_ZOMBIE
				}
				before := s
				if got := d.fn(ctxOf(m, &s), 0); got != tc.ok {
					t.Fatalf("__set_task_frozen = %v, want %v", got, tc.ok)
				}
				switch {
				case !tc.ok:
					if s != before {
						t.Error("a refused freeze changed the state")
					}
				case T.State != TASK_FROZEN:
					t.Errorf("__state %s, want TASK_FROZEN", StateString(T.State))
				case d.sav && T.Saved != tc.state:
					t.Errorf("d3: saved_state %s, want %s", StateString(T.Saved), StateString(tc.state))
				case !d.sav && T.Saved != TASK_RUNNING:
					t.Errorf("d2: saved_state %s, want untouched", StateString(T.Saved))
				}
			})
		}
	}
}

// TestThawTask pins __thaw_task() of the three freezers.
func TestThawTask(t *testing.T) {
	const (
		woken = iota + 1
		restored
		untouched
	)
	cases := []struct {
		name       string
		fn         func(*Ctx, int)
		state, sav uint16
		jobctl     uint32
		flags      uint8
		want       int
		state2     uint16
		sav2       uint16
	}{
		// d3: __restore_freezer_state(), guarded by frozen(p).
		{"d3: saved TASK_STOPPED restored, no wakeup", ThawTaskRestoreSaved, TASK_FROZEN, TASK_STOPPED, JOBCTL_STOPPED, 0, restored, TASK_STOPPED, TASK_RUNNING},
		{"d3: saved TASK_TRACED restored", ThawTaskRestoreSaved, TASK_FROZEN, __TASK_TRACED, JOBCTL_TRACED, 0, restored, __TASK_TRACED, TASK_RUNNING},
		{"d3: saved RUNNING (a wakeup was recorded): woken", ThawTaskRestoreSaved, TASK_FROZEN, TASK_RUNNING, 0, 0, woken, TASK_RUNNING, TASK_RUNNING},
		{"d3: not frozen: untouched, stale saved_state ignored (R11)", ThawTaskRestoreSaved, TASK_INTERRUPTIBLE | TASK_FREEZABLE, TASK_STOPPED, 0, 0, untouched, TASK_INTERRUPTIBLE | TASK_FREEZABLE, TASK_STOPPED},
		// d2: __set_task_special() from jobctl, no frozen() test.
		{"d2: JOBCTL_STOPPED restores TASK_STOPPED", ThawTaskRestoreJobctl, TASK_FROZEN, 0, JOBCTL_STOPPED, 0, restored, TASK_STOPPED, 0},
		{"d2: JOBCTL_TRACED restores TASK_TRACED", ThawTaskRestoreJobctl, TASK_FROZEN, 0, JOBCTL_TRACED, 0, restored, __TASK_TRACED, 0},
		{"d2: TRACED wins over STOPPED", ThawTaskRestoreJobctl, TASK_FROZEN, 0, JOBCTL_TRACED | JOBCTL_STOPPED, 0, restored, __TASK_TRACED, 0},
		{"d2: no bit (R1 after the kill): woken", ThawTaskRestoreJobctl, TASK_FROZEN, 0, 0, 0, woken, TASK_RUNNING, 0},
		{"d2: not frozen, no bit: ttwu(TASK_FROZEN) misses", ThawTaskRestoreJobctl, TASK_INTERRUPTIBLE | TASK_FREEZABLE, 0, 0, 0, untouched, TASK_INTERRUPTIBLE | TASK_FREEZABLE, 0},
		{"d2: not frozen, stopped: rewrite is a no-op", ThawTaskRestoreJobctl, TASK_STOPPED, 0, JOBCTL_STOPPED, 0, untouched, TASK_STOPPED, 0},
		// ≤v6.0: if (frozen(p)) wake_up_process(p).
		{"old: PF_FROZEN: woken", ThawTaskOld, TASK_UNINTERRUPTIBLE, 0, 0, PF_FROZEN, woken, TASK_RUNNING, 0},
		{"old: not PF_FROZEN: untouched", ThawTaskOld, TASK_STOPPED, 0, JOBCTL_STOPPED, PF_FREEZER_SKIP, untouched, TASK_STOPPED, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			k := kD3()
			if strings.HasPrefix(tc.name, "old:") {
				k = kD1() // frozen() is PF_FROZEN
			}
			m := NewMachine(k, compile(t, srcOne))
			s := m.Fresh()
			T := &s.Task[0]
			T.State, T.Saved, T.Jobctl, T.Flags, T.OnRq = tc.state, tc.sav, tc.jobctl, tc.flags, false
			before := s
			c := ctxOf(m, &s)
			tc.fn(c, 0)
			if T.State != tc.state2 || T.Saved != tc.sav2 {
				t.Errorf("__state %s saved %s, want %s %s", StateString(T.State), StateString(T.Saved), StateString(tc.state2), StateString(tc.sav2))
			}
			if T.Jobctl != tc.jobctl {
				t.Errorf("thaw changed jobctl to %s", JobctlString(T.Jobctl))
			}
			switch tc.want {
			case woken:
				if !T.OnRq {
					t.Error("not woken")
				}
			case restored:
				if T.OnRq || c.Woke[0] != 0 {
					t.Errorf("restored with a wakeup (on_rq %v, mask %#x)", T.OnRq, c.Woke[0])
				}
			case untouched:
				if s != before {
					t.Error("thaw of a task that is not frozen changed it")
				}
			}
		})
	}
}

// TestRefrigerator pins one pass of __refrigerator(): d3 writes
// TASK_FROZEN and saved_state = TASK_RUNNING under pi_lock, d2 only
// TASK_FROZEN, the old freezer TASK_UNINTERRUPTIBLE and PF_FROZEN; with
// freezing() false the task leaves at once in TASK_RUNNING.
func TestRefrigerator(t *testing.T) {
	for _, tc := range []struct {
		name     string
		k        func() *Kernel
		freezing bool
		state    uint16
		sav      uint16
		flags    uint8
		loc      Loc
	}{
		{"d3 freezing", kD3, true, TASK_FROZEN, TASK_RUNNING, 0, LocRefrigerator},
		{"d2 freezing", kD2, true, TASK_FROZEN, TASK_STOPPED, 0, LocRefrigerator},
		{"old freezing", kD1, true, TASK_UNINTERRUPTIBLE, TASK_STOPPED, PF_FROZEN, LocRefrigerator},
		{"d3 not freezing", kD3, false, TASK_RUNNING, TASK_RUNNING, 0, LocPause},
		{"old not freezing", kD1, false, TASK_RUNNING, TASK_STOPPED, 0, LocPause},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := NewMachine(tc.k(), compile(t, srcOne))
			s := m.Fresh()
			T := &s.Task[0]
			// A stale saved_state shows which designs write it.
			T.Saved, T.FrzRet = TASK_STOPPED, LocPause
			if tc.freezing {
				s.Cgroup[0].State = CGROUP_FREEZING_SELF
			}
			m.K.Refrigerator(ctxOf(m, &s), 0)
			if T.State != tc.state || T.Saved != tc.sav || T.Flags != tc.flags || T.Loc != tc.loc || T.OnRq != !tc.freezing {
				t.Errorf("__state %s saved %s flags %#x loc %v on_rq %v",
					StateString(T.State), StateString(T.Saved), T.Flags, T.Loc, T.OnRq)
			}
		})
	}
}

// TestFreezeTask pins freeze_task(): a task frozen in place needs nothing
// more; one still on the runqueue gets the fake signal
// (signal_wake_up(p, 0)) and must be retried; with the old freezer a task
// in freezable_schedule() (PF_FREEZER_SKIP) is skipped untouched.
func TestFreezeTask(t *testing.T) {
	t.Run("blocked stopped: frozen in place", func(t *testing.T) {
		m, s := machine(t, kD3(), srcStopped)
		s.Cgroup[0].State = CGROUP_FREEZING_SELF
		if m.K.FreezeTask(ctxOf(m, &s), 0) || s.Task[0].State != TASK_FROZEN || s.Task[0].SigPending {
			t.Errorf("%s sigpending %v", StateString(s.Task[0].State), s.Task[0].SigPending)
		}
	})
	t.Run("running: fake signal", func(t *testing.T) {
		m := NewMachine(kD3(), compile(t, srcOne))
		s := m.Fresh()
		s.Cgroup[0].State = CGROUP_FREEZING_SELF
		c := ctxOf(m, &s)
		if !c.K.FreezeTask(c, 0) || !s.Task[0].SigPending || c.Woke[0] != TASK_INTERRUPTIBLE || s.Task[0].State != TASK_RUNNING {
			t.Errorf("sigpending %v wake %#x", s.Task[0].SigPending, c.Woke[0])
		}
	})
	t.Run("old freezer: PF_FREEZER_SKIP is skipped", func(t *testing.T) {
		m, s := machine(t, kD1(), srcStopped)
		if s.Task[0].Flags&PF_FREEZER_SKIP == 0 {
			t.Fatalf("stopped task not in freezable_schedule(): flags %#x", s.Task[0].Flags)
		}
		s.Cgroup[0].State = CGROUP_FREEZING_SELF
		before := s
		if m.K.FreezeTask(ctxOf(m, &s), 0) || s != before {
			t.Error("freeze_task touched a PF_FREEZER_SKIP task")
		}
		if !ctxOf(m, &s).FreezeDone(0) {
			t.Error("a PF_FREEZER_SKIP task does not count as frozen")
		}
	})
	t.Run("not freezing: nothing", func(t *testing.T) {
		m, s := machine(t, kD3(), srcStopped)
		before := s
		if m.K.FreezeTask(ctxOf(m, &s), 0) || s != before {
			t.Error("freeze_task acted without freezing()")
		}
	})
}
