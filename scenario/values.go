package scenario

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// The observation keys and their values.
//
// This file is the one place that says which values each key takes.
// Package model prints every value from these tables (model/observe.go),
// the oracle reads the same things on the real kernel, and the parser
// holds every atom to its key's domain, so that a misspelt value is an
// error and not an atom that is always false (or, under !=, always true).

// ThreadKeys are the observation keys of a tracee thread, in the order
// they are listed (THREAD.KEY):
//
//	state   the /proc/PID/task/TID/stat letter, or gone once reaped
//	exit    none, exited(N) or killed(SIG) once the thread group has exited
//	ran     yes when the thread runs user code
//	tracer  the actor in TracerPid, or none
//	pending SigPnd|ShdPnd (the thread's pending set and its group's) as signal names
//	sigpnd  SigPnd alone: the thread's private set (task->pending)
//	shdpnd  ShdPnd alone: the group's shared set (signal->shared_pending)
//	wchan   what /proc/PID/task/TID/wchan prints: the function it sleeps in, or 0
var ThreadKeys = []string{"state", "exit", "ran", "tracer", "pending", "sigpnd", "shdpnd", "wchan"}

// ProcessKeys are the observation keys of a thread group's cgroups
// (PROCESS.KEY; a thread frozen on its own has them for its own cgroups):
//
//	freezer  what its cgroup v1 freezer.state reads
//	frozen   what its cgroup v2 cgroup.events says of "frozen": 0 or 1 (in
//	         a scenario that freezes through v2)
var ProcessKeys = []string{"freezer", "frozen"}

// ObserveKeys are the keys an observe op can record mid-script: those of
// its target thread, and those of the thread's cgroups.
var ObserveKeys = []string{"state", "exit", "ran", "tracer", "pending", "sigpnd", "shdpnd", "wchan", "freezer", "frozen"}

// Values of the keys, as printed.
const (
	// StateLetters are the /proc state letters a thread can show:
	// fs/proc/array.c:task_state_array, of which the model produces these.
	StateLetters = "RSDTtZ"
	Gone         = "gone" // a reaped thread: /proc has no entry any more
	Yes, No      = "yes", "no"
	None         = "none"
	Pending      = "pending" // an op that has not returned (or not started)
)

// FreezerStates are what a cgroup v1 freezer.state reads
// (kernel/cgroup/legacy_freezer.c:freezer_state_strs(), v6.18).
var FreezerStates = [...]string{"THAWED", "FREEZING", "FROZEN"}

// Wchans are the values of THREAD.wchan the model produces: what
// /proc/PID/wchan prints (fs/proc/base.c:proc_pid_wchan() ->
// kernel/sched/core.c:get_wchan(), v6.18) — "0" unless the task is asleep
// (not TASK_RUNNING and not on a runqueue), else the first function on its
// stack outside the scheduler. As measured on Linux 6.18 (x86-64), where
// do_nanosleep() is inlined into hrtimer_nanosleep():
//
//	hrtimer_nanosleep    a nanosleep(2) sleeper, also when frozen in place
//	do_syscall_64        the same once a signal interrupted it and it sleeps
//	                     again through restart_syscall() (the restart
//	                     functions are __sched, and called by a tail call)
//	__refrigerator       a task that froze on its way to user mode (v1)
//	get_signal           a task in the cgroup v2 freezer's trap
//	                     (do_freezer_trap() is inlined into get_signal())
//	do_signal_stop       a job-control stop, also when frozen
//	ptrace_stop          every ptrace stop (signal-delivery, group,
//	                     PTRACE_EVENT_STOP, syscall, LISTEN), also when frozen
//	0                    a running task, a zombie, a reaped task
//
// get_signal, cgroup_enter_frozen and cgroup_leave_frozen are also where a
// PREEMPT_RT task waits for tasklist_lock or css_set_lock (not measured:
// the oracle has no RT kernel).
var Wchans = [...]string{"0", "hrtimer_nanosleep", "__refrigerator", "do_signal_stop", "ptrace_stop", "get_signal", "cgroup_enter_frozen", "do_syscall_64", "cgroup_leave_frozen"}

// ErrnoNames are the errno values ops return, by number; another number
// prints as errno(N).
var ErrnoNames = map[int]string{1: "EPERM", 3: "ESRCH", 5: "EIO", 10: "ECHILD", 22: "EINVAL"}

// errnoForms lists ErrnoNames in numeric order.
var errnoForms = "EPERM, ESRCH, EIO, ECHILD, EINVAL, errno(N)"

// A Domain is the set of values of one observation key or op result.
type Domain struct {
	// Forms lists the valid forms, for error messages.
	Forms string
	// ok reports whether v is one; hint, when it is not, may suggest the
	// canonical spelling of what v seems to mean.
	ok func(v string) (bool, string)
}

// Check reports whether v is in the domain; when it is not, hint may be
// the canonical spelling of what v seems to mean ("" if none).
func (d Domain) Check(v string) (ok bool, hint string) { return d.ok(v) }

func oneOf(forms ...string) Domain {
	return Domain{Forms: strings.Join(forms, ", "), ok: func(v string) (bool, string) {
		for _, f := range forms {
			if v == f {
				return true, ""
			}
			if strings.EqualFold(v, f) {
				return false, f
			}
		}
		return false, ""
	}}
}

// union is the domain of values in any of ds.
func union(ds ...Domain) Domain {
	var forms []string
	for _, d := range ds {
		forms = append(forms, d.Forms)
	}
	return Domain{Forms: strings.Join(forms, ", "), ok: func(v string) (bool, string) {
		hint := ""
		for _, d := range ds {
			ok, h := d.ok(v)
			if ok {
				return true, ""
			}
			if hint == "" {
				hint = h
			}
		}
		return false, hint
	}}
}

// call is the domain of NAME(ARG) values, arg checking the argument.
func call(form, name string, arg func(a string) (bool, string)) Domain {
	return Domain{Forms: form, ok: func(v string) (bool, string) {
		a, ok := strings.CutPrefix(v, name+"(")
		if !ok {
			// A misspelt name ("stoped(SIGSTOP)"): suggest the right one.
			open := strings.IndexByte(v, '(')
			if open > 0 && strings.HasPrefix(strings.ToLower(v), name[:4]) && strings.HasSuffix(v, ")") {
				if ok, h := arg(v[open+1 : len(v)-1]); ok || h != "" {
					return false, name + "(" + cmp.Or(h, v[open+1:len(v)-1]) + ")"
				}
				return false, form
			}
			return false, ""
		}
		a, ok = strings.CutSuffix(a, ")")
		if !ok {
			return false, ""
		}
		ok, h := arg(a)
		if h != "" {
			h = name + "(" + h + ")"
		}
		return ok, h
	}}
}

// sigArg accepts a signal as printed (SigName): "SIGSTOP", or "25" for a
// signal without a name.
func sigArg(a string) (bool, string) {
	n, err := ParseSig(a)
	if err != nil {
		return false, ""
	}
	if SigName(n) != a {
		return false, SigName(n)
	}
	return true, ""
}

func exitArg(a string) (bool, string) {
	n, err := strconv.Atoi(a)
	if err != nil || n < 0 || n > 255 {
		return false, ""
	}
	if strconv.Itoa(n) != a {
		return false, strconv.Itoa(n)
	}
	return true, ""
}

// SigsetString renders a set of signals (bit n = signal n, 1..31) as the
// pending keys print it: names in numeric order joined by ",", or none.
func SigsetString(set uint32) string {
	if set == 0 {
		return None
	}
	var names []string
	for sig := 1; sig < 32; sig++ {
		if set&(1<<sig) != 0 {
			names = append(names, SigName(sig))
		}
	}
	return strings.Join(names, ",")
}

var (
	stateDomain = Domain{Forms: "R, S, D, T, t, Z, gone", ok: func(v string) (bool, string) {
		if v == Gone || len(v) == 1 && strings.Contains(StateLetters, v) {
			return true, ""
		}
		return false, ""
	}}
	yesNo    = oneOf(Yes, No)
	stopped  = call("stopped(SIG)", "stopped", sigArg)
	stoppedE = call("stopped(SIG,EVENT_STOP)", "stopped", eventArg(",EVENT_STOP"))
	stoppedX = call("stopped(SIGTRAP,EVENT_EXIT)", "stopped", eventArg(",EVENT_EXIT"))
	stoppedG = call("stopped(SIGTRAP|0x80)", "stopped", eventArg("|0x80"))
	siginfo  = call("siginfo(SIG,CODE) (CODE: "+strings.Join(SiCodes, ", ")+")", "siginfo", func(a string) (bool, string) {
		i := strings.IndexByte(a, ',')
		if i < 0 {
			return false, ""
		}
		ok, h := sigArg(a[:i])
		if !ok || !slices.Contains(SiCodes, a[i+1:]) {
			if h != "" {
				h += a[i:]
			}
			return false, h
		}
		return true, ""
	})
	exited   = call("exited(N)", "exited", exitArg)
	killed   = call("killed(SIG)", "killed", sigArg)
	exitDom  = union(oneOf(None), exited, killed)
	sigset   = Domain{Forms: "none or signal names in numeric order joined by ',' (SIGKILL,SIGSTOP)", ok: sigsetOK}
	freezer  = oneOf(FreezerStates[:]...)
	wchan    = oneOf(Wchans[:]...)
	zero     = oneOf("0")
	errnoDom = Domain{Forms: errnoForms, ok: func(v string) (bool, string) {
		for _, n := range ErrnoNames {
			if v == n {
				return true, ""
			}
		}
		if a, ok := strings.CutPrefix(v, "errno("); ok {
			if a, ok := strings.CutSuffix(a, ")"); ok {
				if n, err := strconv.Atoi(a); err == nil && n > 0 && n < 4096 && strconv.Itoa(n) == a {
					return ErrnoNames[n] == "", ErrnoNames[n]
				}
			}
		}
		return false, ""
	}}
	pendingDom = oneOf(Pending)
)

// sigsetOK accepts a pending set as printed: none, or signals in numeric
// order, each as SigName prints it.
func sigsetOK(v string) (bool, string) {
	if v == None {
		return true, ""
	}
	var set uint32
	for _, part := range strings.Split(v, ",") {
		n, err := ParseSig(part)
		if err != nil {
			return false, ""
		}
		set |= 1 << n
	}
	if c := SigsetString(set); c != v {
		return false, c
	}
	return true, ""
}

// KeyDomain is the domain of observation key key of a thread or a process
// ("state", "freezer", ...; ThreadKeys, ProcessKeys); actors are the
// outside actors' names, the values of tracer besides none. ok is false
// for a key that does not exist.
func KeyDomain(key string, actors []string) (d Domain, ok bool) {
	switch key {
	case "state":
		return stateDomain, true
	case "exit":
		return exitDom, true
	case "ran":
		return yesNo, true
	case "tracer":
		return oneOf(append([]string{None}, actors...)...), true
	case "pending", "sigpnd", "shdpnd":
		return sigset, true
	case "wchan":
		return wchan, true
	case "freezer":
		return freezer, true
	case "frozen":
		return oneOf("0", "1"), true
	case "done":
		return yesNo, true
	}
	return Domain{}, false
}

// ResultDomain is the domain of the result of op (ACTOR#N): pending until
// it returns, then what the op returns. threads are the tracee threads'
// names: a wait for any child ("wait any") reports the one it found,
// "T2:stopped(SIGSTOP)".
func ResultDomain(op Op, threads []string) Domain {
	switch op.Kind {
	case OpWait, OpWaitid:
		report := union(stopped, stoppedE, stoppedX, stoppedG, oneOf("continued"), exited, killed)
		if op.Kind == OpWaitid {
			report = union(cldExited, cldKilled, cldStopped, cldTrapped, cldTrappedE, cldTrappedX, cldTrappedG, oneOf("CLD_CONTINUED(SIGCONT)"))
		}
		if op.Target == AnyChild {
			report = childReport(report, threads)
		}
		return union(report, oneOf(None), errnoDom, pendingDom)
	case OpObserve:
		return union(stateDomain, pendingDom)
	case OpSettle:
		return union(zero, pendingDom)
	case OpGetsiginfo:
		return union(siginfo, errnoDom, pendingDom)
	}
	return union(zero, errnoDom, pendingDom)
}

// SiCodes are the si_code values a getsiginfo result prints: the
// sender's (SI_USER, SI_TKILL, SI_KERNEL) or a ptrace stop's own exit code
// (SIGTRAP, SIGTRAP|0x80 under TRACESYSGOOD, EVENT_STOP, EVENT_EXIT), as
// package model renders them (a model test holds the two together).
var SiCodes = []string{"none", "SIGTRAP", "EVENT_STOP", "SI_USER", "SI_TKILL", "SI_KERNEL", "SIGTRAP|0x80", "EVENT_EXIT"}

// eventArg accepts a stop's signal followed by suffix: ",EVENT_STOP",
// ",EVENT_EXIT", or "|0x80" (a TRACESYSGOOD syscall stop).
func eventArg(suffix string) func(a string) (bool, string) {
	return func(a string) (bool, string) {
		s, ok := strings.CutSuffix(a, suffix)
		if !ok {
			return false, ""
		}
		ok, h := sigArg(s)
		if h != "" {
			h += suffix
		}
		return ok, h
	}
}

// The forms of waitid(2)'s siginfo (si_code and si_status).
var (
	cldExited   = call("CLD_EXITED(N)", "CLD_EXITED", exitArg)
	cldKilled   = call("CLD_KILLED(SIG)", "CLD_KILLED", sigArg)
	cldStopped  = call("CLD_STOPPED(SIG)", "CLD_STOPPED", sigArg)
	cldTrapped  = call("CLD_TRAPPED(SIG)", "CLD_TRAPPED", sigArg)
	cldTrappedE = call("CLD_TRAPPED(SIG,EVENT_STOP)", "CLD_TRAPPED", eventArg(",EVENT_STOP"))
	cldTrappedX = call("CLD_TRAPPED(SIGTRAP,EVENT_EXIT)", "CLD_TRAPPED", eventArg(",EVENT_EXIT"))
	cldTrappedG = call("CLD_TRAPPED(SIGTRAP|0x80)", "CLD_TRAPPED", eventArg("|0x80"))
)

// childReport is d's values with the name of the child reported before
// them: "T2:stopped(SIGSTOP)".
func childReport(d Domain, threads []string) Domain {
	var forms []string
	for _, f := range strings.Split(d.Forms, ", ") {
		forms = append(forms, "THREAD:"+f)
	}
	return Domain{Forms: strings.Join(forms, ", ") + " (THREAD one of " + strings.Join(threads, " ") + ")",
		ok: func(v string) (bool, string) {
			th, rest, ok := strings.Cut(v, ":")
			if !ok || !slices.Contains(threads, th) {
				return false, ""
			}
			ok, h := d.ok(rest)
			if h != "" {
				h = th + ":" + h
			}
			return ok, h
		}}
}

// KeyResultDomain is the domain of key key recorded by an observe op
// (ACTOR#N.KEY): the key's own, or pending until the op has run.
func KeyResultDomain(key string, actors []string) (Domain, bool) {
	d, ok := KeyDomain(key, actors)
	if !ok {
		return d, false
	}
	return union(d, pendingDom), true
}
