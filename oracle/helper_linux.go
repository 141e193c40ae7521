package oracle

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"jobctl/scenario"
)

// Helper processes are re-execs of the jobctl binary (or of the test binary)
// selected by the environment:
//
//	JOBCTL_ORACLE_HELPER=tracee  one scenario process; its threads spin
//	JOBCTL_ORACLE_HELPER=actor   an outside actor (or the init-like parent),
//	                             driven over a pipe by the runner
//
// The process tree of one run (all in the runner's session; every tracee in
// its own process group, so that a SIGTSTP is not dropped as sent to an
// orphaned group (kernel/signal.c:get_signal() => is_current_pgrp_orphaned())
// and a Ctrl-C to the runner's group reaches no helper):
//
//	runner
//	 └─ %init        PR_SET_CHILD_SUBREAPER, never waits until cleanup
//	     ├─ actor P  (the real parent of the processes naming it Parent)
//	     │   └─ tracee T2
//	     ├─ actor S
//	     └─ tracee T (no Parent)
//
// %init is a subreaper so that a tracee whose parent actor exits is
// reparented to it (kernel/exit.c:find_new_reaper(), v6.18), stays a zombie
// until cleanup, and its process group does not become orphaned (which would
// bring SIGHUP+SIGCONT on a stopped group: kernel/exit.c:kill_orphaned_pgrp()).
const (
	envHelper    = "JOBCTL_ORACLE_HELPER"
	envRun       = "JOBCTL_ORACLE_RUN"
	envName      = "JOBCTL_ORACLE_NAME"
	envCgroup    = "JOBCTL_ORACLE_CGROUP"
	envSlot      = "JOBCTL_ORACLE_SLOT"
	envThreads   = "JOBCTL_ORACLE_THREADS"
	envExe       = "JOBCTL_ORACLE_EXE"
	envSubreaper = "JOBCTL_ORACLE_SUBREAPER"
	envMasked    = "JOBCTL_ORACLE_MASKED" // tracee: already re-executed with signals blocked
	// envStartDelay (tests only): an actor sleeps this long before it
	// joins its cgroup, as one does whose cgroup write waits for an RCU
	// grace period on a slow PREEMPT_RT guest.
	envStartDelay = "JOBCTL_ORACLE_TEST_START_DELAY"
)

// File descriptors of a helper.
const (
	fdShm  = 3 // the memfd with the thread slots
	fdCmd  = 4 // requests from the runner (actors)
	fdResp = 5 // responses to the runner (actors)
)

func init() {
	// Tracee: the main goroutine runs Threads[0], which must be the
	// thread-group leader, i.e. the main thread. Actor: every ptrace
	// request must come from the one thread that attached
	// (kernel/ptrace.c:ptrace_check_attach() wants child->parent ==
	// current), so all of an actor's ops run on the main thread.
	switch os.Getenv(envHelper) {
	case "tracee", "actor":
		runtime.LockOSThread()
	}
}

// HelperMain runs the helper modes of the jobctl binary (tracee and actor
// processes). cmd/jobctl calls it first thing in main(), a test binary from
// TestMain. It returns false when this process is not a helper; in a helper
// it never returns (the helper exits when done or when its runner goes).
func HelperMain() bool {
	mode := os.Getenv(envHelper)
	switch mode {
	case "":
		return false
	case "tracee":
		traceeMain()
	case "actor":
		actorMain()
	}
	fmt.Fprintf(os.Stderr, "jobctl oracle: unknown helper mode %q\n", mode)
	os.Exit(2)
	return true
}

func helperFatal(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s %s[%d]: %s\n", os.Getenv(envHelper), os.Getenv(envName), os.Getpid(), fmt.Sprintf(format, args...))
	os.Exit(3)
}

// setCloexecFrom marks every inherited descriptor >= from close-on-exec, so
// that the processes a helper starts inherit only what it passes on.
func setCloexecFrom(from int) {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return
	}
	for _, e := range ents {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd >= from {
			unix.CloseOnExec(fd)
		}
	}
}

// ---- tracee ----

// traceeMain runs one scenario process: join its cgroup, reset every signal
// to SIG_DFL (the Go runtime installs handlers for most; the model assumes
// the default actions), start the threads and spin.
func traceeMain() {
	if os.Getenv(envMasked) == "" {
		execMasked()
	}
	if err := joinCgroup(os.Getenv(envCgroup)); err != nil {
		helperFatal("join cgroup: %v", err)
	}
	setCloexecFrom(fdShm)
	// No core files: a SIGQUIT/SIGABRT/SIGSEGV death reports no ",core".
	_ = unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{})
	p, err1 := strconv.Atoi(os.Getenv(envSlot))
	n, err2 := strconv.Atoi(os.Getenv(envThreads))
	if err1 != nil || err2 != nil || p < 0 || p >= maxProcs || n < 1 || n > maxThreads {
		helperFatal("bad %s/%s", envSlot, envThreads)
	}
	b, err := unix.Mmap(fdShm, 0, shmSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		helperFatal("mmap: %v", err)
	}
	m := &shm{b: b}
	resetSignals()
	sigHandler, sigRestorer = sigHandlerAddrs()
	for j := 1; j < n; j++ {
		go func() {
			runtime.LockOSThread() // never unlocked: one OS thread per named thread
			spin(m.slot(p, j))
		}()
	}
	spin(m.slot(p, 0))
}

// execMasked re-executes the tracee with every signal blocked. execve keeps
// the signal mask, the Go runtime takes the mask a process starts with as
// the mask of every thread it makes (runtime: initSigmask, m.sigmask,
// minitSignalMask()), and unblocks only the signals it cannot do without:
// SIGHUP SIGINT SIGQUIT SIGILL SIGTRAP SIGABRT SIGBUS SIGFPE SIGSEGV SIGTERM
// SIGSTKFLT SIGCHLD SIGPROF SIGSYS (runtime.blockableSig). The named threads
// unblock everything for themselves (spin). So a group-directed signal that
// no named thread can take now (all stopped or traced) stays pending, as in
// a process made of the named threads only, instead of being taken by a
// runtime thread (kernel/signal.c:complete_signal() picks a thread for
// which wants_signal(): the signal not blocked), for every signal but
// SIGSTOP, SIGKILL and the ones listed.
func execMasked() {
	all := ^uint64(0)
	if _, _, e := unix.RawSyscall6(unix.SYS_RT_SIGPROCMASK, unix.SIG_SETMASK, uintptr(unsafe.Pointer(&all)), 0, 8, 0, 0); e != 0 {
		helperFatal("block signals: %v", e)
	}
	err := unix.Exec("/proc/self/exe", os.Args, append(os.Environ(), envMasked+"=1"))
	helperFatal("re-exec with signals blocked: %v", err)
}

// kernelSigaction is struct sigaction as rt_sigaction(2) takes it (x86-64
// and arm64 layout: handler, flags, restorer, mask).
type kernelSigaction struct {
	handler  uintptr
	flags    uint64
	restorer uintptr
	mask     uint64
}

// resetSignals sets every signal 1..31 but SIGKILL/SIGSTOP to SIG_DFL,
// behind the Go runtime's back (it never reinstalls a handler unless
// os/signal asks it to). Signal dispositions are per process.
func resetSignals() {
	for sig := 1; sig <= 31; sig++ {
		if sig == int(unix.SIGKILL) || sig == int(unix.SIGSTOP) {
			continue
		}
		sa := kernelSigaction{} // SIG_DFL
		unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(&sa)), 0, 8, 0, 0)
	}
}

// spin is the body of one tracee thread: publish the tid, then count and
// obey commands, forever.
//
// The loop must never give the Go scheduler a chance to park the
// goroutine: sysmon marks every goroutine that runs for more than 10ms for
// preemption (runtime: retake() => preemptone()), and with asynchronous
// preemption off the mark takes effect at the next function prologue that
// checks the stack. If it parked there (a thread about to raise, say), it
// would wait for a P that the other named threads, which never yield, do
// not give back. So the loop makes no call but to threadOp, which, like
// everything it calls, is //go:nosplit (no stack check, no preemption).
func spin(s *slot) {
	var empty uint64
	unix.RawSyscall6(unix.SYS_RT_SIGPROCMASK, unix.SIG_SETMASK, uintptr(unsafe.Pointer(&empty)), 0, 8, 0, 0)
	pid := uintptr(unix.Getpid())
	tid := uintptr(unix.Gettid())
	s.tid.Store(int32(tid))
	last := s.cmdSeq.Load()
	for {
		s.counter.Add(1)
		if seq := s.cmdSeq.Load(); seq != last {
			last = seq
			op := s.cmdOp.Load()
			a0 := uintptr(s.arg0.Load())
			s.entered.Store(seq)
			s.result.Store(int32(threadOp(op, a0, pid, tid)))
			s.ack.Store(seq)
		}
	}
}

// nanosleepForever is the request of "sleep": 68 years (the largest time
// a 32-bit time_t holds).
var nanosleepForever = unix.Timespec{Sec: math.MaxInt32}

// sigHandler and sigRestorer are the tracee's do-nothing signal handler and
// its restorer ("handle"), set before the threads start.
var sigHandler, sigRestorer uintptr

// rt_sigaction(2) flags (include/uapi/asm-generic/signal.h).
const (
	saRestorer = 0x04000000
	saOnstack  = 0x08000000
)

// threadOp performs one tracee-thread op with a raw system call and returns
// the errno. It must stay //go:nosplit and call only //go:nosplit code
// (syscall.RawSyscall is): see spin.
//
//go:nosplit
func threadOp(op uint32, a0, pid, tid uintptr) syscall.Errno {
	var e syscall.Errno
	switch scenario.OpKind(op) {
	case scenario.OpRaise: // tgkill(getpid(), gettid(), sig)
		_, _, e = syscall.RawSyscall(unix.SYS_TGKILL, pid, tid, a0)
	case scenario.OpPause: // "sleep"
		// nanosleep(2): do_nanosleep() sleeps
		// TASK_INTERRUPTIBLE|TASK_FREEZABLE (kernel/time/hrtimer.c,
		// v6.18), so a freezer freezes it in place. With every signal
		// at SIG_DFL it is restarted after a stop and never returns.
		_, _, e = syscall.RawSyscall(unix.SYS_NANOSLEEP, uintptr(unsafe.Pointer(&nanosleepForever)), 0, 0)
	case scenario.OpSyscall:
		// Any system call: under PTRACE_SYSCALL it makes a
		// syscall-entry stop (ptrace_report_syscall_entry()), and an
		// exit stop after it.
		_, _, e = syscall.RawSyscall(unix.SYS_GETPID, 0, 0, 0)
	case scenario.OpExitGroup:
		_, _, e = syscall.RawSyscall(unix.SYS_EXIT_GROUP, a0, 0, 0)
	case scenario.OpTraceme:
		// ptrace(PTRACE_TRACEME): the real parent — the actor helper
		// whose main thread forked this process — becomes the tracer.
		_, _, e = syscall.RawSyscall(unix.SYS_PTRACE, unix.PTRACE_TRACEME, 0, 0)
	case scenario.OpIgnore, scenario.OpHandle, scenario.OpDefault:
		// rt_sigaction(2): dispositions are per process. The handler
		// runs on the taking thread's signal stack (SA_ONSTACK: the
		// Go runtime gives every thread one), blocks only its own
		// signal (no sa_mask, no SA_NODEFER), and returns at once.
		sa := kernelSigaction{} // SIG_DFL
		switch scenario.OpKind(op) {
		case scenario.OpIgnore:
			sa.handler = 1 // SIG_IGN
		case scenario.OpHandle:
			sa = kernelSigaction{handler: sigHandler, flags: saOnstack | saRestorer, restorer: sigRestorer}
		}
		_, _, e = syscall.RawSyscall6(unix.SYS_RT_SIGACTION, a0, uintptr(unsafe.Pointer(&sa)), 0, 8, 0, 0)
	case scenario.OpBlock, scenario.OpUnblock:
		// rt_sigprocmask(2) on this thread.
		how := uintptr(unix.SIG_BLOCK)
		if scenario.OpKind(op) == scenario.OpUnblock {
			how = unix.SIG_UNBLOCK
		}
		set := uint64(1) << (a0 - 1)
		_, _, e = syscall.RawSyscall6(unix.SYS_RT_SIGPROCMASK, how, uintptr(unsafe.Pointer(&set)), 0, 8, 0, 0)
	default:
		e = unix.ENOSYS
	}
	return e
}

// ---- actor ----

// request is one command from the runner to an actor helper.
type request struct {
	Seq int    `json:"seq"`
	Cmd string `json:"cmd"` // op, spawn, status, reap, quit

	// op / status
	Op    scenario.OpKind `json:"op,omitempty"`
	Pid   int             `json:"pid,omitempty"`
	Tid   int             `json:"tid,omitempty"`
	Sig   int             `json:"sig,omitempty"`
	Flags uint32          `json:"flags,omitempty"`
	Dir   string          `json:"dir,omitempty"` // freeze/thaw: the cgroup
	V2    bool            `json:"v2,omitempty"`
	Bound time.Duration   `json:"bound,omitempty"` // freeze: how long to try

	// spawn: start a helper with fds 3.. = Fds of this helper
	Env        []string `json:"env,omitempty"`
	Fds        []int    `json:"fds,omitempty"`
	CloseAfter []int    `json:"close_after,omitempty"`
	Setpgid    bool     `json:"setpgid,omitempty"`
	Setsid     bool     `json:"setsid,omitempty"`
	Pdeathsig  bool     `json:"pdeathsig,omitempty"`
}

// response answers the request with the same Seq.
type response struct {
	Seq  int    `json:"seq"`
	Res  string `json:"res,omitempty"`  // op result
	Pid  int    `json:"pid,omitempty"`  // spawn: the child
	Err  string `json:"err,omitempty"`  // the helper could not do it
	Note string `json:"note,omitempty"` // extra detail for the log
}

func actorMain() {
	if d, err := time.ParseDuration(os.Getenv(envStartDelay)); err == nil {
		time.Sleep(d)
	}
	if err := joinCgroup(os.Getenv(envCgroup)); err != nil {
		helperFatal("join cgroup: %v", err)
	}
	if os.Getenv(envSubreaper) == "1" {
		if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
			helperFatal("PR_SET_CHILD_SUBREAPER: %v", err)
		}
	}
	setCloexecFrom(fdShm)
	// The ops' thread blocks SIGCHLD: the Go runtime's SIGCHLD handler
	// would otherwise interrupt a wait4/waitid asleep in do_wait() and
	// the restarted call would scan the children again without a
	// __wake_up_parent() for the child it waits for (kernel/exit.c:
	// child_wait_callback()). The signal goes to another thread.
	chld := uint64(1) << (unix.SIGCHLD - 1)
	if _, _, e := unix.RawSyscall6(unix.SYS_RT_SIGPROCMASK, unix.SIG_BLOCK, uintptr(unsafe.Pointer(&chld)), 0, 8, 0, 0); e != 0 {
		helperFatal("block SIGCHLD: %v", e)
	}
	devnull, err := unix.Open("/dev/null", unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		helperFatal("open /dev/null: %v", err)
	}
	exe := os.Getenv(envExe)
	dec := json.NewDecoder(os.NewFile(fdCmd, "cmd"))
	enc := json.NewEncoder(os.NewFile(fdResp, "resp"))
	// The runner is gone (its end of the pipes closed) without a "quit":
	// %init tears the run down (orphan_linux.go); an actor just exits.
	gone := func() {
		if os.Getenv(envSubreaper) == "1" {
			orphanTeardown()
		}
		os.Exit(0)
	}
	for {
		var req request
		if err := dec.Decode(&req); err != nil {
			gone()
		}
		resp := actorDo(req, exe, devnull)
		resp.Seq = req.Seq
		if err := enc.Encode(resp); err != nil {
			gone()
		}
		if req.Cmd == "quit" || (req.Cmd == "op" && req.Op == scenario.OpExit) {
			// exit_group(): a tracer's tracees are detached by
			// kernel/exit.c:exit_notify() => forget_original_parent()
			// => exit_ptrace().
			unix.Exit(0)
		}
	}
}

// actorDo performs one request on the calling (main, locked) thread.
func actorDo(req request, exe string, devnull int) response {
	switch req.Cmd {
	case "op":
		switch req.Op {
		case scenario.OpWait:
			res, pid := doWait(req.Tid, cInt(req.Flags))
			return response{Res: res, Pid: pid}
		case scenario.OpWaitid:
			res, pid := doWaitid(req.Tid, cInt(req.Flags))
			return response{Res: res, Pid: pid}
		}
		res, note := actorOp(req)
		return response{Res: res, Note: note}
	case "spawn":
		files := []uintptr{uintptr(devnull), uintptr(devnull), 2}
		for _, fd := range req.Fds {
			files = append(files, uintptr(fd))
		}
		sys := &syscall.SysProcAttr{Setpgid: req.Setpgid, Setsid: req.Setsid}
		if req.Pdeathsig {
			sys.Pdeathsig = syscall.SIGKILL
		}
		pid, err := syscall.ForkExec(exe, []string{exe}, &syscall.ProcAttr{Dir: "/", Env: req.Env, Files: files, Sys: sys})
		for _, fd := range req.CloseAfter {
			unix.Close(fd)
		}
		if err != nil {
			return response{Err: fmt.Sprintf("fork/exec %s: %v", exe, err)}
		}
		return response{Pid: pid}
	case "status":
		// What the parent would get, without reaping (waitid WNOWAIT).
		return response{Res: statusOf(req.Pid)}
	case "reap":
		n := 0
		for {
			var ws unix.WaitStatus
			_, err := unix.Wait4(-1, &ws, unix.WALL, nil)
			if err == unix.EINTR {
				continue
			}
			if err != nil {
				return response{Res: strconv.Itoa(n), Note: errnoName(err)}
			}
			n++
		}
	case "ready":
		// Answered once the helper's start (joining its cgroup, ...)
		// is over and it reads requests.
		return response{Res: resOK}
	case "quit":
		return response{Res: resOK}
	}
	return response{Err: fmt.Sprintf("unknown command %q", req.Cmd)}
}

// ptrace issues one ptrace request from the calling thread.
func ptrace(req int, tid int, addr, data uintptr) error {
	_, _, e := unix.Syscall6(unix.SYS_PTRACE, uintptr(req), uintptr(tid), addr, data, 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

// actorOp performs one scenario op and returns its result string.
func actorOp(req request) (res, note string) {
	switch req.Op {
	case scenario.OpKill:
		return errnoName(unix.Kill(req.Pid, syscall.Signal(req.Sig))), ""
	case scenario.OpTkill:
		return errnoName(unix.Tgkill(req.Pid, req.Tid, syscall.Signal(req.Sig))), ""
	case scenario.OpFreeze:
		return freezeCgroup(req.Dir, req.V2, req.Bound), ""
	case scenario.OpThaw:
		return thawCgroup(req.Dir, req.V2), ""
	case scenario.OpAttach:
		// Blocks in wait_on_bit(JOBCTL_TRAPPING) while a stopped tracee
		// re-traps, i.e. until the thaw for a frozen one
		// (kernel/ptrace.c:ptrace_attach(), v6.18; docs/SCENARIOS.md, R13).
		return errnoName(ptrace(unix.PTRACE_ATTACH, req.Tid, 0, 0)), ""
	case scenario.OpSeize:
		return errnoName(ptrace(unix.PTRACE_SEIZE, req.Tid, 0, uintptr(req.Flags))), ""
	case scenario.OpSetoptions:
		return errnoName(ptrace(unix.PTRACE_SETOPTIONS, req.Tid, 0, uintptr(req.Flags))), ""
	case scenario.OpGetsiginfo:
		var info [128]byte
		if err := ptrace(unix.PTRACE_GETSIGINFO, req.Tid, 0, uintptr(unsafe.Pointer(&info[0]))); err != nil {
			return errnoName(err), ""
		}
		i32 := func(off int) int { return int(*(*int32)(unsafe.Pointer(&info[off]))) }
		return formatPtraceSiginfo(i32(0), i32(8)), ""
	case scenario.OpInterrupt:
		return errnoName(ptrace(unix.PTRACE_INTERRUPT, req.Tid, 0, 0)), ""
	case scenario.OpListen:
		return errnoName(ptrace(unix.PTRACE_LISTEN, req.Tid, 0, 0)), ""
	case scenario.OpCont:
		return errnoName(ptrace(unix.PTRACE_CONT, req.Tid, 0, uintptr(req.Sig))), ""
	case scenario.OpDetach:
		return errnoName(ptrace(unix.PTRACE_DETACH, req.Tid, 0, uintptr(req.Sig))), ""
	case scenario.OpPtraceSyscall:
		return errnoName(ptrace(unix.PTRACE_SYSCALL, req.Tid, 0, uintptr(req.Sig))), ""
	case scenario.OpPtraceKill:
		return errnoName(ptrace(unix.PTRACE_KILL, req.Tid, 0, 0)), ""
	case scenario.OpGetregs:
		return getRegs(req.Tid)
	case scenario.OpWait, scenario.OpWaitid:
		// The runner reads the pid back from the response (see
		// actorDo).
		return "", ""
	case scenario.OpExit:
		return resOK, ""
	}
	return "ENOSYS", "op " + req.Op.String() + " is not run by actors"
}

// cInt is wait flags as the kernel's int options: __WCLONE is its sign
// bit.
func cInt(f uint32) int { return int(int32(f)) }

// doWait is the "wait" op: wait4(pid, &status, flags, NULL), exactly
// (kernel/exit.c:kernel_wait4(), v6.18); pid -1 for "wait any". It
// returns the result and the pid the call returned (0 for none).
func doWait(pid, flags int) (string, int) {
	for {
		var ws unix.WaitStatus
		got, err := unix.Wait4(pid, &ws, flags, nil)
		switch {
		case err == unix.EINTR:
			continue // a handler ran (SA_RESTART does not restart wait4 after a stop signal)
		case err != nil:
			return errnoName(err), 0
		case got == 0:
			return resNone, 0
		}
		return formatWaitStatus(uint32(ws)), got
	}
}

// P_ALL and P_PID (include/uapi/linux/wait.h).
const (
	pAll = 0
	pPid = 1
)

// doWaitid is the "waitid" op: waitid(P_PID, pid, &info, flags, NULL), or
// waitid(P_ALL, 0, ...) for pid -1, exactly (kernel/exit.c:
// kernel_waitid_prepare(), v6.18). It returns the siginfo as a result
// and si_pid.
func doWaitid(pid, flags int) (string, int) {
	idtype, id := pPid, pid
	if pid < 0 {
		idtype, id = pAll, 0
	}
	for {
		r, got, err := waitid(idtype, id, flags)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return errnoName(err), 0
		}
		return r, got
	}
}

// waitid(idtype, id, &info, flags, NULL), decoded from the x86-64/arm64
// siginfo layout: si_code at 8, si_pid at 16, si_status at 24.
func waitid(idtype, id, flags int) (string, int, error) {
	var info [128]byte
	_, _, e := unix.Syscall6(unix.SYS_WAITID, uintptr(idtype), uintptr(id), uintptr(unsafe.Pointer(&info[0])), uintptr(flags), 0, 0)
	if e != 0 {
		return "", 0, e
	}
	i32 := func(off int) int { return int(*(*int32)(unsafe.Pointer(&info[off]))) }
	return formatSiginfo(i32(16), i32(8), i32(24)), i32(16), nil
}

// statusOf is what the parent would get for pid, without reaping
// (waitid WEXITED|WNOWAIT|WNOHANG|__WALL), as wait4 spells it.
func statusOf(pid int) string {
	r, _, err := waitid(pPid, pid, scenario.WEXITED|scenario.WNOWAIT|scenario.WNOHANG|scenario.WALL)
	if err != nil {
		return errnoName(err)
	}
	return cldToWait(r)
}
