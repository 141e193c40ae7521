// Package graph builds the reachable state graph of a small scenario under
// one design — every state, every step between two states — and writes it
// in Graphviz's dot language: the initial state in full, every other state
// as the fields in which it differs from the initial one, each edge
// labelled with its actor and kernel step, terminal states drawn with a
// double border and violating states and steps in red.
//
// It explores breadth-first on its own (package checker's search keeps no
// edges), deduplicating whole states, and stops with ErrTooLarge beyond a
// bound: a graph is for looking at, and a few thousand states is already
// more than anybody reads.
package graph

import (
	"fmt"
	"io"
	"strings"

	"jobctl/checker"
	"jobctl/model"
	"jobctl/scenario"
	"jobctl/view"
)

// DefaultMaxStates bounds a graph when the caller sets no bound.
const DefaultMaxStates = 2000

// Graph is a scenario's reachable state graph under one design.
type Graph struct {
	M     *model.Machine
	Nodes []Node // Nodes[0] is the initial state; BFS order
	Edges []Edge // by source node, then actor order
}

// Node is one reachable state.
type Node struct {
	S        model.State
	Depth    int
	Terminal bool     // no move can be made
	Bad      []string // properties the state violates (state, liveness at a terminal state, final checks)
}

// Edge is one step from one state to another.
type Edge struct {
	From, To int
	Move     view.Move
	Token    string   // the move as a schedule names it ("S", "S:T2")
	Label    string   // the step: "function: step"
	Bad      []string // transition properties the step violates
}

// ErrTooLarge is a graph with more states than the bound.
type ErrTooLarge struct{ Limit int }

func (e *ErrTooLarge) Error() string {
	return fmt.Sprintf("more than %d reachable states: too many to draw (raise --max-states, or draw a smaller scenario)", e.Limit)
}

// Build explores every state reachable from m's initial state, at most
// maxStates of them (0: DefaultMaxStates).
func Build(m *model.Machine, maxStates int) (*Graph, error) {
	if maxStates <= 0 {
		maxStates = DefaultMaxStates
	}
	init, err := m.Initial()
	if err != nil {
		return nil, err
	}
	want := view.Props(m.P.Sc)
	g := &Graph{M: m}
	index := map[model.State]int{init: 0}
	g.Nodes = append(g.Nodes, Node{S: init, Bad: names(m.CheckState(&init, want))})
	for i := 0; i < len(g.Nodes); i++ {
		cur := g.Nodes[i].S
		moved := false
		for _, mv := range view.Enabled(m, &cur) {
			next := cur
			c, ok := view.Apply(m, &next, mv)
			if !ok {
				continue
			}
			moved = true
			c.S = &next
			j, seen := index[next]
			if !seen {
				if len(g.Nodes) == maxStates {
					return nil, &ErrTooLarge{Limit: maxStates}
				}
				j = len(g.Nodes)
				index[next] = j
				g.Nodes = append(g.Nodes, Node{S: next, Depth: g.Nodes[i].Depth + 1, Bad: names(m.CheckState(&next, want))})
			}
			g.Edges = append(g.Edges, Edge{From: i, To: j, Move: mv, Token: m.MoveString(&cur, mv), Label: c.StepLabel(), Bad: names(m.CheckTransition(&cur, &next, &c, want))})
		}
		if !moved {
			n := &g.Nodes[i]
			n.Terminal = true
			n.Bad = append(n.Bad, names(m.CheckTerminal(&cur, want))...)
			out := m.Outcome(&cur)
			for _, ck := range m.P.Sc.Checks {
				if ck.Kind == scenario.Final && !checker.Holds(ck.Atoms, out) {
					n.Bad = append(n.Bad, "final")
					break
				}
			}
		}
	}
	return g, nil
}

func names(ps model.PropSet) []string {
	if ps == 0 {
		return nil
	}
	return strings.Split(ps.String(), ",")
}

// Label is a state as the graph shows it: the initial state as every task's
// __state, saved_state, jobctl and place; any other as the fields that
// differ from the initial state.
func (g *Graph) Label(i int) []string {
	m := g.M
	if i == 0 {
		out := []string{"initial state"}
		for _, t := range view.Of(m, &g.Nodes[0].S).Tasks {
			out = append(out, fmt.Sprintf("%s: %s, saved %s, jobctl %s, %s", t.Name, t.State, t.SavedState, t.Jobctl, t.Where))
		}
		return out
	}
	var out []string
	for _, c := range view.Changes(m, &g.Nodes[0].S, &g.Nodes[i].S) {
		out = append(out, fmt.Sprintf("%s %s=%s", c.Who, c.Field, c.To))
	}
	if len(out) == 0 {
		out = append(out, "(as the initial state)")
	}
	return out
}

// WriteDot writes the graph in the dot language. title names it.
func (g *Graph) WriteDot(w io.Writer, title string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "digraph %s {\n", quote(title))
	fmt.Fprintf(&b, "  graph [label=%s, labelloc=t, fontname=\"monospace\", fontsize=12];\n", quote(fmt.Sprintf("%s: %d states, %d steps", title, len(g.Nodes), len(g.Edges))))
	b.WriteString("  node [shape=box, fontname=\"monospace\", fontsize=9, style=rounded];\n")
	b.WriteString("  edge [fontname=\"monospace\", fontsize=8];\n")
	for i := range g.Nodes {
		n := &g.Nodes[i]
		lines := g.Label(i)
		lines[0] = fmt.Sprintf("s%d: %s", i, lines[0])
		attrs := []string{"label=" + dotLines(lines)}
		if n.Terminal {
			attrs = append(attrs, "peripheries=2")
		}
		if i == 0 {
			attrs = append(attrs, `style="rounded,bold"`)
		}
		if len(n.Bad) > 0 {
			attrs = append(attrs, "color=red", "fontcolor=red", `style="rounded,filled"`, `fillcolor="#fdecee"`,
				"xlabel="+quote("violates "+strings.Join(dedupe(n.Bad), ",")))
		}
		fmt.Fprintf(&b, "  s%d [%s];\n", i, strings.Join(attrs, ", "))
	}
	for _, e := range g.Edges {
		label := e.Token + ": " + e.Label
		attrs := []string{"label=" + quote(label)}
		if len(e.Bad) > 0 {
			attrs = []string{"label=" + quote(label+"\nviolates "+strings.Join(e.Bad, ",")), "color=red", "fontcolor=red", "penwidth=2"}
		}
		fmt.Fprintf(&b, "  s%d -> s%d [%s];\n", e.From, e.To, strings.Join(attrs, ", "))
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func dedupe(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// quote is a dot string: double quotes, with quotes and backslashes escaped.
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

// dotLines is a left-justified multi-line label.
func dotLines(lines []string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", " ")
	var b strings.Builder
	b.WriteByte('"')
	for _, l := range lines {
		b.WriteString(r.Replace(l))
		b.WriteString(`\l`)
	}
	b.WriteByte('"')
	return b.String()
}
