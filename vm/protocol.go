package vm

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// The guest's PID 1 talks to the host over the second serial port (ttyS1),
// one record a line; the console (ttyS0) carries only the kernel's log.
//
//	hello {"release":...}  PID 1 is up; what kernel this is (GuestInfo)
//	note "TEXT"            PID 1's own message (a mount that failed, ...)
//	out "BYTES"            bytes the command wrote to its stdout
//	err "BYTES"            bytes it wrote to its stderr
//	tick                   once a second: the guest is alive
//	exit N                 the command exited with status N (last record)
//
// Payloads are Go-quoted strings, so any byte goes through a raw tty line
// unharmed and a record is always one line.
const (
	recHello = "hello"
	recNote  = "note"
	recOut   = "out"
	recErr   = "err"
	recTick  = "tick"
	recExit  = "exit"
)

// GuestInfo is what the guest says about itself in its hello record.
type GuestInfo struct {
	Release string `json:"release"` // uname -r (/proc/sys/kernel/osrelease)
	Version string `json:"version"` // uname -v (/proc/sys/kernel/version)
	RT      bool   `json:"rt"`      // a PREEMPT_RT kernel
	CPUs    int    `json:"cpus"`
	MemMiB  int    `json:"mem_mib"`
}

// record is one decoded line.
type record struct {
	kind string
	text string    // note, out, err
	code int       // exit
	info GuestInfo // hello
}

func encodeHello(info GuestInfo) string {
	b, _ := json.Marshal(info)
	return recHello + " " + string(b) + "\n"
}

func encodeText(kind string, b []byte) string {
	return kind + " " + strconv.Quote(string(b)) + "\n"
}

func encodeExit(code int) string { return fmt.Sprintf("%s %d\n", recExit, code) }

// decodeRecord parses one line (without its newline).
func decodeRecord(line string) (record, error) {
	line = strings.TrimRight(line, "\r")
	kind, payload, _ := strings.Cut(line, " ")
	r := record{kind: kind}
	var err error
	switch kind {
	case recTick:
		if payload != "" {
			err = fmt.Errorf("tick with a payload")
		}
	case recHello:
		err = json.Unmarshal([]byte(payload), &r.info)
	case recNote, recOut, recErr:
		r.text, err = strconv.Unquote(payload)
	case recExit:
		r.code, err = strconv.Atoi(payload)
	default:
		err = fmt.Errorf("unknown record")
	}
	if err != nil {
		return record{}, fmt.Errorf("bad record from the guest %q: %v", truncate(line, 80), err)
	}
	return r, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
