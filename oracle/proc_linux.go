package oracle

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// taskStat is the part of /proc/PID/task/TID/stat the oracle uses
// (fs/proc/array.c:do_task_stat(), v6.18; field numbers as in proc(5)).
type taskStat struct {
	state    byte   // field 3: task_state_index() letter, "RSDTtXZPI"
	ppid     int    // field 4: the real parent's tgid
	flags    uint64 // field 9: task->flags (PF_EXITING 0x4)
	start    uint64 // field 22: start time in clock ticks since boot
	exitCode int    // field 52: task->exit_code (a wait status), 0 unless exiting
}

// readStat parses one /proc stat file.
func readStat(path string) (taskStat, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return taskStat{}, err
	}
	return parseStat(string(b))
}

// parseStat parses the text of a stat file. The command name (field 2) may
// contain spaces and parentheses, so the fields are counted from its last ')'.
func parseStat(s string) (taskStat, error) {
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 > len(s) {
		return taskStat{}, fmt.Errorf("malformed stat %q", s)
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3
	if len(f) < 20 {
		return taskStat{}, fmt.Errorf("short stat %q", s)
	}
	var st taskStat
	st.state = f[0][0]
	st.ppid, _ = strconv.Atoi(f[1])
	st.flags, _ = strconv.ParseUint(f[6], 10, 64)
	st.start, _ = strconv.ParseUint(f[19], 10, 64)
	if len(f) > 49 {
		st.exitCode, _ = strconv.Atoi(f[49])
	}
	return st, nil
}

// readTask reads the stat of thread tid of process pid.
func readTask(pid, tid int) (taskStat, error) {
	return readStat(fmt.Sprintf("/proc/%d/task/%d/stat", pid, tid))
}

// taskLetter returns the state letter of a thread, or "gone" once it has
// been reaped (or its tid reused: the start time differs).
func taskLetter(pid, tid int, start uint64) string {
	st, err := readTask(pid, tid)
	if err != nil || (start != 0 && st.start != start) {
		return stateGone
	}
	return string(st.state)
}

// listTasks returns the tids of every thread of process pid (nil if gone),
// the Go runtime's own threads included.
func listTasks(pid int) []int {
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		return nil
	}
	var tids []int
	for _, e := range ents {
		if n, err := strconv.Atoi(e.Name()); err == nil {
			tids = append(tids, n)
		}
	}
	return tids
}

// procStart returns the start time of process pid (0 if it does not exist).
func procStart(pid int) uint64 {
	st, err := readStat(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	return st.start
}

// taskStatus is the part of /proc/PID/task/TID/status the oracle uses
// (fs/proc/array.c: task_state(), task_sig(), v6.18).
type taskStatus struct {
	tracerPid int
	sigPnd    uint64 // SigPnd: the thread's private queue (task->pending)
	shdPnd    uint64 // ShdPnd: the group's (signal->shared_pending)
}

// readStatus reads a thread's TracerPid, SigPnd and ShdPnd.
func readStatus(pid, tid int) (taskStatus, error) {
	var st taskStatus
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/status", pid, tid))
	if err != nil {
		return st, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch k {
		case "TracerPid":
			st.tracerPid, _ = strconv.Atoi(v)
		case "SigPnd", "ShdPnd":
			x, perr := strconv.ParseUint(v, 16, 64)
			if perr != nil {
				return st, fmt.Errorf("%s: %q: %v", k, v, perr)
			}
			if k == "SigPnd" {
				st.sigPnd = x
			} else {
				st.shdPnd = x
			}
		}
	}
	return st, nil
}

// readWchan reads /proc/PID/task/TID/wchan (fs/proc/base.c:proc_pid_wchan(),
// v6.18): the function the thread sleeps in, or "0" when it is not asleep
// (or is gone), as the source names it (kernelSymbol).
func readWchan(pid, tid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/wchan", pid, tid))
	if err != nil || len(b) == 0 {
		return "0"
	}
	return kernelSymbol(strings.TrimSpace(string(b)))
}
