package view

import (
	"fmt"

	"jobctl/model"
	"jobctl/scenario"
)

// Change is one field a step changed: who (a task, thread group, actor or
// lock), the field by its kernel name, and the value before and after,
// named (see names.go). It has the fields of model.Change.
type Change struct {
	Who   string `json:"who"`
	Field string `json:"field"`
	From  string `json:"from"`
	To    string `json:"to"`
}

// Minor: a change the pictures leave out, an outside actor's progress
// through its script (implied by the result of the op it finished) and
// within one op.
func (c Change) Minor() bool { return c.Field == "op" || c.Field == "step" || c.Field == "tmp" }

func (c Change) String() string {
	return fmt.Sprintf("%s %s: %s -> %s", c.Who, c.Field, c.From, c.To)
}

// Changes lists the fields that differ between before and after, in a
// fixed order: tasks, thread groups, actors, locks.
func Changes(m *model.Machine, before, after *model.State) []Change {
	return diff(m, before, after)
}

// diff is a stand-in with the signature and meaning of model.Machine.Diff
// ("func (m *Machine) Diff(before, after *State) []Change"), which is
// coming to package model; when it is there, Changes calls it and this
// file shrinks to the Change type.
func diff(m *model.Machine, before, after *model.State) []Change {
	var out []Change
	add := func(who, field, from, to string) {
		if from != to {
			out = append(out, Change{Who: who, Field: field, From: from, To: to})
		}
	}
	for t, td := range m.P.Tasks {
		B, A := &before.Task[t], &after.Task[t]
		n := td.Name
		add(n, "__state", model.StateString(B.State), model.StateString(A.State))
		add(n, "saved_state", model.StateString(B.Saved), model.StateString(A.Saved))
		add(n, "jobctl", Jobctl(B.Jobctl), Jobctl(A.Jobctl))
		add(n, "on_rq", boolName(B.OnRq), boolName(A.OnRq))
		add(n, "where", Loc(B.Loc), Loc(A.Loc))
		add(n, "pending", SigSet(B.Pending), SigSet(A.Pending))
		add(n, "TIF_SIGPENDING", boolName(B.SigPending), boolName(A.SigPending))
		add(n, "flags", TaskFlags(B.Flags), TaskFlags(A.Flags))
		add(n, "ptrace", Ptrace(B.Ptrace), Ptrace(A.Ptrace))
		add(n, "parent", tracerName(m, B.Tracer), tracerName(m, A.Tracer))
		add(n, "exit_code", ExitCode(B.ExitCode), ExitCode(A.ExitCode))
		add(n, "last_siginfo", LastSiginfo(B.LastSiginfo), LastSiginfo(A.LastSiginfo))
		add(n, "exit_state", ExitState(B.ExitState), ExitState(A.ExitState))
		add(n, "exit", exitHow(B), exitHow(A))
		// The locals of the kernel function the task is in, and its place
		// in its user-mode script: two states that differ only there are
		// still two states.
		add(n, "signr", sigOrZero(B.Sig), sigOrZero(A.Sig))
		add(n, "why", cldName(B.Why), cldName(A.Why))
		add(n, "gstop_done", fmt.Sprint(B.GstopDone), fmt.Sprint(A.GstopDone))
		add(n, "returns to", Loc(B.Ret), Loc(A.Ret))
		add(n, "leaves the refrigerator to", Loc(B.FrzRet), Loc(A.FrzRet))
		add(n, "rtlock wait resumes at", Loc(B.RTRet), Loc(A.RTRet))
		add(n, "script", scriptOp(td.Script, B.ScriptPC), scriptOp(td.Script, A.ScriptPC))
	}
	for p, pd := range m.P.Procs {
		B, A := &before.Proc[p], &after.Proc[p]
		n := pd.Name
		add(n, "signal->flags", SignalFlags(B.Flags), SignalFlags(A.Flags))
		add(n, "group_stop_count", fmt.Sprint(B.GroupStopCount), fmt.Sprint(A.GroupStopCount))
		add(n, "group_exit_code", groupExit(B), groupExit(A))
		add(n, "shared_pending", SigSet(B.Shared), SigSet(A.Shared))
		bc, ac := model.Ctx{K: m.K, P: m.P, S: before}, model.Ctx{K: m.K, P: m.P, S: after}
		add(n, "freezer.state", bc.FreezerState(p), ac.FreezerState(p))
		add(n, "CGROUP_FREEZING", boolName(B.Freezing), boolName(A.Freezing))
		add(n, "reported FROZEN", boolName(B.Frozen), boolName(A.Frozen))
		add(n, "CLD_STOPPED sent", fmt.Sprint(B.CldStopped), fmt.Sprint(A.CldStopped))
		add(n, "CLD_CONTINUED sent", fmt.Sprint(B.CldContinued), fmt.Sprint(A.CldContinued))
	}
	for a := 0; a < m.P.NOutside; a++ {
		ad := &m.P.Actors[a]
		B, A := &before.Actor[a], &after.Actor[a]
		add(ad.Name, "op", opName(ad, B.PC), opName(ad, A.PC))
		for i := range ad.Script {
			if i < len(B.Res) {
				add(ad.Name, fmt.Sprintf("#%d %s", i+1, ad.Script[i].Src.String()), B.Res[i].String(), A.Res[i].String())
			}
		}
		add(ad.Name, "holds", heldName(m, B.Hold), heldName(m, A.Hold))
		add(ad.Name, "step", fmt.Sprint(B.Step), fmt.Sprint(A.Step))
		add(ad.Name, "tmp", fmt.Sprint(B.Tmp), fmt.Sprint(A.Tmp))
	}
	for l := range before.Holder {
		add(model.LockNames[l]+"_lock", "held by", holderName(m, before.Holder[l]), holderName(m, after.Holder[l]))
	}
	return out
}

func tracerName(m *model.Machine, tr uint8) string {
	if tr == 0 || int(tr) > len(m.P.Actors) {
		return "real parent"
	}
	return m.P.Actors[tr-1].Name
}

func groupExit(s *model.Signal) string {
	switch {
	case s.GroupExitCode != 0:
		return scenario.SigName(int(s.GroupExitCode))
	case s.GroupExitVal != 0:
		return fmt.Sprintf("%d<<8", s.GroupExitVal)
	}
	return "0"
}

func opName(ad *model.ActorDef, pc uint8) string {
	if int(pc) >= len(ad.Script) {
		return "done"
	}
	return ad.Script[pc].Src.String()
}

func heldName(m *model.Machine, h uint8) string {
	if h == 0 || int(h) > len(m.P.Tasks) {
		return "none"
	}
	return m.P.Tasks[h-1].Name
}

func holderName(m *model.Machine, h uint8) string {
	if h == 0 || int(h) > len(m.P.Actors) {
		return "none"
	}
	return m.P.Actors[h-1].Name
}

func exitHow(T *model.Task) string {
	switch T.ExitKind {
	case model.ExitExited:
		return fmt.Sprintf("exited(%d)", T.ExitVal)
	case model.ExitKilled:
		return "killed(" + scenario.SigName(int(T.ExitVal)) + ")"
	}
	return "none"
}

func sigOrZero(sig uint8) string {
	if sig == 0 {
		return "0"
	}
	return scenario.SigName(int(sig))
}

var cldNames = map[uint8]string{0: "0", model.CLD_EXITED: "CLD_EXITED", model.CLD_KILLED: "CLD_KILLED",
	model.CLD_TRAPPED: "CLD_TRAPPED", model.CLD_STOPPED: "CLD_STOPPED", model.CLD_CONTINUED: "CLD_CONTINUED"}

func cldName(why uint8) string {
	if n, ok := cldNames[why]; ok {
		return n
	}
	return fmt.Sprint(why)
}

func scriptOp(script []model.Op, pc uint8) string {
	if int(pc) >= len(script) {
		return "done"
	}
	return script[pc].Src.String()
}
