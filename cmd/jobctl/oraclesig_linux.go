package main

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// oracleSignals are the signals "jobctl oracle" catches: every signal whose
// default action ends the process and that is sent rather than raised by a
// fault (signal(7)), but SIGPROF (profilers) and SIGKILL (which cannot be
// caught; the run's %init then tears it down).
var oracleSignals = []os.Signal{
	syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT,
	syscall.SIGPIPE, syscall.SIGABRT, syscall.SIGALRM, syscall.SIGUSR1, syscall.SIGUSR2,
	syscall.SIGXCPU, syscall.SIGXFSZ, syscall.SIGVTALRM, syscall.SIGPWR, syscall.SIGIO, syscall.SIGSTKFLT,
}

// signalName is the signal's C name ("SIGHUP").
func signalName(s syscall.Signal) string {
	if n := unix.SignalName(s); n != "" {
		return n
	}
	return s.String()
}
