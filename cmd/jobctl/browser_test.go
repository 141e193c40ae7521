package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"jobctl/internal/browser"
	"jobctl/scenario"
)

// The report for the whole corpus, written by one command, opened in a
// real headless Chromium that may load nothing but the file: follow a
// matrix link to its counterexample and read the state at a step.
func TestBrowserReport(t *testing.T) {
	ctx := browser.New(t, 1400, 900)
	path := filepath.Join(t.TempDir(), "report.html")
	if out, errs, code := jobctl(t, "check", "--html", path); code != exitOK {
		t.Fatalf("jobctl check --html: exit %d: %s%s", code, out, errs)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	checkSelfContained(t, string(b))

	var mu sync.Mutex
	var requests []string
	chromedp.Listen(ctx, func(ev any) {
		var url string
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			url = e.Request.URL
		case network.EventRequestWillBeSent:
			url = e.Request.URL
		default:
			return
		}
		mu.Lock()
		requests = append(requests, url)
		mu.Unlock()
	})
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+path), chromedp.WaitVisible(`#matrix`)); err != nil {
		t.Fatal(err)
	}
	rows := eval[int](t, ctx, `document.querySelectorAll("#matrix tbody tr").length`)
	if corpus, err := scenario.Builtin(); err != nil || rows != len(corpus) {
		t.Errorf("the matrix has %d rows, want the %d scenarios of the corpus (%v)", rows, len(corpus), err)
	}
	browser.Screenshot(t, ctx, "report-matrix", false)

	// Follow the R1 x peterz-v2 cell.
	link := `#matrix a[href="#sc-R1-kill-frozen-stopped-peterz-v2-I2"]`
	if got := eval[string](t, ctx, `document.querySelector('`+link+`').textContent`); got != "I2,I4,final" {
		t.Errorf("the R1 x peterz-v2 cell reads %q, want I2,I4,final", got)
	}
	if err := chromedp.Do(ctx, chromedp.Click(link)); err != nil {
		t.Fatal(err)
	}
	// Park the pointer in the corner: after the jump, whatever step of a
	// diagram lands under it would be hovered, and the panel show that.
	if err := chromedp.Do(ctx, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, 1, 1)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`location.hash === "#sc-R1-kill-frozen-stopped-peterz-v2-I2"`, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("the link did not lead to the counterexample: %v", err)
	}
	cex := `document.getElementById("sc-R1-kill-frozen-stopped-peterz-v2-I2")`
	if top := eval[float64](t, ctx, cex+`.getBoundingClientRect().top`); top < -5 || top > 100 {
		t.Errorf("the counterexample is at y=%.0f after following the link, not at the top of the window", top)
	}
	text := eval[string](t, ctx, cex+`.textContent`)
	// The shortest interleaving that breaks I2: freeze, and the kill
	// meets TASK_FROZEN.
	for _, want := range []string{"schedule F F S", "CPU0 (F)", "CPU1 (S)", "violates I2", "misses TASK_FROZEN"} {
		if !strings.Contains(text, want) {
			t.Errorf("the I2 counterexample lacks %q", want)
		}
	}
	// The lost wake-up itself: the thaw puts T back to sleep.
	i4 := eval[string](t, ctx, `document.getElementById("sc-R1-kill-frozen-stopped-peterz-v2-I4").textContent`)
	for _, want := range []string{"schedule F F F F F S F", "unfreeze_cgroup", "T: __state TASK_FROZEN → TASK_STOPPED", "I4 violated"} {
		if !strings.Contains(i4, want) {
			t.Errorf("the I4 counterexample lacks %q", want)
		}
	}
	// The panel starts at the violating step (the kill, step 3) ...
	panel := cex + `.querySelector(".state")`
	taskCell := func(field string) string {
		return eval[string](t, ctx, panel+`.querySelector('table.tasks tr[data-field="`+field+`"] td[data-who="T"]').textContent`)
	}
	if got := eval[string](t, ctx, panel+`.dataset.step`); got != "3" {
		t.Errorf("the state panel starts at step %q, want 3 (the violating step)", got)
	}
	if got := taskCell("pending"); got != "SIGKILL" {
		t.Errorf("after the kill T's pending reads %q", got)
	}
	// ... a click on step 2 (freeze_task) shows the state after it.
	if err := chromedp.Do(ctx, chromedp.Click(`#sc-R1-kill-frozen-stopped-peterz-v2-I2-svg g.step[data-step="2"] rect`)); err != nil {
		t.Fatal(err)
	}
	if got := eval[string](t, ctx, panel+`.dataset.step`); got != "2" {
		t.Errorf("after a click on step 2 the panel shows step %q", got)
	}
	for field, want := range map[string]string{"__state": "TASK_FROZEN", "jobctl": "STOPPED|SIGMASK=19", "pending": "none", "wchan": "do_signal_stop"} {
		if got := taskCell(field); got != want {
			t.Errorf("after step 2 T's %s reads %q, want %q", field, got, want)
		}
	}
	if got := eval[string](t, ctx, panel+`.querySelector('table.tasks tr[data-field="__state"] td').className`); got != "chg" {
		t.Errorf("__state, which step 2 changed, is not highlighted (class %q)", got)
	}
	browser.Screenshot(t, ctx, "report-counterexample", false)

	mu.Lock()
	defer mu.Unlock()
	if len(requests) == 0 {
		t.Errorf("no request seen: the network log does not work")
	}
	for _, u := range requests {
		if !strings.HasPrefix(u, "file://") && !strings.HasPrefix(u, "data:") {
			t.Errorf("the report loaded %s", u)
		}
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
