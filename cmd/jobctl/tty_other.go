//go:build !linux

package main

import "io"

// isTerminal: progress lines are shown on Linux terminals only.
func isTerminal(w io.Writer) bool { return false }
