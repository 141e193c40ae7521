package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"jobctl/web"
)

var cmdExplore = &command{
	name:    "explore",
	summary: "walk a scenario's state space by hand in a local web page",
	usage:   `  jobctl explore SCENARIO [--variant V] [--rt] [--listen ADDR]`,
	help: `
Serves a web page on which to walk a scenario's state space by hand: at
each state the actors that can step and what each step would do (the
kernel function, the fields it changes, a property it would violate); back
and forward; the counterexamples the checker finds, to jump to; the race
diagram so far, with the state of every task after any step on a click;
and the position as a URL (its schedule), to share. The design and
PREEMPT_RT can be changed on the page.

The page talks to a JSON API that scripts can use too:
  GET /api/state?schedule=A%20B%20...&variant=V&rt=1
        the state after the schedule: tasks, processes, actors, locks,
        who can step ("enabled", with what each move would do), the race so
        far ("race", "states"), what is violated ("violated", "end")
  GET /api/scenario?variant=V   the scenario, its source, its counterexamples
  GET /api/race.svg?schedule=...  the race so far as an SVG sequence diagram
Bad input (an unknown actor, parameter or variant, a malformed schedule, a
move that cannot be made) is a 4xx with {"error": MESSAGE}.

Flags:
  --variant V     the design shown first (default mainline; see 'jobctl variants')
  --rt            force CONFIG_PREEMPT_RT
  --listen ADDR   where to listen (default 127.0.0.1:8080, loopback only);
                  port 0 picks a free one. The URL is printed on stdout.
Runs until interrupted (Ctrl-C, SIGTERM), then exits 0.
`,
	run: runExplore,
}

// exploreStop, when set (tests), stops the server instead of a signal.
var exploreStop <-chan struct{}

func runExplore(args []string, stdout, stderr io.Writer) (int, error) {
	var variant, listen string
	var rt bool
	fs := newFlags("explore")
	fs.StringVar(&variant, "variant", "mainline", "")
	fs.BoolVar(&rt, "rt", false, "")
	fs.StringVar(&listen, "listen", "127.0.0.1:8080", "")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return exitUsage, err
	}
	if len(pos) != 1 {
		return exitUsage, usagef("want one SCENARIO, got %d arguments", len(pos))
	}
	sc, err := loadScenario(pos[0])
	if err != nil {
		return exitUsage, err
	}
	if _, err := getVariant(variant); err != nil {
		return exitUsage, err
	}
	p, err := compile(sc)
	if err != nil {
		return exitUsage, err
	}
	srv, err := web.New(sc, p, variant, rt)
	if err != nil {
		return exitUsage, &inputError{err}
	}
	srv.Log = func(format string, a ...any) { fmt.Fprintf(stderr, format+"\n", a...) }
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return exitUsage, &inputError{fmt.Errorf("jobctl explore: --listen %s: %v", listen, err)}
	}
	addr := ln.Addr().(*net.TCPAddr)
	if !addr.IP.IsLoopback() {
		fmt.Fprintf(stderr, "jobctl explore: warning: %s is not a loopback address: the explorer is reachable from the network\n", addr)
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "jobctl explore: %s under %s at http://%s/ (Ctrl-C stops)\n", scenarioName(sc), variant, addr)
	if f, ok := stdout.(*os.File); ok {
		f.Sync()
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	stop := exploreStop
	select {
	case <-ctx.Done():
	case <-stop:
	case err := <-done:
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			return exitInternal, fmt.Errorf("jobctl explore: %v", err)
		}
	}
	sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer scancel()
	srv.Close()
	hs.Shutdown(sctx)
	return exitOK, nil
}
