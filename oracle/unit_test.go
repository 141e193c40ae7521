package oracle

import (
	"fmt"
	"jobctl/scenario"
	"strings"
	"syscall"
	"testing"
)

func TestFormatWaitStatus(t *testing.T) {
	for _, c := range []struct {
		ws   uint32
		want string
	}{
		{0x137f, "stopped(SIGSTOP)"},              // (SIGSTOP<<8)|0x7f
		{0x80057f, "stopped(SIGTRAP,EVENT_STOP)"}, // SIGTRAP | PTRACE_EVENT_STOP<<8
		{0x80137f, "stopped(SIGSTOP,EVENT_STOP)"},
		{0x857f, "stopped(SIGTRAP|0x80)"},
		{0x057f, "stopped(SIGTRAP)"},
		{0x06057f, "stopped(SIGTRAP,EVENT_EXIT)"}, // SIGTRAP | PTRACE_EVENT_EXIT<<8
		{0xffff, "continued"},
		{0x0300, "exited(3)"},
		{0x0009, "killed(SIGKILL)"},
		{0x0083, "killed(SIGQUIT,core)"},
		{0x000a, "killed(SIGUSR1)"},
	} {
		if got := formatWaitStatus(c.ws); got != c.want {
			t.Errorf("formatWaitStatus(%#x) = %s, want %s", c.ws, got, c.want)
		}
	}
}

// TestFormatPtraceSiginfo: PTRACE_GETSIGINFO's si_signo and si_code,
// spelt as package model spells them.
func TestFormatPtraceSiginfo(t *testing.T) {
	for _, c := range []struct {
		signo, code int
		want        string
	}{
		{10, 0, "siginfo(SIGUSR1,SI_USER)"},
		{10, -6, "siginfo(SIGUSR1,SI_TKILL)"},
		{19, 0x80, "siginfo(SIGSTOP,SI_KERNEL)"},
		{5, 5, "siginfo(SIGTRAP,SIGTRAP)"},
		{5, 0x85, "siginfo(SIGTRAP,SIGTRAP|0x80)"},
		{19, 0x8013, "siginfo(SIGSTOP,EVENT_STOP)"},
		{5, 0x605, "siginfo(SIGTRAP,EVENT_EXIT)"},
		{11, 1, "siginfo(SIGSEGV,1)"},
	} {
		if got := formatPtraceSiginfo(c.signo, c.code); got != c.want {
			t.Errorf("formatPtraceSiginfo(%d, %#x) = %s, want %s", c.signo, c.code, got, c.want)
		}
	}
}

func TestFormatSiginfo(t *testing.T) {
	for _, c := range []struct {
		pid, code, status int
		want              string
	}{
		{0, 0, 0, "none"},
		{5, cldExited, 3, "CLD_EXITED(3)"},
		{5, cldKilled, 9, "CLD_KILLED(SIGKILL)"},
		{5, cldDumped, 3, "CLD_DUMPED(SIGQUIT)"},
		{5, cldStopped, 19, "CLD_STOPPED(SIGSTOP)"},
		{5, cldTrapped, 0x8005, "CLD_TRAPPED(SIGTRAP,EVENT_STOP)"},
		{5, cldTrapped, 0x85, "CLD_TRAPPED(SIGTRAP|0x80)"},
		{5, cldContinued, 18, "CLD_CONTINUED(SIGCONT)"},
	} {
		if got := formatSiginfo(c.pid, c.code, c.status); got != c.want {
			t.Errorf("formatSiginfo(%d, %d, %#x) = %s, want %s", c.pid, c.code, c.status, got, c.want)
		}
	}
	for in, want := range map[string]string{
		"CLD_EXITED(3)": "exited(3)", "CLD_KILLED(SIGKILL)": "killed(SIGKILL)",
		"CLD_DUMPED(SIGQUIT)": "killed(SIGQUIT,core)", "CLD_STOPPED(SIGSTOP)": "CLD_STOPPED(SIGSTOP)",
	} {
		if got := cldToWait(in); got != want {
			t.Errorf("cldToWait(%s) = %s, want %s", in, got, want)
		}
	}
	if got := formatExitCode(0x9); got != "killed(SIGKILL)" {
		t.Errorf("formatExitCode(9) = %s", got)
	}
	if got := errnoName(syscall.ESRCH); got != "ESRCH" {
		t.Errorf("errnoName(ESRCH) = %s", got)
	}
	if got := errnoName(nil); got != "0" {
		t.Errorf("errnoName(nil) = %s", got)
	}
}

// Supported gives the reasons of the brief, scenario reasons first.
func TestSupportedReasons(t *testing.T) {
	base := func() *scenario.Scenario {
		return &scenario.Scenario{Name: "s", Processes: []scenario.Process{process("P", "", "T1", "T2")}}
	}
	lock := base()
	lock.Actors = []scenario.Actor{actor("L", scenario.Op{Kind: scenario.OpLock, Target: "tasklist"})}
	css := base()
	css.Prelude = []scenario.Op{{Actor: "L", Kind: scenario.OpLock, Target: "css_set"}}
	css.Actors = []scenario.Actor{actor("L")}
	skip := base()
	skip.Oracle.Skip = "needs two machines"
	rt := base()
	rt.RT = true
	for _, c := range []struct {
		sc   *scenario.Scenario
		want string
	}{
		{nil, "no scenario"},
		{lock, "model-only op: lock tasklist (a kernel lock held across steps: user space cannot hold one)"},
		{css, "model-only op: lock css_set (a kernel lock held across steps: user space cannot hold one)"},
		{skip, "oracle skip: needs two machines"},
	} {
		if got := Supported(c.sc); !strings.HasPrefix(got, c.want) {
			t.Errorf("Supported = %q, want %q", got, c.want)
		}
	}
	if !kernelIsRT() {
		if got := Supported(rt); got != "PREEMPT_RT scenario on a non-RT kernel" && got != "not root" {
			t.Errorf("Supported(RT scenario) = %q on a non-RT kernel", got)
		}
	}
	// A thread frozen on its own (its own cgroup, a child of its
	// process's) and the cgroup v2 freezer are both runnable.
	perThread := base()
	perThread.Actors = []scenario.Actor{actor("F", op(scenario.OpFreeze, "T2"), scenario.Op{Kind: scenario.OpThaw, Target: "T2", Flags: scenario.FreezerV2})}
	if got := Supported(perThread); got != "" && got != "not root" {
		t.Errorf("Supported(per-thread freeze, v1 and v2) = %q", got)
	}
	pl, err := newPlan(perThread)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range pl.cgroups {
		names = append(names, fmt.Sprintf("%s:v2=%v:%d/%d", c.name, c.v2, c.proc, c.thread))
	}
	if got, want := strings.Join(names, " "), "P:v2=false:0/-1 T2:v2=false:0/1 P:v2=true:0/-1 T2:v2=true:0/1"; got != want {
		t.Errorf("cgroups %s, want %s", got, want)
	}
	if k := pl.cgroupOf(perThread.Actors[0].Script[0]); k != 1 {
		t.Errorf("freeze T2 acts on cgroup %d, want 1 (T2's own, v1)", k)
	}
	if k := pl.cgroupOf(perThread.Actors[0].Script[1]); k != 3 {
		t.Errorf("thaw T2 v2 acts on cgroup %d, want 3 (T2's own, v2)", k)
	}
}

// TestSupportedRuntimeSignals: the oracle refuses to handle or block a
// signal the Go runtime's threads keep unblocked (one of them could take
// it), and allows the others.
func TestSupportedRuntimeSignals(t *testing.T) {
	for _, c := range []struct {
		src, want string
	}{
		{"process T\nT: handle SIGTERM\n", "handle SIGTERM: the Go runtime's threads keep SIGTERM unblocked"},
		{"process T\nT: block SIGINT\n", "block SIGINT: the Go runtime's threads keep SIGINT unblocked"},
	} {
		sc, err := scenario.Parse("t.jc", []byte(c.src))
		if err != nil {
			t.Fatal(err)
		}
		if got := Supported(sc); !strings.Contains(got, c.want) {
			t.Errorf("Supported(%q) = %q, want %q", c.src, got, c.want)
		}
	}
	sc, err := scenario.Parse("t.jc", []byte("process T\nT: handle SIGUSR1\nT: block SIGUSR2\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := Supported(sc); strings.Contains(got, "runtime") {
		t.Errorf("Supported refuses SIGUSR1/SIGUSR2: %q", got)
	}
}

// A compiler's clone suffix is not where a task sleeps: Debian's 6.1
// kernels report a tracee's wchan as ptrace_stop.part.0.
func TestKernelSymbol(t *testing.T) {
	for in, want := range map[string]string{
		"ptrace_stop.part.0":          "ptrace_stop",
		"do_signal_stop":              "do_signal_stop",
		"get_signal.cold":             "get_signal",
		"do_wait.isra.0":              "do_wait",
		"__refrigerator.constprop.0":  "__refrigerator",
		"hrtimer_nanosleep.llvm.1234": "hrtimer_nanosleep",
		"0":                           "0",
	} {
		if got := kernelSymbol(in); got != want {
			t.Errorf("kernelSymbol(%q) = %q, want %q", in, got, want)
		}
	}
}

// A PREEMPT_RT sleeping lock is not where an op blocks.
func TestLockSleep(t *testing.T) {
	for fn, want := range map[string]bool{
		"rtlock_slowlock_locked": true,
		"rt_spin_lock":           true,
		"rt_read_lock":           true,
		"rwbase_write_lock":      true,
		"rt_mutex_slowlock":      true,
		"do_wait":                false,
		"ptrace_stop":            false,
		"wait_task_inactive":     false,
		"":                       false,
	} {
		if got := lockSleep(fn); got != want {
			t.Errorf("lockSleep(%q) = %v, want %v", fn, got, want)
		}
	}
}
