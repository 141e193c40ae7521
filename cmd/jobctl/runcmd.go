package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"

	"jobctl/checker"
	"jobctl/model"
	"jobctl/render"
	"jobctl/scenario"
)

var cmdRun = &command{
	name:    "run",
	summary: "execute one interleaving of a scenario and draw it",
	usage:   `  jobctl run SCENARIO [--variant V] [--schedule "A B A ..." | --random --seed N] [--rt] [--json] [--width N]`,
	help: `
Executes ONE interleaving of a scenario deterministically and draws it as a
race diagram: one column per CPU (an actor that steps), time flowing down,
each step the kernel function and step it ran and, under it, every kernel
field it changed (__state, saved_state, jobctl, the pending sets,
TIF_SIGPENDING, signal->flags, ...; wakeups that missed; exits).
Then the final state of each task, the final observations (what user space
sees, one KEY=VALUE per line), and every property violated on the way or at
the end.

Which interleaving:
  --schedule "A B ..."  the actors by name, one per atomic step; it is an error
                        (exit 2) when a named actor cannot step at that point
  --random --seed N     pick uniformly among the actors that can step
                        (math/rand/v2, seeded by N) until none can (at most 10000 steps)
  neither               the scenario's own "schedule" line if it has one, else
                        always the lowest-numbered actor that can step, until none can
A schedule runs exactly the steps it names; when actors could still step
after it, liveness properties and final checks are not evaluated.

Flags:
  --variant V   the kernel design (default: the scenario's "variant" line,
                which a counterexample file written by 'jobctl check
                --counterexample' has, else mainline; see 'jobctl variants')
  --rt          force CONFIG_PREEMPT_RT
  --json        one JSON object instead of the drawing: scenario, variant, rt,
                schedule, how, steps [{actor, token, function, step, effects,
                changes [{who, field, from, to}], violates}], final_state,
                outcome [{key, value}], terminal, capped, could_step, violations
  --width N     fit the drawing to N columns (default: one or two CPUs fit 75,
                more follow COLUMNS or the terminal's width)
  --schedule S, --random, --seed N: see above

Exit code 1 means a property was violated; 3 that the random walk hit the step cap.
`,
	run: runRun,
}

// maxRunSteps caps a random or lowest-actor walk.
const maxRunSteps = 10000

func runRun(args []string, stdout, stderr io.Writer) (int, error) {
	var variant, sched string
	var random, rt, asJSON bool
	var seed uint64
	var width int
	fs := newFlags("run")
	fs.BoolVar(&asJSON, "json", false, "")
	fs.IntVar(&width, "width", 0, "")
	fs.StringVar(&variant, "variant", "", "")
	fs.StringVar(&sched, "schedule", "", "")
	fs.BoolVar(&random, "random", false, "")
	fs.Uint64Var(&seed, "seed", 0, "")
	fs.BoolVar(&rt, "rt", false, "")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return exitUsage, err
	}
	schedSet, seedSet := false, false
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "schedule":
			schedSet = true
		case "seed":
			seedSet = true
		}
	})
	switch {
	case len(pos) != 1:
		return exitUsage, usagef("want one SCENARIO, got %d arguments", len(pos))
	case schedSet && random:
		return exitUsage, usagef("--schedule and --random exclude each other")
	case seedSet && !random:
		return exitUsage, usagef("--seed goes with --random")
	case schedSet && strings.TrimSpace(sched) == "":
		return exitUsage, usagef("--schedule wants the actors' names, one per step (\"A B A ...\"), got none")
	}
	sc, err := loadScenario(pos[0])
	if err != nil {
		return exitUsage, err
	}
	// The design: --variant, else the file's "variant" line (a
	// counterexample records the design it was found under), else mainline.
	switch {
	case variant != "" && sc.Variant != "" && variant != sc.Variant:
		fmt.Fprintf(stderr, "jobctl run: note: --variant %s overrides the file's \"variant %s\" (%s)\n", variant, sc.Variant, sc.VariantPos)
	case variant == "" && sc.Variant != "":
		variant = sc.Variant
	case variant == "":
		variant = "mainline"
	}
	v, err := getVariant(variant)
	if err != nil {
		return exitUsage, err
	}
	p, err := compile(sc)
	if err != nil {
		return exitUsage, err
	}
	rt = rt || sc.RT
	m := model.NewMachine(v.Kernel(rt), p)
	s, err := m.Initial()
	var pe *model.PreludeError
	if errors.As(err, &pe) {
		// The design, not the file, keeps the prelude from its start
		// state: a violated property, as check reports it.
		fmt.Fprintf(stdout, "%s under %s: prelude violated: %v\n", scenarioName(sc), v.Name, err)
		return exitDiffers, nil
	}
	if err != nil {
		return exitUsage, &inputError{err}
	}

	// Choose the interleaving.
	var trace []model.Move
	var how string
	capped := false
	step := func(mv model.Move) {
		next := s
		m.Step(&next, mv)
		s = next
		trace = append(trace, mv)
	}
	switch {
	case schedSet || (!random && sc.Schedule != nil):
		names := strings.Fields(sched)
		where := "jobctl run: --schedule"
		how = "--schedule"
		if !schedSet {
			names = sc.Schedule
			where = sc.SchedPos.String() + ": schedule"
			how = "the scenario's schedule line"
		}
		for i, name := range names {
			if a := actorIndex(p, strings.SplitN(name, ":", 2)[0]); a < 0 {
				return exitUsage, &inputError{fmt.Errorf("%s: step %d: no actor named %q (actors: %s)", where, i+1, name, actorList(p, nil))}
			}
			mv, err := m.ParseMove(&s, name)
			if err != nil {
				return exitUsage, &inputError{fmt.Errorf("%s: step %d: %v", where, i+1, err)}
			}
			en := checker.Enabled(m, &s)
			if !containsMove(en, mv) {
				can := "no actor can step"
				if len(en) > 0 {
					can = "can step: " + moveList(m, &s, en)
				}
				return exitUsage, &inputError{fmt.Errorf("%s: step %d: %s cannot step (%s)", where, i+1, name, can)}
			}
			step(mv)
		}
	default:
		// The lowest-numbered actor that can step, or (--random) any.
		how = "the lowest-numbered actor that can step"
		pick := func(en []model.Move) model.Move { return en[0] }
		if random {
			how = fmt.Sprintf("--random --seed %d", seed)
			rng := rand.New(rand.NewPCG(seed, 0x6a6f6263746c)) // "jobctl"
			pick = func(en []model.Move) model.Move { return en[rng.IntN(len(en))] }
		}
		for {
			en := checker.Enabled(m, &s)
			if len(en) == 0 {
				break
			}
			if len(trace) == maxRunSteps {
				capped = true
				break
			}
			step(pick(en))
		}
	}

	states, ctxs, err := checker.Replay(m, trace)
	if err != nil {
		return exitInternal, fmt.Errorf("jobctl: internal error: the run does not replay: %v", err)
	}
	want := props(sc)
	race, err := render.New(m, trace, states, ctxs, want)
	if err != nil {
		return exitInternal, err
	}
	final := &states[len(states)-1]
	still := checker.Enabled(m, final)

	terminal := len(still) == 0 && !capped
	viol := runViolations(m, sc, want, trace, states, ctxs, terminal)
	code := exitOK
	switch {
	case len(viol) > 0:
		code = exitDiffers
	case capped:
		code = exitIncomplete
	}
	if asJSON {
		return code, writeRunJSON(stdout, m, sc, v.Name, rt, how, race, final, still, terminal, capped, viol)
	}

	st := newStyle(stdout, width)
	race.Width = st.raceWidth(len(race.Columns()))
	race.Color = st.color
	var b strings.Builder
	prose := func(format string, args ...any) {
		wrapLine(&b, strings.TrimSuffix(fmt.Sprintf(format, args...), "\n"), st.textWidth(), 4)
	}
	name := v.Name
	if rt {
		name += " with PREEMPT_RT"
	}
	if sc.Title != "" {
		prose("%s under %s: %s", scenarioName(sc), name, sc.Title)
	} else {
		prose("%s under %s", scenarioName(sc), name)
	}
	prose("schedule (%s): %s", how, race.Schedule())
	b.WriteString("\n")
	race.Write(&b, "")
	switch {
	case capped:
		b.WriteString("\n")
		prose(" stopped after %d steps (the cap); %s could still step", maxRunSteps, moveList(m, final, still))
	case len(still) > 0:
		b.WriteString("\n")
		prose(" the schedule ends here; %s could still step: a partial schedule, so the final and liveness checks are not made", moveList(m, final, still))
	}
	b.WriteString("\n outcome:\n")
	for _, o := range m.Observe(final) {
		prose("   %s=%s", o.Key, o.Value)
	}
	switch {
	case len(viol) == 0 && terminal:
		b.WriteString("\n")
		prose(" %s", st.paint(ansiGreen, "no property violated"))
	case len(viol) == 0:
		b.WriteString("\n")
		prose(" no property violated on the way; the final and liveness checks were not made (the run ends before the scenario does)")
	default:
		b.WriteString("\n " + st.paint(ansiBadRed, "violated:") + "\n")
		for _, l := range viol {
			prose("   %s", l)
		}
		if !terminal {
			prose("   (the final and liveness checks were not made: the run ends before the scenario does)")
		}
	}
	io.WriteString(stdout, b.String())
	return code, nil
}

// jsonRun is 'jobctl run --json': the interleaving, step by step with
// what each changed, and its verdict.
type jsonRun struct {
	Scenario string     `json:"scenario"`
	Variant  string     `json:"variant"`
	RT       bool       `json:"rt"`
	Schedule string     `json:"schedule"` // the trace as --schedule takes it
	How      string     `json:"how"`      // where the interleaving came from
	Steps    []jsonStep `json:"steps"`
	Final    []string   `json:"final_state"`
	Outcome  []jsonObs  `json:"outcome"`
	// Terminal: no actor could step at the end, so the final and liveness
	// checks were made. CouldStep lists who still could otherwise.
	Terminal   bool     `json:"terminal"`
	Capped     bool     `json:"capped"`
	CouldStep  []string `json:"could_step"`
	Violations []string `json:"violations"`
}

type jsonObs struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

func writeRunJSON(w io.Writer, m *model.Machine, sc *scenario.Scenario, variant string, rt bool, how string, race *render.Race, final *model.State, still []model.Move, terminal, capped bool, viol []string) error {
	j := jsonRun{Scenario: scenarioName(sc), Variant: variant, RT: rt, Schedule: race.Schedule(), How: how,
		Steps: jsonSteps(race), Final: append([]string{}, race.Final...), Outcome: []jsonObs{},
		Terminal: terminal, Capped: capped, CouldStep: []string{}, Violations: append([]string{}, viol...)}
	for _, o := range m.Observe(final) {
		j.Outcome = append(j.Outcome, jsonObs{o.Key, o.Value})
	}
	for _, mv := range still {
		j.CouldStep = append(j.CouldStep, m.MoveString(final, mv))
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(j)
}

// runViolations lists the properties the run violates, each once, in the
// order they happen: state and transition properties at the step that
// first breaks them, the scenario's always checks, and, when the run ended
// in a terminal state, the liveness properties and final checks.
func runViolations(m *model.Machine, sc *scenario.Scenario, want model.PropSet, trace []model.Move, states []model.State, ctxs []model.Ctx, terminal bool) []string {
	var out []string
	var seen model.PropSet
	alwaysSeen := map[int]bool{}
	check := func(i int, bad model.PropSet) {
		for p := model.Prop(0); p < model.NumProps; p++ {
			if bad.Has(p) && !seen.Has(p) {
				at := "in the initial state"
				if i > 0 {
					at = fmt.Sprintf("at step %d (%s)", i, m.MoveString(&states[i-1], trace[i-1]))
				}
				out = append(out, fmt.Sprintf("%s %s: %s", p, at, m.Explain(&states[i], p)))
			}
		}
		seen |= bad
		obs := m.Observe(&states[i])
		for k, c := range sc.Checks {
			if c.Kind == scenario.Always && !alwaysSeen[k] && !holds(c.Atoms, obs) {
				alwaysSeen[k] = true
				out = append(out, fmt.Sprintf("always (step %d): %s: always %s is false", i, c.Pos, c.Text))
			}
		}
	}
	check(0, m.CheckState(&states[0], want))
	for i := range trace {
		c := ctxs[i]
		c.S = &states[i+1]
		check(i+1, m.CheckState(&states[i+1], want)|m.CheckTransition(&states[i], &states[i+1], &c, want))
	}
	if terminal {
		last := &states[len(states)-1]
		bad := m.CheckTerminal(last, want)
		for p := model.Prop(0); p < model.NumProps; p++ {
			if bad.Has(p) && !seen.Has(p) {
				out = append(out, fmt.Sprintf("%s at the end: %s", p, m.Explain(last, p)))
			}
		}
		obs := m.Observe(last)
		for _, c := range sc.Checks {
			if c.Kind == scenario.Final && !holds(c.Atoms, obs) {
				out = append(out, fmt.Sprintf("final: %s: final %s is false", c.Pos, c.Text))
			}
		}
	}
	return out
}

// holds evaluates a check's atoms (a conjunction) over observations, as the
// checker does: KEY=VALUE holds when the key is observed with that value.
func holds(atoms []scenario.Atom, obs []model.Obs) bool {
	for _, a := range atoms {
		eq := false
		for _, o := range obs {
			if o.Key == a.Key {
				eq = o.Value == a.Value
				break
			}
		}
		if eq == a.Neg {
			return false
		}
	}
	return true
}

func actorIndex(p *model.Program, name string) int {
	for i, a := range p.Actors {
		if a.Name == name {
			return i
		}
	}
	return -1
}

// actorList names the actors in as ("F, S"); nil means every actor.
func actorList(p *model.Program, as []int) string {
	var names []string
	if as == nil {
		for _, a := range p.Actors {
			names = append(names, a.Name)
		}
	} else {
		for _, a := range as {
			names = append(names, p.Actors[a].Name)
		}
	}
	return strings.Join(names, ", ")
}

func containsMove(xs []model.Move, x model.Move) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// moveList names the moves en of state s as schedule tokens.
func moveList(m *model.Machine, s *model.State, en []model.Move) string {
	names := make([]string, len(en))
	for i, mv := range en {
		names[i] = m.MoveString(s, mv)
	}
	return strings.Join(names, ", ")
}
