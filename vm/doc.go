// Package vm runs this binary inside a virtual machine that boots a given
// kernel image, so that a command (the oracle) can be held to a kernel
// other than the one the host runs: a distribution's stable build, a
// PREEMPT_RT kernel, a developer's own bzImage.
//
// # How a run goes
//
//	host (Run)                          guest
//	initramfs in a memfd: /init = this binary, the job, the files
//	qemu-system-x86_64 -kernel IMAGE ──► kernel boots, runs /init (GuestMain)
//	                                    pid 1 mounts /proc /sys /dev and
//	                                    both cgroup freezers, runs the job as
//	                                    its child, reaps every orphan
//	ttyS1 ◄──── hello, out, err, tick ── the job's stdout and stderr, framed
//	ttyS0 ◄──── the kernel's console     (kept for a failure report)
//	       ◄──── exit N ──────────────── reboot(LINUX_REBOOT_CMD_POWER_OFF)
//	QEMU exits; Run returns N
//
// The job's output comes back on the second serial port as records (see
// protocol.go), never scraped from the console. KVM is used when it works
// (/dev/kvm opens and a guest boots with -cpu host); otherwise TCG, and
// Result says which and why.
//
// # Nothing left behind
//
// The initramfs is a memfd and the serial ports are pipes: no file is
// created. QEMU runs in its own process group with PR_SET_PDEATHSIG
// (SIGKILL) set from a locked OS thread that lives until QEMU is reaped,
// so it dies with jobctl even when jobctl is killed with SIGKILL; and it
// carries JOBCTL_VM_OWNER=<pid>.<starttime> in its environment, so that
// the next Run kills any QEMU whose owner is gone. Ctrl-C (a cancelled
// context), the guest going silent for Config.Silence (a wedged guest:
// pid 1 sends a tick every second) and every error path kill QEMU and
// reap it before Run returns.
package vm
