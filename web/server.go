// Package web is jobctl's explorer: a local web page to walk a scenario's
// state space by hand. At each state it shows the actors that can step and
// what each step would do, the race diagram so far (package render/svg),
// the state of every task at any step, and the counterexamples the checker
// finds, to jump to; back and forward; and the position as a URL (the
// schedule), to share.
//
// The page talks to a small JSON API, which scripts can use too:
//
//	GET /api/scenario?variant=V&rt=1      the scenario, its source, the designs, its counterexamples
//	GET /api/state?schedule=A%20B&variant=V&rt=1
//	                                      the state after the schedule: tasks, processes,
//	                                      actors, locks, who can step (enabled), the race so far
//	GET /api/race.svg?schedule=...        the race so far as an SVG sequence diagram
//
// variant and rt default to the server's. A position is its schedule:
// the same schedule gives the same answer, byte for byte. Bad input — an
// unknown parameter, actor or variant, a malformed schedule, a move that
// cannot be made — is a 4xx with a JSON {"error": MESSAGE} (and "step",
// the 1-based move at fault), never a 5xx or a crash.
package web

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"jobctl/checker"
	"jobctl/model"
	"jobctl/render/report"
	"jobctl/render/svg"
	"jobctl/scenario"
	"jobctl/variants"
	"jobctl/view"
)

var (
	//go:embed assets/index.html
	indexHTML string
	//go:embed assets/explore.js
	exploreJS string
	//go:embed assets/explore.css
	exploreCSS string
)

// Server serves the explorer of one scenario.
type Server struct {
	sc      *scenario.Scenario
	p       *model.Program
	variant string // the default design
	rt      bool   // force PREEMPT_RT by default
	// Check bounds the checker runs that find the counterexamples.
	Check checker.Options
	// Log, if set, gets a line for each request that fails.
	Log func(format string, args ...any)

	mu     sync.Mutex
	checks map[string]*checkEntry // by design and RT
	stop   chan struct{}          // closed by Close: stops the checks
	closed bool
}

type checkEntry struct {
	once sync.Once
	res  *checker.Result
	m    *model.Machine
	err  error
}

// New returns the explorer of scenario sc (compiled as p) under the named
// design by default.
func New(sc *scenario.Scenario, p *model.Program, variant string, rt bool) (*Server, error) {
	if _, err := variants.Get(variant); err != nil {
		return nil, err
	}
	stop := make(chan struct{})
	return &Server{sc: sc, p: p, variant: variant, rt: rt, checks: map[string]*checkEntry{}, stop: stop,
		Check: checker.Options{MaxStates: 2_000_000, Timeout: time.Minute, Workers: 1, Cancel: stop}}, nil
}

// Close stops the checker runs in progress (they end incomplete).
func (s *Server) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		close(s.stop)
	}
}

// Handler is the explorer's HTTP handler.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.asset("text/html; charset=utf-8", indexHTML))
	mux.HandleFunc("GET /explore.js", s.asset("text/javascript; charset=utf-8", exploreJS))
	mux.HandleFunc("GET /state.js", s.asset("text/javascript; charset=utf-8", report.StateJS))
	mux.HandleFunc("GET /style.css", s.asset("text/css; charset=utf-8", report.CSS+exploreCSS))
	mux.HandleFunc("GET /api/scenario", s.apiScenario)
	mux.HandleFunc("GET /api/state", s.apiState)
	mux.HandleFunc("GET /api/race.svg", s.apiRaceSVG)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/scenario", "/api/state", "/api/race.svg":
			w.Header().Set("Allow", "GET, HEAD")
			s.fail(w, r, http.StatusMethodNotAllowed, fmt.Errorf("%s %s: only GET", r.Method, r.URL.Path), 0)
			return
		}
		s.fail(w, r, http.StatusNotFound, fmt.Errorf("no API %s %s (want GET /api/scenario, /api/state or /api/race.svg)", r.Method, r.URL.Path), 0)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, http.StatusNotFound, fmt.Errorf("no page %s", r.URL.Path), 0)
	})
	return s.recoverer(mux)
}

// recoverer turns a panic in a handler (a bug) into an answer, so that one
// request cannot take the explorer down. The answer is a 4xx like every
// other failure, with the panic's message.
func (s *Server) recoverer(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if s.Log != nil {
					s.Log("jobctl explore: internal error on %s: %v\n%s", r.URL, v, debug.Stack())
				}
				s.fail(w, r, http.StatusUnprocessableEntity, fmt.Errorf("jobctl explore: internal error: %v", v), 0)
			}
		}()
		h.ServeHTTP(w, r)
	})
}

func (s *Server) asset(ctype, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'")
		w.Header().Set("Cache-Control", "no-cache")
		w.Write([]byte(body))
	}
}

// apiError is the body of every failed request.
type apiError struct {
	Error string `json:"error"`
	Step  int    `json:"step,omitempty"`
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, code int, err error, step int) {
	if s.Log != nil {
		s.Log("jobctl explore: %d %s: %v", code, r.URL, err)
	}
	writeJSON(w, code, apiError{Error: err.Error(), Step: step})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(v); err != nil {
		code = http.StatusUnprocessableEntity
		buf.Reset()
		fmt.Fprintf(&buf, "{\"error\": %q}\n", err.Error())
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(code)
	w.Write(buf.Bytes())
}

// request is a query's design and schedule, checked.
type request struct {
	v     *variants.Variant
	rt    bool
	m     *model.Machine
	moves []view.Move
}

// badRequest is a query the explorer cannot answer; code is its status.
type badRequest struct {
	code int
	err  error
	step int
}

func (s *Server) parse(r *http.Request, withSchedule bool) (*request, *badRequest) {
	// r.URL.Query() drops what it cannot decode ("schedule=%", a ';'),
	// which would answer for the initial state instead of the schedule
	// asked for: a malformed query is an error.
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, &badRequest{code: http.StatusBadRequest, err: fmt.Errorf("malformed query: %v", err)}
	}
	allowed := map[string]bool{"variant": true, "rt": true}
	if withSchedule {
		allowed["schedule"] = true
	}
	for k, vs := range q {
		if !allowed[k] {
			var want []string
			for _, n := range []string{"schedule", "variant", "rt"} {
				if allowed[n] {
					want = append(want, n)
				}
			}
			return nil, &badRequest{code: http.StatusBadRequest, err: fmt.Errorf("unknown parameter %q (want %s)", k, strings.Join(want, ", "))}
		}
		if len(vs) > 1 {
			return nil, &badRequest{code: http.StatusBadRequest, err: fmt.Errorf("parameter %q given %d times", k, len(vs))}
		}
	}
	req := &request{rt: s.rt || s.sc.RT}
	name := s.variant
	if q.Has("variant") {
		name = q.Get("variant")
	}
	v, err := variants.Get(name)
	if err != nil {
		return nil, &badRequest{code: http.StatusBadRequest, err: err}
	}
	req.v = v
	if q.Has("rt") {
		switch q.Get("rt") {
		case "1", "true", "yes":
			req.rt = true
		case "0", "false", "no", "":
			req.rt = s.sc.RT // a scenario with "config PREEMPT_RT" is RT whatever the query
		default:
			return nil, &badRequest{code: http.StatusBadRequest, err: fmt.Errorf("rt=%q: want 1 or 0", q.Get("rt"))}
		}
	}
	req.m = model.NewMachine(v.Kernel(req.rt), s.p)
	if withSchedule {
		ms, err := view.ParseSchedule(req.m, q.Get("schedule"))
		if err != nil {
			var se *view.ScheduleError
			code, step := http.StatusBadRequest, 0
			if errors.As(err, &se) {
				step = se.Step
				if se.NotEnabled {
					code = http.StatusConflict
				}
			}
			return nil, &badRequest{code: code, err: fmt.Errorf("schedule: %v", err), step: step}
		}
		req.moves = ms
	}
	return req, nil
}

// race walks the request's schedule; a move that cannot be made is a 409.
func (s *Server) race(req *request, ms []view.Move) (*view.Race, *badRequest) {
	r, err := view.NewRace(req.m, ms, view.Props(s.sc))
	if err != nil {
		var se *view.ScheduleError
		if errors.As(err, &se) {
			code := http.StatusBadRequest
			if se.NotEnabled {
				code = http.StatusConflict
			}
			return nil, &badRequest{code: code, err: fmt.Errorf("schedule: %v", err), step: se.Step}
		}
		return nil, &badRequest{code: http.StatusBadRequest, err: err}
	}
	return r, nil
}

// Move is a move that can be made, and what it would do.
type Move struct {
	Move     string        `json:"move"`  // the schedule token
	Actor    string        `json:"actor"` // the actor's name
	Function string        `json:"function"`
	Step     string        `json:"step"`
	Changes  []view.Change `json:"changes"`
	Notes    []string      `json:"notes"`
	Violates []string      `json:"violates"` // the properties it would be the first to violate
	Schedule string        `json:"schedule"` // the schedule that makes it
}

// State is the answer of GET /api/state.
type State struct {
	Scenario string `json:"scenario"`
	Variant  string `json:"variant"`
	RT       bool   `json:"rt"`
	Schedule string `json:"schedule"`
	Depth    int    `json:"depth"` // the number of moves made
	view.State
	Enabled  []Move           `json:"enabled"`  // who can step, and what each step would do
	Terminal bool             `json:"terminal"` // nobody can
	Race     []view.Step      `json:"race"`     // the steps so far
	States   []view.State     `json:"states"`   // the state before the first step and after each
	Start    []string         `json:"start"`    // properties the initial state violates
	Violated []string         `json:"violated"` // properties violated so far, in the order of the race
	End      []view.Violation `json:"end"`      // at a terminal state: what is violated at the end
	Outcome  []Obs            `json:"outcome"`  // what user space sees now
}

// Obs is one observation (model.Machine.Observe).
type Obs struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

func (s *Server) apiState(w http.ResponseWriter, r *http.Request) {
	req, bad := s.parse(r, true)
	if bad != nil {
		s.fail(w, r, bad.code, bad.err, bad.step)
		return
	}
	st, bad := s.state(req)
	if bad != nil {
		s.fail(w, r, bad.code, bad.err, bad.step)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// StateOf answers GET /api/state for a schedule, without HTTP.
func (s *Server) state(req *request) (*State, *badRequest) {
	race, bad := s.race(req, req.moves)
	if bad != nil {
		return nil, bad
	}
	m := req.m
	st := &State{
		Scenario: name(s.sc), Variant: req.v.Name, RT: req.rt,
		Schedule: view.Schedule(req.m, req.moves), Depth: len(req.moves),
		State:   race.States[len(race.States)-1],
		Enabled: []Move{}, Terminal: race.Terminal,
		Race: race.Steps, States: race.States, Start: race.Start, Violated: []string{},
		End: race.End, Outcome: []Obs{},
	}
	if st.Race == nil {
		st.Race = []view.Step{}
	}
	if st.Start == nil {
		st.Start = []string{}
	}
	if st.End == nil {
		st.End = []view.Violation{}
	}
	st.Violated = append(st.Violated, st.Start...)
	for _, step := range race.Steps {
		st.Violated = append(st.Violated, step.Violates...)
	}
	for _, e := range race.End {
		st.Violated = append(st.Violated, e.Property)
	}
	states, _, err := view.Walk(m, req.moves)
	if err != nil {
		return nil, &badRequest{code: http.StatusConflict, err: err}
	}
	last := states[len(states)-1]
	for _, o := range m.Observe(&last) {
		st.Outcome = append(st.Outcome, Obs{o.Key, o.Value})
	}
	for _, mv := range view.Enabled(m, &last) {
		next := append(append([]view.Move{}, req.moves...), mv)
		nr, bad := s.race(req, next)
		if bad != nil {
			return nil, bad
		}
		step := nr.Steps[len(nr.Steps)-1]
		st.Enabled = append(st.Enabled, Move{Move: step.Move, Actor: step.Actor, Function: step.Function, Step: step.Step,
			Changes: step.Changes, Notes: step.Notes, Violates: step.Violates, Schedule: view.Schedule(req.m, next)})
	}
	return st, nil
}

func (s *Server) apiRaceSVG(w http.ResponseWriter, r *http.Request) {
	req, bad := s.parse(r, true)
	if bad == nil {
		var race *view.Race
		race, bad = s.race(req, req.moves)
		if bad == nil {
			var buf bytes.Buffer
			title := fmt.Sprintf("%s under %s: %s", name(s.sc), req.v.Name, view.Schedule(req.m, req.moves))
			if err := svg.Write(&buf, race, svg.Options{ID: "race", Title: title, Standalone: true}); err != nil {
				bad = &badRequest{code: http.StatusUnprocessableEntity, err: err}
			} else {
				w.Header().Set("Content-Type", "image/svg+xml")
				w.Header().Set("Cache-Control", "no-cache")
				w.Write(buf.Bytes())
				return
			}
		}
	}
	s.fail(w, r, bad.code, bad.err, bad.step)
}

// Scenario is the answer of GET /api/scenario.
type Scenario struct {
	Name            string           `json:"name"`
	Title           string           `json:"title"`
	File            string           `json:"file"`
	Source          string           `json:"source"` // the scenario's text
	Variant         string           `json:"variant"`
	RT              bool             `json:"rt"`
	Variants        []string         `json:"variants"`
	Actors          []string         `json:"actors"`
	Expected        string           `json:"expected"` // "pass", "violation I2,I4"
	Verdict         string           `json:"verdict"`  // the checker's: pass, violation, incomplete
	States          int              `json:"states"`
	Incomplete      string           `json:"incomplete"`
	Counterexamples []Counterexample `json:"counterexamples"`
}

// Counterexample is a violation the checker found, with its schedule.
type Counterexample struct {
	Property string `json:"property"`
	Message  string `json:"message"`
	Schedule string `json:"schedule"` // "" for a check over all final outcomes
	Steps    int    `json:"steps"`
}

func (s *Server) apiScenario(w http.ResponseWriter, r *http.Request) {
	req, bad := s.parse(r, false)
	if bad != nil {
		s.fail(w, r, bad.code, bad.err, bad.step)
		return
	}
	res, err := s.check(req)
	if err != nil {
		s.fail(w, r, http.StatusUnprocessableEntity, err, 0)
		return
	}
	out := Scenario{Name: name(s.sc), Title: s.sc.Title, File: s.sc.File, Source: s.sc.Text, Variant: req.v.Name, RT: req.rt,
		Variants: variants.Names(), Actors: []string{}, Expected: expected(s.sc, req.v.Name),
		Verdict: res.Verdict, States: res.States, Incomplete: res.Incomplete, Counterexamples: []Counterexample{}}
	for _, a := range s.p.Actors {
		out.Actors = append(out.Actors, a.Name)
	}
	for _, fd := range res.Violations {
		c := Counterexample{Property: fd.Property, Message: fd.Message, Steps: len(fd.Trace)}
		if fd.Trace != nil {
			c.Schedule = view.Schedule(req.m, fd.Trace)
		}
		out.Counterexamples = append(out.Counterexamples, c)
	}
	writeJSON(w, http.StatusOK, out)
}

// check runs the checker once per design (and RT), in the background of
// the first request that needs it.
func (s *Server) check(req *request) (*checker.Result, error) {
	key := fmt.Sprintf("%s/%v", req.v.Name, req.rt)
	s.mu.Lock()
	e, ok := s.checks[key]
	if !ok {
		e = &checkEntry{}
		s.checks[key] = e
	}
	s.mu.Unlock()
	e.once.Do(func() {
		e.m = req.m
		e.res, e.err = checker.Check(req.m, s.Check)
	})
	return e.res, e.err
}

func name(sc *scenario.Scenario) string { return strings.TrimPrefix(sc.Name, "builtin:") }

// expected renders what the scenario's verdict lines expect under a design.
func expected(sc *scenario.Scenario, variant string) string {
	var v *scenario.Verdict
	for i := range sc.Verdicts {
		switch sc.Verdicts[i].Variant {
		case variant:
			v = &sc.Verdicts[i]
		case "*":
			if v == nil {
				v = &sc.Verdicts[i]
			}
		}
		if v != nil && v.Variant == variant {
			break
		}
	}
	switch {
	case v == nil || !v.Violation:
		return "pass"
	case len(v.Properties) == 0:
		return "violation"
	}
	return "violation " + strings.Join(v.Properties, ",")
}
