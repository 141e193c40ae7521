package oracle

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"jobctl/scenario"
)

// Timing of a run. Variables so that tests can stretch them.
var (
	// quietPeriod: the scripts end early when every unfinished actor has
	// been blocked in an op, and nothing observable has changed, this long.
	quietPeriod = 300 * time.Millisecond
	// blockedAfter: in the prelude, an op whose task has not been running
	// for this long is taken as blocked, and the prelude goes on.
	blockedAfter = 50 * time.Millisecond
	// preludeBound bounds each prelude op.
	preludeBound = 2 * time.Second
	// freezeBound bounds a freeze op, which then results in "timeout".
	freezeBound  = 2 * time.Second
	settleWindow = 30 * time.Millisecond  // prelude: states unchanged this long
	finalSettle  = 50 * time.Millisecond  // before the final observations
	stableBound  = 500 * time.Millisecond // the final observations read again until they agree
	// "ran": the thread's counter moved within ranWindow (checked every
	// few ms). A thread that has not moved but is runnable ('R') is
	// watched up to ranPatience (Options.Patience): on a busy machine it
	// may wait for a CPU.
	ranWindow   = 50 * time.Millisecond
	ranPatience = time.Second
	maxDelay    = 2 * time.Millisecond // random delay before each script op

	// testHookPrelude, if set, runs after the prelude (tests use it to
	// cancel or kill a run at a known point).
	testHookPrelude func(r *runner)
	// testActorStartDelay, if set, slows every actor helper's start.
	testActorStartDelay time.Duration
)

// errBlocked: a prelude op did not return because it blocks.
var errBlocked = errors.New("blocked")

var runSeq atomic.Uint64

// runner is one Run in progress.
type runner struct {
	pl       *plan
	opt      Options
	exe      string
	id       string // <pid>.<start>.<seq>, the suffix of the cgroup name
	t0       time.Time
	deadline time.Time

	logMu   sync.Mutex
	log     []string
	logDone bool

	cg         *runCgroups
	memfd      int
	mem        *shm
	stderrDone chan struct{}
	initPid    int
	initp      *helperConn
	conns      []*helperConn // by plan actor index; nil for thread actors
	procs      []procRT
	runs       []*actorRun

	mu    sync.Mutex
	exits map[int]string // process index -> exit status reported by a wait
	errs  []error        // helper failures during the scripts

	preludeRes []opResult // by prelude op; zero for one that blocked or is a thread's
}

// procRT is a running tracee process.
type procRT struct {
	pid    int
	tids   []int    // by thread index; tids[0] == pid
	starts []uint64 // start times, to tell a reused tid
}

// actorRun is the progress of one actor's script.
type actorRun struct {
	mu       sync.Mutex
	cur      int // op in progress, -1 for none
	curKind  scenario.OpKind
	since    time.Time
	waiting  bool       // the op in progress waits for other actors' ops ("after") or for the threads (settle)
	local    bool       // the op in progress is the runner's own (observe): busy, not blocked
	finished bool       // the whole script returned
	failed   bool       // an op failed (a helper died): the script stopped
	results  []opResult // zero for an op that did not return
	// returned[i] is closed once op i has returned: "after A#i+1" waits
	// for it.
	returned []chan struct{}
}

// opResult is what one op returned: its result, or for an observe op
// that records keys the value of each key (in the op's order).
type opResult struct {
	res  string
	keys []string
}

func (o opResult) String() string {
	if o.keys == nil {
		return o.res
	}
	return strings.Join(o.keys, " ")
}

func (r *runner) logf(format string, args ...any) {
	r.logMu.Lock()
	defer r.logMu.Unlock()
	if r.logDone {
		return
	}
	r.log = append(r.log, fmt.Sprintf("%+8.3fs ", time.Since(r.t0).Seconds())+fmt.Sprintf(format, args...))
}

func (r *runner) closeLog() []string {
	r.logMu.Lock()
	defer r.logMu.Unlock()
	r.logDone = true
	return r.log
}

func run(ctx context.Context, sc *scenario.Scenario, opt Options) (out Outcome, err error) {
	if why := Supported(sc); why != "" {
		name := "<nil>"
		if sc != nil {
			name = sc.Name
		}
		return out, fmt.Errorf("scenario %s cannot run here: %s", name, why)
	}
	pl, err := newPlan(sc)
	if err != nil {
		return out, err
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 10 * time.Second
	}
	if opt.Patience <= 0 {
		opt.Patience = ranPatience
	}
	exe := opt.Exe
	if exe == "" {
		if exe, err = os.Executable(); err != nil {
			return out, fmt.Errorf("find the helper binary: %w", err)
		}
	}
	if fi, err := os.Stat(exe); err != nil {
		return out, fmt.Errorf("helper binary: %w", err)
	} else if !fi.Mode().IsRegular() {
		return out, fmt.Errorf("helper binary %s is not a regular file", exe)
	}
	r := &runner{pl: pl, opt: opt, exe: exe, t0: time.Now(), memfd: -1, exits: map[int]string{}}
	r.deadline = r.t0.Add(opt.Timeout)
	r.logf("scenario %s, seed %d, timeout %v, default freezer %s, cgroup v2 used: %v", sc.Name, opt.Seed, opt.Timeout,
		map[bool]string{false: "v1", true: "v2"}[pl.v2], pl.usesV2 || pl.v2)
	if removed, cerr := cleanup(); len(removed) > 0 || cerr != nil {
		r.logf("cleanup of earlier runs: removed %v, error %v", removed, cerr)
	}
	defer func() {
		if terr := r.teardown(); terr != nil {
			err = errors.Join(err, fmt.Errorf("scenario %s: teardown: %w", sc.Name, terr))
		}
		out.Log = r.closeLog()
	}()

	dctx, cancel := context.WithDeadline(ctx, r.deadline)
	defer cancel()
	if err := r.setup(dctx); err != nil {
		return out, r.phaseErr(ctx, "setup", err)
	}
	if err := r.prelude(dctx); err != nil {
		return out, r.phaseErr(ctx, "prelude", err)
	}
	if testHookPrelude != nil {
		testHookPrelude(r)
	}
	timedOut := r.scripts(ctx)
	if ctx.Err() != nil {
		return out, fmt.Errorf("scenario %s: %w", sc.Name, ctx.Err())
	}
	out.Obs = r.observe()
	r.mu.Lock()
	errs := r.errs
	r.mu.Unlock()
	if len(errs) > 0 {
		err = fmt.Errorf("scenario %s: %w", sc.Name, errors.Join(errs...))
	}
	if timedOut {
		err = errors.Join(err, fmt.Errorf("scenario %s: %w after %v", sc.Name, ErrTimeout, opt.Timeout))
	}
	return out, err
}

// phaseErr names what failed, and why: the caller's cancellation, the
// scenario's timeout, or err itself.
func (r *runner) phaseErr(ctx context.Context, phase string, err error) error {
	name := r.pl.sc.Name
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("scenario %s: %s: %w", name, phase, ctx.Err())
	case !time.Now().Before(r.deadline):
		return fmt.Errorf("scenario %s: %s: %w after %v (%v)", name, phase, ErrTimeout, r.opt.Timeout, err)
	}
	return fmt.Errorf("scenario %s: %s: %w", name, phase, err)
}

// env is the environment of a helper.
func (r *runner) env(mode, name, cgroup string, maxprocs int, extra ...string) []string {
	return append([]string{
		envHelper + "=" + mode, envRun + "=" + r.id, envName + "=" + name,
		envCgroup + "=" + cgroup, envExe + "=" + r.exe,
		// No asynchronous preemption: its SIGURGs would make extra
		// signal (and ptrace) stops.
		"GODEBUG=asyncpreemptoff=1", "GOMAXPROCS=" + strconv.Itoa(maxprocs),
	}, extra...)
}

// ---- setup ----

func (r *runner) setup(ctx context.Context) error {
	v1, v2 := cgroupRoots()
	r.id = fmt.Sprintf("%d.%d.%d", os.Getpid(), procStart(os.Getpid()), runSeq.Add(1))
	cg, err := makeRunCgroups(r.pl, v1, v2, r.id)
	r.cg = cg
	if err != nil {
		return err
	}
	for _, t := range cg.trees {
		r.logf("cgroup %s", t.dir)
	}
	helpers := strings.Join(cg.helpers, string(filepath.ListSeparator))

	r.memfd, err = unix.MemfdCreate("jobctl-oracle", unix.MFD_CLOEXEC)
	if err != nil {
		return fmt.Errorf("memfd_create: %w", err)
	}
	if err := unix.Ftruncate(r.memfd, shmSize); err != nil {
		return fmt.Errorf("ftruncate memfd: %w", err)
	}
	b, err := unix.Mmap(r.memfd, 0, shmSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return fmt.Errorf("mmap memfd: %w", err)
	}
	r.mem = &shm{b: b}

	// The child ends of every pipe, closed here once %init has them.
	var childEnds []*os.File
	defer func() {
		for _, f := range childEnds {
			f.Close()
		}
	}()
	pipe := func() (r, w *os.File, err error) {
		r, w, err = os.Pipe()
		return r, w, err
	}
	errR, errW, err := pipe()
	if err != nil {
		return err
	}
	childEnds = append(childEnds, errW)
	r.stderrDone = make(chan struct{})
	go r.readStderr(errR)
	devnull, err := os.OpenFile("/dev/null", os.O_RDWR, 0)
	if err != nil {
		return err
	}
	childEnds = append(childEnds, devnull)

	// %init gets fds 4/5 for itself and 6+2k/7+2k for actor k.
	type ends struct{ cmdW, respR *os.File }
	mine := make([]ends, len(r.pl.actors)+1)
	files := []uintptr{devnull.Fd(), devnull.Fd(), errW.Fd(), uintptr(r.memfd)}
	fdIn := make([]int, len(r.pl.actors))
	for k := -1; k < len(r.pl.actors); k++ {
		if k >= 0 && r.pl.actors[k].thread {
			continue
		}
		cmdR, cmdW, err := pipe()
		if err != nil {
			return err
		}
		respR, respW, err := pipe()
		if err != nil {
			cmdR.Close()
			cmdW.Close()
			return err
		}
		childEnds = append(childEnds, cmdR, respW)
		mine[k+1] = ends{cmdW, respR}
		if k >= 0 {
			fdIn[k] = len(files)
		}
		files = append(files, cmdR.Fd(), respW.Fd())
	}
	pid, err := syscall.ForkExec(r.exe, []string{r.exe}, &syscall.ProcAttr{
		Dir:   "/",
		Env:   r.env("actor", initActor, helpers, 2, envSubreaper+"=1"),
		Files: files,
		// No Pdeathsig: when the runner dies, %init tears the run
		// down itself (orphan_linux.go).
		Sys: &syscall.SysProcAttr{Setpgid: true},
	})
	if err != nil {
		for _, e := range mine {
			if e.cmdW != nil {
				e.cmdW.Close()
				e.respR.Close()
			}
		}
		return fmt.Errorf("start %s: fork/exec %s: %w", initActor, r.exe, err)
	}
	r.initPid = pid
	for _, f := range childEnds {
		f.Close()
	}
	childEnds = nil
	r.initp = newHelperConn(initActor, pid, mine[0].cmdW, mine[0].respR)
	r.logf("%s: pid %d", initActor, pid)

	r.conns = make([]*helperConn, len(r.pl.actors))
	for k, a := range r.pl.actors {
		if a.thread {
			continue
		}
		fds := []int{fdIn[k], fdIn[k] + 1}
		var extra []string
		if testActorStartDelay > 0 {
			extra = append(extra, envStartDelay+"="+testActorStartDelay.String())
		}
		resp, err := r.initp.call(ctx, request{Cmd: "spawn", Env: r.env("actor", a.name, helpers, 2, extra...),
			Fds: append([]int{fdShm}, fds...), CloseAfter: fds, Pdeathsig: true})
		if err != nil {
			mine[k+1].cmdW.Close()
			mine[k+1].respR.Close()
			return fmt.Errorf("start actor %s: %w", a.name, err)
		}
		r.conns[k] = newHelperConn(a.name, resp.Pid, mine[k+1].cmdW, mine[k+1].respR)
		r.logf("actor %s: pid %d", a.name, resp.Pid)
	}
	// Every actor must be in its command loop before the first op: an
	// actor still starting (its cgroup write can wait for an RCU grace
	// period, which on a PREEMPT_RT guest took 0.8s) sleeps, and the
	// prelude would take that sleep for its first op blocking and go on
	// without it (ptrace-signal-delivery-stop on 6.1-rt: the seize came
	// after T's raise, so the tracer's waits got ECHILD).
	for k, c := range r.conns {
		if c == nil {
			continue
		}
		if _, err := c.call(ctx, request{Cmd: "ready"}); err != nil {
			return fmt.Errorf("start actor %s: %w", r.pl.actors[k].name, err)
		}
	}

	r.procs = make([]procRT, len(r.pl.procs))
	for i, p := range r.pl.procs {
		parent := r.parentConn(p.parent)
		n := len(p.threads)
		resp, err := parent.call(ctx, request{Cmd: "spawn",
			Env: r.env("tracee", p.name, strings.Join(cg.procs[i], string(filepath.ListSeparator)), n+1,
				envSlot+"="+strconv.Itoa(i), envThreads+"="+strconv.Itoa(n), "GOGC=off"),
			// Own process group; an "orphaned" one its own session
			// (setsid), so that no member has a parent in another
			// group of its session (kernel/exit.c:
			// will_become_orphaned_pgrp(), v6.18).
			Fds: []int{fdShm}, Setpgid: !r.pl.sc.Processes[i].Orphaned, Setsid: r.pl.sc.Processes[i].Orphaned,
			// A tracee must outlive an actor parent that exits; %init
			// lives until cleanup.
			Pdeathsig: parent == r.initp})
		if err != nil {
			return fmt.Errorf("start process %s: %w", p.name, err)
		}
		r.procs[i].pid = resp.Pid
	}
	for i, p := range r.pl.procs {
		pr := &r.procs[i]
		for j := range p.threads {
			s := r.mem.slot(i, j)
			for s.tid.Load() == 0 || s.counter.Load() == 0 {
				if st, err := readTask(pr.pid, pr.pid); err != nil || st.state == 'Z' {
					return fmt.Errorf("process %s (pid %d) died during start-up (see the helper stderr in the log)", p.name, pr.pid)
				}
				if err := sleepCtx(ctx, time.Millisecond); err != nil {
					return fmt.Errorf("process %s: thread %s did not start: %w", p.name, p.threads[j], err)
				}
			}
			tid := int(s.tid.Load())
			st, err := readTask(pr.pid, tid)
			if err != nil {
				return fmt.Errorf("process %s: thread %s (tid %d): %w", p.name, p.threads[j], tid, err)
			}
			pr.tids = append(pr.tids, tid)
			pr.starts = append(pr.starts, st.start)
		}
		if pr.tids[0] != pr.pid {
			return fmt.Errorf("process %s: thread %s has tid %d, not the leader's %d", p.name, p.threads[0], pr.tids[0], pr.pid)
		}
		var ts []string
		for j, t := range p.threads {
			ts = append(ts, fmt.Sprintf("%s=%d", t, pr.tids[j]))
		}
		r.logf("process %s: pid %d, parent %s, threads %s (%d tasks with the Go runtime's)",
			p.name, pr.pid, p.parent, strings.Join(ts, " "), len(listTasks(pr.pid)))
	}
	// A thread frozen on its own moves into its cgroup, a child of its
	// process's.
	for k, c := range r.pl.cgroups {
		if c.thread < 0 {
			continue
		}
		tid := r.procs[c.proc].tids[c.thread]
		if err := moveThread(cg.cgs[k], c.v2, tid); err != nil {
			return fmt.Errorf("move thread %s (tid %d) to %s: %w", c.name, tid, cg.cgs[k], err)
		}
		r.logf("thread %s: cgroup %s", c.name, cg.cgs[k])
	}
	return nil
}

func (r *runner) parentConn(name string) *helperConn {
	if name == initActor {
		return r.initp
	}
	return r.conns[r.pl.byActor[name]]
}

// readStderr copies the helpers' stderr into the log.
func (r *runner) readStderr(f *os.File) {
	defer close(r.stderrDone)
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		r.logf("helper stderr: %s", sc.Text())
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ---- ops ----

func (r *runner) tid(t tref) (pid, tid int, start uint64) {
	pr := &r.procs[t.p]
	return pr.pid, pr.tids[t.t], pr.starts[t.t]
}

// opRequest translates an outside actor's op into a helper request.
func (r *runner) opRequest(op scenario.Op) request {
	req := request{Cmd: "op", Op: op.Kind, Sig: op.Sig, Flags: op.Flags}
	switch op.Kind {
	case scenario.OpKill:
		// kill(2) of the named thread's pid: the whole group is
		// signalled, but complete_signal() and prepare_signal() start
		// from that thread (kill_pid_info_type(): pid_task(pid,
		// PIDTYPE_PID), kernel/signal.c, v6.18), as the model's kill
		// does; a process name stands for its leader.
		t, _ := r.pl.thread(op.Target)
		_, req.Pid, _ = r.tid(t)
	case scenario.OpFreeze, scenario.OpThaw:
		k := r.pl.cgroupOf(op)
		req.Dir, req.V2 = r.cg.cgs[k], r.pl.cgroups[k].v2
		req.Bound = min(freezeBound, max(time.Until(r.deadline), 10*time.Millisecond))
	case scenario.OpExit:
	case scenario.OpWait, scenario.OpWaitid:
		if op.Target == scenario.AnyChild {
			req.Pid, req.Tid = -1, -1 // wait4(-1), waitid(P_ALL)
			break
		}
		t, _ := r.pl.thread(op.Target)
		req.Pid, req.Tid, _ = r.tid(t)
	default:
		t, _ := r.pl.thread(op.Target)
		req.Pid, req.Tid, _ = r.tid(t)
	}
	return req
}

// threadOfTid is the thread whose tid is tid.
func (r *runner) threadOfTid(tid int) (tref, bool) {
	for p := range r.procs {
		for j, x := range r.procs[p].tids {
			if x == tid {
				return tref{p, j}, true
			}
		}
	}
	return tref{}, false
}

// exec performs op for actor ai and returns its result. errAbandoned: ctx
// ended first; errBlocked: a prelude op that blocks.
func (r *runner) exec(ctx context.Context, ai int, op scenario.Op, prelude bool) (opResult, error) {
	a := &r.pl.actors[ai]
	switch {
	case a.thread:
		res, err := r.threadExec(ctx, a.at, op, prelude)
		return opResult{res: res}, err
	case op.Kind == scenario.OpObserve:
		return r.observeOp(ctx, op)
	case op.Kind == scenario.OpSettle:
		if err := r.settleOp(ctx); err != nil {
			return opResult{}, err
		}
		return opResult{res: resOK}, nil
	}
	res, err := r.helperExec(ctx, ai, op, prelude)
	return opResult{res: res}, err
}

// helperExec has actor ai's helper perform op.
func (r *runner) helperExec(ctx context.Context, ai int, op scenario.Op, prelude bool) (string, error) {
	a := &r.pl.actors[ai]
	c := r.conns[ai]
	ch, err := c.send(r.opRequest(op))
	if err != nil {
		return "", err
	}
	var resp response
	if prelude && op.Kind != scenario.OpFreeze && op.Kind != scenario.OpThaw {
		resp, err = r.waitOrBlocked(ctx, c, ch)
	} else {
		resp, err = c.wait(ctx, ch)
	}
	if err != nil {
		return "", err
	}
	if resp.Note != "" {
		r.logf("%s: %s: %s", a.name, op, resp.Note)
	}
	switch op.Kind {
	case scenario.OpExit:
		// Done once the actor is a zombie: exit_notify() has run, so
		// exit_ptrace() has detached its tracees.
		end := time.Now().Add(2 * time.Second)
		for time.Now().Before(end) {
			if st, err := readTask(c.pid, c.pid); err != nil || st.state == 'Z' || st.state == 'X' {
				break
			}
			time.Sleep(time.Millisecond)
		}
	case scenario.OpWait, scenario.OpWaitid:
		if resp.Pid <= 0 {
			break
		}
		t, ok := r.threadOfTid(resp.Pid)
		if !ok {
			return fmt.Sprintf("pid(%d):%s", resp.Pid, resp.Res), nil
		}
		if exit := cldToWait(resp.Res); isExitResult(exit) && t.t == 0 {
			r.mu.Lock()
			r.exits[t.p] = exit
			r.mu.Unlock()
		}
		if op.Target == scenario.AnyChild {
			// The pid the call returned, by name (the model's
			// Program.ResultString).
			return r.pl.procs[t.p].threads[t.t] + ":" + resp.Res, nil
		}
	}
	return resp.Res, nil
}

// waitOrBlocked waits for a prelude op's response, or until the actor's
// (main, op-issuing) thread has been asleep for blockedAfter.
func (r *runner) waitOrBlocked(ctx context.Context, c *helperConn, ch <-chan response) (response, error) {
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	var asleep time.Time
	for {
		select {
		case resp := <-ch:
			return c.result(resp)
		case <-c.dead:
			return c.wait(ctx, ch)
		case <-ctx.Done():
			return response{}, errAbandoned
		case now := <-tick.C:
			st, err := readTask(c.pid, c.pid)
			if err != nil || st.state == 'R' || helperIdle(c.pid) {
				// Running, or done and back in its command loop with
				// the answer on its way.
				asleep = time.Time{}
			} else if asleep.IsZero() {
				asleep = now
			} else if now.Sub(asleep) >= blockedAfter {
				return response{}, fmt.Errorf("%w (asleep in %s)", errBlocked, asleepIn(c.pid, c.pid))
			}
		}
	}
}

// threadExec makes tracee thread at perform op from user mode.
func (r *runner) threadExec(ctx context.Context, at tref, op scenario.Op, prelude bool) (string, error) {
	s := r.mem.slot(at.p, at.t)
	tick := time.NewTicker(250 * time.Microsecond)
	defer tick.Stop()
	// The thread must have taken its previous command (read the
	// arguments) before they are overwritten.
	prev := s.cmdSeq.Load()
	for s.entered.Load() != prev {
		select {
		case <-ctx.Done():
			return "", errAbandoned
		case <-tick.C:
		}
	}
	seq := prev + 1
	s.cmdOp.Store(uint32(op.Kind))
	s.arg0.Store(int32(op.Sig))
	s.cmdSeq.Store(seq)
	pid, tid, start := r.tid(at)
	var asleep time.Time
	for {
		if s.ack.Load() == seq {
			return errnoName(syscall.Errno(s.result.Load())), nil
		}
		if s.entered.Load() == seq {
			// exit_group() never returns: it is done once the group is dead.
			if op.Kind == scenario.OpExitGroup && r.procExited(at.p) {
				return resOK, nil
			}
			if prelude {
				if taskLetter(pid, tid, start) == "R" {
					asleep = time.Time{}
				} else if asleep.IsZero() {
					asleep = time.Now()
				} else if time.Since(asleep) >= blockedAfter {
					return "", errBlocked
				}
			}
		}
		select {
		case <-ctx.Done():
			return "", errAbandoned
		case <-tick.C:
		}
	}
}

// procExited reports whether the thread group of process p has exited (its
// leader is a zombie or reaped).
func (r *runner) procExited(p int) bool {
	pr := &r.procs[p]
	l := taskLetter(pr.pid, pr.pid, pr.starts[0])
	return l == "Z" || l == "X" || l == stateGone
}

// ---- prelude ----

func isStopSig(sig int) bool {
	return sig == scenario.SIGSTOP || sig == scenario.SIGTSTP || sig == scenario.SIGTTIN || sig == scenario.SIGTTOU
}

func (r *runner) prelude(ctx context.Context) error {
	r.preludeRes = make([]opResult, len(r.pl.sc.Prelude))
	for i, op := range r.pl.sc.Prelude {
		ai := r.pl.byActor[op.Actor]
		pctx, cancel := context.WithTimeout(ctx, preludeBound)
		res, err := r.exec(pctx, ai, op, true)
		cancel()
		switch {
		case errors.Is(err, errBlocked) || errors.Is(err, errAbandoned):
			if ctx.Err() != nil {
				return ctx.Err()
			}
			r.logf("init %s: %s -> %v; going on", op.Actor, op, err)
		case err != nil:
			return fmt.Errorf("init %s: %s: %w", op.Actor, op, err)
		default:
			r.preludeRes[i] = res
			r.logf("init %s: %s -> %s", op.Actor, op, res)
		}
		r.settle(ctx, ai, op)
	}
	if len(r.pl.sc.Prelude) > 0 {
		r.logf("after the prelude: %s", r.states())
	}
	return nil
}

// settle waits until the effect of a prelude op has come about: after a
// stop signal, every task of the process (the Go runtime's threads
// included) stopped; then the named threads' states unchanged for
// settleWindow. Both bounded.
func (r *runner) settle(ctx context.Context, ai int, op scenario.Op) {
	_ = sleepCtx(ctx, 5*time.Millisecond)
	// Every task of process p (the Go runtime's threads included) in one
	// of the states in want ('D': frozen, where a signal waits for the
	// thaw); "" for no such wait.
	p, want := -1, ""
	switch op.Kind {
	case scenario.OpKill, scenario.OpTkill, scenario.OpRaise:
		if op.Kind == scenario.OpRaise {
			p = r.pl.actors[ai].at.p
		} else {
			p, _ = r.pl.proc(op.Target)
		}
		switch {
		case isStopSig(op.Sig):
			want = "TtZXD"
		case op.Sig == scenario.SIGKILL:
			want = "ZXD"
		}
	}
	if want != "" {
		end := time.Now().Add(500 * time.Millisecond)
		for time.Now().Before(end) && ctx.Err() == nil && !r.allIn(p, want) {
			time.Sleep(2 * time.Millisecond)
		}
	}
	switch op.Kind {
	case scenario.OpInterrupt, scenario.OpAttach:
		// The tracee's trap (PTRACE_EVENT_STOP, or the attach's
		// SIGSTOP) comes when it next runs; the model's prelude lets
		// it: wait until it is in a ptrace stop ('t'), gone, or frozen.
		t, _ := r.pl.thread(op.Target)
		pid, tid, start := r.tid(t)
		end := time.Now().Add(500 * time.Millisecond)
		for time.Now().Before(end) && ctx.Err() == nil && !strings.Contains("tZXDgone", taskLetter(pid, tid, start)) {
			time.Sleep(2 * time.Millisecond)
		}
	}
	end := time.Now().Add(time.Second)
	last, since := r.states(), time.Now()
	for time.Now().Before(end) && ctx.Err() == nil {
		time.Sleep(5 * time.Millisecond)
		if s := r.states(); s != last {
			last, since = s, time.Now()
		} else if time.Since(since) >= settleWindow {
			return
		}
	}
}

// allIn: every task of process p is in one of the states in letters (or
// gone).
func (r *runner) allIn(p int, letters string) bool {
	pid := r.procs[p].pid
	for _, tid := range listTasks(pid) {
		st, err := readTask(pid, tid)
		if err == nil && !strings.ContainsRune(letters, rune(st.state)) {
			return false
		}
	}
	return true
}

// asleep reports whether the task that performs actor k's ops (an actor's
// main thread, or the tracee thread) is not runnable. An op is taken as
// blocked only then: a task that is merely slow on a busy machine is 'R'.
// A helper asleep in its command loop has answered, and is not asleep in
// the op, even while the runner has yet to read the answer (a starved
// runner took a done op for a blocked one: ptrace-attach-running on a
// loaded PREEMPT_RT guest).
func (r *runner) asleep(k int) bool {
	a := &r.pl.actors[k]
	var l string
	if a.thread {
		pid, tid, start := r.tid(a.at)
		l = taskLetter(pid, tid, start)
	} else {
		c := r.conns[k]
		l = taskLetter(c.pid, c.pid, 0)
		if l != "R" && helperIdle(c.pid) {
			return false // it has answered; the answer is on its way
		}
		if l != "R" && notInOp(c.pid) {
			return false // the Go runtime or an RT lock, not the op
		}
	}
	return l != "R"
}

// actorTask is the task that runs actor k's ops.
func (r *runner) actorTask(k int) (pid, tid int) {
	if a := &r.pl.actors[k]; a.thread {
		pid, tid, _ = r.tid(a.at)
		return pid, tid
	}
	return r.conns[k].pid, r.conns[k].pid
}

// userProgress remembers, per named thread, its user-mode counter and
// when it last moved (or the thread was not runnable).
type userProgress struct {
	counter []uint64
	moved   []time.Time
}

// pfExiting is PF_EXITING (include/linux/sched.h): set by exit_signals()
// at the start of do_exit().
const pfExiting = 0x4

// inKernel: some named thread is runnable ('R') and its counter has not
// moved for quietPeriod: it is running (or waiting to run) kernel code;
// or it is exiting.
func (r *runner) inKernel(p *userProgress, now time.Time) bool {
	n, busy := 0, false
	for i, pd := range r.pl.procs {
		for j := range pd.threads {
			pr := &r.procs[i]
			c := r.mem.slot(i, j).counter.Load()
			runnable := taskLetter(pr.pid, pr.tids[j], pr.starts[j]) == "R"
			if n == len(p.counter) {
				p.counter = append(p.counter, c)
				p.moved = append(p.moved, now)
			}
			if c != p.counter[n] || !runnable {
				p.counter[n], p.moved[n] = c, now
			} else if now.Sub(p.moved[n]) >= quietPeriod {
				busy = true
			}
			// A thread in do_exit() (PF_EXITING, not yet a zombie) is on
			// its way to exit_notify(), which wakes its parent, even
			// while it sleeps there ('D' on a loaded machine).
			if st, err := readTask(pr.pid, pr.tids[j]); err == nil && st.start == pr.starts[j] &&
				st.flags&pfExiting != 0 && st.state != 'Z' && st.state != 'X' {
				busy = true
			}
			n++
		}
	}
	return busy
}

// states renders the state letters of every named thread.
func (r *runner) states() string {
	var b strings.Builder
	for i, p := range r.pl.procs {
		for j, t := range p.threads {
			pr := &r.procs[i]
			fmt.Fprintf(&b, "%s=%s ", t, taskLetter(pr.pid, pr.tids[j], pr.starts[j]))
		}
	}
	return strings.TrimSpace(b.String())
}

// ---- scripts ----

// scripts runs every actor's script concurrently. It returns true if the
// deadline ended them.
func (r *runner) scripts(ctx context.Context) (timedOut bool) {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	r.runs = make([]*actorRun, len(r.pl.actors))
	for k, a := range r.pl.actors {
		ar := &actorRun{cur: -1, results: make([]opResult, len(a.script)), returned: make([]chan struct{}, len(a.script))}
		for i := range ar.returned {
			ar.returned[i] = make(chan struct{})
		}
		ar.finished = len(a.script) == 0
		r.runs[k] = ar
	}
	for k, ar := range r.runs {
		if ar.finished {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.runScript(sctx, k, ar)
		}()
	}
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	var lastFP string
	var progress userProgress
	lastChange := time.Now()
	for {
		now := time.Now()
		if ctx.Err() != nil {
			break
		}
		if !now.Before(r.deadline) {
			timedOut = true
			r.logf("deadline (%v) reached", r.opt.Timeout)
			break
		}
		all, stuck := true, true
		var fp strings.Builder
		for k, ar := range r.runs {
			ar.mu.Lock()
			if !ar.finished && !ar.failed {
				all = false
				blocked := ar.waiting || !ar.local && r.asleep(k)
				if ar.cur < 0 || ar.curKind == scenario.OpFreeze || ar.curKind == scenario.OpThaw ||
					now.Sub(ar.since) < quietPeriod || !blocked {
					stuck = false
				}
			}
			fmt.Fprintf(&fp, "%d:%d:%v ", k, ar.cur, ar.finished)
			ar.mu.Unlock()
		}
		if all {
			break
		}
		// A tracee thread that is runnable but has not run user code
		// (its counter has not moved) for the whole quiet period is in
		// the kernel on its way somewhere — say to do_exit() on a loaded
		// machine, where it may wait long for a CPU — and may still wake
		// a waiter: nothing is quiet until it gets there.
		if r.inKernel(&progress, now) {
			stuck = false
		}
		fp.WriteString(r.states())
		if s := fp.String(); s != lastFP {
			lastFP, lastChange = s, now
		} else if stuck && now.Sub(lastChange) >= quietPeriod {
			r.logf("every unfinished actor blocked and nothing changed for %v: the scripts end", quietPeriod)
			for k, ar := range r.runs {
				if !ar.finished && !ar.failed {
					pid, tid := r.actorTask(k)
					r.logf("%s asleep in %s", r.pl.actors[k].name, asleepIn(pid, tid))
				}
			}
			break
		}
		<-tick.C
	}
	cancel()
	wg.Wait()
	return timedOut
}

func (r *runner) runScript(ctx context.Context, k int, ar *actorRun) {
	a := &r.pl.actors[k]
	rng := rand.New(rand.NewPCG(uint64(r.opt.Seed), uint64(k)+1))
	for i, op := range a.script {
		if len(op.After) > 0 {
			// "after B#N": wait until B's N-th op has returned.
			ar.mu.Lock()
			ar.cur, ar.curKind, ar.since, ar.waiting = i, op.Kind, time.Now(), true
			ar.mu.Unlock()
			for _, g := range op.After {
				select {
				case <-r.runs[r.pl.byActor[g.Actor]].returned[g.N-1]:
				case <-ctx.Done():
					r.logf("%s#%d %s: pending (never started: waits for %s)", a.name, i+1, op, g)
					return
				}
			}
			ar.mu.Lock()
			ar.waiting = false
			ar.mu.Unlock()
		}
		if d := time.Duration(rng.Int64N(int64(maxDelay) + 1)); d > 0 {
			if sleepCtx(ctx, d) != nil {
				return
			}
		}
		start := time.Now()
		ar.mu.Lock()
		ar.cur, ar.curKind, ar.since = i, op.Kind, start
		// The runner's own ops are busy, not blocked: a settle always
		// ends on a real kernel (the threads cannot spin in the kernel
		// for ever), so one that does not is a wedge, not "pending".
		ar.local = op.Kind == scenario.OpSettle || op.Kind == scenario.OpObserve
		ar.mu.Unlock()
		res, err := r.exec(ctx, k, op, false)
		ar.mu.Lock()
		ar.waiting, ar.local = false, false
		if errors.Is(err, errAbandoned) {
			ar.mu.Unlock()
			r.logf("%s#%d %s: pending (since %+.3fs)", a.name, i+1, op, start.Sub(r.t0).Seconds())
			return
		}
		if err != nil {
			res = opResult{res: "error"}
			ar.failed = true
			r.mu.Lock()
			r.errs = append(r.errs, fmt.Errorf("%s#%d %s: %w", a.name, i+1, op, err))
			r.mu.Unlock()
		}
		ar.results[i], ar.cur = res, -1
		ar.mu.Unlock()
		r.logf("%s#%d %s -> %s (started %+.3fs)", a.name, i+1, op, res, start.Sub(r.t0).Seconds())
		if err != nil {
			return
		}
		close(ar.returned[i])
	}
	ar.mu.Lock()
	ar.finished = true
	ar.mu.Unlock()
}

// ---- final observations ----

func (r *runner) observe() map[string]string {
	obs := map[string]string{}
	time.Sleep(finalSettle)
	count := func() []uint64 {
		var c []uint64
		for i, p := range r.pl.procs {
			for j := range p.threads {
				c = append(c, r.mem.slot(i, j).counter.Load())
			}
		}
		return c
	}
	c0 := count()
	ran := make([]bool, len(c0))
	start := time.Now()
	for {
		time.Sleep(5 * time.Millisecond)
		all, runnable := true, false
		for i, c := range count() {
			ran[i] = ran[i] || c != c0[i]
			all = all && ran[i]
		}
		if all {
			break
		}
		n := 0
		for i, p := range r.pl.procs {
			pr := &r.procs[i]
			for j := range p.threads {
				if !ran[n] && taskLetter(pr.pid, pr.tids[j], pr.starts[j]) == "R" {
					runnable = true
				}
				n++
			}
		}
		if el := time.Since(start); el >= r.opt.Patience || (el >= ranWindow && !runnable) {
			break
		}
	}
	// The keys are read one at a time, not as a snapshot: a process
	// still exiting when they are read (its leader a zombie by the time
	// its state is read, but not when its exit status was, a thread
	// gone in between) would show a state no terminal one of the model
	// has. So they are read until two reads in a row agree, within
	// stableBound.
	read := func() map[string]string {
		m := map[string]string{}
		n := 0
		for i, p := range r.pl.procs {
			exit := r.procExit(i)
			for j, t := range p.threads {
				for _, key := range scenario.ThreadKeys {
					switch key {
					case "ran":
						m[t+".ran"] = map[bool]string{false: scenario.No, true: scenario.Yes}[ran[n]]
					case "exit":
						m[t+".exit"] = exit
					default:
						m[t+"."+key] = r.readKey(key, tref{i, j})
					}
				}
				n++
			}
		}
		return m
	}
	thr := read()
	for end := time.Now().Add(stableBound); time.Now().Before(end); {
		time.Sleep(2 * time.Millisecond)
		again := read()
		if maps.Equal(again, thr) && !r.exiting() {
			break
		}
		if !maps.Equal(again, thr) {
			r.logf("final: the threads' keys changed while read; reading them again")
		}
		thr = again
	}
	maps.Copy(obs, thr)
	// Like package model: freezer.state of each v1 cgroup, cgroup.events
	// "frozen" of each v2 one, named after its process or thread.
	for k, c := range r.pl.cgroups {
		if c.v2 {
			obs[c.name+".frozen"] = eventsFrozen(r.cg.cgs[k])
		} else {
			obs[c.name+".freezer"] = freezerState(r.cg.cgs[k])
		}
	}
	// Like package model (Machine.Observe): .done and #n for the outside
	// actors only, #n (or #n.KEY) for every op of the script, "pending"
	// for one that did not return or never started; #initN for the
	// prelude's ops. A tracee thread's ops are logged.
	for k, a := range r.pl.actors {
		if a.thread {
			continue
		}
		ar := r.runs[k]
		ar.mu.Lock()
		obs[a.name+".done"] = map[bool]string{false: scenario.No, true: scenario.Yes}[ar.finished]
		for i, res := range ar.results {
			putResult(obs, a.name+"#"+strconv.Itoa(i+1), a.script[i], res)
		}
		ar.mu.Unlock()
	}
	init := map[string]int{}
	for i, op := range r.pl.sc.Prelude {
		if r.pl.actors[r.pl.byActor[op.Actor]].thread || i >= len(r.preludeRes) {
			continue
		}
		init[op.Actor]++
		putResult(obs, op.Actor+"#init"+strconv.Itoa(init[op.Actor]), op, r.preludeRes[i])
	}
	keys := make([]string, 0, len(obs))
	for k := range obs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%s", k, obs[k])
	}
	r.logf("final:%s", b.String())
	return obs
}

// exiting: a process's leader is a zombie while another of its tasks (a
// Go runtime thread, say) is still on its way out of do_exit(): its exit
// status is not there yet, and will be in a moment. (A task frozen in a
// frozen cgroup stays so until the thaw: the final reads then wait out
// stableBound.)
func (r *runner) exiting() bool {
	for i := range r.procs {
		pr := &r.procs[i]
		if l := taskLetter(pr.pid, pr.pid, pr.starts[0]); l != "Z" && l != "X" {
			continue
		}
		for _, tid := range listTasks(pr.pid) {
			if t, err := readTask(pr.pid, tid); err == nil && t.state != 'Z' && t.state != 'X' {
				return true
			}
		}
	}
	return false
}

// procExit is the exit status of process p: "none" while it has not exited;
// else what a wait reported, or what its (zombie) leader holds.
func (r *runner) procExit(p int) string {
	r.mu.Lock()
	s, ok := r.exits[p]
	r.mu.Unlock()
	if ok {
		return s
	}
	pr := &r.procs[p]
	st, err := readTask(pr.pid, pr.pid)
	if err != nil || st.start != pr.starts[0] {
		r.logf("process %s was reaped, but no actor's wait reported its exit", r.pl.procs[p].name)
		return "unknown"
	}
	if st.state != 'Z' && st.state != 'X' {
		return resNone
	}
	for _, tid := range listTasks(pr.pid) {
		if t, err := readTask(pr.pid, tid); err == nil && t.state != 'Z' && t.state != 'X' {
			return resNone // a zombie leader with live threads has not exited
		}
	}
	fromStat := formatExitCode(st.exitCode)
	if st.ppid == r.initPid && r.initp != nil {
		// What the parent would see, without reaping.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		resp, err := r.initp.call(ctx, request{Cmd: "status", Pid: pr.pid})
		cancel()
		if err == nil && isExitResult(resp.Res) {
			if resp.Res != fromStat {
				r.logf("process %s: waitid(WNOWAIT) says %s, /proc stat exit_code says %s", r.pl.procs[p].name, resp.Res, fromStat)
			}
			return resp.Res
		}
		r.logf("process %s: waitid(WNOWAIT) by %s: %s %v; using /proc stat", r.pl.procs[p].name, initActor, resp.Res, err)
	}
	return fromStat
}

// ---- teardown ----

// teardown thaws, kills and reaps everything the run started and removes
// its cgroups, whatever state the run is in.
func (r *runner) teardown() error {
	var errs []error
	if r.cg != nil {
		for _, t := range r.cg.trees {
			thawTree(t.dir, t.v2)
			killTree(t.dir, r.initPid)
		}
	}
	reaped := false
	if r.initp != nil {
		// %init reaps its children: the actors, the tracees without a
		// Parent, and those reparented to it when their parent died.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		resp, err := r.initp.call(ctx, request{Cmd: "reap"})
		cancel()
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: reap: %w", initActor, err))
		} else {
			reaped = true
			r.logf("teardown: %s reaped %s processes", initActor, resp.Res)
		}
		_, _ = r.initp.send(request{Cmd: "quit"})
	}
	if r.initPid > 0 {
		if !reapPid(r.initPid, time.Second) {
			_ = unix.Kill(r.initPid, unix.SIGKILL)
			if !reapPid(r.initPid, 5*time.Second) {
				errs = append(errs, fmt.Errorf("%s (pid %d) not reaped", initActor, r.initPid))
			}
		}
	}
	if !reaped && r.id != "" {
		// %init died early: its children went to our reaper; at least kill
		// whatever of this run is left outside the cgroups.
		if pids := killTagged(func(id string) bool { return id == r.id }); len(pids) > 0 {
			r.logf("teardown: killed stray helpers %v", pids)
		}
	}
	if r.cg != nil {
		for _, t := range r.cg.trees {
			if err := removeTree(t.dir, t.v2, 5*time.Second); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if r.initp != nil {
		r.initp.close()
	}
	for _, c := range r.conns {
		if c != nil {
			c.close()
		}
	}
	if r.mem != nil {
		_ = unix.Munmap(r.mem.b)
		r.mem = nil
	}
	if r.memfd >= 0 {
		unix.Close(r.memfd)
		r.memfd = -1
	}
	if r.stderrDone != nil {
		select {
		case <-r.stderrDone:
		case <-time.After(time.Second):
			errs = append(errs, fmt.Errorf("a helper still holds the stderr pipe"))
		}
	}
	return errors.Join(errs...)
}

// reapPid reaps our child pid, waiting at most bound.
func reapPid(pid int, bound time.Duration) bool {
	end := time.Now().Add(bound)
	for {
		var ws unix.WaitStatus
		got, err := unix.Wait4(pid, &ws, unix.WNOHANG, nil)
		if got == pid || (err != nil && err != unix.EINTR) {
			return true // reaped, or not (any longer) our child
		}
		if time.Now().After(end) {
			return false
		}
		time.Sleep(time.Millisecond)
	}
}
