package oracle

// sigHandlerAddrs returns the addresses of the tracee's do-nothing signal
// handler and of its restorer (sighandler_linux_amd64.s).
func sigHandlerAddrs() (handler, restorer uintptr)

// haveSigHandler: "handle" can be realised on this architecture.
const haveSigHandler = true
