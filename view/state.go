package view

import (
	"fmt"

	"jobctl/model"
	"jobctl/scenario"
)

// State is a model state by name: what the explorer's API returns and the
// pictures show for each step.
type State struct {
	Tasks     []Task    `json:"tasks"`
	Processes []Process `json:"processes"`
	Actors    []Actor   `json:"actors"`
	Locks     []Lock    `json:"locks"` // the locks held across steps, by whom
}

// Task is one tracee thread.
type Task struct {
	Name          string `json:"name"`
	Process       string `json:"process"`
	State         string `json:"__state"`
	SavedState    string `json:"saved_state"`
	Jobctl        string `json:"jobctl"`
	Pending       string `json:"pending"`        // task->pending
	SharedPending string `json:"shared_pending"` // signal->shared_pending
	SigPending    bool   `json:"TIF_SIGPENDING"`
	Where         string `json:"where"` // where it is in the kernel ("do_signal_stop: schedule")
	Asleep        bool   `json:"asleep"`
	Wchan         string `json:"wchan"`  // the function it sleeps in, when asleep ("" when not)
	Letter        string `json:"letter"` // the /proc state letter
	Ptrace        string `json:"ptrace"`
	Tracer        string `json:"tracer"` // "none" when not traced
	Flags         string `json:"flags"`
	ExitState     string `json:"exit_state"`
	Exit          string `json:"exit"` // "none", "exited(N)", "killed(SIG)"
}

// Process is one thread group's signal_struct and cgroup freezer.
type Process struct {
	Name           string `json:"name"`
	Flags          string `json:"signal_flags"`
	GroupStopCount int    `json:"group_stop_count"`
	GroupExitCode  string `json:"group_exit_code"`
	SharedPending  string `json:"shared_pending"`
	Freezer        string `json:"freezer"` // freezer.state: THAWED, FREEZING, FROZEN
}

// Actor is where an actor is in its script.
type Actor struct {
	Name    string     `json:"name"`
	Thread  bool       `json:"thread"` // a tracee thread (its script runs in user mode)
	Op      string     `json:"op"`     // the current op, or "done"
	Done    bool       `json:"done"`
	Results []OpResult `json:"results"` // outside actors: each op's result so far
}

// OpResult is one op of an outside actor's script and what it returned.
type OpResult struct {
	Op     string `json:"op"`
	Result string `json:"result"`
}

// Lock is a lock held across steps.
type Lock struct {
	Name   string `json:"name"`
	Holder string `json:"holder"`
}

// Of names the state s of machine m.
func Of(m *model.Machine, s *model.State) State {
	c := model.Ctx{K: m.K, P: m.P, S: s}
	v := State{Tasks: []Task{}, Processes: []Process{}, Actors: []Actor{}, Locks: []Lock{}}
	for t, td := range m.P.Tasks {
		T := &s.Task[t]
		alive := T.ExitState == 0
		tk := Task{
			Name:          td.Name,
			Process:       m.P.Procs[td.Proc].Name,
			State:         model.StateName(T.State),
			SavedState:    model.StateName(T.Saved),
			Jobctl:        model.JobctlName(T.Jobctl),
			Pending:       SigSet(T.Pending),
			SharedPending: SigSet(s.Proc[td.Proc].Shared),
			SigPending:    T.SigPending,
			Where:         Loc(T.Loc),
			Asleep:        alive && !T.OnRq,
			Letter:        string(c.Letter(t)),
			Ptrace:        Ptrace(T.Ptrace),
			Tracer:        "none",
			Flags:         TaskFlags(T.Flags),
			ExitState:     ExitState(T.ExitState),
			Exit:          "none",
		}
		if tk.Asleep {
			tk.Wchan = T.Loc.String()
		}
		if T.Tracer != 0 && int(T.Tracer) <= len(m.P.Actors) {
			tk.Tracer = m.P.Actors[T.Tracer-1].Name
		}
		if T.ExitState != 0 {
			switch T.ExitKind {
			case model.ExitExited:
				tk.Exit = fmt.Sprintf("exited(%d)", T.ExitVal)
			case model.ExitKilled:
				tk.Exit = "killed(" + scenario.SigName(int(T.ExitVal)) + ")"
			}
		}
		v.Tasks = append(v.Tasks, tk)
	}
	for p, pd := range m.P.Procs {
		P := &s.Proc[p]
		v.Processes = append(v.Processes, Process{
			Name:           pd.Name,
			Flags:          model.SignalFlagsName(P.Flags),
			GroupStopCount: int(P.GroupStopCount),
			GroupExitCode:  fmt.Sprint(P.GroupExitCode),
			SharedPending:  SigSet(P.Shared),
			Freezer:        c.FreezerState(m.P.ProcCgroup(p, model.V1)),
		})
	}
	for a, ad := range m.P.Actors {
		av := Actor{Name: ad.Name, Thread: ad.Task >= 0, Results: []OpResult{}}
		var pc int
		if ad.Task >= 0 {
			pc = int(s.Task[ad.Task].ScriptPC)
		} else {
			pc = int(s.Actor[a].PC)
			for i, op := range ad.Script {
				if i < pc {
					av.Results = append(av.Results, OpResult{Op: op.Src.String(), Result: m.P.ResultText(s, a, i)})
				}
			}
		}
		av.Done = pc >= len(ad.Script)
		av.Op = "done"
		if !av.Done {
			av.Op = ad.Script[pc].Src.String()
		}
		v.Actors = append(v.Actors, av)
	}
	for l, h := range s.Holder {
		if h != 0 {
			v.Locks = append(v.Locks, Lock{Name: model.LockNames[l] + "_lock", Holder: holderName(m, h)})
		}
	}
	return v
}
