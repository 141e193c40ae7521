package oracle

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"jobctl/scenario"
)

// SIGSTOP then SIGCONT, seen by the real parent W: one WIFSTOPPED, then one
// WIFCONTINUED, and T runs again.
func TestStopCont(t *testing.T) {
	sc := &scenario.Scenario{
		Name:      "stop-cont",
		Processes: []scenario.Process{process("T", "W")},
		Actors: []scenario.Actor{
			actor("W",
				waitOp("T", scenario.WUNTRACED|scenario.WNOHANG),
				op(scenario.OpObserve, "T"),
				sigOp(scenario.OpKill, "T", scenario.SIGCONT),
				waitOp("T", scenario.WCONTINUED),
				waitOp("T", scenario.WUNTRACED|scenario.WCONTINUED|scenario.WNOHANG),
			),
			actor("S"),
		},
		Prelude: []scenario.Op{by("S", sigOp(scenario.OpKill, "T", scenario.SIGSTOP))},
	}
	needKernel(t, sc)
	obs := runOK(t, sc, Options{})
	expect(t, obs,
		"W#1=stopped(SIGSTOP)", "W#2=T", "W#3=0", "W#4=continued", "W#5=none",
		"W.done=yes", "S.done=yes",
		"T.state=R", "T.ran=yes", "T.exit=none")
}

// R1 (docs/SCENARIOS.md): SIGKILL to a job-control-stopped task that
// is frozen by the cgroup v1 freezer. The kill is held until the thaw: the
// task stays (shown 'D', frozen: 6.13+ reports TASK_FROZEN as 'D', f718faf3940e),
// and dies right after the thaw; the real parent W, blocked in wait4 all
// along, reaps it.
func TestR1KillFrozenStopped(t *testing.T) {
	sc := &scenario.Scenario{
		Name:      "r1-kill-frozen-stopped",
		Processes: []scenario.Process{process("T", "W")},
		Actors: []scenario.Actor{
			actor("W", waitOp("T", 0)),
			actor("F",
				op(scenario.OpObserve, "T"),
				sigOp(scenario.OpKill, "T", scenario.SIGKILL),
				op(scenario.OpObserve, "T"),
				op(scenario.OpObserve, "T"),
				op(scenario.OpThaw, "T"),
			),
			actor("S"),
		},
		Prelude: []scenario.Op{
			by("S", sigOp(scenario.OpKill, "T", scenario.SIGSTOP)),
			by("F", op(scenario.OpFreeze, "T")),
		},
	}
	needKernel(t, sc)
	obs := runOK(t, sc, Options{Seed: 1})
	expect(t, obs,
		"F#1=D", "F#2=0", "F#3=D", "F#4=D", "F#5=0", "F.done=yes",
		"W#1=killed(SIGKILL)", "W.done=yes",
		"T.state=gone", "T.exit=killed(SIGKILL)", "T.ran=no")
}

// R1 without anyone waiting: the init-like parent never waits, so the
// killed task stays a zombie whose exit status the oracle reads anyway.
func TestR1ZombieExit(t *testing.T) {
	sc := &scenario.Scenario{
		Name:      "r1-zombie",
		Processes: []scenario.Process{process("T", "")},
		Actors: []scenario.Actor{
			actor("F",
				sigOp(scenario.OpKill, "T", scenario.SIGKILL),
				op(scenario.OpObserve, "T"),
				op(scenario.OpThaw, "T"),
			),
		},
		Prelude: []scenario.Op{
			by("F", sigOp(scenario.OpKill, "T", scenario.SIGSTOP)),
			by("F", op(scenario.OpFreeze, "T")),
		},
	}
	needKernel(t, sc)
	obs := runOK(t, sc, Options{})
	expect(t, obs, "F#1=0", "F#2=D", "F#3=0", "T.state=Z", "T.exit=killed(SIGKILL)", "T.ran=no")
}

// R13 (§7.2): PTRACE_ATTACH to a stopped task. The attach re-traps it
// (STOPPED -> TRACED); the tracer's wait reports the group-stop signal.
func TestAttachStopped(t *testing.T) {
	sc := &scenario.Scenario{
		Name:      "attach-stopped",
		Processes: []scenario.Process{process("T", "")},
		Actors: []scenario.Actor{
			actor("P",
				op(scenario.OpAttach, "T"),
				waitOp("T", scenario.WALL),
				op(scenario.OpObserve, "T"),
				op(scenario.OpGetregs, "T"),
				waitOp("T", scenario.WALL|scenario.WNOHANG),
			),
			actor("S"),
		},
		Prelude: []scenario.Op{by("S", sigOp(scenario.OpKill, "T", scenario.SIGSTOP))},
	}
	needKernel(t, sc)
	obs := runOK(t, sc, Options{})
	expect(t, obs, "P#1=0", "P#2=stopped(SIGSTOP)", "P#3=t", "P#4=0", "P#5=none", "P.done=yes",
		"T.state=t", "T.ran=no", "T.exit=none")
}

// R13, frozen variant: PTRACE_ATTACH to a stopped and frozen task blocks
// (in wait_on_bit(JOBCTL_TRAPPING)) until the thaw. Nobody thaws here, so the
// attach is still pending when the scenario ends.
func TestAttachFrozenBlocks(t *testing.T) {
	sc := &scenario.Scenario{
		Name:      "attach-frozen-blocks",
		Processes: []scenario.Process{process("T", "")},
		Actors: []scenario.Actor{
			actor("P", op(scenario.OpAttach, "T"), waitOp("T", scenario.WALL)),
			actor("F", op(scenario.OpObserve, "T")),
		},
		Prelude: []scenario.Op{
			by("F", sigOp(scenario.OpKill, "T", scenario.SIGSTOP)),
			by("F", op(scenario.OpFreeze, "T")),
		},
	}
	needKernel(t, sc)
	obs := runOK(t, sc, Options{})
	expect(t, obs, "P#1=pending", "P#2=pending", "P.done=no", "F#1=D", "F.done=yes", "T.state=D", "T.ran=no")
}

// R13, frozen variant with the thaw, made deterministic: the attach is in
// the prelude, where it blocks (the prelude goes on once the tracer has been
// asleep in it a while); F sees T still frozen, thaws it, and only then do
// the attach and the tracer's wait queued behind it return.
func TestAttachFrozenThaw(t *testing.T) {
	sc := &scenario.Scenario{
		Name:      "attach-frozen-thaw",
		Processes: []scenario.Process{process("T", "")},
		Actors: []scenario.Actor{
			actor("P", waitOp("T", scenario.WALL), op(scenario.OpObserve, "T")),
			actor("F", op(scenario.OpObserve, "T"), op(scenario.OpThaw, "T")),
		},
		Prelude: []scenario.Op{
			by("F", sigOp(scenario.OpKill, "T", scenario.SIGSTOP)),
			by("F", op(scenario.OpFreeze, "T")),
			by("P", op(scenario.OpAttach, "T")),
		},
	}
	needKernel(t, sc)
	out, obs := runLog(t, sc, Options{})
	expect(t, obs, "P#1=stopped(SIGSTOP)", "P#2=t", "P.done=yes", "F#1=D", "F#2=0",
		"T.state=t", "T.ran=no")
	if !logHas(out, "init P: attach T -> blocked") {
		t.Errorf("the attach to a frozen stopped task did not block")
	}
}

// PTRACE_SEIZE + PTRACE_INTERRUPT: a PTRACE_EVENT_STOP trap with SIGTRAP
// (no group stop in effect); registers can be read; PTRACE_CONT resumes.
// A second thread of the process keeps running throughout.
func TestSeizeInterrupt(t *testing.T) {
	sc := &scenario.Scenario{
		Name:      "seize-interrupt",
		Processes: []scenario.Process{process("P1", "", "T", "U")},
		Actors: []scenario.Actor{
			actor("P",
				op(scenario.OpSeize, "T"),
				op(scenario.OpGetregs, "T"), // not stopped: ESRCH
				op(scenario.OpInterrupt, "T"),
				waitOp("T", scenario.WALL),
				op(scenario.OpObserve, "T"),
				op(scenario.OpObserve, "U"),
				op(scenario.OpGetregs, "T"),
				op(scenario.OpCont, "T"),
				waitOp("T", scenario.WALL|scenario.WNOHANG),
			),
		},
	}
	needKernel(t, sc)
	obs := runOK(t, sc, Options{})
	expect(t, obs, "P#1=0", "P#2=ESRCH", "P#3=0", "P#4=stopped(SIGTRAP,EVENT_STOP)",
		"P#5=t", "P#6=R", "P#7=0", "P#8=0", "P#9=none", "P.done=yes",
		"T.state=R", "T.ran=yes", "U.state=R", "U.ran=yes")
}

// R3 (§7.3 check 2): the tracer exits while its tracee is frozen in a
// ptrace stop; after the thaw the tracee runs again, untraced (6.1+:
// __ptrace_unlink() cleared JOBCTL_TRACED, so the thaw wakes it rather than
// restoring TASK_TRACED).
func TestR3TracerExitFrozen(t *testing.T) {
	sc := &scenario.Scenario{
		Name:      "r3-tracer-exit-frozen",
		Processes: []scenario.Process{process("T", "")},
		Actors: []scenario.Actor{
			actor("P"),
			actor("F",
				op(scenario.OpObserve, "T"),
				op(scenario.OpThaw, "T"),
			),
		},
		Prelude: []scenario.Op{
			by("P", op(scenario.OpAttach, "T")),
			by("P", waitOp("T", scenario.WALL)),
			by("F", op(scenario.OpFreeze, "T")),
			by("P", op(scenario.OpExit, "")),
		},
	}
	needKernel(t, sc)
	obs := runOK(t, sc, Options{})
	expect(t, obs, "F#1=D", "F#2=0", "F.done=yes", "P.done=yes",
		"T.state=R", "T.ran=yes", "T.exit=none")
}

// The cgroup v2 freezer (§3.12): a frozen task sits in do_freezer_trap()
// ('S', not running); SIGKILL kills it at once, without a thaw (VF3).
func TestV2FreezeKill(t *testing.T) {
	sc := &scenario.Scenario{
		Name:      "v2-freeze-kill",
		Oracle:    scenario.OracleSpec{Cgroup: "v2"},
		Processes: []scenario.Process{process("T", "W")},
		Actors: []scenario.Actor{
			actor("F",
				op(scenario.OpFreeze, "T"),
				op(scenario.OpObserve, "T"),
				sigOp(scenario.OpKill, "T", scenario.SIGKILL),
			),
			actor("W", waitOp("T", 0)),
		},
	}
	needKernel(t, sc)
	obs := runOK(t, sc, Options{})
	expect(t, obs, "F#1=0", "F#2=S", "F#3=0", "F.done=yes", "W#1=killed(SIGKILL)",
		"T.state=gone", "T.exit=killed(SIGKILL)")
}

// The cgroup v2 freezer holds a non-fatal signal until the unfreeze: a
// SIGSTOP to a v2-frozen task leaves it in the freezer trap; after
// cgroup.freeze=0 it stops. The signal wakes the trapped task, which runs
// get_signal() and traps again: an observation right after the kill can
// catch it running ('R') on its way back (the model allows both; the
// corpus scenarios hold the oracle to it), so the observations are only
// required to be one of the two, and never the stop ('T') before the thaw.
func TestV2FreezeStop(t *testing.T) {
	sc := &scenario.Scenario{
		Name:      "v2-freeze-stop",
		Oracle:    scenario.OracleSpec{Cgroup: "v2"},
		Processes: []scenario.Process{process("T", "")},
		Actors: []scenario.Actor{
			actor("F",
				sigOp(scenario.OpKill, "T", scenario.SIGSTOP),
				op(scenario.OpObserve, "T"),
				op(scenario.OpObserve, "T"),
				op(scenario.OpThaw, "T"),
			),
		},
		Prelude: []scenario.Op{by("F", op(scenario.OpFreeze, "T"))},
	}
	needKernel(t, sc)
	obs := runOK(t, sc, Options{})
	expect(t, obs, "F#1=0", "F#4=0", "T.state=T", "T.ran=no")
	for _, k := range []string{"F#2", "F#3"} {
		if v := obs[k]; v != "S" && v != "R" {
			t.Errorf("%s = %s, want S (in the freezer trap) or R (on its way back to it)", k, v)
		}
	}
}

// Tracee-thread ops: a thread raises SIGSTOP (the group stops, so the raise
// never gets back to user mode: it stays pending), a process exits with
// exit_group, and a thread sleeps in nanosleep (TASK_INTERRUPTIBLE: 'S').
// Thread ops are not observation keys; the log has them.
func TestThreadOps(t *testing.T) {
	sc := &scenario.Scenario{
		Name:      "thread-ops",
		Processes: []scenario.Process{process("A", "W", "A1", "A2"), process("B", "W"), process("C", "")},
		Actors: []scenario.Actor{
			actor("W", waitOp("A", scenario.WUNTRACED), waitOp("B", 0)),
			threadActor("A2", sigOp(scenario.OpRaise, "", scenario.SIGSTOP)),
			threadActor("B", scenario.Op{Kind: scenario.OpExitGroup, Sig: 7}),
			threadActor("C", op(scenario.OpSyscall, ""), op(scenario.OpPause, "")),
			threadActor("A1"),
		},
	}
	needKernel(t, sc)
	log, obs := runLog(t, sc, Options{})
	expect(t, obs, "W#1=stopped(SIGSTOP)", "W#2=exited(7)", "W.done=yes",
		"A1.state=T", "A2.state=T", "A1.ran=no", "A1.exit=none",
		"B.state=gone", "B.exit=exited(7)", "C.state=S", "C.ran=no")
	for _, l := range []string{"A2#1 raise SIGSTOP: pending", "B#1 exit_group 7 -> 0", "C#1 syscall -> 0", "C#2 sleep: pending"} {
		if !logHas(log, l) {
			t.Errorf("log lacks %q", l)
		}
	}
	for _, k := range []string{"A2#1", "A2.done", "B#1"} {
		if v, ok := obs[k]; ok {
			t.Errorf("%s=%s: tracee threads' ops are not observations", k, v)
		}
	}
}

// PTRACE_SYSCALL: the tracee's next system call makes a syscall-entry stop
// (SIGTRAP, no PTRACE_O_TRACESYSGOOD), then a syscall-exit stop.
func TestPtraceSyscall(t *testing.T) {
	sc := &scenario.Scenario{
		Name:      "ptrace-syscall",
		Processes: []scenario.Process{process("T", "")},
		Actors: []scenario.Actor{
			actor("P",
				op(scenario.OpPtraceSyscall, "T"),
				waitOp("T", scenario.WALL),
				op(scenario.OpPtraceSyscall, "T"),
				waitOp("T", scenario.WALL),
				op(scenario.OpCont, "T"),
			),
			threadActor("T", op(scenario.OpSyscall, "")),
		},
		Prelude: []scenario.Op{by("P", op(scenario.OpAttach, "T")), by("P", waitOp("T", scenario.WALL))},
	}
	needKernel(t, sc)
	obs := runOK(t, sc, Options{})
	expect(t, obs, "P#1=0", "P#2=stopped(SIGTRAP)", "P#3=0", "P#4=stopped(SIGTRAP)", "P#5=0", "P.done=yes",
		"T.state=R", "T.ran=yes")
}

// The real parent exits while its child is stopped: the child is
// reparented to the oracle's subreaper (%init), its process group does not
// become orphaned, so no SIGHUP+SIGCONT comes (kernel/exit.c:
// kill_orphaned_pgrp()) and it stays stopped. Killed later, it stays a
// zombie whose status %init reads with waitid(WNOWAIT).
func TestParentExitsChildStopped(t *testing.T) {
	sc := &scenario.Scenario{
		Name:      "parent-exits",
		Processes: []scenario.Process{process("T", "W")},
		Actors: []scenario.Actor{
			actor("W"),
			actor("S", op(scenario.OpObserve, "T"), sigOp(scenario.OpKill, "T", scenario.SIGTERM)),
		},
		Prelude: []scenario.Op{
			by("S", sigOp(scenario.OpKill, "T", scenario.SIGSTOP)),
			by("W", op(scenario.OpExit, "")),
		},
	}
	needKernel(t, sc)
	obs := runOK(t, sc, Options{})
	// SIGTERM to a stopped task is queued until SIGCONT: still stopped.
	expect(t, obs, "S#1=T", "S#2=0", "T.state=T", "T.exit=none", "W.done=yes")

	sc.Actors[1].Script = []scenario.Op{by("S", sigOp(scenario.OpKill, "T", scenario.SIGKILL))}
	obs = runOK(t, sc, Options{})
	expect(t, obs, "S#1=0", "T.state=Z", "T.exit=killed(SIGKILL)")
}

// R4 (§7.3 check 3): a SEIZEd tracee in PTRACE_LISTEN is frozen, then gets
// SIGCONT, then is thawed: the tracer is notified with a new
// PTRACE_EVENT_STOP (SIGTRAP: the group stop is over).
func TestR4ListenFrozenSigcont(t *testing.T) {
	sc := &scenario.Scenario{
		Name:      "r4-listen-frozen-sigcont",
		Processes: []scenario.Process{process("T", "")},
		Actors: []scenario.Actor{
			actor("P", waitOp("T", scenario.WALL), op(scenario.OpObserve, "T")),
			actor("F",
				sigOp(scenario.OpKill, "T", scenario.SIGCONT),
				op(scenario.OpObserve, "T"),
				op(scenario.OpThaw, "T"),
			),
		},
		// SIGSTOP first: a group SIGSTOP to a seized tracee that is
		// running is first a signal-delivery-stop (plain
		// stopped(SIGSTOP), on which PTRACE_LISTEN fails with EIO).
		// Seizing a stopped task re-traps it into a PTRACE_EVENT_STOP.
		Prelude: []scenario.Op{
			by("F", sigOp(scenario.OpKill, "T", scenario.SIGSTOP)),
			by("P", op(scenario.OpSeize, "T")),
			by("P", waitOp("T", scenario.WALL)),
			by("P", op(scenario.OpListen, "T")),
			by("F", op(scenario.OpFreeze, "T")),
		},
	}
	needKernel(t, sc)
	obs := runOK(t, sc, Options{})
	expect(t, obs, "F#1=0", "F#2=D", "F#3=0", "P#1=stopped(SIGTRAP,EVENT_STOP)", "P#2=t", "P.done=yes", "T.state=t")
}

// A group-directed signal to a process whose only named thread is in a
// ptrace stop waits for that thread, as it would in a single-threaded
// process (kernel/signal.c:complete_signal() finds no thread that
// wants_signal()): the Go runtime's threads keep SIGUSR1 blocked. Once
// resumed, the tracee reports it in a signal-delivery-stop.
func TestGroupSignalWaitsForTracee(t *testing.T) {
	sc := &scenario.Scenario{
		Name:      "group-signal-waits",
		Processes: []scenario.Process{process("T", "")},
		Actors: []scenario.Actor{
			actor("P",
				sigOp(scenario.OpKill, "T", scenario.SIGUSR1),
				op(scenario.OpObserve, "T"),
				op(scenario.OpCont, "T"),
				waitOp("T", scenario.WALL),
				sigOp(scenario.OpCont, "T", scenario.SIGUSR1),
				waitOp("T", scenario.WALL),
			),
		},
		Prelude: []scenario.Op{by("P", op(scenario.OpAttach, "T")), by("P", waitOp("T", scenario.WALL))},
	}
	needKernel(t, sc)
	obs := runOK(t, sc, Options{})
	// The tracer's wait reaped only its view: the zombie goes back to the
	// real parent, which never waits.
	expect(t, obs, "P#1=0", "P#2=t", "P#3=0", "P#4=stopped(SIGUSR1)", "P#5=0", "P#6=killed(SIGUSR1)",
		"T.state=Z", "T.exit=killed(SIGUSR1)")
}

// The named threads take every signal; the Go runtime's threads block all
// that the runtime lets them (SIGUSR1, SIGCONT, SIGTSTP, ... but not
// SIGTERM), so that a group signal does not go to them.
func TestRuntimeThreadsMasked(t *testing.T) {
	sc := &scenario.Scenario{Name: "masks", Processes: []scenario.Process{process("P", "", "T1", "T2")}}
	needKernel(t, sc)
	var report []string
	testHookPrelude = func(r *runner) {
		pr := r.procs[0]
		named := map[int]bool{}
		for _, tid := range pr.tids {
			named[tid] = true
		}
		for _, tid := range listTasks(pr.pid) {
			b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/status", pr.pid, tid))
			var blk uint64
			for _, l := range strings.Split(string(b), "\n") {
				if v, ok := strings.CutPrefix(l, "SigBlk:"); ok {
					blk, _ = strconv.ParseUint(strings.TrimSpace(v), 16, 64)
				}
			}
			bit := func(sig int) bool { return blk&(1<<(sig-1)) != 0 }
			switch {
			case named[tid] && blk != 0:
				report = append(report, fmt.Sprintf("named thread %d blocks %#x", tid, blk))
			case !named[tid] && (!bit(scenario.SIGUSR1) || !bit(scenario.SIGCONT) || !bit(scenario.SIGTSTP)):
				report = append(report, fmt.Sprintf("runtime thread %d blocks only %#x", tid, blk))
			}
		}
	}
	defer func() { testHookPrelude = nil }()
	runOK(t, sc, Options{})
	for _, l := range report {
		t.Error(l)
	}
}

// kill(2) of a thread's pid signals its group, but complete_signal()
// starts from that thread: here the untraced P2, so SIGUSR1 becomes a
// group exit at once, although the leader P1 is traced (with P1's pid,
// p->ptrace would keep it a signal for P1 to report). The model's "kill
// P2" is that call.
func TestKillThreadStartsThere(t *testing.T) {
	sc := &scenario.Scenario{
		Name:      "kill-thread",
		Processes: []scenario.Process{process("P", "", "P1", "P2")},
		Actors: []scenario.Actor{
			actor("D", waitOp("P1", scenario.WALL)),
			actor("S", sigOp(scenario.OpKill, "P2", scenario.SIGUSR1)),
		},
		Prelude: []scenario.Op{by("D", op(scenario.OpSeize, "P1"))},
	}
	sc.Actors[0].Script[0].After = []scenario.OpRef{{Actor: "S", N: 1}}
	needKernel(t, sc)
	obs := runOK(t, sc, Options{})
	expect(t, obs, "S#1=0", "D#1=killed(SIGUSR1)", "P1.exit=killed(SIGUSR1)", "P2.exit=killed(SIGUSR1)")
}
