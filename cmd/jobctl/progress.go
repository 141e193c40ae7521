package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"jobctl/checker"
)

// progressEvery is how often a long check reports on stderr when stderr
// is not a terminal (a log, a pipe, CI): a whole line each time, as TLC
// does. On a terminal one line is redrawn every second instead.
var progressEvery = 5 * time.Second

// progressReporter writes where a long run of checks is to stderr: how
// many checks are done, and for the check in progress its states,
// states/s, depth, frontier and memory. Nothing goes to stdout, so the
// results stay byte-for-byte the same.
type progressReporter struct {
	mu          sync.Mutex
	w           io.Writer
	tty         bool
	every       time.Duration
	start, last time.Time
	done, total int
	cur         string // "R1-kill-frozen-stopped under mainline"
	drawn       int    // width of the line redrawn on a terminal, 0 if none
}

// newProgress returns a reporter for total checks, or nil when quiet.
func newProgress(w io.Writer, total int, quiet bool) *progressReporter {
	if quiet {
		return nil
	}
	r := &progressReporter{w: w, tty: isTerminal(w), every: progressEvery, total: total}
	if r.tty {
		r.every = time.Second
	}
	r.start = time.Now()
	r.last = r.start
	return r
}

// interval is how often the checker should call back.
func (r *progressReporter) interval() time.Duration {
	if r == nil {
		return 0
	}
	return r.every
}

// begin notes the check that starts.
func (r *progressReporter) begin(what string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.cur = what
	r.mu.Unlock()
}

// searching is the checker's callback for the check in progress.
func (r *progressReporter) searching(p checker.Progress) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if time.Since(r.last) < r.every {
		return
	}
	r.emit(fmt.Sprintf("%s: %s", r.cur, checker.ProgressLine(p)))
}

// finished notes a check that ended; the line (if one is due) says how
// far the run is.
func (r *progressReporter) finished() {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.done++
	r.cur = ""
	if time.Since(r.last) >= r.every && r.done < r.total {
		r.emit("")
	}
}

// clear erases the line redrawn on a terminal, before results go to it.
func (r *progressReporter) clear() {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.erase()
}

func (r *progressReporter) erase() {
	if !r.tty || r.drawn == 0 {
		return
	}
	fmt.Fprintf(r.w, "\r%s\r", strings.Repeat(" ", r.drawn))
	r.drawn = 0
}

// emit writes one progress line: "jobctl check: 12/500 checks, 6s: WHAT".
func (r *progressReporter) emit(what string) {
	r.last = time.Now()
	line := fmt.Sprintf("jobctl check: %d/%d checks, %s", r.done, r.total, fmtDuration(time.Since(r.start).Round(time.Second)))
	if what != "" {
		line += ": " + what
	}
	if r.tty {
		r.erase()
		fmt.Fprint(r.w, line)
		r.drawn = len(line)
		return
	}
	fmt.Fprintln(r.w, line)
}
