package svg

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"

	"jobctl/internal/jctest"
	"jobctl/scenario"
	"jobctl/view"
)

func r1Race(t *testing.T) *view.Race {
	t.Helper()
	sc, err := scenario.Load("R1-kill-frozen-stopped")
	if err != nil {
		t.Fatal(err)
	}
	m := jctest.Machine(t, sc, jctest.Kernel(t, "peterz-v2", false))
	ms, err := view.ParseSchedule(m, "F F F F F S F")
	if err != nil {
		t.Fatal(err)
	}
	r, err := view.NewRace(m, ms, view.Props(sc))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func draw(t *testing.T, r *view.Race, opt Options) string {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, r, opt); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestR1Diagram(t *testing.T) {
	r := r1Race(t)
	out := draw(t, r, Options{ID: "d", Title: "R1"})
	if out != draw(t, r, Options{ID: "d", Title: "R1"}) {
		t.Errorf("two drawings of one race differ")
	}
	for _, want := range []string{">CPU0 (F)<", ">CPU1 (S)<", ">kill<", "T: __state TASK_STOPPED → TASK_FROZEN", "F: freeze T returns 0",
		"T: ttwu(TASK_INTERRUPTIBLE|TASK_WAKEKILL)", "✗ violates I2", "✗ I4 violated", `id="d-s6" data-step="6"`} {
		if !strings.Contains(out, want) {
			t.Errorf("the diagram lacks %q", want)
		}
	}
	if n := strings.Count(out, `<g class="step"`); n != len(r.Steps)+1 {
		t.Errorf("%d step groups, want %d (the initial state and each step)", n, len(r.Steps)+1)
	}
	// Only the kill is outlined as violating.
	if n := strings.Count(out, `stroke="#b00020"`); n != 1 {
		t.Errorf("%d violating steps outlined, want 1", n)
	}
	// The kill is in S's column, right of F's.
	xOf := func(id string) string {
		i := strings.Index(out, `id="`+id+`"`)
		j := strings.Index(out[i:], `<rect class="box" x="`) + i + len(`<rect class="box" x="`)
		return out[j : j+strings.Index(out[j:], `"`)]
	}
	if xOf("d-s6") <= xOf("d-s5") && len(xOf("d-s6")) <= len(xOf("d-s5")) {
		t.Errorf("the kill (x=%s) is not right of the freezer's steps (x=%s)", xOf("d-s6"), xOf("d-s5"))
	}
	if strings.Contains(out, "http") || strings.Contains(out, "<?xml") {
		t.Errorf("an inline diagram names a namespace or declaration")
	}
	std := draw(t, r, Options{ID: "d", Standalone: true})
	if !strings.HasPrefix(std, "<?xml") || !strings.Contains(std, `xmlns="http://www.w3.org/2000/svg"`) {
		t.Errorf("a standalone diagram lacks its declaration and namespace")
	}
	dec := xml.NewDecoder(strings.NewReader(std))
	for {
		if _, err := dec.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("the SVG is not well-formed XML: %v", err)
		}
	}
}

func TestEscapes(t *testing.T) {
	r := &view.Race{
		Actors: []string{"A<1>"},
		Moves:  []view.Move{{Actor: 0}},
		Steps:  []view.Step{{N: 1, Move: "A<1>", Actor: "A<1>", Function: `f("x") & <g>`, Changes: []view.Change{{Who: "T", Field: "x", From: "<", To: ">"}}}},
		States: []view.State{{}, {}},
	}
	out := draw(t, r, Options{ID: `i"d`, Title: "<t>"})
	for _, bad := range []string{"<g>", `f("x")`, "A<1>", `"i"d"`, "<t>"} {
		if strings.Contains(out, bad) {
			t.Errorf("%q is not escaped", bad)
		}
	}
	if !strings.Contains(out, "f(&#34;x&#34;) &amp; &lt;g&gt;") {
		t.Errorf("the label is not there escaped")
	}
}
