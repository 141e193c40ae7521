//go:build !linux

package main

import (
	"os"
	"syscall"
)

// oracleSignals: the oracle runs on Linux only; elsewhere it stops at once.
var oracleSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM}

func signalName(s syscall.Signal) string { return s.String() }
