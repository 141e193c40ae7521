package checker

import (
	"strings"
	"testing"

	"jobctl/internal/jctest"
)

// The scenario language's orderings and mid-script observations, checked
// over every interleaving.

func checkSrc(t *testing.T, src string) *Result {
	t.Helper()
	r, err := Check(jctest.Inline(t, "", src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// everyOutcome fails unless every final outcome of r has each of atoms
// ("KEY=VALUE").
func everyOutcome(t *testing.T, r *Result, atoms ...string) {
	t.Helper()
	if len(r.Outcomes) == 0 {
		t.Fatal("no outcome")
	}
	for _, o := range r.Outcomes {
		for _, a := range atoms {
			if !strings.Contains(" "+o.Text+" ", " "+a+" ") {
				t.Errorf("outcome without %s: %s", a, o.Text)
			}
		}
	}
}

func violates(r *Result, prop string) *Found {
	for i := range r.Violations {
		if r.Violations[i].Property == prop {
			return &r.Violations[i]
		}
	}
	return nil
}

// "after A#2": the SIGCONT is sent only once the waiter has collected the
// stop. Without the order one interleaving sends it first and the wait
// blocks for ever (stuck); with it every interleaving ends with the stop
// reported and T running.
func TestAfterOrdersAcrossActors(t *testing.T) {
	const base = "actor A B\nprocess T parent A\nA: kill T SIGSTOP\nA: wait T WUNTRACED\n"
	if r := checkSrc(t, base+"B: kill T SIGCONT\n"); violates(r, "stuck") == nil {
		t.Fatalf("without after: %s %v, want a stuck wait", r.Verdict, r.Violations)
	}
	r := checkSrc(t, base+"B: after A#2 kill T SIGCONT\n")
	if r.Verdict != Pass {
		t.Fatalf("with after: %s %v", r.Verdict, r.Violations)
	}
	everyOutcome(t, r, "A#2=stopped(SIGSTOP)", "B#1=0", "T.state=R", "T.ran=yes")
}

// An order that is never met is stuck, and the message says what waits
// for what: A's wait never returns (T never stops), so B's kill never
// starts.
func TestAfterNeverMet(t *testing.T) {
	r := checkSrc(t, "actor A B\nprocess T parent A\nA: wait T WUNTRACED\nB: after A#1 kill T SIGKILL\n")
	f := violates(r, "stuck")
	if f == nil {
		t.Fatalf("%s %v, want stuck", r.Verdict, r.Violations)
	}
	for _, want := range []string{`A blocked in "wait T WUNTRACED"`, `B never starts "after A#1 kill T SIGKILL": it waits for A#1, which never returns`} {
		if !strings.Contains(f.Message, want) {
			t.Errorf("message %q lacks %q", f.Message, want)
		}
	}
	everyOutcome(t, r, "A#1=pending", "B#1=pending", "B.done=no")
}

// A tracee thread's op can wait for an outside actor's op too.
func TestAfterOnAThread(t *testing.T) {
	r := checkSrc(t, "actor A\nprocess T parent A\nA: observe T\nT: after A#1 raise SIGSTOP\n")
	everyOutcome(t, r, "A#1=R", "T.state=T")
}

// settle waits until the group stop has reached both threads: the observe
// after it sees T2 stopped in every interleaving (without it, also
// running).
func TestSettle(t *testing.T) {
	const base = "actor S\nprocess P threads T1 T2\nS: kill P SIGSTOP\n"
	r := checkSrc(t, base+"S: observe T2 state wchan\n")
	seen := map[string]bool{}
	for _, o := range r.Outcomes {
		seen[strings.Fields(o.Text[strings.Index(o.Text, "S#2.state="):])[0]] = true
	}
	if !seen["S#2.state=R"] || !seen["S#2.state=T"] {
		t.Fatalf("without settle: %v, want R and T", seen)
	}
	r = checkSrc(t, base+"S: settle\nS: observe T2 state wchan\n")
	everyOutcome(t, r, "S#2=0", "S#3.state=T", "S#3.wchan=do_signal_stop", "T1.state=T")
}

// A settle the threads never give is stuck, naming the thread that keeps
// running: T spins for tasklist_lock in do_signal_stop() (not RT: a
// spinning task is on its runqueue).
func TestSettleNever(t *testing.T) {
	r := checkSrc(t, "actor L S\nprocess T\nL: lock tasklist\nS: after L#1 kill T SIGSTOP\nS: settle\ndisable I2\n")
	f := violates(r, "stuck")
	if f == nil {
		t.Fatalf("%s %v, want stuck", r.Verdict, r.Violations)
	}
	if want := `S blocked in "settle": the tracee threads never settle (T runnable in do_signal_stop)`; !strings.Contains(f.Message, want) {
		t.Errorf("message %q lacks %q", f.Message, want)
	}
}

// observe T KEY... records each key as the final observation prints it:
// here the private and shared pending sets of a stopped task apart.
func TestObserveKeys(t *testing.T) {
	r := checkSrc(t, "actor W S\nprocess T parent W\ninit W: kill T SIGSTOP\ninit W: wait T WUNTRACED\n"+
		"S: tkill T SIGUSR1\nS: kill T SIGUSR2\nS: observe T state exit ran tracer pending sigpnd shdpnd wchan freezer\n")
	everyOutcome(t, r, "S#3.state=T", "S#3.exit=none", "S#3.ran=no", "S#3.tracer=none",
		"S#3.pending=SIGUSR1,SIGUSR2", "S#3.sigpnd=SIGUSR1", "S#3.shdpnd=SIGUSR2", "S#3.wchan=do_signal_stop", "S#3.freezer=THAWED",
		"T.pending=SIGUSR1,SIGUSR2", "T.sigpnd=SIGUSR1", "T.shdpnd=SIGUSR2",
		"W#init1=0", "W#init2=stopped(SIGSTOP)")
	if len(r.Outcomes) != 1 {
		t.Errorf("%d outcomes, want 1", len(r.Outcomes))
	}
	// Before it runs, every key of the op is pending.
	m := jctest.Inline(t, "", "actor S\nprocess T\nS: observe T tracer pending\n")
	s, _ := m.Initial()
	if got := m.Outcome(&s); !strings.Contains(got, "S#1.tracer=pending S#1.pending=pending") {
		t.Errorf("initial outcome %s", got)
	}

}
