package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"jobctl/internal/browser"
)

// The explorer in a real headless Chromium: open R1 under peterz-v2, step
// to the lost wake-up by clicking, and check the diagram and the task
// states the page shows at each step.

func jsString(s string) string { b, _ := json.Marshal(s); return string(b) }

// settle waits until the page shows the position with this schedule.
func settle(t *testing.T, ctx context.Context, schedule string) {
	t.Helper()
	// The position is shown, and so is the scenario (its counterexamples)
	// for the same design.
	cond := fmt.Sprintf(`document.body.dataset.loading === "0" && document.body.dataset.schedule === %s && document.body.dataset.scenario === document.body.dataset.position`, jsString(schedule))
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.body.dataset.schedule || "") + " / error: " + document.getElementById("error").textContent`))
		t.Fatalf("the page never showed schedule %q (shows %q): %v", schedule, got, err)
	}
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// cell reads a task's field from the state panel.
func cell(t *testing.T, ctx context.Context, field, who string) string {
	t.Helper()
	return eval[string](t, ctx, fmt.Sprintf(`(function(){var c=document.querySelector('#state table.tasks tr[data-field=%s] td[data-who=%s]');return c?c.textContent:"(no cell)";})()`,
		jsString(field), jsString(who)))
}

func TestBrowserExploreR1PeterzV2(t *testing.T) {
	ctx := browser.New(t, 1500, 1000)
	srv := newServer(t, "R1-kill-frozen-stopped", "peterz-v2")
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()

	// The counterexample the checker finds, from the API the page uses.
	var sc Scenario
	getJSON(t, ts.URL+"/api/scenario?variant=peterz-v2", 200, &sc)
	var sched string
	for _, c := range sc.Counterexamples {
		if c.Property == "I4" {
			sched = c.Schedule
		}
	}
	if sched != "F F F F F S F" {
		t.Fatalf("the I4 counterexample of R1 under peterz-v2 is %q, want F F F F F S F (the steps below assume it)", sched)
	}

	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/?variant=peterz-v2")); err != nil {
		t.Fatal(err)
	}
	settle(t, ctx, "")
	if got := eval[string](t, ctx, `document.getElementById("variant").value`); got != "peterz-v2" {
		t.Errorf("design selector shows %q, want peterz-v2", got)
	}
	// What the page must show after each step (index 0: the initial state):
	// the freezer overwrites TASK_STOPPED with TASK_FROZEN, the kill's
	// wakeup misses it and peterz-v2 keeps JOBCTL_STOPPED, the thaw puts
	// TASK_STOPPED back: the lost wake-up.
	wantState := []string{"TASK_STOPPED", "TASK_STOPPED", "TASK_FROZEN", "TASK_FROZEN", "TASK_FROZEN", "TASK_FROZEN", "TASK_FROZEN", "TASK_STOPPED"}
	wantPending := []string{"none", "none", "none", "none", "none", "none", "SIGKILL", "SIGKILL"}
	check := func(n int) {
		t.Helper()
		if got := cell(t, ctx, "__state", "T"); got != wantState[n] {
			t.Errorf("step %d: the page shows T's __state %q, want %q", n, got, wantState[n])
		}
		if got := cell(t, ctx, "pending", "T"); got != wantPending[n] {
			t.Errorf("step %d: the page shows T's pending %q, want %q", n, got, wantPending[n])
		}
		if got := cell(t, ctx, "jobctl", "T"); got != "STOPPED|SIGMASK=19" {
			t.Errorf("step %d: the page shows T's jobctl %q, want STOPPED|SIGMASK=19 (peterz-v2 never clears it)", n, got)
		}
		if got := eval[int](t, ctx, `document.querySelectorAll("#diagram svg g.step").length`); got != n+1 {
			t.Errorf("step %d: the diagram has %d steps (with the initial state), want %d", n, got, n+1)
		}
	}
	check(0)
	toks := strings.Fields(sched)
	for i, tok := range toks {
		if err := chromedp.Do(ctx, chromedp.Click(fmt.Sprintf(`#enabled button.move[data-move=%s]`, jsString(tok)))); err != nil {
			t.Fatalf("clicking move %d (%s): %v", i+1, tok, err)
		}
		settle(t, ctx, strings.Join(toks[:i+1], " "))
		check(i + 1)
	}
	// The kill is the violating step, drawn in S's column with its missed wakeup.
	kill := eval[string](t, ctx, `document.querySelector('#diagram g.step[data-step="6"]').textContent`)
	for _, want := range []string{"kill", "ttwu(TASK_INTERRUPTIBLE|TASK_WAKEKILL)", "misses TASK_FROZEN", "violates I2"} {
		if !strings.Contains(kill, want) {
			t.Errorf("step 6 of the diagram lacks %q: %q", want, kill)
		}
	}
	if hdr := eval[string](t, ctx, `Array.from(document.querySelectorAll('#diagram svg text.hdr')).map(function(e){return e.textContent}).join(",")`); hdr != "CPU0 (F),CPU1 (S)" {
		t.Errorf("diagram columns %q, want CPU0 (F),CPU1 (S)", hdr)
	}
	if end := eval[string](t, ctx, `document.getElementById("end").textContent`); !strings.Contains(end, "terminal state") || !strings.Contains(end, "I4 violated") {
		t.Errorf("at the end the page says %q, want a terminal state with I4 violated", end)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("#enabled button.move").length`); n != 0 {
		t.Errorf("%d moves offered in a terminal state", n)
	}
	browser.Screenshot(t, ctx, "explore-R1-peterz-v2", false)

	// Clicking a step of the diagram shows the state after it.
	if err := chromedp.Do(ctx, chromedp.Click(`#diagram g.step[data-step="2"] rect`)); err != nil {
		t.Fatal(err)
	}
	if got := eval[string](t, ctx, `document.getElementById("state").dataset.step`); got != "2" {
		t.Errorf("after clicking step 2 the state panel shows step %q", got)
	}
	if got := cell(t, ctx, "__state", "T"); got != "TASK_FROZEN" {
		t.Errorf("after clicking step 2: T's __state %q, want TASK_FROZEN", got)
	}

	// Back and forward.
	if err := chromedp.Do(ctx, chromedp.Click(`#back`)); err != nil {
		t.Fatal(err)
	}
	settle(t, ctx, "F F F F F S")
	if got := cell(t, ctx, "__state", "T"); got != "TASK_FROZEN" {
		t.Errorf("after back: T's __state %q, want TASK_FROZEN", got)
	}
	if err := chromedp.Do(ctx, chromedp.Click(`#forward`)); err != nil {
		t.Fatal(err)
	}
	settle(t, ctx, sched)

	// The position as a URL: opening it shows the same position.
	share := eval[string](t, ctx, `document.getElementById("share").href`)
	if !strings.Contains(share, "schedule=F+F+F+F+F+S+F") || !strings.Contains(share, "variant=peterz-v2") {
		t.Errorf("share link %q does not name the position", share)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/?variant=peterz-v2")); err != nil {
		t.Fatal(err)
	}
	settle(t, ctx, "")
	if err := chromedp.Do(ctx, chromedp.Navigate(share)); err != nil {
		t.Fatal(err)
	}
	settle(t, ctx, sched)
	if got := cell(t, ctx, "__state", "T"); got != "TASK_STOPPED" {
		t.Errorf("the shared position shows T's __state %q, want TASK_STOPPED", got)
	}

	// Jump to a counterexample from the initial state.
	if err := chromedp.Do(ctx, chromedp.Click(`#restart`)); err != nil {
		t.Fatal(err)
	}
	settle(t, ctx, "")
	if err := chromedp.Do(ctx, chromedp.Click(`#cexs button.cexjump[data-prop="I2"]`)); err != nil {
		t.Fatal(err)
	}
	var i2 string
	for _, c := range sc.Counterexamples {
		if c.Property == "I2" {
			i2 = c.Schedule
		}
	}
	settle(t, ctx, i2)
	if got := eval[string](t, ctx, `document.querySelector('#diagram svg').textContent`); !strings.Contains(got, "violates I2") {
		t.Errorf("the I2 counterexample's diagram does not mark I2")
	}
}

// A PREEMPT_RT scenario under another design: the same page works.
func TestBrowserExploreRT(t *testing.T) {
	ctx := browser.New(t, 1500, 1000)
	srv := newServer(t, "R7-rt-getregs-rtlock-blocked", "v6.1")
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	var sc Scenario
	getJSON(t, ts.URL+"/api/scenario?variant=v6.1", 200, &sc)
	if len(sc.Counterexamples) == 0 || !sc.RT {
		t.Fatalf("R7 under v6.1: want an RT scenario with counterexamples, got rt=%v %d", sc.RT, len(sc.Counterexamples))
	}
	cex := sc.Counterexamples[0]
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/?variant=v6.1&schedule="+strings.ReplaceAll(cex.Schedule, " ", "+"))); err != nil {
		t.Fatal(err)
	}
	settle(t, ctx, cex.Schedule)
	if !eval[bool](t, ctx, `document.getElementById("rt").checked`) {
		t.Errorf("the PREEMPT_RT box is not checked for an RT scenario")
	}
	if got := eval[int](t, ctx, `document.querySelectorAll("#diagram svg g.step").length`); got != cex.Steps+1 {
		t.Errorf("the diagram has %d steps, want %d", got, cex.Steps+1)
	}
	if got := eval[string](t, ctx, `document.querySelector('#diagram svg').textContent`); !strings.Contains(got, "violates") {
		t.Errorf("the counterexample's diagram marks no violation")
	}
	// Switch the design: the schedule is kept as far as it can be made.
	if err := chromedp.Do(ctx, chromedp.SetValue(`#variant`, "mainline")); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](`document.getElementById("variant").dispatchEvent(new Event("change"))`)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.body.dataset.loading === "0" && document.title.indexOf("mainline") >= 0`, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("switching to mainline: %v", err)
	}
	browser.Screenshot(t, ctx, "explore-R7-rt-mainline", false)
}
