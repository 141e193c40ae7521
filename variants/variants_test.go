package variants_test

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"jobctl/model"
	"jobctl/scenario"
	"jobctl/variants"
)

// TestKernelsComplete: every design builds a Kernel whose function fields
// are all set, except __set_task_frozen() in the designs with the old
// PF_FROZEN freezer, which have no such function. The designs are whatever
// is registered: adding one needs no change here.
func TestKernelsComplete(t *testing.T) {
	names := variants.Names()
	seen := map[string]bool{}
	for i, v := range variants.All() {
		if names[i] != v.Name || seen[v.Name] {
			t.Errorf("Names()[%d] = %q, All()[%d] = %q (duplicates: %v)", i, names[i], i, v.Name, seen[v.Name])
		}
		seen[v.Name] = true
		// The base chain ends at mainline, through registered designs.
		chain := map[string]bool{}
		for b := v; b.Base != ""; {
			if chain[b.Name] {
				t.Fatalf("%s: the base chain loops at %s", v.Name, b.Name)
			}
			chain[b.Name] = true
			nb, err := variants.Get(b.Base)
			if err != nil {
				t.Fatalf("%s: base %q: %v", b.Name, b.Base, err)
			}
			b = nb
		}
		for _, rt := range []bool{false, true} {
			k := v.Kernel(rt)
			if k.Name != v.Name || k.RT != rt {
				t.Errorf("%s: Kernel(%v) is named %q with RT %v", v.Name, rt, k.Name, k.RT)
			}
			var missing []string
			kv := reflect.ValueOf(*k)
			for i := 0; i < kv.NumField(); i++ {
				if f := kv.Field(i); f.Kind() == reflect.Func && f.IsNil() {
					missing = append(missing, kv.Type().Field(i).Name)
				}
			}
			var wantMissing []string
			if k.OldFreezer {
				wantMissing = []string{"SetTaskFrozen"}
			}
			if !reflect.DeepEqual(missing, wantMissing) {
				t.Errorf("%s: nil functions %q, want %q (OldFreezer %v)", v.Name, missing, wantMissing, k.OldFreezer)
			}
		}
	}
	if !seen["mainline"] {
		t.Error("no mainline design")
	}
	// The old freezer is a property of the designs that have it, not of
	// their names: v5.18 and v5.19 are two of them.
	for _, n := range []string{"v5.18", "v5.19"} {
		if v, err := variants.Get(n); err != nil || !v.Kernel(false).OldFreezer {
			t.Errorf("%s: the old freezer expected", n)
		}
	}
}

// TestKernelsIndependent: building a design never changes another one
// (each Kernel is a fresh copy of its base chain).
func TestKernelsIndependent(t *testing.T) {
	v, _ := variants.Get("mainline")
	a := v.Kernel(false)
	a.TaskTraced = 0
	if b := v.Kernel(false); b.TaskTraced != model.TaskTracedBit {
		t.Error("a modified Kernel leaked into the next one")
	}
}

// fieldNames returns the Kernel field each Diff line is about.
func fieldNames(lines []string) []string {
	var out []string
	for _, l := range lines {
		out = append(out, strings.Fields(l)[0])
	}
	sort.Strings(out)
	return out
}

// TestDiff: Diff names exactly the constants and functions in which two
// designs differ, with each side's value.
func TestDiff(t *testing.T) {
	get := func(n string) *variants.Variant {
		v, err := variants.Get(n)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	pz, eb := get("peterz-v2"), get("ebiederm")
	lines := variants.Diff(pz, eb)
	want := []string{"CheckAttachMask", "PtraceFreezeTraced", "PtraceFrozenBit", "PtraceSignalWakeUp",
		"PtraceStopClear", "PtraceUnfreezeTraced", "SignalWakeUp", "SignalWakeUpState"}
	if got := fieldNames(lines); !reflect.DeepEqual(got, want) {
		t.Errorf("Diff(peterz-v2, ebiederm) fields %q, want %q", got, want)
	}
	var swus string
	for _, l := range lines {
		if strings.HasPrefix(l, "SignalWakeUpState ") {
			swus = l
		}
	}
	for _, s := range []string{"peterz-v2: variants.signalWakeUpStateClearOnSuccess", "ebiederm: model.SignalWakeUpState"} {
		if !strings.Contains(swus, s) {
			t.Errorf("SignalWakeUpState line %q lacks %q", swus, s)
		}
	}
	if got := variants.Diff(eb, eb); len(got) != 0 {
		t.Errorf("Diff of a design with itself: %q", got)
	}
	want = []string{"FrozenLetter", "SavedStateAlways", "SetTaskFrozen", "ThawTask", "WTIMatch", "ZombieKeepsPending"}
	if got := fieldNames(variants.Diff(get("mainline"), get("v6.1"))); !reflect.DeepEqual(got, want) {
		t.Errorf("Diff(mainline, v6.1) fields %q, want %q", got, want)
	}
}

// TestForKernelRelease maps uname -r to a design.
func TestForKernelRelease(t *testing.T) {
	for rel, want := range map[string]string{
		"6.18.44-fc": "mainline", "6.7.0": "mainline", "6.1.20": "v6.1", "6.6.0": "v6.6", "6.6.102": "mainline", "6.6.101": "v6.6",
		"5.19.0": "v5.19", "6.0.1": "v5.19", "5.17.0": "v5.18", "4.19.1-lts": "v5.18",
	} {
		v, err := variants.ForKernelRelease(rel)
		if err != nil || v.Name != want {
			t.Errorf("ForKernelRelease(%q) = %v, %v; want %s", rel, v, err, want)
		}
	}
	if _, err := variants.ForKernelRelease("linux"); err == nil || err.Error() != `cannot read a kernel version from "linux"` {
		t.Errorf("bad release: %v", err)
	}
}

// TestForKernelStable reads the stable point release where a distribution
// keeps it: Debian's uname -v. 6.1.123 is the first 6.1.y with f718faf3940e.
func TestForKernelStable(t *testing.T) {
	const debian = "#1 SMP PREEMPT_DYNAMIC Debian %s (2026-11-26)"
	for _, c := range []struct{ release, version, want string }{
		{"6.1.0-57-cloud-amd64", fmt.Sprintf(debian, "6.1.192-3"), "v6.1.y"},
		{"6.1.0-57-rt-amd64", "#1 SMP PREEMPT_RT Debian 6.1.192-3 (2026-11-26)", "v6.1.y"},
		{"6.1.0-30-amd64", fmt.Sprintf(debian, "6.1.123-1"), "v6.1.y"},
		{"6.1.0-29-amd64", fmt.Sprintf(debian, "6.1.122-1"), "v6.1"},
		{"6.1.0-57-cloud-amd64", "", "v6.1"},                             // no version: the .0 design
		{"6.1.0-57-cloud-amd64", fmt.Sprintf(debian, "6.6.1-1"), "v6.1"}, // not this branch's: ignored
		{"6.1.123", "#1 SMP", "v6.1.y"},
		{"6.1.200-custom", fmt.Sprintf(debian, "6.1.100-1"), "v6.1.y"}, // the release's own patch wins
		{"6.6.0-1-amd64", fmt.Sprintf(debian, "6.6.110-1"), "mainline"},
	} {
		v, err := variants.ForKernel(c.release, c.version)
		if err != nil || v.Name != c.want {
			t.Errorf("ForKernel(%q, %q) = %v, %v; want %s", c.release, c.version, v, err, c.want)
		}
	}
	a, _ := variants.Get("v6.1")
	b, _ := variants.Get("v6.1.y")
	if got := variants.Diff(a, b); len(got) != 1 || !strings.HasPrefix(got[0], "FrozenLetter") {
		t.Errorf("Diff(v6.1, v6.1.y) = %q, want only FrozenLetter", got)
	}
}

// TestGet accepts names and short ids (docs/DESIGNS.md).
func TestGet(t *testing.T) {
	for in, want := range map[string]string{"b0": "peterz-v2", "B1": "peterz-v1-thaw", "c+": "ebiederm-fixed", "d3": "mainline", "a": "v5.18", "v6.1": "v6.1"} {
		if v, err := variants.Get(in); err != nil || v.Name != want {
			t.Errorf("Get(%q) = %v, %v; want %s", in, v, err, want)
		}
	}
	_, err := variants.Get("d4")
	if err == nil || err.Error() != `unknown variant "d4" (want one of: `+strings.Join(variants.Names(), ", ")+`)` {
		t.Errorf("Get(d4): %v", err)
	}
}

// ctx is a one-task context for calling a design's functions directly.
func ctx(t *testing.T, k *model.Kernel, T model.Task) (*model.Ctx, *model.State) {
	sc, err := scenario.Parse("v.jc", []byte("actor P\nprocess T\n"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := model.Compile(sc)
	if err != nil {
		t.Fatal(err)
	}
	s := &model.State{}
	s.Task[0] = T
	return &model.Ctx{K: k, P: p, S: s}, s
}

// TestDesignFunctions pins what distinguishes each design, function by
// function, on a task frozen in place (TASK_FROZEN) or stopped/traced.
func TestDesignFunctions(t *testing.T) {
	frozenStopped := model.Task{State: model.TASK_FROZEN, Jobctl: model.JOBCTL_STOPPED, Loc: model.LocDSSSleep}
	traced := model.Task{State: model.TaskTracedOld, Jobctl: model.JOBCTL_TRACED, Ptrace: model.PT_PTRACED, Loc: model.LocPSSleep}
	cases := []struct {
		name    string
		variant string
		task    model.Task
		call    func(c *model.Ctx)
		jobctl  uint32
		state   uint16
		onRq    bool
	}{
		// b0: the clear depends on the wakeup's success (the hunk of
		// v2 1/5 that Eric Biederman's reply objects to).
		{"peterz-v2 fatal wakeup of a frozen stopped task keeps STOPPED", "peterz-v2", frozenStopped,
			func(c *model.Ctx) { c.K.SignalWakeUp(c, 0, true) }, model.JOBCTL_STOPPED, model.TASK_FROZEN, false},
		{"peterz-v2 fatal wakeup of a stopped task clears STOPPED", "peterz-v2",
			model.Task{State: model.TASK_STOPPED, Jobctl: model.JOBCTL_STOPPED, Loc: model.LocDSSSleep},
			func(c *model.Ctx) { c.K.SignalWakeUp(c, 0, true) }, 0, model.TASK_RUNNING, true},
		// c: the clear depends only on the decision to resume.
		{"ebiederm fatal wakeup of a frozen stopped task clears STOPPED", "ebiederm", frozenStopped,
			func(c *model.Ctx) { c.K.SignalWakeUp(c, 0, true) }, 0, model.TASK_FROZEN, false},
		{"ebiederm DELAY_WAKEKILL defers the fatal wakeup", "ebiederm",
			model.Task{State: model.TaskTracedOld, Jobctl: model.JOBCTL_TRACED | model.JOBCTL_DELAY_WAKEKILL, Loc: model.LocPSSleep},
			func(c *model.Ctx) { c.K.SignalWakeUp(c, 0, true) }, model.JOBCTL_TRACED | model.JOBCTL_DELAY_WAKEKILL, model.TaskTracedOld, false},
		// Thaws: b0 restores from jobctl, b1 wakes instead when a fatal signal is pending.
		{"peterz-v2 thaw restores TASK_STOPPED", "peterz-v2", frozenStopped,
			func(c *model.Ctx) { c.K.ThawTask(c, 0) }, model.JOBCTL_STOPPED, model.TASK_STOPPED, false},
		{"peterz-v1-thaw thaw wakes a killed stopped task", "peterz-v1-thaw",
			model.Task{State: model.TASK_FROZEN, Jobctl: model.JOBCTL_STOPPED, Pending: 1 << model.SIGKILL, Loc: model.LocDSSSleep},
			func(c *model.Ctx) { c.K.ThawTask(c, 0) }, model.JOBCTL_STOPPED, model.TASK_RUNNING, true},
		{"peterz-v1-thaw thaw restores TASK_TRACED (0x108) without a fatal signal", "peterz-v1-thaw",
			model.Task{State: model.TASK_FROZEN, Jobctl: model.JOBCTL_TRACED, Loc: model.LocPSSleep},
			func(c *model.Ctx) { c.K.ThawTask(c, 0) }, model.JOBCTL_TRACED, model.TaskTracedOld, false},
		// a and b: the tracer rewrites __state to hold a tracee (R8, R18).
		{"v5.18 ptrace_freeze_traced rewrites __state", "v5.18", traced,
			func(c *model.Ctx) { c.K.PtraceFreezeTraced(c, 0) }, model.JOBCTL_TRACED, model.TaskTracedBit, false},
		{"peterz-v2 ptrace_freeze_traced overwrites TASK_FROZEN (R18)", "peterz-v2",
			model.Task{State: model.TASK_FROZEN, Jobctl: model.JOBCTL_TRACED, Ptrace: model.PT_PTRACED, Loc: model.LocPSSleep},
			func(c *model.Ctx) { c.K.PtraceFreezeTraced(c, 0) }, model.JOBCTL_TRACED, model.TaskTracedBit, false},
		{"v5.18 ptrace_unfreeze_traced puts WAKEKILL back", "v5.18",
			model.Task{State: model.TaskTracedBit, Ptrace: model.PT_PTRACED, Loc: model.LocPSSleep},
			func(c *model.Ctx) { c.K.PtraceUnfreezeTraced(c, 0) }, 0, model.TaskTracedOld, false},
		{"mainline ptrace_freeze_traced sets PTRACE_FROZEN only", "mainline",
			model.Task{State: model.TASK_FROZEN, Saved: model.TaskTracedBit, Jobctl: model.JOBCTL_TRACED, Ptrace: model.PT_PTRACED, Loc: model.LocPSSleep},
			func(c *model.Ctx) { c.K.PtraceFreezeTraced(c, 0) }, model.JOBCTL_TRACED | model.JOBCTL_PTRACE_FROZEN, model.TASK_FROZEN, false},
		// a: signal_wake_up() has no jobctl to clear and wakes TASK_WAKEKILL only.
		{"v5.18 fatal wakeup of a traced task (0x108)", "v5.18", traced,
			func(c *model.Ctx) { c.K.SignalWakeUp(c, 0, true) }, model.JOBCTL_TRACED, model.TASK_RUNNING, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, err := variants.Get(tc.variant)
			if err != nil {
				t.Fatal(err)
			}
			c, s := ctx(t, v.Kernel(false), tc.task)
			tc.call(c)
			T := &s.Task[0]
			if T.Jobctl != tc.jobctl || T.State != tc.state || T.OnRq != tc.onRq {
				t.Errorf("jobctl %s __state %s on_rq %v; want %s %s %v",
					model.JobctlString(T.Jobctl), model.StateString(T.State), T.OnRq,
					model.JobctlString(tc.jobctl), model.StateString(tc.state), tc.onRq)
			}
		})
	}
}

// TestThawUnguarded: v6.7-rc1's __thaw_task() writes saved_state back into
// a task that is not frozen and leaves saved_state as it was; mainline's
// does nothing to a task that is not frozen.
func TestThawUnguarded(t *testing.T) {
	running := model.Task{State: model.TASK_RUNNING, Saved: model.TASK_STOPPED, OnRq: true}
	for _, tc := range []struct {
		variant   string
		wantState uint16
	}{
		{"v6.7-rc1", model.TASK_STOPPED},
		{"mainline", model.TASK_RUNNING},
	} {
		v, err := variants.Get(tc.variant)
		if err != nil {
			t.Fatal(err)
		}
		k := v.Kernel(false)
		c, s := ctx(t, k, running)
		k.ThawTask(c, 0)
		if got := s.Task[0]; got.State != tc.wantState || got.Saved != model.TASK_STOPPED {
			t.Errorf("%s: __thaw_task of a running task: __state %s, saved_state %s", tc.variant, model.StateString(got.State), model.StateString(got.Saved))
		}
	}
}
