package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"jobctl/model"
	"jobctl/variants"
)

// -update-docs rewrites the measured lines of docs/PROPERTIES.md ("Known to
// break it") from the matrix the checker prints now.
var updateDocs = flag.Bool("update-docs", false, "rewrite the measured lines of docs/PROPERTIES.md")

// normSpace folds every run of white space (markdown line breaks
// included) into one space, and drops markdown's emphasis and code marks.
func normSpace(s string) string {
	s = strings.NewReplacer("`", "", "**", "", "> ", " ").Replace(s)
	return strings.Join(strings.Fields(s), " ")
}

// docSections splits a markdown page into its "## " sections by heading.
func docSections(t *testing.T, path string) (text string, sections map[string]string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text = string(data)
	sections = map[string]string{}
	var cur string
	for _, l := range strings.SplitAfter(text, "\n") {
		if h, ok := strings.CutPrefix(l, "## "); ok {
			cur = strings.TrimSpace(h)
			sections[cur] = ""
			continue
		}
		if cur != "" {
			sections[cur] += l
		}
	}
	return text, sections
}

// cell is one measured (scenario, design) result: the checks violated,
// in the order the checker reports them.
type measuredCell struct {
	scenario, variant string
	props             []string
}

var (
	measureOnce sync.Once
	measured    []measuredCell
	measureErr  string
)

// measure runs the whole matrix once per test binary.
func measure(t *testing.T) []measuredCell {
	t.Helper()
	measureOnce.Do(func() {
		out, stderr, code := jobctl(t, "check", "--json")
		if code != exitOK && code != exitDiffers {
			measureErr = fmt.Sprintf("check --json: exit %d\n%s", code, stderr)
			return
		}
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			var o struct {
				Scenario, Variant string
				Violations        []struct{ Property string }
			}
			if err := json.Unmarshal([]byte(l), &o); err != nil {
				measureErr = fmt.Sprintf("%v: %s", err, l)
				return
			}
			c := measuredCell{scenario: o.Scenario, variant: o.Variant}
			for _, v := range o.Violations {
				c.props = append(c.props, v.Property)
			}
			measured = append(measured, c)
		}
	})
	if measureErr != "" {
		t.Fatal(measureErr)
	}
	return measured
}

// measuredBreaks returns, per property, per design, the scenarios in
// which the checker finds it violated.
func measuredBreaks(t *testing.T) map[string]map[string][]string {
	br := map[string]map[string][]string{}
	for _, c := range measure(t) {
		for _, p := range c.props {
			if br[p] == nil {
				br[p] = map[string][]string{}
			}
			br[p][c.variant] = append(br[p][c.variant], c.scenario)
		}
	}
	return br
}

// knownLine is the "Known to break it" line of a property, as measured:
// designs oldest first, each with its scenarios in the matrix's order.
func knownLine(byDesign map[string][]string, documented map[string]bool) string {
	var parts []string
	for _, v := range variants.All() {
		if sc := byDesign[v.Name]; len(sc) > 0 && documented[v.Name] {
			parts = append(parts, fmt.Sprintf("`%s` (%s)", v.Name, strings.Join(sc, ", ")))
		}
	}
	if len(parts) == 0 {
		return "**Known to break it:** none of the designs, in none of the built-in scenarios."
	}
	return "**Known to break it:** " + strings.Join(parts, "; ") + "."
}

// documentedDesigns are the designs docs/DESIGNS.md has a section for
// ("## NAME ..."). A design added to variants/ without one is left out of
// the measured lines (and reported in the log), so that adding a design
// never breaks this test.
func documentedDesigns(t *testing.T) map[string]bool {
	_, secs := docSections(t, "../../docs/DESIGNS.md")
	doc := map[string]bool{}
	for h := range secs {
		name := strings.Fields(h)[0]
		name = strings.Trim(name, "`")
		if _, err := variants.Get(name); err == nil {
			doc[name] = true
		}
	}
	for _, v := range variants.All() {
		if !doc[v.Name] {
			t.Logf("design %s has no section in docs/DESIGNS.md; it is not in the measured lines", v.Name)
		}
	}
	return doc
}

var knownRE = regexp.MustCompile(`(?m)^\*\*Known to break it:\*\*.*$`)

// TestPropertiesDoc: docs/PROPERTIES.md defines every property with the
// checker's own text (model.PropDocTable), and says which designs break it
// exactly as the checker measures it now.
func TestPropertiesDoc(t *testing.T) {
	const path = "../../docs/PROPERTIES.md"
	text, secs := docSections(t, path)
	doc := documentedDesigns(t)
	br := measuredBreaks(t)
	for _, d := range model.PropDocTable() {
		head := d.Name + " — " + d.Title
		sec, ok := secs[head]
		if !ok {
			t.Errorf("%s: no section %q", path, "## "+head)
			continue
		}
		ns := normSpace(sec)
		for what, s := range map[string]string{"statement": d.Statement, "when": d.When, "asserts": d.Asserts, "rule": d.Rule} {
			if !strings.Contains(ns, normSpace(s)) {
				t.Errorf("%s, %s: the %s is not the checker's:\n%s", path, d.Name, what, s)
			}
		}
		want := knownLine(br[d.Name], doc)
		got := knownRE.FindString(sec)
		if got != want {
			if *updateDocs && got != "" {
				text = strings.Replace(text, sec, strings.Replace(sec, got, want, 1), 1)
				continue
			}
			t.Errorf("%s, %s: the measured line is\n%s\nwant (go test ./cmd/jobctl -run TestPropertiesDoc -update-docs)\n%s", path, d.Name, got, want)
		}
	}
	if *updateDocs {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Nothing measured is left out: a property the checker reports has a section.
	var names []string
	for p := range br {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		found := false
		for _, d := range model.PropDocTable() {
			found = found || d.Name == p
		}
		if !found {
			t.Errorf("the checker reports %q, which model.PropDocTable does not document", p)
		}
	}
}

// TestHelpProperties: 'jobctl help properties' and 'jobctl props' print
// the same table, every definition, within 75 columns.
func TestHelpProperties(t *testing.T) {
	a, _, code := jobctl(t, "help", "properties")
	b, _, code2 := jobctl(t, "props")
	if code != exitOK || code2 != exitOK || a != b {
		t.Fatalf("help properties (exit %d) and props (exit %d) differ", code, code2)
	}
	na := normSpace(a)
	for _, d := range model.PropDocTable() {
		for _, s := range []string{d.Name + ": " + d.Title, d.Statement, d.Asserts, d.Rule} {
			if !strings.Contains(na, normSpace(s)) {
				t.Errorf("jobctl props lacks %q", s)
			}
		}
	}
	for _, l := range strings.Split(a, "\n") {
		if len(l) > 75 {
			t.Errorf("line of %d columns: %q", len(l), l)
		}
	}
	one, _, _ := jobctl(t, "props", "i4")
	if !strings.HasPrefix(one, "I4: ") || strings.Contains(one, "I5: ") {
		t.Errorf("props i4:\n%s", one)
	}
	if _, stderr, code := jobctl(t, "props", "I99"); code != exitUsage || !strings.Contains(stderr, `unknown property "I99"`) {
		t.Errorf("props I99: exit %d, %q", code, stderr)
	}
}

// violationsLine is the "Violations found" line of a design, as measured.
func violationsLine(design string, cells []measuredCell) string {
	var parts []string
	for _, c := range cells {
		if c.variant == design && len(c.props) > 0 {
			parts = append(parts, fmt.Sprintf("%s (%s)", c.scenario, strings.Join(c.props, ", ")))
		}
	}
	if len(parts) == 0 {
		return "**Violations found:** none: every built-in scenario passes."
	}
	return "**Violations found:** " + strings.Join(parts, "; ") + "."
}

var violationsRE = regexp.MustCompile(`(?m)^\*\*Violations found:\*\*.*$`)

// sourceRefs are the commit hashes and Message-IDs a Source names.
var sourceRefs = regexp.MustCompile(`\b[0-9a-f]{12}\b|<[^<>@ ]+@[^<> ]+>`)

// TestDesignsDoc: docs/DESIGNS.md has a section per design it names, with
// the design's id and every commit and Message-ID of its Source, and says
// what the checker finds for it exactly as the checker measures it now.
func TestDesignsDoc(t *testing.T) {
	const path = "../../docs/DESIGNS.md"
	text, secs := docSections(t, path)
	cells := measure(t)
	n := 0
	for _, v := range variants.All() {
		sec, ok := secs[v.Name]
		if !ok {
			t.Logf("%s: no section for design %s (add one)", path, v.Name)
			continue
		}
		n++
		if v.ID != "" && !strings.Contains(sec, "Id `"+v.ID+"`") {
			t.Errorf("%s, %s: does not give the id %q", path, v.Name, v.ID)
		}
		for _, ref := range sourceRefs.FindAllString(v.Source, -1) {
			if !strings.Contains(sec, ref) {
				t.Errorf("%s, %s: does not cite %s (from the design's Source)", path, v.Name, ref)
			}
		}
		want := violationsLine(v.Name, cells)
		got := violationsRE.FindString(sec)
		if got != want {
			if *updateDocs && got != "" {
				text = strings.Replace(text, sec, strings.Replace(sec, got, want, 1), 1)
				continue
			}
			t.Errorf("%s, %s: the measured line is\n%s\nwant (go test ./cmd/jobctl -run TestDesignsDoc -update-docs)\n%s", path, v.Name, got, want)
		}
	}
	if n == 0 {
		t.Fatalf("%s documents no design", path)
	}
	if *updateDocs {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestScenariosDoc: docs/SCENARIOS.md names every built-in scenario, and
// has a section for every race family (R<n>) of the corpus.
func TestScenariosDoc(t *testing.T) {
	const path = "../../docs/SCENARIOS.md"
	text, secs := docSections(t, path)
	all, err := builtin()
	if err != nil {
		t.Fatal(err)
	}
	family := regexp.MustCompile(`^(R\d+)-`)
	for _, sc := range all {
		name := scenarioName(sc)
		if !strings.Contains(text, "`"+name+"`") {
			t.Errorf("%s does not name the scenario %s", path, name)
		}
		if m := family.FindStringSubmatch(name); m != nil {
			found := false
			for h, body := range secs {
				if strings.HasPrefix(h, m[1]+" ") && strings.Contains(body, "`"+name+"`") {
					found = true
				}
			}
			if !found {
				t.Errorf("%s: no section \"## %s ...\" that names %s", path, m[1], name)
			}
		}
	}
}

// TestDocsStandAlone: the README and the docs pages read without any
// document outside the repository.
func TestDocsStandAlone(t *testing.T) {
	files, err := filepath.Glob("../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, "../../README.md")
	// The words are split so that this file does not match them itself
	// (the repository is checked with grep for them).
	bad := regexp.MustCompile(`\.\./` + `shared|/work/` + `shared|\bSP` + `EC\b|Appen` + `dix [A-D]|seed-` + `email`)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, l := range strings.Split(string(data), "\n") {
			if bad.MatchString(l) {
				t.Errorf("%s:%d refers to a document outside the repository: %s", f, i+1, l)
			}
		}
	}
}

// TestCoverageDoc: docs/SCENARIOS.md lists exactly the coverage points the
// corpus does not reach under every design, as 'jobctl coverage --variant
// all' prints them.
func TestCoverageDoc(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped under -short: measures the coverage of the whole corpus (./test.sh runs it)")
	}
	b, err := os.ReadFile("../../docs/SCENARIOS.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	_, sec, ok := strings.Cut(doc, "## What the corpus reaches")
	if !ok {
		t.Fatal("docs/SCENARIOS.md has no section \"What the corpus reaches\"")
	}
	_, block, _ := strings.Cut(sec, "```\n")
	block, _, _ = strings.Cut(block, "```")
	out, _, code := jobctl(t, "coverage", "--variant", "all")
	if code != exitOK {
		t.Fatalf("jobctl coverage --variant all: exit %d", code)
	}
	_, want, _ := strings.Cut(out, "not covered (")
	_, want, _ = strings.Cut(want, "\n")
	if want != block {
		t.Errorf("docs/SCENARIOS.md's list of what the corpus does not reach is out of date; jobctl coverage --variant all says:\n%s", want)
	}
}
