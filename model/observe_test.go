package model

import (
	"reflect"
	"testing"

	"jobctl/scenario"
)

// TestLetter pins /proc/PID/stat's state letter, task_state_index()
// (include/linux/sched.h, fs/proc/array.c):
// fls((__state|exit_state) & TASK_REPORT) into "RSDTtXZPI", with
// TASK_RTLOCK_WAIT shown as 'D', and TASK_FROZEN as 'D' since
// f718faf3940e (v6.13, backported) and 'R' in v6.1 (outside TASK_REPORT).
func TestLetter(t *testing.T) {
	cases := []struct {
		name      string
		k         func() *Kernel
		state     uint16
		exitState uint8
		want      byte
	}{
		{"running", kD3, TASK_RUNNING, 0, 'R'},
		{"nanosleep", kD3, TASK_INTERRUPTIBLE | TASK_FREEZABLE, 0, 'S'},
		{"uninterruptible (old refrigerator)", kD1, TASK_UNINTERRUPTIBLE, 0, 'D'},
		{"job-control stop", kD3, TASK_STOPPED, 0, 'T'},
		{"ptrace stop (0x8)", kD3, __TASK_TRACED, 0, 't'},
		{"ptrace stop (0x108, ≤v5.18)", kD3, taskTracedOld, 0, 't'},
		{"frozen, mainline", kD3, TASK_FROZEN, 0, 'D'},
		{"frozen, v6.1", kD2, TASK_FROZEN, 0, 'R'},
		{"rtlock wait", kD3, TASK_RTLOCK_WAIT, 0, 'D'},
		{"zombie", kD3, TASK_DEAD, EXIT_ZOMBIE, 'Z'},
		{"dead", kD3, TASK_DEAD, EXIT_DEAD, 'X'},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := NewMachine(tc.k(), compile(t, srcOne))
			s := m.Fresh()
			s.Task[0].State, s.Task[0].ExitState = tc.state, tc.exitState
			if got := ctxOf(m, &s).Letter(0); got != tc.want {
				t.Errorf("Letter = %c, want %c", got, tc.want)
			}
		})
	}
}

// TestLetterFrozenStopped: a stopped task frozen in place reads 'D' on
// mainline (f718faf3940e) and 'R' on v6.1 (TASK_FROZEN is outside
// TASK_REPORT), 'T' with the old freezer, which never touches a
// PF_FREEZER_SKIP task's __state.
func TestLetterFrozenStopped(t *testing.T) {
	for _, tc := range []struct {
		name string
		k    func() *Kernel
		want string
	}{{"mainline", kD3, "D"}, {"v6.1", kD2, "R"}, {"v5.19", kD1, "T"}} {
		t.Run(tc.name, func(t *testing.T) {
			m, s := machine(t, tc.k(), srcStopped+"init F: freeze T\nS: observe T\n")
			runOut(t, m, &s, "S")
			if got := m.P.Result(&s, actor(t, m, "S"), 0); got != ResLetter|Result(tc.want[0]) || got.String() != tc.want {
				t.Errorf("observe = %v, want %s", got, tc.want)
			}
		})
	}
}

// TestOutcome pins the observation line the checker's outcomes and the
// scenario checks are written against.
func TestOutcome(t *testing.T) {
	m, s := machine(t, kD3(), srcOne+"S: kill T SIGKILL\nW: wait T\n")
	if got, want := m.Outcome(&s), "T.state=R T.exit=none T.ran=yes T.tracer=none T.pending=none T.sigpnd=none T.shdpnd=none T.wchan=0 T.freezer=THAWED W.done=no W#1=pending S.done=no S#1=pending P.done=yes F.done=yes"; got != want {
		t.Errorf("initial outcome\n got %s\nwant %s", got, want)
	}
	for _, n := range []string{"S", "T", "W"} {
		runOut(t, m, &s, n)
	}
	if got, want := m.Outcome(&s), "T.state=gone T.exit=killed(SIGKILL) T.ran=no T.tracer=none T.pending=none T.sigpnd=none T.shdpnd=none T.wchan=0 T.freezer=THAWED W.done=yes W#1=killed(SIGKILL) S.done=yes S#1=0 P.done=yes F.done=yes"; got != want {
		t.Errorf("final outcome\n got %s\nwant %s", got, want)
	}
}

// TestSiCodes: the si_code names a getsiginfo result prints are the ones
// the language accepts in an atom.
func TestSiCodes(t *testing.T) {
	var got []string
	for _, n := range siCodeNames {
		got = append(got, n)
	}
	if !reflect.DeepEqual(got, scenario.SiCodes) {
		t.Errorf("model prints %q, the language accepts %q", got, scenario.SiCodes)
	}
}
