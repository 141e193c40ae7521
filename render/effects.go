package render

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"jobctl/model"
	"jobctl/scenario"
)

// bookkeeping are the fields of model.Diff that are the model's own
// program counters and the locals of the kernel function a task is in:
// the step label already says where a task is, so a diagram leaves them
// out (the JSON traces keep them).
var bookkeeping = map[string]bool{
	"where": true, "script": true, "returns to": true, "signr": true, "why": true,
	"completed group stop": true, "refrigerator returns to": true, "rtlock wait resumes": true,
	"op": true, "exit": true,
}

// setFields are the fields whose values are sets of named bits: a diagram
// shows what left (-) and what came (+).
var setFields = map[string]bool{
	"jobctl": true, "pending": true, "shared_pending": true, "signal->flags": true, "flags": true, "ptrace": true,
}

// Effects lists every kernel field a step changed (model.Machine.Diff),
// one line each, named as the kernel names it: "T: __state TASK_STOPPED
// -> TASK_FROZEN", "T: jobctl -STOPPED", "T: pending +SIGKILL", "T:
// +TIF_SIGPENDING", "T: signal->flags +SIGNAL_GROUP_EXIT"; a task woken or
// put to sleep; a wakeup that found nothing to wake (it changes no field,
// but it is the point of many races); what an outside actor's op returned,
// unless 0; a lock taken or released. c may be nil.
func Effects(m *model.Machine, before, after *model.State, c *model.Ctx) []string {
	var out []string
	changes := m.Diff(before, after)
	nTasks := len(m.P.Tasks)
	// The task fields come first in Diff, one task after another.
	i := 0
	for t := 0; t < nTasks; t++ {
		name := m.P.Tasks[t].Name
		var mine []model.Change
		for i < len(changes) && changes[i].Who == name && isTaskField(changes[i].Field) {
			mine = append(mine, changes[i])
			i++
		}
		out = append(out, taskEffects(m, t, before, after, mine, c)...)
	}
	for ; i < len(changes); i++ {
		ch := changes[i]
		switch {
		case strings.HasPrefix(ch.Field, "#"):
			a := actorIndex(m, ch.Who)
			num, _, _ := strings.Cut(ch.Field[1:], " ") // "#2 kill T SIGKILL"
			n, err := strconv.Atoi(num)
			if a < 0 || err != nil || n < 1 || n > len(m.P.Actors[a].Script) {
				out = append(out, fmt.Sprintf("%s: %s %s -> %s", ch.Who, ch.Field, ch.From, ch.To))
				continue
			}
			if ch.To != "0" && ch.To != "pending" {
				out = append(out, fmt.Sprintf("%s: %s returns %s", ch.Who, m.P.Actors[a].Script[n-1].Src.String(), ch.To))
			}
		case ch.Field == "held by":
			if ch.To == "nobody" {
				out = append(out, ch.Who+" released by "+ch.From)
			} else {
				out = append(out, ch.Who+" held by "+ch.To)
			}
		case bookkeeping[ch.Field]:
		default:
			out = append(out, ch.Who+": "+fieldChange(ch))
		}
	}
	// An outside actor that started or ended holding a tracee for a
	// request (ptrace_check_attach() .. ptrace_unfreeze_traced()).
	for a := 0; a < m.P.NOutside; a++ {
		b, x := before.Actor[a].Hold, after.Actor[a].Hold
		switch {
		case b == x:
		case x != 0:
			out = append(out, fmt.Sprintf("%s: holds %s for the request", m.P.Actors[a].Name, m.P.Tasks[x-1].Name))
		default:
			out = append(out, fmt.Sprintf("%s: lets go of %s", m.P.Actors[a].Name, m.P.Tasks[b-1].Name))
		}
	}
	return out
}

// taskFields are the fields model.Diff lists for a thread.
var taskFields = map[string]bool{
	"__state": true, "saved_state": true, "jobctl": true, "pending": true, "TIF_SIGPENDING": true, "on_rq": true,
	"where": true, "ptrace": true, "parent": true, "exit_code": true, "flags": true, "exit_state": true,
	"last_siginfo": true, "script": true, "returns to": true, "signr": true, "why": true,
	"completed group stop": true, "exit": true, "refrigerator returns to": true, "rtlock wait resumes": true,
}

func isTaskField(f string) bool { return taskFields[f] }

// taskEffects renders the changes of one thread.
func taskEffects(m *model.Machine, t int, before, after *model.State, changes []model.Change, c *model.Ctx) []string {
	B, A := &before.Task[t], &after.Task[t]
	n := m.P.Tasks[t].Name
	woken := !B.OnRq && A.OnRq && A.ExitState == 0
	sleeps := B.OnRq && !A.OnRq && A.ExitState == 0
	var out []string
	for _, ch := range changes {
		switch {
		case ch.Field == "__state":
			line := fmt.Sprintf("%s: __state %s -> %s", n, ch.From, ch.To)
			switch {
			case woken:
				line += " (woken)"
			case sleeps:
				line += " (sleeps)"
			}
			out = append(out, line)
		case ch.Field == "on_rq":
			if B.State != A.State || A.ExitState != 0 {
				continue // said with __state, or the task is gone
			}
			switch {
			case woken:
				out = append(out, fmt.Sprintf("%s: woken (__state %s)", n, model.StateName(A.State)))
			case sleeps:
				out = append(out, fmt.Sprintf("%s: sleeps in %s (__state %s)", n, A.Loc, model.StateName(A.State)))
			}
		case ch.Field == "exit_state":
			out = append(out, fmt.Sprintf("%s: exit_state %s%s", n, ch.To, exitHow(A)))
		case bookkeeping[ch.Field]:
		default:
			out = append(out, n+": "+fieldChange(ch))
		}
	}
	if c != nil && c.Woke[t] != 0 && !B.OnRq && !A.OnRq && B.State == A.State && B.Saved == A.Saved && A.ExitState == 0 {
		out = append(out, fmt.Sprintf("%s: ttwu(%s) misses %s", n, model.StateName(c.Woke[t]), model.StateName(A.State)))
	}
	return out
}

// fieldChange renders one change: a set as what left and what came, a
// flag as set or cleared, a value as before -> after.
func fieldChange(ch model.Change) string {
	switch {
	case ch.Field == "TIF_SIGPENDING":
		if ch.To == "1" {
			return "+TIF_SIGPENDING"
		}
		return "-TIF_SIGPENDING"
	case ch.Field == "exit_code":
		return "exit_code " + exitCodeName(ch.From) + " -> " + exitCodeName(ch.To)
	case ch.Field == "group_exit_code":
		return "group_exit_code " + sigNumName(ch.From) + " -> " + sigNumName(ch.To)
	case setFields[ch.Field]:
		if d := SetDiff(ch.From, ch.To); d != "" {
			return ch.Field + " " + sigmaskNames.ReplaceAllStringFunc(d, func(m string) string {
				n, _ := strconv.Atoi(m[len("SIGMASK="):])
				return "SIGMASK=" + scenario.SigName(n)
			})
		}
	}
	return ch.Field + " " + ch.From + " -> " + ch.To
}

// sigmaskNames finds JOBCTL_STOP_SIGMASK's value in a jobctl change, to
// name the signal.
var sigmaskNames = regexp.MustCompile(`SIGMASK=\d+`)

// SetDiff renders the change between two "|"-joined sets of names ("0" or
// "none" for the empty set) as "-GONE +CAME", or "" when they are equal.
func SetDiff(from, to string) string {
	split := func(s string) []string {
		if s == "0" || s == "none" || s == "" {
			return nil
		}
		return strings.Split(strings.ReplaceAll(s, ",", "|"), "|")
	}
	has := func(xs []string, x string) bool {
		for _, y := range xs {
			if y == x {
				return true
			}
		}
		return false
	}
	f, t := split(from), split(to)
	var parts []string
	for _, x := range f {
		if !has(t, x) {
			parts = append(parts, "-"+x)
		}
	}
	for _, x := range t {
		if !has(f, x) {
			parts = append(parts, "+"+x)
		}
	}
	return strings.Join(parts, " ")
}

// JobctlDiff renders the change of the named jobctl bits as "-STOPPED
// +TRACED", or "" when none changed (the stop signal number is not a bit).
func JobctlDiff(before, after uint32) string {
	const named = ^model.JOBCTL_STOP_SIGMASK
	return SetDiff(model.JobctlString(before&named), model.JobctlString(after&named))
}

// exitCodeName renders task->exit_code (model.Diff gives it in hex): the
// signal, and the ptrace event of a stop code.
func exitCodeName(hex string) string {
	v, err := strconv.ParseUint(strings.TrimPrefix(hex, "0x"), 16, 16)
	if err != nil {
		return hex
	}
	if v == 0 {
		return "0"
	}
	s := scenario.SigName(int(v & 0xff))
	switch ev := v >> 8; ev {
	case 0:
	case model.PTRACE_EVENT_STOP:
		s += "|PTRACE_EVENT_STOP<<8"
	default:
		s += fmt.Sprintf("|%d<<8", ev)
	}
	return s
}

// sigNumName names a signal number given in decimal ("9": SIGKILL).
func sigNumName(dec string) string {
	v, err := strconv.Atoi(dec)
	if err != nil || v == 0 {
		return dec
	}
	return scenario.SigName(v)
}

func actorIndex(m *model.Machine, name string) int {
	for i, a := range m.P.Actors {
		if a.Name == name {
			return i
		}
	}
	return -1
}
