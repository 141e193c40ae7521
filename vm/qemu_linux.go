package vm

import (
	"bufio"
	"bytes"
	"context"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// QEMU is the emulator Run starts (Debian package qemu-system-x86).
const QEMU = "qemu-system-x86_64"

// Config says what to boot and what to run in it.
type Config struct {
	// Kernel is the image to boot: a bzImage (arch/x86/boot/bzImage) or a
	// distribution's vmlinuz.
	Kernel string
	// Exe is the binary that becomes the guest's /init and runs the job;
	// "" means os.Executable(). It must be statically linked
	// (CGO_ENABLED=0) and call GuestMain first thing in main.
	Exe string
	// Args are the job's arguments (argv[1:]); Dir its working directory
	// in the guest (created; "" means /); Env is added to its environment
	// (PATH=/ HOME=/ TMPDIR=/tmp).
	Args []string
	Dir  string
	Env  []string
	// Files are put into the initramfs at their paths.
	Files []File
	// Accel is "kvm", "tcg" or "auto" ("" too): KVM when it works, else TCG.
	Accel string
	// CPUs and MemMiB size the guest (defaults 2 and 1024).
	CPUs, MemMiB int
	// Append is added to the kernel command line.
	Append string
	// BootTimeout bounds the wait for the guest's first record (default
	// 120s under TCG; a KVM attempt that takes longer than 20s falls back
	// to TCG under "auto").
	BootTimeout time.Duration
	// Silence: once booted, a guest that sends nothing (not even its tick,
	// once a second) for this long is wedged and killed (default 60s).
	Silence time.Duration
	// Stdout and Stderr receive what the job writes (nil: discarded).
	Stdout, Stderr io.Writer
	// Booted, if set, is called once the guest has said hello.
	Booted func(Boot)
}

// Boot is how the guest came up.
type Boot struct {
	Accel   string    // "kvm" or "tcg"
	NoKVM   string    // with "tcg": why not KVM
	Guest   GuestInfo // what the guest's kernel says about itself
	QEMUPid int
}

// Result is the end of a Run.
type Result struct {
	Boot
	Booted   bool
	ExitCode int    // the job's exit status (valid when err is nil)
	Console  string // the last lines of the guest's console
}

var (
	// ErrWedged: the guest stopped sending anything for Config.Silence.
	ErrWedged = errors.New("the guest stopped answering")
	// ErrNoExit: QEMU ended before the job's exit status came back (a
	// kernel panic, the job's init died, QEMU failed).
	ErrNoExit = errors.New("the guest ended before the job did")
)

const (
	envOwner      = "JOBCTL_VM_OWNER"
	kvmBootWindow = 20 * time.Second
	consoleKeep   = 16 << 10
)

// Run boots cfg.Kernel under QEMU with an initramfs made of cfg.Exe (as
// /init), the job and cfg.Files; the guest's init runs cfg.Exe with
// cfg.Args and sends back what it writes, which goes to cfg.Stdout and
// cfg.Stderr. Run returns the job's exit status once the guest has
// powered off. On every path (a cancelled ctx, a wedged or crashed
// guest, an error) QEMU is killed and reaped before Run returns.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if err := cfg.defaults(); err != nil {
		return Result{}, err
	}
	qemu, err := exec.LookPath(QEMU)
	if err != nil {
		return Result{}, fmt.Errorf("%s not found (Debian: apt-get install qemu-system-x86; scripts/fetch-kernels installs it)", QEMU)
	}
	initrd, err := buildInitramfs(cfg)
	if err != nil {
		return Result{}, err
	}
	defer initrd.Close()
	sweep()

	accel := cfg.Accel
	var noKVM string
	if accel == "auto" {
		accel = "kvm"
		if why := kvmUnusable(); why != "" {
			accel, noKVM = "tcg", why
		}
	}
	res, err, early := attempt(ctx, cfg, qemu, initrd, accel, noKVM)
	if early != "" && cfg.Accel == "auto" && accel == "kvm" && ctx.Err() == nil {
		res, err, early = attempt(ctx, cfg, qemu, initrd, "tcg", early)
	}
	if early != "" && err == nil {
		err = fmt.Errorf("%s: the guest did not start: %s", cfg.Kernel, early)
	}
	return res, err
}

func (cfg *Config) defaults() error {
	if cfg.Kernel == "" {
		return fmt.Errorf("no kernel image")
	}
	fi, err := os.Stat(cfg.Kernel)
	if err != nil {
		return fmt.Errorf("kernel image: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("kernel image %s is not a regular file", cfg.Kernel)
	}
	switch cfg.Accel {
	case "":
		cfg.Accel = "auto"
	case "auto", "kvm", "tcg":
	default:
		return fmt.Errorf("accelerator %q: want auto, kvm or tcg", cfg.Accel)
	}
	if cfg.Exe == "" {
		if cfg.Exe, err = os.Executable(); err != nil {
			return fmt.Errorf("find this binary: %w", err)
		}
	}
	if cfg.Dir == "" {
		cfg.Dir = "/"
	}
	if cfg.CPUs <= 0 {
		cfg.CPUs = 2
	}
	if cfg.MemMiB <= 0 {
		cfg.MemMiB = 1024
	}
	if cfg.BootTimeout <= 0 {
		cfg.BootTimeout = 120 * time.Second
	}
	if cfg.Silence <= 0 {
		cfg.Silence = 60 * time.Second
	}
	if cfg.Stdout == nil {
		cfg.Stdout = io.Discard
	}
	if cfg.Stderr == nil {
		cfg.Stderr = io.Discard
	}
	return nil
}

// buildInitramfs writes the guest's initramfs into a memfd.
func buildInitramfs(cfg Config) (*os.File, error) {
	exe, err := os.ReadFile(cfg.Exe)
	if err != nil {
		return nil, fmt.Errorf("the guest's init: %w", err)
	}
	if err := checkStatic(cfg.Exe, exe); err != nil {
		return nil, err
	}
	job, _ := json.Marshal(guestJob{Args: cfg.Args, Dir: filepath.Clean(cfg.Dir), Env: cfg.Env})
	files := append([]File{
		{Path: "/init", Mode: 0o755, Data: exe},
		{Path: guestJobPath, Mode: 0o644, Data: job},
	}, cfg.Files...)
	for _, f := range cfg.Files {
		if f.Path == "/init" || f.Path == guestJobPath {
			return nil, fmt.Errorf("initramfs: %s is reserved", f.Path)
		}
	}
	fd, err := unix.MemfdCreate("jobctl-initramfs", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("memfd_create: %w", err)
	}
	f := os.NewFile(uintptr(fd), "jobctl-initramfs")
	if err := writeInitramfs(f, files, filepath.Clean(cfg.Dir)); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// checkStatic refuses a dynamically linked init: the initramfs holds no
// loader and no libraries.
func checkStatic(name string, b []byte) error {
	ef, err := elf.NewFile(bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("the guest's init %s: %v", name, err)
	}
	defer ef.Close()
	if ef.Machine != elf.EM_X86_64 {
		return fmt.Errorf("the guest's init %s is for %v, the guest is x86-64", name, ef.Machine)
	}
	for _, p := range ef.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("the guest's init %s is dynamically linked; build it with CGO_ENABLED=0 (the guest has no libraries)", name)
		}
	}
	return nil
}

// kvmUnusable says why KVM cannot even be tried, or "".
func kvmUnusable() string {
	f, err := os.OpenFile("/dev/kvm", os.O_RDWR|syscall.O_CLOEXEC, 0)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	const kvmGetAPIVersion = 0xae00 // _IO(KVMIO, 0x00), include/uapi/linux/kvm.h
	v, _, errno := unix.Syscall(unix.SYS_IOCTL, f.Fd(), kvmGetAPIVersion, 0)
	if errno != 0 {
		return "/dev/kvm: KVM_GET_API_VERSION: " + errno.Error()
	}
	if v != 12 {
		return fmt.Sprintf("/dev/kvm: KVM API version %d, want 12", v)
	}
	return ""
}

// qemuArgs is the command line for one boot. fd 3 is the initramfs, fd 4
// the console's pipe, fd 5 the results pipe.
func qemuArgs(cfg Config, accel string) []string {
	args := []string{
		"-name", "jobctl-guest", "-nodefaults", "-no-user-config", "-display", "none",
		"-no-reboot", "-m", fmt.Sprint(cfg.MemMiB), "-smp", fmt.Sprint(cfg.CPUs),
		"-kernel", cfg.Kernel, "-initrd", "/proc/self/fd/3",
		// panic=-1: a panicking guest reboots, which -no-reboot turns
		// into QEMU's exit. rcu_expedited: every cgroup.procs write waits
		// for an RCU grace period (rcu_sync_enter()), slow under TCG;
		// expedited ones are quick, and RCU's speed is not what is tested.
		"-append", strings.TrimSpace("console=ttyS0 panic=-1 quiet rcupdate.rcu_expedited=1 " + cfg.Append),
		"-chardev", "file,id=con,path=/proc/self/fd/4", "-serial", "chardev:con",
		"-chardev", "file,id=res,path=/proc/self/fd/5", "-serial", "chardev:res",
	}
	if accel == "kvm" {
		return append(args, "-accel", "kvm", "-cpu", "host")
	}
	return append(args, "-accel", "tcg,thread=multi", "-cpu", "max")
}

// attempt is one boot. early is set, with the reason, when the guest never
// said hello: under "auto", a KVM boot is then retried with TCG.
func attempt(ctx context.Context, cfg Config, qemu string, initrd *os.File, accel, noKVM string) (res Result, err error, early string) {
	res.Accel, res.NoKVM = accel, noKVM
	conR, conW, err1 := os.Pipe()
	resR, resW, err2 := os.Pipe()
	errR, errW, err3 := os.Pipe()
	if err := errors.Join(err1, err2, err3); err != nil {
		for _, f := range []*os.File{conR, conW, resR, resW, errR, errW} {
			if f != nil {
				f.Close()
			}
		}
		return res, fmt.Errorf("pipe: %w", err), ""
	}
	cmd := exec.Command(qemu, qemuArgs(cfg, accel)...)
	cmd.ExtraFiles = []*os.File{initrd, conW, resW}
	cmd.Stderr = errW
	cmd.Env = append(os.Environ(), envOwner+"="+ownerTag(os.Getpid()))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	q, serr := startLocked(cmd)
	conW.Close()
	resW.Close()
	errW.Close()
	if serr != nil {
		conR.Close()
		resR.Close()
		errR.Close()
		return res, fmt.Errorf("start %s: %w", QEMU, serr), ""
	}
	res.QEMUPid = cmd.Process.Pid
	defer q.stop()

	console := &tail{max: consoleKeep}
	qerr := &tail{max: 4 << 10}
	var readers sync.WaitGroup
	readers.Add(2)
	go func() { defer readers.Done(); io.Copy(console, conR); conR.Close() }()
	go func() { defer readers.Done(); io.Copy(qerr, errR); errR.Close() }()
	records := make(chan record)
	badRecord := make(chan error, 1)
	done := make(chan struct{}) // attempt has returned: nobody reads records
	defer close(done)
	go func() {
		defer close(records)
		defer resR.Close()
		sc := bufio.NewScanner(resR)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			r, err := decodeRecord(sc.Text())
			if err != nil {
				badRecord <- err
				return
			}
			select {
			case records <- r:
			case <-done:
				return
			}
		}
	}()
	finish := func() {
		q.stop()
		readers.Wait()
		res.Console = console.String()
	}

	limit := cfg.BootTimeout
	if accel == "kvm" && cfg.Accel == "auto" && limit > kvmBootWindow {
		limit = kvmBootWindow
	}
	timer := time.NewTimer(limit)
	defer timer.Stop()
	exited := false
	for {
		select {
		case <-ctx.Done():
			finish()
			return res, ctx.Err(), ""
		case err := <-badRecord:
			finish()
			return res, err, ""
		case <-timer.C:
			finish()
			switch {
			case exited:
				return res, nil, "" // it did not power off; QEMU was killed
			case !res.Booted:
				return res, nil, fmt.Sprintf("no sign of life from the guest within %v (%s)", limit, accel)
			}
			return res, fmt.Errorf("%w: nothing from it for %v; QEMU was killed", ErrWedged, cfg.Silence), ""
		case r, ok := <-records:
			if !ok {
				// QEMU closed the port: it has exited, or is about to.
				q.waitOrKill(5 * time.Second)
				finish()
				switch {
				case exited:
					return res, nil, ""
				case !res.Booted:
					return res, nil, qemuFailure(qerr.String(), q)
				}
				return res, fmt.Errorf("%w (%s)", ErrNoExit, q.status()), ""
			}
			if !exited {
				timer.Reset(cfg.Silence)
			}
			switch r.kind {
			case recHello:
				res.Booted, res.Guest = true, r.info
				if cfg.Booted != nil {
					cfg.Booted(res.Boot)
				}
			case recOut:
				io.WriteString(cfg.Stdout, r.text)
			case recErr:
				io.WriteString(cfg.Stderr, r.text)
			case recNote:
				fmt.Fprintf(cfg.Stderr, "guest: %s\n", r.text)
			case recExit:
				exited, res.ExitCode = true, r.code
				// The guest powers off next; give it a moment.
				timer.Reset(15 * time.Second)
			}
		}
	}
}

// qemuFailure explains a QEMU that ended before the guest said hello.
func qemuFailure(stderr string, q *qemuProc) string {
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
		l = strings.TrimSpace(strings.TrimPrefix(l, QEMU+":"))
		if l != "" && !strings.HasPrefix(l, "warning:") {
			lines = append(lines, l)
		}
	}
	if len(lines) > 0 {
		return strings.TrimPrefix(lines[0], "error: ")
	}
	return "QEMU " + q.status()
}

// qemuProc is a started QEMU.
type qemuProc struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error
	once sync.Once
}

// startLocked starts cmd from a goroutine locked to its OS thread, which
// stays alive (waiting for cmd) until the child is reaped: the kernel
// sends PR_SET_PDEATHSIG when the thread that forked the child exits, not
// only when the process does, and Go may otherwise retire that thread.
func startLocked(cmd *exec.Cmd) (*qemuProc, error) {
	q := &qemuProc{cmd: cmd, done: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		q.err = cmd.Wait()
		close(q.done)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return q, nil
}

// stop kills QEMU's process group and reaps QEMU.
func (q *qemuProc) stop() {
	q.once.Do(func() {
		select {
		case <-q.done:
			return
		default:
		}
		_ = syscall.Kill(-q.cmd.Process.Pid, syscall.SIGKILL)
		<-q.done
	})
}

// waitOrKill gives QEMU d to exit by itself.
func (q *qemuProc) waitOrKill(d time.Duration) {
	select {
	case <-q.done:
	case <-time.After(d):
		q.stop()
	}
}

func (q *qemuProc) status() string {
	select {
	case <-q.done:
	default:
		return "still running"
	}
	if q.err == nil {
		return "exited with status 0"
	}
	return q.err.Error()
}

// tail keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}
