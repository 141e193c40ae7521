//go:build linux && !amd64

package oracle

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// getRegs reads the general registers with PTRACE_GETREGSET(NT_PRSTATUS),
// which takes the same ptrace_check_attach() path as PTRACE_GETREGS
// (absent on this architecture).
func getRegs(tid int) (res, note string) {
	var buf [1024]byte
	iov := unix.Iovec{Base: &buf[0]}
	iov.SetLen(len(buf))
	err := ptrace(unix.PTRACE_GETREGSET, tid, 1 /* NT_PRSTATUS */, uintptr(unsafe.Pointer(&iov)))
	return errnoName(err), ""
}
