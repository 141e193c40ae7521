package render

import (
	"jobctl/internal/jctest"
	"strings"
	"testing"

	"jobctl/checker"
	"jobctl/model"
)

func TestWrapText(t *testing.T) {
	tests := []struct {
		in    string
		width int
		want  []string
	}{
		{"", 10, []string{""}},
		{"short", 10, []string{"short"}},
		{"do_signal_stop: schedule()", 48, []string{"do_signal_stop: schedule()"}},
		{"freezer_write(FROZEN): freezer_apply_state: CGROUP_FREEZING", 48,
			[]string{"freezer_write(FROZEN): freezer_apply_state:", "CGROUP_FREEZING"}},
		// A short lead stays with the long word after it.
		{"T: ttwu(TASK_INTERRUPTIBLE|TASK_WAKEKILL) misses TASK_FROZEN", 46,
			[]string{"T: ttwu(TASK_INTERRUPTIBLE|TASK_WAKEKILL)", "misses TASK_FROZEN"}},
		// No orphaned short last word.
		{"T: __state TASK_STOPPED -> TASK_RUNNING (woken)", 46,
			[]string{"T: __state TASK_STOPPED -> TASK_RUNNING (woken)"}},
		{"aaaa bbbb cccc dddd", 9, []string{"aaaa bbbb", "cccc dddd"}},
	}
	for _, tt := range tests {
		got := WrapText(tt.in, tt.width)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("WrapText(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
		}
	}
}

func TestSplitLabel(t *testing.T) {
	tests := []struct{ label, fn, step string }{
		{"kill: group_send_sig_info -> send_signal_locked", "kill", "group_send_sig_info -> send_signal_locked"},
		{"freezer_write(FROZEN): freezer_apply_state: CGROUP_FREEZING", "freezer_write(FROZEN)", "freezer_apply_state: CGROUP_FREEZING"},
		{"ptrace_unfreeze_traced", "ptrace_unfreeze_traced", ""},
		{"", "", ""},
	}
	for _, tt := range tests {
		fn, step := SplitLabel(tt.label)
		if fn != tt.fn || step != tt.step {
			t.Errorf("SplitLabel(%q) = %q, %q; want %q, %q", tt.label, fn, step, tt.fn, tt.step)
		}
	}
}

func TestJobctlDiff(t *testing.T) {
	tests := []struct {
		before, after uint32
		want          string
	}{
		{0, 0, ""},
		{model.JOBCTL_STOPPED, 0, "-STOPPED"},
		{model.JOBCTL_STOPPED | 19, model.JOBCTL_TRACED | 19, "-STOPPED +TRACED"},
		{model.JOBCTL_TRACED, model.JOBCTL_TRACED | model.JOBCTL_PTRACE_FROZEN | model.JOBCTL_LISTENING, "+PTRACE_FROZEN|LISTENING"},
		{19, 0, ""}, // the stop signal number is not a bit
	}
	for _, tt := range tests {
		got := JobctlDiff(tt.before, tt.after)
		want := strings.ReplaceAll(tt.want, "|", " +")
		if got != want {
			t.Errorf("JobctlDiff(%#x, %#x) = %q, want %q", tt.before, tt.after, got, want)
		}
	}
}

// TestWriteDiagram draws a hand-made race: columns only for the actors that
// step, numbered in actor order, each wide enough for its text.
func TestWriteDiagram(t *testing.T) {
	r := &Race{
		Actors: []string{"W", "F", "S", "T"},
		Steps: []Step{
			{Actor: 1, Label: "freeze_cgroup: freeze_task(T)", Effects: []string{"T: __state TASK_STOPPED -> TASK_FROZEN"}},
			{Actor: 2, Label: "kill: group_send_sig_info -> send_signal_locked", Effects: []string{"T: jobctl -STOPPED"}, Marks: []string{"I2"}},
			{Actor: 1, Label: "unfreeze_cgroup: __thaw_task(T)"},
		},
		Start: []string{"I10"},
		Width: 120,
	}
	var b strings.Builder
	if err := r.WriteDiagram(&b, ""); err != nil {
		t.Fatal(err)
	}
	want := ` (initial state) => violates I10
 CPU0 (F)                                   CPU1 (S)
 freeze_cgroup: freeze_task(T)
   T: __state TASK_STOPPED -> TASK_FROZEN
                                            kill: group_send_sig_info -> send_signal_locked
                                              T: jobctl -STOPPED
                                              => violates I2
 unfreeze_cgroup: __thaw_task(T)
`
	if b.String() != want {
		t.Errorf("diagram:\n%s\nwant:\n%s", b.String(), want)
	}
	if cols := r.Columns(); len(cols) != 2 || cols[0] != 1 || cols[1] != 2 {
		t.Errorf("Columns() = %v, want [1 2]", cols)
	}
	if got := r.Schedule(); got != "F S F" {
		t.Errorf("Schedule() = %q", got)
	}

	// By default two columns fit 75: the same words, wrapped in their
	// columns.
	r.Width = 0
	b.Reset()
	r.WriteDiagram(&b, "  ")
	// (The room is shared so that the fewest lines wrap: CPU0 gets what
	// it wants, CPU1 wraps its label.)
	want = `   (initial state) => violates I10
   CPU0 (F)                                   CPU1 (S)
   freeze_cgroup: freeze_task(T)
     T: __state TASK_STOPPED -> TASK_FROZEN
                                              kill: group_send_sig_info ->
                                                  send_signal_locked
                                                T: jobctl -STOPPED
                                                => violates I2
   unfreeze_cgroup: __thaw_task(T)
`
	if b.String() != want {
		t.Errorf("diagram in 75 columns:\n%s\nwant:\n%s", b.String(), want)
	}
	for _, l := range strings.Split(b.String(), "\n") {
		if len(l) > DefaultWidth {
			t.Errorf("line of %d columns: %q", len(l), l)
		}
	}
	// Colour: the violating step's label and its mark, nothing else.
	r.Color = true
	b.Reset()
	r.WriteDiagram(&b, "")
	if !strings.Contains(b.String(), colorStep+"kill: group_send_sig_info ->"+colorReset) ||
		!strings.Contains(b.String(), "    "+colorStep+"send_signal_locked"+colorReset) ||
		!strings.Contains(b.String(), colorMark+"=> violates I2"+colorReset) ||
		strings.Contains(b.String(), "\x1b[1mfreeze_cgroup") {
		t.Errorf("colour:\n%q", b.String())
	}
}

func TestWrapStrict(t *testing.T) {
	for _, tt := range []struct {
		in    string
		width int
		want  []string
	}{
		{"", 10, []string{""}},
		{"aaaa bbbb cccc dddd", 9, []string{"aaaa bbbb", "cccc dddd"}},
		{"T: ttwu(TASK_INTERRUPTIBLE|TASK_WAKEKILL|__TASK_TRACED) misses TASK_FROZEN", 30,
			[]string{"T: ttwu(TASK_INTERRUPTIBLE|", "TASK_WAKEKILL|__TASK_TRACED)", "misses TASK_FROZEN"}},
		{"abcdefghijklmnop", 5, []string{"abcde", "fghij", "klmno", "p"}},
		// The piece after a cut starts a line of its own: no space is added.
		{"A|BBBBBBBBBBBB|C D", 13, []string{"A|", "BBBBBBBBBBBB|", "C D"}},
	} {
		got := WrapStrict(tt.in, tt.width)
		if strings.Join(got, "/") != strings.Join(tt.want, "/") {
			t.Errorf("WrapStrict(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
		}
		for _, l := range got {
			if len(l) > tt.width {
				t.Errorf("WrapStrict(%q, %d): line %q is too long", tt.in, tt.width, l)
			}
		}
	}
}

// TestIndentedKeepsCutWords: the lines after the first are wrapped from the
// text, not from the first wrap's lines joined with spaces, which put a
// space into every word cut there (a 4-CPU race at 75 columns printed
// "+TIF_SIGPE" "NDIN G" and "group_send_s" "ig_i nfo").
func TestIndentedKeepsCutWords(t *testing.T) {
	for _, tt := range []struct {
		in                 string
		width, first, cont int
		want               []string
	}{
		{"G1: +TIF_SIGPENDING", 16, 2, 6, []string{"  G1:", "      +TIF_SIGPE", "      NDING"}},
		{"kill: group_send_sig_info -> send_signal_locked", 16, 0, 4,
			[]string{"kill:", "    group_send_s", "    ig_info ->", "    send_signal_", "    locked"}},
		{"aaaa bbbb cccc", 20, 2, 4, []string{"  aaaa bbbb cccc"}},
	} {
		got := indented(tt.in, tt.width, tt.first, tt.cont)
		if strings.Join(got, "/") != strings.Join(tt.want, "/") {
			t.Errorf("indented(%q, %d, %d, %d) = %q, want %q", tt.in, tt.width, tt.first, tt.cont, got, tt.want)
		}
	}
}

func TestWriteDiagramWrapsLongLabels(t *testing.T) {
	long := "rtlock_slowlock(tasklist_lock): saved_state = __state; __state = TASK_RTLOCK_WAIT; schedule_rtlock()"
	r := &Race{Actors: []string{"L", "T"}, Steps: []Step{{Actor: 1, Label: long}, {Actor: 0, Label: "unlock(tasklist_lock)"}}}
	var b strings.Builder
	r.WriteDiagram(&b, "")
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	// Header, the unlock in column 0, and the long label in column 1 over several lines.
	if len(lines) < 4 {
		t.Fatalf("not wrapped:\n%s", b.String())
	}
	off := strings.Index(lines[0], "CPU1 (T)")
	for _, l := range lines[1:] {
		if strings.HasPrefix(strings.TrimSpace(l), "unlock") {
			continue
		}
		if len(l)-off > Wrap+contIndent || strings.TrimSpace(l[:off]) != "" {
			t.Errorf("line %q is out of its column (offset %d)", l, off)
		}
	}
	if strings.Join(strings.Fields(strings.Join(lines[1:len(lines)-1], " ")), " ") != long {
		t.Errorf("the wrapped label does not read back as the label:\n%s", b.String())
	}
}

const r1 = `title R1
actor W F S
process T parent W
init W: kill T SIGSTOP
init W: wait T WUNTRACED
F: freeze T
F: thaw T
S: kill T SIGKILL
`

func machine(t *testing.T, src, variant string) *model.Machine {
	t.Helper()
	return jctest.Inline(t, variant, src)
}

func actor(m *model.Machine, name string) int {
	for i, a := range m.P.Actors {
		if a.Name == name {
			return i
		}
	}
	return -1
}

// TestNewR1 replays R1, the race of Eric Biederman's reply to Peter's v2
// 1/5, under Peter's v2: the freezer turns
// TASK_STOPPED into TASK_FROZEN, and SIGKILL's wakeup misses it.
func TestNewR1(t *testing.T) {
	m := machine(t, r1, "peterz-v2")
	F, S := actor(m, "F"), actor(m, "S")
	// Freeze until T is frozen, then kill.
	var trace []model.Move
	s, err := m.Initial()
	if err != nil {
		t.Fatal(err)
	}
	for s.Task[0].State != model.TASK_FROZEN {
		if len(trace) > 10 {
			t.Fatal("the freezer never freezes T")
		}
		m.Step(&s, model.Act(F))
		trace = append(trace, model.Act(F))
	}
	trace = append(trace, model.Act(S))
	states, ctxs, err := checker.Replay(m, trace)
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(m, trace, states, ctxs, model.All)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	r.Write(&b, "")
	out := b.String()
	// The words of the drawing, read across the wrapped lines.
	flat := strings.Join(strings.Fields(strings.ReplaceAll(out, "|\n", "|")), " ")
	flat = strings.ReplaceAll(flat, "| ", "|")
	for _, l := range strings.Split(out, "\n") {
		if len(l) > DefaultWidth {
			t.Errorf("line of %d columns: %q", len(l), l)
		}
	}
	for _, want := range []string{
		"CPU0 (F)", "CPU1 (S)",
		"T: __state TASK_STOPPED -> TASK_FROZEN",
		"kill: group_send_sig_info -> send_signal_locked",
		"misses TASK_FROZEN",
		"=> violates I2",
		"final state:",
		"T: __state TASK_FROZEN, saved_state TASK_RUNNING, jobctl STOPPED; in do_signal_stop, asleep",
		// Every field the kill changed: the pending sets, TIF_SIGPENDING,
		// signal->flags.
		"T: pending +SIGKILL", "T: shared_pending +SIGKILL", "T: +TIF_SIGPENDING",
		"T: signal->flags -SIGNAL_STOP_STOPPED +SIGNAL_GROUP_EXIT",
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	if strings.Contains(out, "CPU2") || strings.Contains(out, " (W)") || strings.Contains(out, " (T)") {
		t.Errorf("a column for an actor that never steps:\n%s", out)
	}
	last := r.Steps[len(r.Steps)-1]
	if last.Actor != S || len(last.Marks) != 1 || last.Marks[0] != "I2" {
		t.Errorf("the kill step: %+v, want the I2 mark", last)
	}
	// The same input draws the same bytes.
	var b2 strings.Builder
	r2, _ := New(m, trace, states, ctxs, model.All)
	r2.Write(&b2, "")
	if b2.String() != out {
		t.Error("two renderings of one trace differ")
	}
}

func TestNewMismatch(t *testing.T) {
	m := machine(t, r1, "mainline")
	s, _ := m.Initial()
	if _, err := New(m, []model.Move{model.Act(0)}, []model.State{s}, nil, 0); err == nil {
		t.Error("New accepted a trace without its states")
	}
	if _, err := New(m, []model.Move{model.Act(42)}, []model.State{s, s}, make([]model.Ctx, 1), 0); err == nil {
		t.Error("New accepted an actor that does not exist")
	}
}

func TestEmptyTrace(t *testing.T) {
	m := machine(t, r1, "mainline")
	states, ctxs, err := checker.Replay(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(m, nil, states, ctxs, model.All)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	r.Write(&b, "  ")
	if !strings.Contains(b.String(), "(no step") || !strings.Contains(b.String(), "final state:") {
		t.Errorf("empty trace:\n%s", b.String())
	}
}
