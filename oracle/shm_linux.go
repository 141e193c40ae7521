package oracle

import (
	"sync/atomic"
	"unsafe"
)

// The runner and every tracee map one memfd (MAP_SHARED), created by the
// runner and inherited as fd 3 through the helpers. Process i owns the
// slots i*maxThreads ... i*maxThreads+maxThreads-1; thread j of it uses one
// 64-byte slot (its own cache line):
//
//	counter  incremented by the thread in a loop while it runs in user mode
//	tid      gettid() of the thread, written once at start
//	cmdSeq   the runner bumps it after writing cmdOp/arg0: "do this"
//	entered  the thread copies cmdSeq here just before the syscall
//	ack      ... and here once the syscall has returned (result: -errno or 0)
//
// A thread polls cmdSeq between increments, so commanding it costs no
// syscall and the thread stays in user mode (state R) until it acts.
const (
	slotSize = 64
	shmSize  = maxProcs * maxThreads * slotSize
)

type slot struct {
	counter atomic.Uint64
	tid     atomic.Int32
	cmdSeq  atomic.Uint32
	cmdOp   atomic.Uint32
	arg0    atomic.Int32 // signal or exit code
	entered atomic.Uint32
	ack     atomic.Uint32
	result  atomic.Int32 // errno, 0 for success
}

// Compile-time check that a slot fits its cache line.
var _ [slotSize - unsafe.Sizeof(slot{})]byte

type shm struct{ b []byte }

// slot returns the slot of thread t of process p.
func (m *shm) slot(p, t int) *slot {
	off := (p*maxThreads + t) * slotSize
	return (*slot)(unsafe.Pointer(&m.b[off]))
}
