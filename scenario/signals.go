package scenario

import (
	"fmt"
	"strconv"
	"strings"
)

// Signal numbers (x86-64 Linux). Only the signals the model gives meaning to
// are named; any other number in 1..31 is accepted and treated as a signal
// whose default action is to terminate.
const (
	SIGHUP  = 1
	SIGINT  = 2
	SIGQUIT = 3
	SIGTRAP = 5
	SIGABRT = 6
	SIGKILL = 9
	SIGUSR1 = 10
	SIGSEGV = 11
	SIGUSR2 = 12
	SIGPIPE = 13
	SIGALRM = 14
	SIGTERM = 15
	SIGCHLD = 17
	SIGCONT = 18
	SIGSTOP = 19
	SIGTSTP = 20
	SIGTTIN = 21
	SIGTTOU = 22
	SIGURG  = 23
)

var sigNames = map[int]string{
	SIGHUP: "SIGHUP", SIGINT: "SIGINT", SIGQUIT: "SIGQUIT", SIGTRAP: "SIGTRAP", SIGABRT: "SIGABRT",
	SIGKILL: "SIGKILL", SIGUSR1: "SIGUSR1", SIGSEGV: "SIGSEGV", SIGUSR2: "SIGUSR2", SIGPIPE: "SIGPIPE",
	SIGALRM: "SIGALRM", SIGTERM: "SIGTERM", SIGCHLD: "SIGCHLD", SIGCONT: "SIGCONT", SIGSTOP: "SIGSTOP",
	SIGTSTP: "SIGTSTP", SIGTTIN: "SIGTTIN", SIGTTOU: "SIGTTOU", SIGURG: "SIGURG",
}

// SigName returns the kernel name of a signal number ("SIGKILL"), or its number.
func SigName(sig int) string {
	if n, ok := sigNames[sig]; ok {
		return n
	}
	return strconv.Itoa(sig)
}

// ParseSig accepts "SIGKILL", "KILL", "kill" or "9".
func ParseSig(s string) (int, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n < 1 || n > 31 {
			return 0, fmt.Errorf("signal number %d out of range 1..31", n)
		}
		return n, nil
	}
	u := strings.ToUpper(s)
	if !strings.HasPrefix(u, "SIG") {
		u = "SIG" + u
	}
	for n, name := range sigNames {
		if name == u {
			return n, nil
		}
	}
	return 0, fmt.Errorf("unknown signal %q", s)
}

var waitFlagNames = []struct {
	name string
	bit  uint32
}{
	{"WNOHANG", WNOHANG}, {"WUNTRACED", WUNTRACED}, {"WEXITED", WEXITED},
	{"WCONTINUED", WCONTINUED}, {"WNOWAIT", WNOWAIT}, {"__WALL", WALL}, {"__WCLONE", WCLONE},
}

// ParseWaitFlags parses "WUNTRACED|WCONTINUED" (WSTOPPED is an alias of WUNTRACED).
func ParseWaitFlags(s string) (uint32, error) {
	var f uint32
	for _, part := range strings.Split(s, "|") {
		p := strings.ToUpper(part)
		if p == "WSTOPPED" {
			p = "WUNTRACED"
		}
		if p == "WALL" || p == "WCLONE" {
			p = "__" + p
		}
		found := false
		for _, w := range waitFlagNames {
			if w.name == p {
				f |= w.bit
				found = true
			}
		}
		if !found {
			return 0, fmt.Errorf("unknown wait flag %q (want WNOHANG, WUNTRACED, WSTOPPED, WEXITED, WCONTINUED, WNOWAIT, __WALL, __WCLONE)", part)
		}
	}
	return f, nil
}

// WaitFlagsString is the inverse of ParseWaitFlags.
func WaitFlagsString(f uint32) string {
	var parts []string
	for _, w := range waitFlagNames {
		if f&w.bit != 0 {
			parts = append(parts, w.name)
		}
	}
	return strings.Join(parts, "|")
}

var ptraceOptionNames = []struct {
	name string
	bit  uint32
}{
	{"TRACESYSGOOD", PTRACE_O_TRACESYSGOOD}, {"TRACEEXIT", PTRACE_O_TRACEEXIT}, {"EXITKILL", PTRACE_O_EXITKILL},
}

// ParsePtraceOptions parses "TRACESYSGOOD,TRACEEXIT" (each name with or
// without the PTRACE_O_ prefix; '|' separates too).
func ParsePtraceOptions(s string) (uint32, error) {
	var f uint32
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '|' }) {
		p := strings.TrimPrefix(strings.ToUpper(part), "PTRACE_O_")
		found := false
		for _, o := range ptraceOptionNames {
			if o.name == p {
				f |= o.bit
				found = true
			}
		}
		if !found {
			return 0, fmt.Errorf("unknown ptrace option %q (want TRACESYSGOOD, TRACEEXIT or EXITKILL, joined by ',')", part)
		}
	}
	if f == 0 {
		return 0, fmt.Errorf("no ptrace option in %q (want TRACESYSGOOD, TRACEEXIT or EXITKILL, joined by ',')", s)
	}
	return f, nil
}

// PtraceOptionsString is the inverse of ParsePtraceOptions.
func PtraceOptionsString(f uint32) string {
	var parts []string
	for _, o := range ptraceOptionNames {
		if f&o.bit != 0 {
			parts = append(parts, o.name)
		}
	}
	return strings.Join(parts, ",")
}
