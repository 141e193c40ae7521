package oracle

import (
	"context"
	"slices"
	"strconv"
	"time"

	"jobctl/scenario"
)

// Observations on the real kernel, key by key as package model makes them
// (model/observe.go; the keys and their values are scenario.ThreadKeys,
// scenario.ProcessKeys): at the end of a run, and mid-script for an
// observe op.

// readKey reads observation key key of thread t: every key of
// scenario.ThreadKeys but ran (which takes a while: ranNow), and those of
// t's cgroups (freezer: v1 freezer.state; frozen: v2 cgroup.events). A reaped thread reads gone, tracer none, no pending
// signal and wchan 0, as in the model.
func (r *runner) readKey(key string, t tref) string {
	pr := &r.procs[t.p]
	pid, tid, start := pr.pid, pr.tids[t.t], pr.starts[t.t]
	switch key {
	case "state":
		return taskLetter(pid, tid, start)
	case "exit":
		return r.procExit(t.p)
	case "freezer", "frozen":
		k := r.pl.threadCgroup(t, key == "frozen")
		switch {
		case k < 0:
			return "none"
		case key == "frozen":
			return eventsFrozen(r.cg.cgs[k])
		}
		return freezerState(r.cg.cgs[k])
	case "wchan":
		if taskLetter(pid, tid, start) == stateGone {
			return "0"
		}
		return readWchan(pid, tid)
	case "tracer", "pending", "sigpnd", "shdpnd":
		if taskLetter(pid, tid, start) == stateGone {
			return scenario.None
		}
		st, err := readStatus(pid, tid)
		if err != nil {
			return scenario.None
		}
		switch key {
		case "tracer":
			return r.tracerName(st.tracerPid)
		case "pending":
			return formatSigset(st.sigPnd | st.shdPnd)
		case "sigpnd":
			return formatSigset(st.sigPnd)
		}
		return formatSigset(st.shdPnd)
	}
	return "unknown key " + key
}

// tracerName names the actor whose helper has pid tp ("none" for 0).
func (r *runner) tracerName(tp int) string {
	if tp == 0 {
		return scenario.None
	}
	for _, c := range r.conns {
		if c != nil && c.pid == tp {
			return c.name
		}
	}
	return "pid" + strconv.Itoa(tp)
}

// putResult records an op's result under name: name=RESULT, or for an
// observe op that records keys name.KEY=VALUE for each; "pending" for an
// op that did not return.
func putResult(obs map[string]string, name string, op scenario.Op, res opResult) {
	if len(op.Keys) == 0 {
		if res.res == "" {
			res.res = resPending
		}
		obs[name] = res.res
		return
	}
	for i, k := range op.Keys {
		v := resPending
		if i < len(res.keys) {
			v = res.keys[i]
		}
		obs[name+"."+k] = v
	}
}

// observeOp is an outside actor's observe op, made by the runner itself
// (what it reads does not depend on who reads it). Without keys, the state
// letter (/proc/PID/task/TID/stat). With keys, each key's value, all read
// within microseconds of each other — the model reads them in one atomic
// step — except that ran needs a window (ranNow): the others are read at
// its end, when the answer is known.
func (r *runner) observeOp(ctx context.Context, op scenario.Op) (opResult, error) {
	t, err := r.pl.thread(op.Target)
	if err != nil {
		return opResult{}, err
	}
	if len(op.Keys) == 0 {
		return opResult{res: r.readKey("state", t)}, nil
	}
	vals := make([]string, len(op.Keys))
	if i := slices.Index(op.Keys, "ran"); i >= 0 {
		if vals[i], err = r.ranNow(ctx, t); err != nil {
			return opResult{}, err
		}
	}
	for i, k := range op.Keys {
		if k != "ran" {
			vals[i] = r.readKey(k, t)
		}
	}
	return opResult{keys: vals}, nil
}

// ranNow says whether thread t runs user code now: yes as soon as its
// counter moves; no when it has not moved for ranWindow and is not
// runnable (a runnable thread waiting for a CPU is given up to ranPatience).
func (r *runner) ranNow(ctx context.Context, t tref) (string, error) {
	s := r.mem.slot(t.p, t.t)
	pr := &r.procs[t.p]
	c0 := s.counter.Load()
	start := time.Now()
	tick := time.NewTicker(100 * time.Microsecond)
	defer tick.Stop()
	for {
		if s.counter.Load() != c0 {
			return scenario.Yes, nil
		}
		el := time.Since(start)
		if el >= ranPatience || el >= ranWindow && taskLetter(pr.pid, pr.tids[t.t], pr.starts[t.t]) != "R" {
			return scenario.No, nil
		}
		select {
		case <-ctx.Done():
			return "", errAbandoned
		case <-tick.C:
		}
	}
}

// settleOp waits until the tracee threads are quiescent, as the model's
// settle means it (model.Ctx.Quiescent: each thread asleep, in user mode
// with no signal to handle, or exited), as far as /proc shows it: every
// named thread's state unchanged for settleWindow, each one that is
// runnable counting in user mode in that window, and in a group with a
// job-control-stopped thread ('T') every task stopped, the Go runtime's
// included, so that the group stop is complete as the model's is. It waits
// as long as it takes (the run's deadline bounds it): in a scenario the
// kernel can run, the threads always settle.
func (r *runner) settleOp(ctx context.Context) error {
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	counters := func() []uint64 {
		var c []uint64
		for i, p := range r.pl.procs {
			for j := range p.threads {
				c = append(c, r.mem.slot(i, j).counter.Load())
			}
		}
		return c
	}
	// The window starts at the last change of a state letter; base are
	// the counters then.
	last, since, base := r.states(), time.Now(), counters()
	for {
		select {
		case <-ctx.Done():
			return errAbandoned
		case <-tick.C:
		}
		if st := r.states(); st != last {
			last, since, base = st, time.Now(), counters()
			continue
		}
		if time.Since(since) >= settleWindow && r.quiescent(base, counters()) {
			return nil
		}
	}
}

// quiescent: every named thread is not runnable, or runs in user mode (its
// counter moved from before to after: a thread on a busy CPU may wait a
// few milliseconds for its turn, so before is the start of the window);
// no other task of a group (the Go
// runtime's threads) is runnable, so that a group stop has reached all of
// them, as the model's group stop (which knows only the named threads) has;
// and in a group where a named thread is in a job-control stop every task
// is stopped (or gone).
func (r *runner) quiescent(before, after []uint64) bool {
	n := 0
	for i, p := range r.pl.procs {
		pr := &r.procs[i]
		stopped := false
		for j := range p.threads {
			l := taskLetter(pr.pid, pr.tids[j], pr.starts[j])
			if l == "R" && before[n] == after[n] {
				return false
			}
			stopped = stopped || l == "T"
			n++
		}
		for _, tid := range listTasks(pr.pid) {
			if slices.Contains(pr.tids, tid) {
				continue
			}
			if st, err := readTask(pr.pid, tid); err == nil && st.state == 'R' {
				return false
			}
		}
		if stopped && !r.allIn(i, "TtZXD") {
			return false
		}
	}
	return true
}
