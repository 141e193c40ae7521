package scenario

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"
)

// Corpus holds the built-in scenarios, embedded in the binary.
//
//go:embed corpus/*.jc
var Corpus embed.FS

// Builtin parses every built-in scenario, sorted by name.
func Builtin() ([]*Scenario, error) {
	names, err := fs.Glob(Corpus, "corpus/*.jc")
	if err != nil {
		return nil, err
	}
	var out []*Scenario
	for _, n := range names {
		src, err := Corpus.ReadFile(n)
		if err != nil {
			return nil, err
		}
		sc, err := Parse("builtin:"+strings.TrimPrefix(n, "corpus/"), src)
		if err != nil {
			return nil, err
		}
		out = append(out, sc)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Load returns the scenario named by arg: a file if one exists at that
// path, else a built-in scenario of that name (or name prefix, if unique:
// "R1" finds "R1-kill-frozen-stopped").
func Load(arg string) (*Scenario, error) {
	if st, err := os.Stat(arg); err == nil && !st.IsDir() {
		src, err := os.ReadFile(arg)
		if err != nil {
			return nil, err
		}
		return Parse(arg, src)
	}
	all, err := Builtin()
	if err != nil {
		return nil, err
	}
	var matches []*Scenario
	for _, sc := range all {
		if sc.Name == arg {
			return sc, nil
		}
		if strings.HasPrefix(sc.Name, arg+"-") {
			matches = append(matches, sc)
		}
	}
	if len(matches) == 1 {
		return matches[0], nil
	}
	if len(matches) > 1 {
		var names []string
		for _, m := range matches {
			names = append(names, m.Name)
		}
		return nil, fmt.Errorf("%s: ambiguous scenario name (matches %s)", arg, strings.Join(names, ", "))
	}
	if strings.ContainsAny(arg, "/.") {
		return nil, fmt.Errorf("%s: no such file", arg)
	}
	return nil, fmt.Errorf("%s: no such file or built-in scenario (see: jobctl scenarios)", arg)
}
