package vm

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// guestJobPath is where Run puts the guest's job in the initramfs. Its
// presence, with pid 1, is what makes this binary the guest's init.
const guestJobPath = "/jobctl-guest.json"

// guestJob is the command the guest's init runs: this binary again, with
// Args, in Dir.
type guestJob struct {
	Args []string `json:"args"`
	Dir  string   `json:"dir"`
	Env  []string `json:"env,omitempty"`
}

// GuestMain makes this binary the init of a guest that Run booted: when
// it is pid 1 and the initramfs holds the guest's job, it mounts what the
// job needs, runs it with its output sent to the host over the second
// serial port, and powers the guest off. It never returns then. Anywhere
// else (a container's pid 1 too) it returns false at once. Call it first
// thing in main.
func GuestMain() bool {
	if os.Getpid() != 1 {
		return false
	}
	b, err := os.ReadFile(guestJobPath)
	if err != nil {
		return false
	}
	guestInit(b)
	return true // not reached
}

// guestInit is pid 1. It must never exit (the kernel panics when init
// does): every way out is powerOff.
func guestInit(jobText []byte) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(os.Stderr, "jobctl guest init: panic: %v\n", r)
		}
		powerOff()
	}()
	var job guestJob
	if err := json.Unmarshal(jobText, &job); err != nil {
		fmt.Fprintf(os.Stderr, "jobctl guest init: %s: %v\n", guestJobPath, err)
		return
	}
	notes := mountAll()
	port, err := openPort("/dev/ttyS1")
	if err != nil {
		fmt.Fprintf(os.Stderr, "jobctl guest init: the results port: %v\n", err)
		return
	}
	defer port.drain()
	port.send(encodeHello(guestInfo()))
	for _, n := range notes {
		port.send(encodeText(recNote, []byte(n)))
	}
	go func() {
		for range time.Tick(time.Second) {
			port.send(recTick + "\n")
		}
	}()
	code := runJob(job, port)
	port.send(encodeExit(code))
}

// powerOff ends the guest: QEMU exits when the machine powers off.
func powerOff() {
	unix.Sync()
	err := unix.Reboot(unix.LINUX_REBOOT_CMD_POWER_OFF)
	fmt.Fprintf(os.Stderr, "jobctl guest init: power off: %v\n", err)
	for {
		time.Sleep(time.Hour) // a timer, so the runtime sees no deadlock and init never exits
	}
}

// mountAll mounts what the oracle looks for, where a Debian host has it:
// /proc, /sys, /dev, the cgroup v1 freezer at /sys/fs/cgroup/freezer
// and cgroup v2 at /sys/fs/cgroup/unified. The root itself is the
// initramfs, a writable tmpfs: /tmp is a directory of it, so that files
// the host put under /tmp stay visible. What the kernel lacks is
// reported in notes (and the oracle skips what needs it, saying why).
func mountAll() (notes []string) {
	type mnt struct {
		src, dir, fstype, data string
		flags                  uintptr
		what                   string // for a note; "" means required
	}
	const nosuid = unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC
	for _, m := range []mnt{
		{"proc", "/proc", "proc", "", nosuid, ""},
		{"sysfs", "/sys", "sysfs", "", nosuid, ""},
		{"devtmpfs", "/dev", "devtmpfs", "mode=0755", unix.MS_NOSUID, ""},
		{"tmpfs", "/sys/fs/cgroup", "tmpfs", "mode=0755", nosuid, "cgroup mount point"},
		{"cgroup", "/sys/fs/cgroup/freezer", "cgroup", "freezer", nosuid, "cgroup v1 freezer (CONFIG_CGROUP_FREEZER)"},
		{"cgroup2", "/sys/fs/cgroup/unified", "cgroup2", "", nosuid, "cgroup v2"},
	} {
		_ = os.MkdirAll(m.dir, 0o755)
		if err := unix.Mount(m.src, m.dir, m.fstype, m.flags, m.data); err != nil {
			msg := fmt.Sprintf("mount -t %s %s: %v", m.fstype, m.dir, err)
			if m.what != "" {
				msg = fmt.Sprintf("no %s: %s", m.what, msg)
				_ = os.Remove(m.dir)
			}
			fmt.Fprintln(os.Stderr, "jobctl guest init:", msg)
			notes = append(notes, msg)
		}
	}
	return notes
}

func guestInfo() GuestInfo {
	read := func(p string) string {
		b, _ := os.ReadFile(p)
		return strings.TrimSpace(string(b))
	}
	info := GuestInfo{
		Release: read("/proc/sys/kernel/osrelease"),
		Version: read("/proc/sys/kernel/version"),
		CPUs:    runtime.NumCPU(),
	}
	info.RT = read("/sys/kernel/realtime") == "1" || strings.Contains(info.Version, "PREEMPT_RT")
	var si unix.Sysinfo_t
	if unix.Sysinfo(&si) == nil {
		info.MemMiB = int(uint64(si.Totalram) * uint64(si.Unit) >> 20)
	}
	return info
}

// port is the results port: a serial line in raw mode, written one whole
// record at a time.
type port struct {
	mu sync.Mutex
	f  *os.File
}

func openPort(path string) (*port, error) {
	f, err := os.OpenFile(path, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, err
	}
	fd := int(f.Fd())
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	// cfmakeraw(3): no translation of any byte, no echo, no signals.
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB | unix.CBAUD
	t.Cflag |= unix.CS8 | unix.B115200
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, t); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &port{f: f}, nil
}

func (p *port) send(rec string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, _ = p.f.WriteString(rec)
}

// drain waits until the UART has sent everything written (tcdrain), so
// that powering off loses nothing.
func (p *port) drain() {
	p.mu.Lock()
	defer p.mu.Unlock()
	_ = unix.IoctlSetInt(int(p.f.Fd()), unix.TCSBRK, 1)
}

// runJob runs the job as a child of init, forwards its stdout and stderr
// to the port, and reaps every process that ends up a child of init
// (orphans are reparented to pid 1). It returns the job's exit status,
// 128+N for a death by signal N.
func runJob(job guestJob, p *port) int {
	devnull, err := os.Open("/dev/null")
	if err != nil {
		p.send(encodeText(recNote, []byte("open /dev/null: "+err.Error())))
		return 127
	}
	outR, outW, err1 := os.Pipe()
	errR, errW, err2 := os.Pipe()
	if err := errors.Join(err1, err2); err != nil {
		p.send(encodeText(recNote, []byte("pipe: "+err.Error())))
		return 127
	}
	env := append([]string{"PATH=/", "HOME=/", "TMPDIR=/tmp"}, job.Env...)
	proc, err := os.StartProcess("/init", append([]string{"/init"}, job.Args...), &os.ProcAttr{
		Dir: job.Dir, Env: env, Files: []*os.File{devnull, outW, errW},
	})
	devnull.Close()
	outW.Close()
	errW.Close()
	if err != nil {
		p.send(encodeText(recNote, []byte("start the job: "+err.Error())))
		return 127
	}
	var fwd sync.WaitGroup
	for _, s := range []struct {
		kind string
		r    *os.File
	}{{recOut, outR}, {recErr, errR}} {
		fwd.Add(1)
		go func() {
			defer fwd.Done()
			buf := make([]byte, 4096)
			for {
				n, err := s.r.Read(buf)
				if n > 0 {
					p.send(encodeText(s.kind, buf[:n]))
				}
				if err != nil {
					return
				}
			}
		}()
	}
	code := -1
	for code < 0 {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, 0, nil)
		switch {
		case err == unix.EINTR:
		case err != nil:
			p.send(encodeText(recNote, []byte("wait: "+err.Error())))
			code = 127
		case pid == proc.Pid && ws.Exited():
			code = ws.ExitStatus()
		case pid == proc.Pid && ws.Signaled():
			code = 128 + int(ws.Signal())
			p.send(encodeText(recNote, []byte(fmt.Sprintf("the job was killed by %v", ws.Signal()))))
		}
	}
	// Its output may still be in the pipes; a helper that outlived it and
	// holds them open must not keep the guest up.
	done := make(chan struct{})
	go func() { fwd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
	}
	go reapForever()
	return code
}

// reapForever reaps what is left until the power goes off.
func reapForever() {
	for {
		var ws unix.WaitStatus
		if _, err := unix.Wait4(-1, &ws, 0, nil); err == unix.ECHILD {
			time.Sleep(100 * time.Millisecond)
		}
	}
}
