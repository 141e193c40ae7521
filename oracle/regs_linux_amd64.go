package oracle

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// getRegs is PTRACE_GETREGS: ptrace_check_attach() (the tracee must be in a
// ptrace stop and not LISTENING: kernel/ptrace.c:ptrace_freeze_traced(),
// v6.18), the register copy, then ptrace_unfreeze_traced().
func getRegs(tid int) (res, note string) {
	var regs unix.PtraceRegs
	err := ptrace(unix.PTRACE_GETREGS, tid, 0, uintptr(unsafe.Pointer(&regs)))
	if err != nil {
		return errnoName(err), ""
	}
	return resOK, fmt.Sprintf("rip=%#x orig_rax=%d", regs.Rip, int64(regs.Orig_rax))
}
