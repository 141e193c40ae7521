package oracle

import (
	"fmt"
	"os"
	"runtime"
	"strings"

	"jobctl/scenario"
)

// Supported returns "" if the running kernel and machine can execute sc, or
// the reason it is skipped. Reasons that belong to the scenario come first
// (they are the same on every machine), then those of the machine.
func Supported(sc *scenario.Scenario) string {
	if sc == nil {
		return "no scenario"
	}
	if sc.Oracle.Skip != "" {
		return "oracle skip: " + sc.Oracle.Skip
	}
	if r := allOps(sc, func(op scenario.Op) string {
		if op.Kind == scenario.OpLock || op.Kind == scenario.OpUnlock {
			return fmt.Sprintf("model-only op: %s %s (a kernel lock held across steps: user space cannot hold one)", op.Kind, op.Target)
		}
		return ""
	}); r != "" {
		return r
	}
	pl, err := newPlan(sc)
	if err != nil {
		return "bad scenario: " + err.Error()
	}
	if r := allOps(sc, func(op scenario.Op) string {
		if op.Kind != scenario.OpHandle && op.Kind != scenario.OpBlock {
			return ""
		}
		if runtimeUnblocked&(1<<uint(op.Sig)) != 0 {
			return fmt.Sprintf("%s %s: the Go runtime's threads keep %s unblocked, so one of them, not the named thread, may take it",
				op.Kind, scenario.SigName(op.Sig), scenario.SigName(op.Sig))
		}
		if op.Kind == scenario.OpHandle && !haveSigHandler {
			return "handle: the tracee's signal handler is written for amd64 only"
		}
		return ""
	}); r != "" {
		return r
	}
	if runtime.GOOS != "linux" {
		return "not Linux"
	}
	if os.Geteuid() != 0 {
		return "not root"
	}
	if sc.RT && !kernelIsRT() {
		return "PREEMPT_RT scenario on a non-RT kernel"
	}
	// Every run observes freezer.state (v1); a scenario that freezes
	// through v2 needs that hierarchy too.
	v1, v2 := cgroupRoots()
	if v1 == "" {
		return "no cgroup v1 freezer (every process's freezer.state is observed)"
	}
	if (pl.usesV2 || pl.v2) && v2 == "" {
		return "no cgroup v2 hierarchy"
	}
	return ""
}

// runtimeUnblocked is the set (bit n = signal n) of the signals the Go
// runtime keeps unblocked on its own threads (runtime.blockableSig: SIGHUP
// SIGINT SIGQUIT SIGILL SIGTRAP SIGABRT SIGBUS SIGFPE SIGSEGV SIGTERM
// SIGSTKFLT SIGCHLD SIGPROF SIGSYS); see execMasked.
const runtimeUnblocked uint64 = 1<<1 | 1<<2 | 1<<3 | 1<<4 | 1<<5 | 1<<6 | 1<<7 | 1<<8 | 1<<11 | 1<<15 | 1<<16 | 1<<17 | 1<<27 | 1<<31

// KernelIsRT reports whether the running kernel is PREEMPT_RT: the model
// to compare with is then the design's RT build.
func KernelIsRT() bool { return kernelIsRT() }

// kernelIsRT reports a PREEMPT_RT kernel: /sys/kernel/realtime (since 6.12
// for mainline RT, and in the RT patch set before) or "PREEMPT_RT" in the
// version string (init/version-timestamp.c: UTS_VERSION).
func kernelIsRT() bool {
	if b, err := os.ReadFile("/sys/kernel/realtime"); err == nil && strings.TrimSpace(string(b)) == "1" {
		return true
	}
	b, err := os.ReadFile("/proc/sys/kernel/version")
	return err == nil && strings.Contains(string(b), "PREEMPT_RT")
}

// cgroupRoots returns the mount points of the cgroup v1 freezer hierarchy
// and of the cgroup v2 hierarchy ("" for one that is not mounted), from
// /proc/self/mountinfo.
func cgroupRoots() (v1freezer, v2 string) {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return "", ""
	}
	return parseMountinfo(string(b))
}

// parseMountinfo finds the cgroup mounts in the text of a mountinfo file
// (Documentation/filesystems/proc.rst, 3.5): "ID PARENT MAJ:MIN ROOT
// MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS". Only mounts of
// the hierarchy's root ("/") are used.
func parseMountinfo(text string) (v1freezer, v2 string) {
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		sep := -1
		for i, x := range f {
			if x == "-" {
				sep = i
				break
			}
		}
		if sep < 5 || sep+3 > len(f) || f[3] != "/" {
			continue
		}
		mnt := unescapeMount(f[4])
		switch f[sep+1] {
		case "cgroup":
			for _, o := range strings.Split(f[sep+3], ",") {
				if o == "freezer" && v1freezer == "" {
					v1freezer = mnt
				}
			}
		case "cgroup2":
			if v2 == "" {
				v2 = mnt
			}
		}
	}
	return v1freezer, v2
}

// unescapeMount undoes the octal escapes (\040 for a space) of mountinfo.
func unescapeMount(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) && isOctal(s[i+1:i+4]) {
			b.WriteByte((s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0'))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isOctal(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '7' {
			return false
		}
	}
	return true
}
