// Command jobctl checks the model of Linux task special states
// (TASK_STOPPED/TASK_TRACED, task->jobctl, the freezer's TASK_FROZEN,
// PREEMPT_RT saved_state) exhaustively, and replays single interleavings
// as race diagrams. Run "jobctl help" for the commands.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"jobctl/oracle"
	"jobctl/vm"
)

// Exit codes (a contract: scripts and CI test them).
const (
	exitOK         = 0 // everything as expected
	exitDiffers    = 1 // a result differs from the scenario's verdict (run: a property is violated)
	exitUsage      = 2 // bad input or usage: malformed scenario, unknown variant, missing file
	exitIncomplete = 3 // a limit was hit before the answer was known
	exitInternal   = 4 // a bug in jobctl
)

func main() {
	// Under "oracle --kernel" this binary is the guest's init (pid 1).
	if vm.GuestMain() {
		return
	}
	// The oracle re-executes this binary as its tracee and actor helpers.
	if oracle.HelperMain() {
		return
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// usageError is bad usage: reported on stderr with a pointer to the help,
// exit 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// inputError is bad input (a malformed scenario, an unknown variant, a
// missing file): reported as is, exit 2.
type inputError struct{ err error }

func (e *inputError) Error() string { return e.err.Error() }
func (e *inputError) Unwrap() error { return e.err }

// command is one subcommand.
type command struct {
	name    string
	summary string
	usage   string // the synopsis lines
	help    string // what it does, its flags
	run     func(args []string, stdout, stderr io.Writer) (int, error)
}

var commands []*command

func init() {
	commands = []*command{cmdCheck, cmdRun, cmdGraph, cmdExplore, cmdScenarios, cmdVariants, cmdProps, cmdHelp, cmdOracle, cmdHunt, cmdCoverage}
}

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// run is the whole program: it parses args, runs one command, and
// returns the exit code. It never panics: a panic is reported as an
// internal error (exit 4).
func run(args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "jobctl: internal error: %v\n%s", r, debug.Stack())
			code = exitInternal
		}
	}()
	if len(args) == 0 {
		writeUsage(stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help":
		name = "help"
	case "-version", "--version", "version":
		fmt.Fprintln(stdout, versionString())
		return exitOK
	}
	cmd := lookup(name)
	if cmd == nil {
		fmt.Fprintf(stderr, "jobctl: unknown command %q (want one of: %s)\nRun 'jobctl help' for usage.\n", name, commandNames())
		return exitUsage
	}
	code, err := cmd.run(args[1:], stdout, stderr)
	if err != nil {
		var ue *usageError
		switch {
		case errors.Is(err, errHelp):
			writeCommandHelp(stdout, cmd)
			return exitOK
		case errors.As(err, &ue):
			fmt.Fprintf(stderr, "jobctl %s: %s\nRun 'jobctl help %s' for usage.\n", cmd.name, ue.msg, cmd.name)
			return exitUsage
		default:
			fmt.Fprintln(stderr, oneLine(err.Error()))
			if code == exitOK {
				code = exitUsage
			}
		}
	}
	return code
}

var errHelp = errors.New("help requested")

func oneLine(s string) string {
	return strings.TrimRight(s, "\n")
}

func commandNames() string {
	var n []string
	for _, c := range commands {
		n = append(n, c.name)
	}
	return strings.Join(n, ", ")
}

const exitCodesHelp = `Exit codes:
  0  every result is what its scenario expects (run: no property violated)
  1  a result differs from what the scenario expects (run: a property is violated)
  2  bad input or usage: a malformed scenario (reported as one line
     FILE:LINE:COL: MESSAGE), an unknown variant, command or flag, a missing file
  3  incomplete: a limit (--max-states, --timeout, --max-memory, run's step cap)
     was hit before the answer was known
  4  internal error (a bug in jobctl)
  128+N  oracle: stopped by signal N (130: Ctrl-C) after cleaning up
`

func writeUsage(w io.Writer) {
	fmt.Fprint(w, `jobctl: an exhaustively checkable model of Linux task special states
(TASK_STOPPED/TASK_TRACED, task->jobctl, the freezer's TASK_FROZEN,
PREEMPT_RT saved_state, ptrace and wait).

Usage:
  jobctl <command> [arguments]

Commands:
`)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
A SCENARIO is a scenario file (.jc) or the name of a built-in one (see
'jobctl scenarios'); a unique prefix up to a '-' is enough: R1.
Run 'jobctl help <command>' for a command's flags, 'jobctl help properties'
for what I1..I14 and stuck assert, 'jobctl --version' for the build.

`)
	fmt.Fprint(w, exitCodesHelp)
}

func writeCommandHelp(w io.Writer, c *command) {
	fmt.Fprintf(w, "Usage:\n%s\n%s", c.usage, c.help)
	fmt.Fprint(w, "\n"+exitCodesHelp)
}

var cmdHelp = &command{
	name:    "help",
	summary: "show the usage of jobctl or of one command",
	usage:   "  jobctl help [command | properties [NAME ...]]",
	help: `
Without a command, the list of commands and the exit codes; with one,
its usage and flags. 'jobctl help properties' prints what each property
asserts (the same as 'jobctl props').
`,
	run: func(args []string, stdout, stderr io.Writer) (int, error) {
		if len(args) > 0 && (args[0] == "properties" || args[0] == "props" || args[0] == "property") {
			return writeProps(stdout, args[1:])
		}
		switch len(args) {
		case 0:
			writeUsage(stdout)
			return exitOK, nil
		case 1:
			c := lookup(args[0])
			if c == nil {
				return exitUsage, usagef("unknown command %q (want one of: %s)", args[0], commandNames())
			}
			writeCommandHelp(stdout, c)
			return exitOK, nil
		}
		return exitUsage, usagef("help takes at most one command")
	},
}
