package vm

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// ownerTag names a process for the QEMUs it starts: <pid>.<starttime>, so
// that a reused pid is not taken for the owner.
func ownerTag(pid int) string {
	return fmt.Sprintf("%d.%d", pid, startTime(pid))
}

// startTime is field 22 of /proc/PID/stat (clock ticks after boot), 0 if
// the process is gone.
func startTime(pid int) uint64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return 0
	}
	n, _ := strconv.ParseUint(f[19], 10, 64)
	return n
}

// sweep kills every QEMU that a Run started whose owner is gone. QEMU dies
// with its owner by PR_SET_PDEATHSIG already; this is for the one that
// could not (its owner's thread bookkeeping failed, a QEMU started by a
// build of jobctl without it).
func sweep() (killed []int) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		owner := qemuOwner(pid)
		if owner == "" {
			continue
		}
		opid, _, _ := strings.Cut(owner, ".")
		n, err := strconv.Atoi(opid)
		if err == nil && ownerTag(n) == owner {
			continue // its owner is alive
		}
		if syscall.Kill(pid, syscall.SIGKILL) == nil {
			killed = append(killed, pid)
		}
	}
	return killed
}

// qemuOwner returns the owner tag of process pid if it is a QEMU that a
// Run started, else "".
func qemuOwner(pid int) string {
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil || !strings.HasPrefix(string(comm), "qemu-system") {
		return ""
	}
	env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	if err != nil {
		return ""
	}
	for _, kv := range bytes.Split(env, []byte{0}) {
		if v, ok := bytes.CutPrefix(kv, []byte(envOwner+"=")); ok {
			return string(v)
		}
	}
	return ""
}
