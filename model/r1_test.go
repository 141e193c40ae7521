package model_test

// R1 (docs/SCENARIOS.md): SIGKILL to a frozen, job-control-stopped task, step by
// step under each design, from testdata/r1.txt. Each "run DESIGN:
// SCHEDULE" block runs the scenario below with that fixed interleaving
// and prints every step's label and T's state after it; "T*" runs T until
// it cannot step. Regenerate with: go test ./model -run TestR1 -rewrite

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"jobctl/model"
	"jobctl/scenario"
	"jobctl/variants"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the expected output in testdata/*.txt")

const r1Scenario = `actor W F S
process T parent W
init W: kill T SIGSTOP
init W: wait T WUNTRACED
F: freeze T
F: thaw T
S: kill T SIGKILL
`

func TestR1(t *testing.T) { runScript(t, "testdata/r1.txt", r1Scenario) }

// runScript runs a hand-rolled datadriven file: '#' lines are narrative,
// "run DESIGN: SCHEDULE" is a command, "----" starts its expected output,
// which ends at a blank line.
func runScript(t *testing.T, path, src string) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := scenario.Parse("r1.jc", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	p, err := model.Compile(sc)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if !strings.HasPrefix(line, "run ") {
			out.WriteString(line + "\n")
			continue
		}
		out.WriteString(line + "\n")
		if i+1 >= len(lines) || lines[i+1] != "----" {
			t.Fatalf("%s:%d: want ---- after the command", path, i+1)
		}
		i++
		start := i + 1
		for i+1 < len(lines) && lines[i+1] != "" {
			i++
		}
		want := strings.Join(lines[start:i+1], "\n")
		got := runCommand(t, p, strings.TrimPrefix(line, "run "))
		out.WriteString("----\n" + got + "\n")
		if !*rewrite && got != want {
			t.Errorf("%s:%d: %s\n--- got:\n%s\n--- want:\n%s", path, start-1, line, got, want)
		}
	}
	if *rewrite {
		if err := os.WriteFile(path, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func runCommand(t *testing.T, p *model.Program, cmd string) string {
	name, sched, ok := strings.Cut(cmd, ":")
	if !ok {
		t.Fatalf("bad command %q", cmd)
	}
	v, err := variants.Get(strings.TrimSpace(name))
	if err != nil {
		t.Fatal(err)
	}
	m := model.NewMachine(v.Kernel(false), p)
	s, err := m.Initial()
	if err != nil {
		t.Fatal(err)
	}
	index := map[string]int{}
	for i, a := range p.Actors {
		index[a.Name] = i
	}
	var b strings.Builder
	fmt.Fprintf(&b, "init  %s\n", describe(m, &s))
	stepOnce := func(a int) bool {
		next := s
		c, ok := m.Step(&next, model.Act(a))
		if !ok || next == s {
			return false
		}
		s = next
		fmt.Fprintf(&b, "%-5s %s\n      %s\n", p.Actors[a].Name, c.StepLabel(), describe(m, &s))
		return true
	}
	for _, tok := range strings.Fields(sched) {
		a, ok := index[strings.TrimSuffix(tok, "*")]
		if !ok {
			t.Fatalf("unknown actor in %q", tok)
		}
		if strings.HasSuffix(tok, "*") {
			for n := 0; n < 50 && stepOnce(a); n++ {
			}
			continue
		}
		if !stepOnce(a) {
			fmt.Fprintf(&b, "%-5s cannot step\n", tok)
		}
	}
	terminal := true
	for a := range p.Actors {
		next := s
		if _, ok := m.Step(&next, model.Act(a)); ok && next != s {
			terminal = false
		}
	}
	if terminal {
		fmt.Fprintf(&b, "terminal: %s violated: %q", m.Outcome(&s), m.CheckTerminal(&s, model.All).String())
	} else {
		b.WriteString("not terminal")
	}
	return b.String()
}

// describe is T's kernel state, and its group's signal flags.
func describe(m *model.Machine, s *model.State) string {
	T := &s.Task[0]
	return fmt.Sprintf("T %s __state=%s saved=%s jobctl=%s on_rq=%v | flags=%s",
		T.Loc, model.StateString(T.State), model.StateString(T.Saved), model.JobctlString(T.Jobctl&^model.JOBCTL_STOP_SIGMASK),
		T.OnRq, signalFlags(s.Proc[0].Flags))
}

func signalFlags(f uint8) string {
	var parts []string
	for _, b := range []struct {
		bit  uint8
		name string
	}{{model.SIGNAL_STOP_STOPPED, "STOP_STOPPED"}, {model.SIGNAL_STOP_CONTINUED, "STOP_CONTINUED"},
		{model.SIGNAL_GROUP_EXIT, "GROUP_EXIT"}, {model.SIGNAL_CLD_STOPPED, "CLD_STOPPED"}, {model.SIGNAL_CLD_CONTINUED, "CLD_CONTINUED"}} {
		if f&b.bit != 0 {
			parts = append(parts, b.name)
		}
	}
	if len(parts) == 0 {
		return "0"
	}
	return strings.Join(parts, "|")
}
