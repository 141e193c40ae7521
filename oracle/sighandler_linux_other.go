//go:build linux && !amd64

package oracle

// sigHandlerAddrs: no handler is written for this architecture (the
// oracle skips scenarios that "handle" a signal: see Supported).
func sigHandlerAddrs() (handler, restorer uintptr) { return 0, 0 }

const haveSigHandler = false
