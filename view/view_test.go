package view

import (
	"errors"
	"strings"
	"testing"

	"jobctl/checker"
	"jobctl/internal/jctest"
	"jobctl/model"
	"jobctl/scenario"
)

func builtin(t *testing.T, name, variant string) *model.Machine {
	t.Helper()
	all, err := scenario.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range all {
		if strings.TrimPrefix(sc.Name, "builtin:") == name {
			return jctest.Machine(t, sc, jctest.Kernel(t, variant, sc.RT))
		}
	}
	t.Fatalf("no built-in scenario %s", name)
	return nil
}

func TestParseSchedule(t *testing.T) {
	m := builtin(t, "R1-kill-frozen-stopped", "peterz-v2")
	ms, err := ParseSchedule(m, " F  F\tS ")
	if err != nil {
		t.Fatal(err)
	}
	if got := Schedule(m, ms); got != "F F S" {
		t.Errorf("round trip: %q", got)
	}
	for _, c := range []struct {
		text, msg  string
		step       int
		notEnabled bool
	}{
		{"F Q", `no actor named "Q" (actors: W, F, S, T)`, 2, false},
		{"F:zz", `no outcome "zz"`, 1, false},
		{"S S", "S cannot make this move (can step: F, T)", 2, true},
		{strings.Repeat("F ", MaxSchedule+1), "at most 10000", 0, false},
	} {
		_, err := ParseSchedule(m, c.text)
		var se *ScheduleError
		if !errors.As(err, &se) || !strings.Contains(se.Error(), c.msg) || se.Step != c.step || se.NotEnabled != c.notEnabled {
			t.Errorf("%.20q: %v (%+v), want step %d %q notEnabled=%v", c.text, err, se, c.step, c.msg, c.notEnabled)
		}
	}
}

// The lost wake-up of R1 under peterz-v2, step by step.
func TestRaceR1PeterzV2(t *testing.T) {
	m := builtin(t, "R1-kill-frozen-stopped", "peterz-v2")
	ms, err := ParseSchedule(m, "F F F F F S F")
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewRace(m, ms, Props(m.P.Sc))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Steps) != 7 || len(r.States) != 8 || !r.Terminal {
		t.Fatalf("%d steps, %d states, terminal %v", len(r.Steps), len(r.States), r.Terminal)
	}
	has := func(cs []Change, who, field, from, to string) bool {
		for _, c := range cs {
			if c.Who == who && c.Field == field && c.From == from && c.To == to {
				return true
			}
		}
		return false
	}
	if st := r.Steps[1]; st.Function != "freeze_cgroup" || !has(st.Changes, "T", "__state", "TASK_STOPPED", "TASK_FROZEN") {
		t.Errorf("step 2: %+v", st)
	}
	kill := r.Steps[5]
	if kill.Actor != "S" || kill.Function != "kill" || strings.Join(kill.Violates, ",") != "I2" {
		t.Errorf("step 6: %+v", kill)
	}
	if len(kill.Notes) != 1 || kill.Notes[0] != "T: ttwu(TASK_INTERRUPTIBLE|TASK_WAKEKILL) misses TASK_FROZEN" {
		t.Errorf("step 6 notes: %q", kill.Notes)
	}
	if has(kill.Changes, "T", "jobctl", "STOPPED|SIGMASK=19", "SIGMASK=19") {
		t.Errorf("peterz-v2's kill cleared JOBCTL_STOPPED")
	}
	if st := r.Steps[6]; !has(st.Changes, "T", "__state", "TASK_FROZEN", "TASK_STOPPED") {
		t.Errorf("step 7 (the thaw): %+v", st.Changes)
	}
	if st := r.Steps[2]; !has(st.Changes, "F", "#1 freeze T", "pending", "0") {
		t.Errorf("step 3: the freeze's result is not named with its op: %+v", st.Changes)
	}
	var end []string
	for _, v := range r.End {
		end = append(end, v.Property)
	}
	if strings.Join(end, ",") != "I4,final" {
		t.Errorf("at the end: %v, want I4,final", end)
	}
	last := r.States[7].Tasks[0]
	if last.State != "TASK_STOPPED" || !last.Asleep || last.Wchan != "do_signal_stop" || last.Pending != "SIGKILL" || last.Jobctl != "STOPPED|SIGMASK=19" {
		t.Errorf("T at the end: %+v", last)
	}
	if r.States[2].Processes[0].Freezer != "FROZEN" || r.States[5].Processes[0].Freezer != "THAWED" {
		t.Errorf("freezer.state: %q, %q", r.States[2].Processes[0].Freezer, r.States[5].Processes[0].Freezer)
	}
}

// Every step between two different states lists at least one change, and
// a task that moves within its kernel function says where to.
func TestChangesSeeEveryStep(t *testing.T) {
	for _, c := range []struct{ scenario, variant string }{
		{"R1-kill-frozen-stopped", "peterz-v2"}, {"R14-gstop-thread-frozen", "v6.1"}, {"R7-rt-getregs-rtlock-blocked", "mainline"},
	} {
		m := builtin(t, c.scenario, c.variant)
		init, err := m.Initial()
		if err != nil {
			t.Fatal(err)
		}
		seen := map[model.State]bool{init: true}
		queue := []model.State{init}
		steps := 0
		for len(queue) > 0 {
			s := queue[0]
			queue = queue[1:]
			for _, mv := range checker.Enabled(m, &s) {
				next := s
				if _, ok := Apply(m, &next, mv); !ok {
					t.Fatalf("%s: an enabled move cannot be made", c.scenario)
				}
				steps++
				cs := Changes(m, &s, &next)
				if len(cs) == 0 {
					t.Fatalf("%s under %s: a step changes the state but no change is listed", c.scenario, c.variant)
				}
				for ti := range m.P.Tasks {
					if s.Task[ti].Loc != next.Task[ti].Loc {
						found := false
						for _, ch := range cs {
							found = found || ch.Who == m.P.Tasks[ti].Name && ch.Field == "where" && ch.From != ch.To
						}
						if !found {
							t.Fatalf("%s: %s moves from %s to %s, and no change says so", c.scenario, m.P.Tasks[ti].Name, Loc(s.Task[ti].Loc), Loc(next.Task[ti].Loc))
						}
					}
				}
				if !seen[next] {
					seen[next] = true
					queue = append(queue, next)
				}
			}
		}
		if steps == 0 {
			t.Errorf("%s: no step explored", c.scenario)
		}
	}
}

func TestNames(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{SigSet(0), "none"}, {SigSet(1<<9 | 1<<19), "SIGKILL,SIGSTOP"},
		{Ptrace(model.PT_PTRACED | model.PT_SEIZED), "PT_PTRACED|PT_SEIZED"}, {Ptrace(0), "0"},
		{TaskFlags(model.PF_EXITING | 0x80), "PF_EXITING|0x80"},
		{ExitState(model.EXIT_ZOMBIE), "EXIT_ZOMBIE"},
		{Loc(model.LocDSSSleep), "do_signal_stop: schedule"}, {Loc(model.LocDSSNotify), "do_signal_stop: notify the parent"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	seen := map[string]model.Loc{}
	for l := model.LocUser; l <= model.LocDead; l++ {
		if prev, ok := seen[Loc(l)]; ok {
			t.Errorf("Loc %d and %d are both named %q", prev, l, Loc(l))
		}
		seen[Loc(l)] = l
	}
}
