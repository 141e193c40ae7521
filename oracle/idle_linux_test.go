package oracle

import (
	"testing"
	"time"

	"jobctl/scenario"
)

// TestLateAnswerIsNotBlocked: a runner that takes in a helper's answers
// late (starved of CPU, as in a loaded guest) must not take the helper,
// asleep again in its command loop, for one blocked in the op: neither in
// the prelude (blockedAfter) nor in the scripts (quietPeriod). Before
// helperIdle, the prelude went on with the op "blocked" and the scripts
// ended with ops "pending" that had returned (found on PREEMPT_RT guests:
// ptrace-attach-running with P#1=pending, P asleep in pipe_read).
func TestLateAnswerIsNotBlocked(t *testing.T) {
	sc := &scenario.Scenario{Name: "late-answer",
		Processes: []scenario.Process{process("T", "")},
		Prelude:   []scenario.Op{by("P", sigOp(scenario.OpKill, "T", scenario.SIGSTOP))},
		Actors:    []scenario.Actor{actor("P", sigOp(scenario.OpKill, "T", scenario.SIGCONT), op(scenario.OpObserve, "T"))},
	}
	needKernel(t, sc)
	testHookResponse = func(actor string, resp response) {
		if actor == "P" {
			time.Sleep(3 * quietPeriod)
		}
	}
	defer func() { testHookResponse = nil }()
	log, obs := runLog(t, sc, Options{Seed: 1})
	expect(t, obs, "P.done=yes", "P#1=0", "P#2=R", "T.state=R")
	if !logHas(log, "init P: kill T SIGSTOP -> 0") {
		t.Errorf("the prelude did not wait for P's answer")
	}
	if logHas(log, "the scripts end") {
		t.Errorf("the scripts ended on the quiet period while P's answers were on their way")
	}
}

// TestActorReadyBeforePrelude: an actor that is slow to start (here made
// so; on a 6.1-rt guest its cgroup write waited 0.8s for an RCU grace
// period) must be in its command loop before the prelude's first op, or
// the prelude takes its start for the op blocking, goes on, and T raises
// its signal before P has seized it: P's waits got ECHILD
// (ptrace-signal-delivery-stop, 1 in 150 runs on Debian's 6.1.180-rt).
func TestActorReadyBeforePrelude(t *testing.T) {
	sc := &scenario.Scenario{Name: "slow-actor",
		Processes: []scenario.Process{process("T", "")},
		Prelude:   []scenario.Op{by("P", op(scenario.OpSeize, "T"))},
		Actors: []scenario.Actor{
			threadActor("T", sigOp(scenario.OpRaise, "", scenario.SIGUSR1)),
			actor("P", op(scenario.OpWait, "T")),
		},
	}
	needKernel(t, sc)
	testActorStartDelay = 10 * blockedAfter
	defer func() { testActorStartDelay = 0 }()
	log, obs := runLog(t, sc, Options{Seed: 1})
	expect(t, obs, "P#1=stopped(SIGUSR1)", "T.tracer=P")
	if !logHas(log, "init P: seize T -> 0") {
		t.Errorf("the prelude did not wait for P")
	}
}
