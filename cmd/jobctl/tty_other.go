//go:build !linux

package main

import "io"

// isTerminal: terminals are recognised on Linux only.
func isTerminal(w io.Writer) bool { return false }

// terminalWidth: unknown off Linux (COLUMNS still counts).
func terminalWidth(w io.Writer) int { return 0 }
