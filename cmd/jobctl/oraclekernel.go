package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"jobctl/vm"
)

// guestRunTimeout is --timeout's default with --kernel: a TCG guest on a
// busy machine took more than 10s for one run of R4-listen-frozen-sigcont
// (a run's helpers are each a fresh Go binary, emulated).
const guestRunTimeout = 30 * time.Second

// guestPatience is --patience's default with --kernel: in the 6.1-rt guest,
// with a second guest beside it on two CPUs, one of scale-gstop-4t's four
// spinning threads went more than 1s without a CPU.
const guestPatience = 5 * time.Second

// kernelRun is "jobctl oracle --kernel IMAGE": the oracle run inside a
// guest that boots IMAGE.
type kernelRun struct {
	image     string
	accel     string        // auto, kvm, tcg
	silence   time.Duration // --guest-timeout
	append    string        // --append: more kernel command line
	scenarios []string      // as given: built-in names or files
	repeat    int
	seed      int64
	timeout   time.Duration
	patience  time.Duration
	variant   string
	json      bool
	verbose   bool
}

// runOracleKernel boots the image with this binary as its init, which runs
// "jobctl oracle" with the same flags and scenarios; the guest's output is
// this command's output, byte for byte, and its exit code this command's.
// One line on stderr says which kernel booted under which accelerator.
func runOracleKernel(k kernelRun, stdout, stderr io.Writer) (int, error) {
	switch k.accel {
	case "auto", "kvm", "tcg":
	default:
		return exitUsage, usagef("--accel wants auto, kvm or tcg, got %q", k.accel)
	}
	if k.silence <= 0 {
		return exitUsage, usagef("--guest-timeout wants a positive duration, got %s", k.silence)
	}
	args := []string{"oracle", "--repeat", strconv.Itoa(k.repeat), "--seed", strconv.FormatInt(k.seed, 10),
		"--timeout", k.timeout.String(), "--patience", k.patience.String()}
	if k.variant != "" {
		args = append(args, "--variant", k.variant)
	}
	if k.json {
		args = append(args, "--json")
	}
	if k.verbose {
		args = append(args, "-v")
	}
	files, dir, err := guestScenarioFiles(k.scenarios)
	if err != nil {
		return exitUsage, &inputError{err}
	}
	args = append(append(args, "--"), k.scenarios...)

	// Every signal a host run catches (oracleSignals: Ctrl-C, SIGTERM,
	// SIGHUP, ...) ends the guest: vm.Run kills QEMU and reaps it before
	// it returns, and jobctl exits 128+N, as a host run does. SIGKILL
	// cannot be caught: QEMU then dies by PR_SET_PDEATHSIG.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, oracleSignals...)
	defer signal.Stop(sigs)
	var got atomic.Value // the first signal
	go func() {
		if s, ok := <-sigs; ok {
			got.Store(s)
			cancel()
		}
	}()
	res, err := vm.Run(ctx, vm.Config{
		Kernel: k.image, Args: args, Dir: dir, Files: files, Accel: k.accel, Silence: k.silence, Append: k.append,
		Stdout: stdout, Stderr: stderr,
		Booted: func(b vm.Boot) { fmt.Fprintln(stderr, bootLine(k.image, b)) },
	})
	switch {
	case ctx.Err() != nil:
		sig, _ := got.Load().(syscall.Signal)
		fmt.Fprintf(stderr, "jobctl oracle: interrupted by %s; the guest was killed, and everything it started with it\n", signalName(sig))
		return 128 + int(sig), nil
	case errors.Is(err, vm.ErrWedged), errors.Is(err, vm.ErrNoExit):
		writeConsoleTail(stderr, res.Console)
		fmt.Fprintf(stderr, "jobctl oracle: %s: %v\n", k.image, err)
		return exitIncomplete, nil
	case err != nil && res.Booted:
		return exitInternal, fmt.Errorf("jobctl oracle: %s: %v", k.image, err)
	case err != nil:
		writeConsoleTail(stderr, res.Console)
		return exitUsage, &inputError{fmt.Errorf("jobctl oracle: %v", err)}
	}
	switch res.ExitCode {
	case exitOK, exitDiffers, exitUsage, exitIncomplete, exitInternal:
		return res.ExitCode, nil
	}
	writeConsoleTail(stderr, res.Console)
	return exitInternal, fmt.Errorf("jobctl oracle: the guest's jobctl ended with status %d", res.ExitCode)
}

// bootLine is the one line that says what booted, and how.
func bootLine(image string, b vm.Boot) string {
	accel := "KVM"
	if b.Accel == "tcg" {
		accel = "TCG"
		if b.NoKVM != "" {
			accel += " (no KVM: " + b.NoKVM + ")"
		}
	}
	rt := ""
	if b.Guest.RT && !strings.Contains(b.Guest.Version, "PREEMPT_RT") {
		rt = ", PREEMPT_RT"
	}
	return fmt.Sprintf("jobctl oracle: Linux %s (%s%s) booted from %s under QEMU with %s, %d CPUs, %d MiB",
		b.Guest.Release, b.Guest.Version, rt, image, accel, b.Guest.CPUs, b.Guest.MemMiB)
}

// guestScenarioFiles puts each scenario file at its own absolute path in
// the guest and returns the working directory to run in, so that the guest
// names every scenario as the host does.
func guestScenarioFiles(args []string) ([]vm.File, string, error) {
	cwd, err := os.Getwd()
	if err != nil {
		return nil, "", err
	}
	var files []vm.File
	seen := map[string]bool{}
	for _, a := range args {
		fi, err := os.Stat(a)
		if err != nil || !fi.Mode().IsRegular() {
			continue // a built-in scenario's name
		}
		abs := a
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(cwd, a)
		}
		abs = filepath.Clean(abs)
		for _, sys := range []string{"/proc", "/sys", "/dev"} {
			if abs == sys || strings.HasPrefix(abs, sys+"/") {
				return nil, "", fmt.Errorf("%s: a scenario under %s cannot be put into the guest (the guest mounts over it); copy it elsewhere", a, sys)
			}
		}
		if seen[abs] {
			continue
		}
		seen[abs] = true
		b, err := os.ReadFile(a)
		if err != nil {
			return nil, "", err
		}
		files = append(files, vm.File{Path: abs, Mode: 0o644, Data: b})
	}
	return files, cwd, nil
}

// writeConsoleTail shows the end of the guest's console, where a kernel
// panic or a hung task report would be.
func writeConsoleTail(w io.Writer, console string) {
	lines := strings.Split(strings.TrimRight(console, "\r\n"), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	if len(lines) == 1 && strings.TrimSpace(lines[0]) == "" {
		return
	}
	fmt.Fprintln(w, "jobctl oracle: the guest's console ended with:")
	for _, l := range lines {
		fmt.Fprintln(w, "  | "+strings.TrimRight(l, "\r"))
	}
}
