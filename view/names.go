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

// locNames tells apart the places within one kernel function, which
// model.Loc's String names by the function only.
// Loc names a task's program counter, telling apart the steps of one
// kernel function ("do_signal_stop: schedule"): model.Loc.Step.
func Loc(l model.Loc) string { return l.Step() }

func holderName(m *model.Machine, h uint8) string {
	if h == 0 || int(h) > len(m.P.Actors) {
		return "nobody"
	}
	return m.P.Actors[h-1].Name
}
