package web

import (
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"jobctl/checker"
	"jobctl/model"
	"jobctl/scenario"
	"jobctl/variants"
)

func newServer(t testing.TB, name, variant string) *Server {
	t.Helper()
	sc, err := scenario.Load(name)
	if err != nil {
		all, _ := scenario.Builtin()
		for _, b := range all {
			if strings.TrimPrefix(b.Name, "builtin:") == name {
				sc, err = b, nil
			}
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	p, err := model.Compile(sc)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(sc, p, variant, false)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func get(t testing.TB, u string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

func getJSON(t testing.TB, u string, want int, v any) {
	t.Helper()
	code, b := get(t, u)
	if code != want {
		t.Fatalf("GET %s: %d, want %d: %s", u, code, want, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("GET %s: %v: %s", u, err, b)
	}
}

func state(ts *httptest.Server, q url.Values) string { return ts.URL + "/api/state?" + q.Encode() }

func TestAPIStateR1(t *testing.T) {
	ts := httptest.NewServer(newServer(t, "R1-kill-frozen-stopped", "peterz-v2").Handler())
	defer ts.Close()
	var st State
	getJSON(t, state(ts, url.Values{"schedule": {"F F"}}), 200, &st)
	if st.Schedule != "F F" || st.Depth != 2 || st.Variant != "peterz-v2" {
		t.Errorf("schedule %q depth %d variant %q", st.Schedule, st.Depth, st.Variant)
	}
	if len(st.Tasks) != 1 || st.Tasks[0].State != "TASK_FROZEN" || !st.Tasks[0].Asleep || st.Tasks[0].Wchan != "do_signal_stop" {
		t.Errorf("after freeze_task T is %+v, want TASK_FROZEN asleep in do_signal_stop", st.Tasks)
	}
	var who []string
	for _, e := range st.Enabled {
		who = append(who, e.Move)
	}
	if strings.Join(who, " ") != "F S" {
		t.Errorf("enabled %v, want F S", who)
	}
	// What S's kill would do: the wakeup misses TASK_FROZEN and violates I2.
	kill := st.Enabled[1]
	if kill.Function != "kill" || kill.Schedule != "F F S" || len(kill.Violates) == 0 || kill.Violates[0] != "I2" {
		t.Errorf("S's move: %+v", kill)
	}
	if len(kill.Notes) != 1 || !strings.Contains(kill.Notes[0], "misses TASK_FROZEN") {
		t.Errorf("S's move notes %q", kill.Notes)
	}
	if len(st.Race) != 2 || st.Race[1].Function != "freeze_cgroup" || len(st.States) != 3 {
		t.Errorf("race %+v, %d states", st.Race, len(st.States))
	}
	found := false
	for _, c := range st.Race[1].Changes {
		if c.Who == "T" && c.Field == "__state" && c.From == "TASK_STOPPED" && c.To == "TASK_FROZEN" {
			found = true
		}
	}
	if !found {
		t.Errorf("freeze_task's changes %+v lack T __state TASK_STOPPED -> TASK_FROZEN", st.Race[1].Changes)
	}

	// The whole counterexample: terminal, I2 on the way, I4 at the end.
	getJSON(t, state(ts, url.Values{"schedule": {"F F F F F S F"}}), 200, &st)
	if !st.Terminal || len(st.Enabled) != 0 {
		t.Errorf("not terminal after the counterexample: %+v", st.Enabled)
	}
	if got := strings.Join(st.Violated, ","); got != "I2,I4,final" {
		t.Errorf("violated %q, want I2,I4,final", got)
	}
}

func TestAPIDeterministic(t *testing.T) {
	ts := httptest.NewServer(newServer(t, "R1-kill-frozen-stopped", "peterz-v2").Handler())
	defer ts.Close()
	for _, path := range []string{"/api/state?schedule=F%20F%20S", "/api/race.svg?schedule=F%20F%20S", "/api/scenario"} {
		_, a := get(t, ts.URL+path)
		_, b := get(t, ts.URL+path)
		if string(a) != string(b) {
			t.Errorf("%s: two answers differ", path)
		}
	}
	// A second server gives the same bytes too.
	ts2 := httptest.NewServer(newServer(t, "R1-kill-frozen-stopped", "peterz-v2").Handler())
	defer ts2.Close()
	_, a := get(t, ts.URL+"/api/state?schedule=F%20S")
	_, b := get(t, ts2.URL+"/api/state?schedule=F%20S")
	if string(a) != string(b) {
		t.Errorf("two servers answer differently")
	}
}

func TestAPIBadInput(t *testing.T) {
	ts := httptest.NewServer(newServer(t, "R1-kill-frozen-stopped", "peterz-v2").Handler())
	defer ts.Close()
	for _, c := range []struct {
		path string
		code int
		msg  string
		step int
	}{
		{"/api/state?schedule=X", 400, `no actor named "X"`, 1},
		{"/api/state?schedule=F%20Q", 400, `no actor named "Q"`, 2},
		{"/api/state?schedule=F:x", 400, `F's next step has no outcome "x"`, 1},
		{"/api/state?schedule=F:-1", 400, `no outcome "-1"`, 1},
		{"/api/state?schedule=F%20F%20F%20F%20F%20F%20F%20F%20F%20F%20F%20F%20F%20F%20F", 409, "F cannot make this move (can step: S)", 7},
		{"/api/state?schedule=S%20S", 409, "S cannot make this move (can step: F, T)", 2},
		{"/api/state?variant=v9", 400, `unknown variant "v9"`, 0},
		{"/api/state?rt=maybe", 400, "want 1 or 0", 0},
		{"/api/state?state=42", 400, `unknown parameter "state"`, 0},
		{"/api/state?schedule=F&schedule=S", 400, "given 2 times", 0},
		// A query url.ParseQuery cannot decode: never the initial state
		// in place of the schedule asked for.
		{"/api/state?schedule=F%20F%20S%", 400, "malformed query", 0},
		{"/api/state?schedule=F;S", 400, "malformed query", 0},
		{"/api/race.svg?schedule=F%zz", 400, "malformed query", 0},
		{"/api/scenario?variant=v6.1&%", 400, "malformed query", 0},
		{"/api/state?schedule=" + strings.Repeat("F%20", 10001), 400, "at most 10000", 0},
		{"/api/race.svg?schedule=Z", 400, `no actor named "Z"`, 1},
		{"/api/scenario?schedule=F", 400, `unknown parameter "schedule"`, 0},
		{"/api/nothing", 404, "no API", 0},
		{"/nothing", 404, "no page", 0},
	} {
		code, body := get(t, ts.URL+c.path)
		var e apiError
		if err := json.Unmarshal(body, &e); err != nil {
			t.Errorf("%s: %d, not JSON: %s", c.path, code, body)
			continue
		}
		if code != c.code || !strings.Contains(e.Error, c.msg) || e.Step != c.step {
			t.Errorf("%s: %d %q step %d, want %d %q step %d", c.path, code, e.Error, e.Step, c.code, c.msg, c.step)
		}
	}
	resp, err := http.Post(ts.URL+"/api/state", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 {
		t.Errorf("POST /api/state: %d, want 405", resp.StatusCode)
	}
}

// Random schedules, good and bad: every answer is a 200 or a 4xx with a
// message, never a 5xx.
func TestAPIRandomSchedules(t *testing.T) {
	s := newServer(t, "R14-gstop-thread-frozen", "v6.1")
	h := s.Handler()
	rng := rand.New(rand.NewPCG(1, 2))
	names := []string{"S", "F", "W", "G1", "G2", "X", "S:1", "F:0", ":", "G1:", "%", ""}
	for i := 0; i < 300; i++ {
		var toks []string
		for n := rng.IntN(25); n > 0; n-- {
			toks = append(toks, names[rng.IntN(len(names))])
		}
		u := "/api/state?" + url.Values{"schedule": {strings.Join(toks, " ")}}.Encode()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", u, nil))
		if rec.Code >= 500 || (rec.Code != 200 && !strings.Contains(rec.Body.String(), `"error"`)) {
			t.Fatalf("%s: %d %s", u, rec.Code, rec.Body.String())
		}
	}
}

// Every design, and PREEMPT_RT: the initial state and every
// counterexample the checker finds can be shown.
func TestAPIEveryDesign(t *testing.T) {
	for _, name := range []string{"R1-kill-frozen-stopped", "R7-rt-getregs-rtlock-blocked"} {
		s := newServer(t, name, "mainline")
		ts := httptest.NewServer(s.Handler())
		for _, v := range variants.Names() {
			for _, rt := range []string{"0", "1"} {
				var sc Scenario
				getJSON(t, ts.URL+"/api/scenario?"+url.Values{"variant": {v}, "rt": {rt}}.Encode(), 200, &sc)
				if sc.Variant != v || (rt == "1") != sc.RT && !strings.Contains(name, "-rt-") {
					t.Errorf("%s: asked for %s rt=%s, got %s rt=%v", name, v, rt, sc.Variant, sc.RT)
				}
				for _, c := range append([]Counterexample{{Property: "(initial)"}}, sc.Counterexamples...) {
					var st State
					getJSON(t, state(ts, url.Values{"variant": {v}, "rt": {rt}, "schedule": {c.Schedule}}), 200, &st)
					if st.Depth != len(strings.Fields(c.Schedule)) {
						t.Errorf("%s under %s: %s: depth %d", name, v, c.Property, st.Depth)
					}
					if c.Schedule != "" && !contains(st.Violated, c.Property) && c.Property != "always" {
						t.Errorf("%s under %s rt=%s: the %s counterexample %q shows violated %v", name, v, rt, c.Property, c.Schedule, st.Violated)
					}
				}
			}
		}
		ts.Close()
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func TestPageAssets(t *testing.T) {
	ts := httptest.NewServer(newServer(t, "R1-kill-frozen-stopped", "mainline").Handler())
	defer ts.Close()
	for _, p := range []string{"/", "/explore.js", "/state.js", "/style.css"} {
		code, body := get(t, ts.URL+p)
		if code != 200 || len(body) == 0 {
			t.Errorf("%s: %d, %d bytes", p, code, len(body))
		}
		for _, bad := range []string{"http://", "https://", "//cdn"} {
			if strings.Contains(string(body), bad) {
				t.Errorf("%s refers to %q: the page must load nothing from outside", p, bad)
			}
		}
	}
	code, body := get(t, ts.URL+"/api/race.svg?schedule=F")
	if code != 200 || !strings.HasPrefix(string(body), "<?xml") || !strings.Contains(string(body), `xmlns="http://www.w3.org/2000/svg"`) {
		t.Errorf("race.svg: %d %.80s", code, body)
	}
}

// A step with several outcomes (complete_signal() picking the thread that
// takes a group signal): each outcome is a move of its own, named by its
// label in the schedule, and can be made by that name.
func TestAPIChoices(t *testing.T) {
	sc, err := scenario.Parse("choice.jc", []byte("actor S\nprocess G threads G1 G2\nS: kill G SIGSTOP\nS: kill G SIGCONT\nS: kill G SIGSTOP\n"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := model.Compile(sc)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(sc, p, "mainline", false)
	if err != nil {
		t.Fatal(err)
	}
	// Find, breadth-first, a state where a move has several outcomes.
	m := model.NewMachine(model.Mainline(), p)
	init, _ := m.Initial()
	type node struct {
		s     model.State
		moves []model.Move
	}
	queue := []node{{s: init}}
	seen := map[model.State]bool{init: true}
	var at []model.Move
	for len(queue) > 0 && at == nil && len(seen) < 5000 {
		n := queue[0]
		queue = queue[1:]
		for _, mv := range checker.Enabled(m, &n.s) {
			if mv.Choice > 0 {
				at = n.moves
				break
			}
			next := n.s
			m.Step(&next, mv)
			if !seen[next] {
				seen[next] = true
				queue = append(queue, node{next, append(append([]model.Move{}, n.moves...), mv)})
			}
		}
	}
	if at == nil {
		t.Fatalf("no step with several outcomes in %d states", len(seen))
	}
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	var st State
	getJSON(t, state(ts, url.Values{"schedule": {checker.Schedule(m, at)}}), 200, &st)
	byActor := map[string][]Move{}
	for _, e := range st.Enabled {
		byActor[e.Actor] = append(byActor[e.Actor], e)
	}
	found := false
	for actor, es := range byActor {
		if len(es) < 2 {
			continue
		}
		found = true
		names := map[string]bool{}
		for _, e := range es {
			if !strings.HasPrefix(e.Move, actor+":") || names[e.Move] {
				t.Errorf("outcome %q of %s: want a distinct %s:LABEL", e.Move, actor, actor)
			}
			names[e.Move] = true
			var after State
			getJSON(t, state(ts, url.Values{"schedule": {e.Schedule}}), 200, &after)
			if after.Depth != st.Depth+1 || !strings.HasSuffix(after.Schedule, " "+e.Move) && after.Schedule != e.Move {
				t.Errorf("after %q: schedule %q depth %d", e.Schedule, after.Schedule, after.Depth)
			}
		}
	}
	if !found {
		t.Errorf("the API offers no move with several outcomes at %q: %+v", st.Schedule, st.Enabled)
	}
}
