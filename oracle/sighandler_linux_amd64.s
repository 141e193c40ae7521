#include "textflag.h"

// func sigHandlerAddrs() (handler, restorer uintptr)
//
// The ABI0 addresses of the two routines below, for rt_sigaction(2).
TEXT ·sigHandlerAddrs(SB),NOSPLIT,$0-16
	LEAQ	sighandlerReturn<>(SB), AX
	MOVQ	AX, handler+0(FP)
	LEAQ	sighandlerRestorer<>(SB), AX
	MOVQ	AX, restorer+8(FP)
	RET

// A signal handler that does nothing: the kernel calls it with the C ABI on
// the thread's signal stack (SA_ONSTACK); it returns to the restorer.
TEXT sighandlerReturn<>(SB),NOSPLIT|NOFRAME,$0
	RET

// The restorer (SA_RESTORER, which x86-64 requires): rt_sigreturn(2).
TEXT sighandlerRestorer<>(SB),NOSPLIT|NOFRAME,$0
	MOVQ	$15, AX // __NR_rt_sigreturn
	SYSCALL
	INT	$3
