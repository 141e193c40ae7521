package oracle

import (
	"context"
	"errors"
	"time"

	"jobctl/scenario"
)

// Options tunes one Run.
type Options struct {
	// Timeout is the wall-clock limit of one scenario (default 10s). A
	// scenario still busy then is reported (Run returns its partial Outcome
	// and an error wrapping ErrTimeout), cleaned up, and the caller goes on.
	Timeout time.Duration
	// Seed seeds the random small delays (0..2ms) between the ops of each
	// actor, to sample interleavings.
	Seed int64
	// Exe is the binary to re-exec for helpers; "" means os.Executable().
	// It must call HelperMain first thing in main (or TestMain).
	Exe string
	// Patience is how long the final observation watches a runnable
	// thread that has not run user code yet before it counts as not
	// running (".ran" = "no"; default 1s). An emulated guest on a busy
	// machine can leave a runnable thread without a CPU for longer.
	Patience time.Duration
}

// Outcome is what one Run observed.
type Outcome struct {
	// Obs maps observation keys to values, with the keys of package model
	// (scenario.ThreadKeys, scenario.ProcessKeys):
	//
	//	<thread>.state   /proc/PID/task/TID/stat letter (R S D T t Z X), or "gone"
	//	<thread>.ran     "yes" if the thread ran user code during the last ~30ms
	//	<thread>.exit    "none", "exited(N)" or "killed(SIG)"
	//	<thread>.tracer  the actor whose pid is TracerPid, or "none"
	//	<thread>.pending SigPnd|ShdPnd of .../status as signal names, or "none"
	//	<thread>.sigpnd  SigPnd alone; <thread>.shdpnd ShdPnd alone
	//	<thread>.wchan   /proc/PID/task/TID/wchan ("0" when not asleep or gone)
	//	<cgroup>.freezer a v1 cgroup's freezer.state; <cgroup>.frozen a v2
	//	                 one's cgroup.events "frozen"
	//	<actor>.done     "yes" once the actor's whole script returned, else "no"
	//	<actor>#<n>      the result of the n-th (1-based) op of the actor's script,
	//	                 "pending" if it had not returned at the end (or never
	//	                 started, being behind one that had not, or waiting
	//	                 for another's: "after"); <actor>#<n>.<key> for each
	//	                 key an observe op recorded
	//	<actor>#init<n>  the result of the actor's n-th prelude op ("pending"
	//	                 if it blocked)
	//
	// As in package model, .done and #n exist for outside actors only; the
	// ops of tracee threads are in the Log.
	Obs map[string]string
	// Log is a human-readable account of what happened, in order.
	Log []string
}

// ErrTimeout is wrapped by the error Run returns when a scenario did not end
// within Options.Timeout.
var ErrTimeout = errors.New("scenario timed out")

// Run executes sc once on the real kernel and returns what it observed.
//
// Every tracee process is a re-exec of Options.Exe in tracee mode inside a
// fresh cgroup; every outside actor is a helper process driven over a pipe.
// The prelude runs op by op, each followed by a settle; then every actor's
// script runs concurrently, with random small delays from Options.Seed. The
// scripts end when every actor is done, or when every unfinished actor is
// blocked in an op and nothing has changed for a while (those ops are
// "pending"), or at the timeout. Whatever happens, including a cancelled ctx,
// every process started is killed and reaped and every cgroup made is thawed
// and removed before Run returns.
//
// Run needs root and Linux (see Supported). The init-like helper dies with
// the OS thread that started it (PR_SET_PDEATHSIG), so do not call Run from
// a goroutine that is locked to its thread (runtime.LockOSThread) and may
// exit while Run runs. Runs may go on concurrently, in one process or many.
func Run(ctx context.Context, sc *scenario.Scenario, opt Options) (Outcome, error) {
	return run(ctx, sc, opt)
}

// Cleanup finds what an earlier Run that was killed (even with SIGKILL) left
// behind — cgroups named jobctl-oracle.<pid>.<starttime>.<seq> whose owner
// <pid>/<starttime> is no longer alive, the processes in them, and helper
// processes tagged with such a run — thaws, kills and (where they are its
// children) reaps them, and removes the cgroups. It touches nothing else.
// Run calls it at start. removed lists the cgroup directories removed.
func Cleanup() (removed []string, err error) {
	return cleanup()
}
