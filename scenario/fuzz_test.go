package scenario_test

import (
	"errors"
	"io/fs"
	"regexp"
	"strings"
	"testing"
	"time"

	"jobctl/checker"
	"jobctl/model"
	"jobctl/scenario"
)

// FuzzParse: Parse never panics; an error is a *scenario.Error naming the
// file and a line and column; every parsed scenario is compiled, and every
// compiled one checked under mainline with tiny limits (200 states, 1s),
// neither panicking; their errors name FILE:LINE:COL too.
//
//	go test -run=NONE -fuzz=FuzzParse -fuzztime=10s ./scenario
func FuzzParse(f *testing.F) {
	files, err := fs.Glob(scenario.Corpus, "corpus/*.jc")
	if err != nil {
		f.Fatal(err)
	}
	for _, n := range files {
		src, err := scenario.Corpus.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	for _, s := range []string{
		"",
		"process T\n",
		"actor S\nprocess T\nS: kill T SIGKILL\nfinal T.exit=killed(SIGKILL)\n",
		"actor W P F\nprocess T threads T T2 parent W\ninit W: kill T SIGSTOP\nP: attach T2\nF: freeze T\nF: thaw T\nT: exit_group 1\n",
		"actor L\nconfig PREEMPT_RT\nprocess T\nL: lock tasklist\nL: unlock tasklist\n",
		"title \"x\ny\"\n",
		// The forms of issue 10: observe with keys, settle, after, the
		// keys of results and of the prelude, checked values.
		"actor A B\nprocess T parent A\ninit A: observe T pending\nA: kill T SIGSTOP\nA: wait T WUNTRACED\n" +
			"B: after A#2 kill T SIGCONT\nB: settle\nB: observe T state exit ran tracer pending sigpnd shdpnd wchan freezer\n" +
			"final B#3.state=R B#3.wchan=0 A#init1.pending=none B#2=0 A#2=stopped(SIGSTOP) T.sigpnd=none T.shdpnd!=SIGKILL\n",
		"actor A B\nprocess P threads P1 P2\nA: tkill P2 SIGSTOP\nP1: after A#1 raise SIGUSR1\nB: after A#1 settle\nsometimes P1.wchan=do_signal_stop\n",
		"actor A B\nprocess T\nA: after B#1 kill T 9\nB: after A#1 kill T 9\n",
		"actor A\nprocess T\nA: wait T\nfinal A#1=stoped(SIGSTOP) T.pending=SIGSTOP,SIGKILL\n",
		// A prelude op that never completes: the violation "prelude",
		// with no state explored (the fuzzer found it in seconds).
		"actor W\nprocess T parent W\ninit W: wait T",
	} {
		f.Add([]byte(s))
	}
	k := model.Mainline()
	f.Fuzz(func(t *testing.T, src []byte) {
		sc, err := scenario.Parse("fuzz.jc", src)
		if err != nil {
			var e *scenario.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is a %T", err, err)
			}
			if e.Pos.File != "fuzz.jc" || e.Pos.Line < 1 || e.Pos.Line > strings.Count(string(src), "\n")+1 || e.Pos.Col < 1 {
				t.Fatalf("error at %v", e.Pos)
			}
			return
		}
		// Every parsed scenario is compiled; an error names the place.
		p, err := model.Compile(sc)
		if err != nil {
			if !positioned(err) {
				t.Fatalf("compile error %q names no FILE:LINE:COL", err)
			}
			return
		}
		// And checked, with tiny limits: a check never panics, and
		// says pass, violation or incomplete, with counts that add up.
		m := model.NewMachine(k, p)
		res, err := checker.Check(m, checker.Options{MaxStates: 200, Timeout: time.Second, Workers: 1})
		if err != nil {
			if !positioned(err) {
				t.Fatalf("check error %q names no FILE:LINE:COL", err)
			}
			return
		}
		switch res.Verdict {
		case checker.Pass, checker.Violation, checker.Incomplete:
		default:
			t.Fatalf("verdict %q", res.Verdict)
		}
		// A prelude the design keeps from its start state is the
		// violation "prelude", found before the exploration: no state
		// explored, and no other violation.
		if len(res.Violations) > 0 && res.Violations[0].Property == checker.Prelude {
			if len(res.Violations) != 1 || res.States != 0 || res.Verdict != checker.Violation || !positioned(errors.New(res.Violations[0].Message)) {
				t.Fatalf("prelude result %+v", res)
			}
			return
		}
		if res.States < 1 || res.Terminal > res.States || (res.Verdict == checker.Incomplete) != (res.Incomplete != "" && len(res.Violations) == 0) {
			t.Fatalf("result %+v", res)
		}
	})
}

// positioned: err's text starts with fuzz.jc:LINE:COL.
func positioned(err error) bool {
	return positionRE.MatchString(err.Error())
}

var positionRE = regexp.MustCompile(`^fuzz\.jc:[1-9][0-9]*:[1-9][0-9]*: `)
