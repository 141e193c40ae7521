package view

import (
	"fmt"
	"strings"

	"jobctl/model"
	"jobctl/scenario"
)

// The kernel's names for the values of a state's fields, each distinct:
// two different values never get the same name.

// SigSet names a signal set (bit n = signal n): "SIGKILL,SIGSTOP", or "none".
func SigSet(set uint32) string {
	if set == 0 {
		return "none"
	}
	var names []string
	for sig := 1; sig < 32; sig++ {
		if set&(1<<uint(sig)) != 0 {
			names = append(names, scenario.SigName(sig))
		}
	}
	return strings.Join(names, ",")
}

// Jobctl names task->jobctl: the named bits (model.JobctlString), and the
// signal of the last group stop (JOBCTL_STOP_SIGMASK) when it is set.
func Jobctl(j uint32) string {
	s := model.JobctlString(j &^ model.JOBCTL_STOP_SIGMASK)
	if sig := j & model.JOBCTL_STOP_SIGMASK; sig != 0 {
		if s == "0" {
			s = ""
		} else {
			s += "|"
		}
		s += "sig=" + scenario.SigName(int(sig))
	}
	return s
}

func bitNames(v uint32, bits []bitName) string {
	var parts []string
	for _, b := range bits {
		if v&b.bit != 0 {
			parts = append(parts, b.name)
			v &^= b.bit
		}
	}
	if v != 0 {
		parts = append(parts, fmt.Sprintf("%#x", v))
	}
	if len(parts) == 0 {
		return "0"
	}
	return strings.Join(parts, "|")
}

type bitName struct {
	bit  uint32
	name string
}

var ptraceBits = []bitName{{model.PT_PTRACED, "PT_PTRACED"}, {model.PT_SEIZED, "PT_SEIZED"}}

// Ptrace names task->ptrace.
func Ptrace(v uint32) string { return bitNames(v, ptraceBits) }

var taskFlagBits = []bitName{{uint32(model.PF_EXITING), "PF_EXITING"}, {uint32(model.PF_FROZEN), "PF_FROZEN"},
	{uint32(model.PF_FREEZER_SKIP), "PF_FREEZER_SKIP"}, {uint32(model.TIF_SYSCALL_TRACE), "TIF_SYSCALL_TRACE"}}

// TaskFlags names the task->flags (and thread-info) bits the model keeps.
func TaskFlags(v uint8) string { return bitNames(uint32(v), taskFlagBits) }

var signalFlagBits = []bitName{
	{uint32(model.SIGNAL_STOP_STOPPED), "SIGNAL_STOP_STOPPED"}, {uint32(model.SIGNAL_STOP_CONTINUED), "SIGNAL_STOP_CONTINUED"},
	{uint32(model.SIGNAL_GROUP_EXIT), "SIGNAL_GROUP_EXIT"}, {uint32(model.SIGNAL_CLD_STOPPED), "SIGNAL_CLD_STOPPED"},
	{uint32(model.SIGNAL_CLD_CONTINUED), "SIGNAL_CLD_CONTINUED"}}

// SignalFlags names signal->flags.
func SignalFlags(v uint8) string { return bitNames(uint32(v), signalFlagBits) }

// ExitState names task->exit_state.
func ExitState(es uint8) string {
	switch es {
	case 0:
		return "0"
	case model.EXIT_ZOMBIE:
		return "EXIT_ZOMBIE"
	case model.EXIT_DEAD:
		return "EXIT_DEAD"
	}
	return fmt.Sprintf("%#x", es)
}

// ExitCode names task->exit_code: a ptrace stop's code (signal, with
// PTRACE_EVENT_STOP in the high byte) or the signal a resume delivers.
func ExitCode(v uint16) string {
	if v == 0 {
		return "0"
	}
	s := scenario.SigName(int(v & 0xff))
	if ev := v >> 8; ev == model.PTRACE_EVENT_STOP {
		s += "|PTRACE_EVENT_STOP<<8"
	} else if ev != 0 {
		s += fmt.Sprintf("|%#x<<8", ev)
	}
	return s
}

// LastSiginfo names task->last_siginfo.
func LastSiginfo(v uint8) string {
	switch v {
	case model.SiNone:
		return "NULL"
	case model.SiSignal:
		return "signal"
	case model.SiEventStop:
		return "PTRACE_EVENT_STOP"
	}
	return fmt.Sprintf("%d", v)
}

// locNames tells apart the places within one kernel function, which
// model.Loc's String names by the function only.
var locNames = map[model.Loc]string{
	model.LocUser:           "user mode",
	model.LocPause:          "pause",
	model.LocRefrigerator:   "__refrigerator",
	model.LocRelock:         "get_signal: relock",
	model.LocNotifyCld:      "get_signal: notify the parent",
	model.LocDSSNotify:      "do_signal_stop: notify the parent",
	model.LocDSSEnterFrozen: "do_signal_stop: cgroup_enter_frozen",
	model.LocDSSSchedule:    "do_signal_stop: before schedule",
	model.LocDSSSleep:       "do_signal_stop: schedule",
	model.LocPSNotify:       "ptrace_stop: notify the tracer",
	model.LocPSEnterFrozen:  "ptrace_stop: cgroup_enter_frozen",
	model.LocPSSchedule:     "ptrace_stop: before schedule",
	model.LocPSSleep:        "ptrace_stop: schedule",
	model.LocPSWake:         "ptrace_stop: after the wakeup",
	model.LocRTWait:         "rtlock_slowlock",
	model.LocSyscall:        "syscall_trace_enter",
	model.LocExit:           "do_exit",
	model.LocExitNotify:     "do_exit: exit_notify",
	model.LocDead:           "exited",
	model.RetPtraceSignal:   "ptrace_signal",
}

// Loc names a task's program counter, telling apart the steps of one
// kernel function ("do_signal_stop: schedule").
func Loc(l model.Loc) string {
	if n, ok := locNames[l]; ok {
		return n
	}
	return fmt.Sprintf("%s (%d)", l, l)
}

func boolName(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// Result names an outside actor's op result, "pending" until it is done.
func Result(r model.Result) string { return r.String() }
