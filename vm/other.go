//go:build !linux

package vm

import (
	"context"
	"errors"
	"io"
	"time"
)

// Config, Boot, Result: see qemu_linux.go; off Linux, Run only says no.
type Config struct {
	Kernel, Exe, Dir, Accel, Append string
	Args, Env                       []string
	Files                           []File
	CPUs, MemMiB                    int
	BootTimeout, Silence            time.Duration
	Stdout, Stderr                  io.Writer
	Booted                          func(Boot)
}

type Boot struct {
	Accel, NoKVM string
	Guest        GuestInfo
	QEMUPid      int
}

type Result struct {
	Boot
	Booted   bool
	ExitCode int
	Console  string
}

var (
	ErrWedged = errors.New("the guest stopped answering")
	ErrNoExit = errors.New("the guest ended before the job did")
)

// GuestMain: a guest is Linux.
func GuestMain() bool { return false }

// Run needs Linux (memfd, PR_SET_PDEATHSIG).
func Run(ctx context.Context, cfg Config) (Result, error) {
	return Result{}, errors.New("booting a kernel under QEMU needs a Linux host")
}
