package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"

	"jobctl/graph"
	"jobctl/model"
)

var cmdGraph = &command{
	name:    "graph",
	summary: "draw the reachable state graph of a small scenario (Graphviz dot or SVG)",
	usage:   `  jobctl graph SCENARIO [--variant V] [--rt] [--dot | --svg] [--max-states N] [-o FILE]`,
	help: `
Explores every state of a scenario reachable under one design and writes
the graph: the initial state with every task's __state, saved_state, jobctl
and place; every other state as the fields in which it differs from the
initial one; each edge labelled with the actor and the kernel step it ran.
Terminal states have a double border; a state that violates a property, and
a step that does, are red and say which.

Flags:
  --variant V      the kernel design (default mainline; see 'jobctl variants')
  --rt             force CONFIG_PREEMPT_RT
  --dot            write the graph in Graphviz's dot language (the default)
  --svg            render it as SVG with Graphviz's dot program (Debian: graphviz);
                   an error (exit 2) when dot is not installed
  --max-states N   refuse a graph of more than N states (default 2000): exit 3
  -o FILE          write to FILE (atomically) instead of stdout
`,
	run: runGraph,
}

func runGraph(args []string, stdout, stderr io.Writer) (int, error) {
	var variant, out string
	var rt, dot, svg bool
	var maxStates int
	fs := newFlags("graph")
	fs.StringVar(&variant, "variant", "mainline", "")
	fs.BoolVar(&rt, "rt", false, "")
	fs.BoolVar(&dot, "dot", false, "")
	fs.BoolVar(&svg, "svg", false, "")
	fs.IntVar(&maxStates, "max-states", graph.DefaultMaxStates, "")
	fs.StringVar(&out, "o", "", "")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return exitUsage, err
	}
	switch {
	case len(pos) != 1:
		return exitUsage, usagef("want one SCENARIO, got %d arguments", len(pos))
	case dot && svg:
		return exitUsage, usagef("--dot and --svg exclude each other")
	case maxStates <= 0:
		return exitUsage, usagef("--max-states must be positive")
	}
	if out != "" {
		if _, err := outputPath(out); err != nil {
			return exitUsage, &inputError{fmt.Errorf("jobctl graph: -o: %v", err)}
		}
	}
	sc, err := loadScenario(pos[0])
	if err != nil {
		return exitUsage, err
	}
	v, err := getVariant(variant)
	if err != nil {
		return exitUsage, err
	}
	p, err := compile(sc)
	if err != nil {
		return exitUsage, err
	}
	var dotPath string
	if svg {
		// Look for Graphviz before exploring: say so at once when it is missing.
		if dotPath, err = exec.LookPath("dot"); err != nil {
			return exitUsage, &inputError{errors.New("jobctl graph: --svg needs Graphviz's dot program, which is not installed (Debian: apt-get install graphviz); --dot writes the graph in the dot language instead")}
		}
	}
	rt = rt || sc.RT
	m := model.NewMachine(v.Kernel(rt), p)
	g, err := graph.Build(m, maxStates)
	if err != nil {
		var tl *graph.ErrTooLarge
		if errors.As(err, &tl) {
			return exitIncomplete, fmt.Errorf("jobctl graph: %s under %s: %v", scenarioName(sc), v.Name, err)
		}
		return exitUsage, &inputError{err}
	}
	title := scenarioName(sc) + " under " + v.Name
	if rt {
		title += " (PREEMPT_RT)"
	}
	var buf bytes.Buffer
	if err := g.WriteDot(&buf, title); err != nil {
		return exitInternal, err
	}
	data := buf.Bytes()
	if svg {
		if data, err = renderSVG(dotPath, data); err != nil {
			return exitInternal, fmt.Errorf("jobctl graph: %v", err)
		}
	}
	if out != "" {
		if err := writeFileAtomic(out, data); err != nil {
			return exitUsage, &inputError{fmt.Errorf("jobctl graph: -o: %v", err)}
		}
		fmt.Fprintf(stderr, "jobctl graph: %d states, %d steps written to %s\n", len(g.Nodes), len(g.Edges), out)
		return exitOK, nil
	}
	_, err = stdout.Write(data)
	return exitOK, err
}

// renderSVG runs Graphviz's dot on a graph.
func renderSVG(dotPath string, src []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, dotPath, "-Tsvg")
	cmd.Stdin = bytes.NewReader(src)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("dot -Tsvg: %v: %s", err, strings.TrimSpace(errb.String()))
	}
	return out.Bytes(), nil
}
