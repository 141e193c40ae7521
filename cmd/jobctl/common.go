package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"jobctl/checker"
	"jobctl/model"
	"jobctl/scenario"
	"jobctl/variants"
)

// newFlags returns a flag set that reports errors to the caller only.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseFlags parses args with flags and positional arguments in any
// order ("check R1 --variant v6.1" as well as "check --variant v6.1 R1");
// after "--" everything is positional. It returns the positional ones.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errHelp
			}
			return nil, usagef("%v", err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// scenarioName is a scenario's name as the user types it (without the
// "builtin:" of the embedded corpus's file names).
func scenarioName(sc *scenario.Scenario) string {
	return strings.TrimPrefix(sc.Name, "builtin:")
}

// builtin returns the built-in scenarios in natural order (R2 before R10).
func builtin() ([]*scenario.Scenario, error) {
	all, err := scenario.Builtin()
	if err != nil {
		return nil, &inputError{err}
	}
	sort.SliceStable(all, func(i, j int) bool { return naturalLess(scenarioName(all[i]), scenarioName(all[j])) })
	for _, sc := range all {
		if err := checkVerdicts(sc); err != nil {
			return nil, err
		}
	}
	return all, nil
}

// checkVerdicts rejects a verdict or variant line that names no design: a
// typo would otherwise fall back to "*" or mainline in silence.
func checkVerdicts(sc *scenario.Scenario) error {
	if sc.Variant != "" {
		if _, err := variants.Get(sc.Variant); err != nil {
			return &inputError{&scenario.Error{Pos: sc.VariantPos, Msg: fmt.Sprintf("variant %q is not a design (want one of: %s)", sc.Variant, strings.Join(variants.Names(), ", "))}}
		}
	}
	for _, v := range sc.Verdicts {
		if v.Variant == "*" {
			continue
		}
		if _, err := variants.Get(v.Variant); err != nil {
			return &inputError{&scenario.Error{Pos: v.Pos, Msg: fmt.Sprintf("verdict for unknown variant %q (want * or one of: %s)", v.Variant, strings.Join(variants.Names(), ", "))}}
		}
	}
	return nil
}

// naturalLess orders strings with their digit runs compared as numbers.
func naturalLess(a, b string) bool {
	for a != "" && b != "" {
		da, db := digits(a), digits(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if len(na) != len(nb) {
				return len(na) < len(nb)
			}
			if na != nb {
				return na < nb
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
}

func digits(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}

// loadScenario loads a scenario file or a built-in scenario by name or
// unique prefix ("R1"). A malformed scenario is an inputError whose text
// is the one line FILE:LINE:COL: MESSAGE.
func loadScenario(arg string) (*scenario.Scenario, error) {
	sc, err := scenario.Load(arg)
	if err == nil {
		return sc, checkVerdicts(sc)
	}
	var se *scenario.Error
	if errors.As(err, &se) {
		return nil, &inputError{err}
	}
	if _, serr := os.Stat(arg); serr == nil {
		return nil, &inputError{err}
	}
	// Match the built-in names as shown by "jobctl scenarios".
	all, berr := builtin()
	if berr != nil {
		return nil, berr
	}
	var matches []*scenario.Scenario
	for _, b := range all {
		n := scenarioName(b)
		if n == arg {
			return b, checkVerdicts(b)
		}
		if strings.HasPrefix(n, arg+"-") {
			matches = append(matches, b)
		}
	}
	switch len(matches) {
	case 1:
		return matches[0], checkVerdicts(matches[0])
	case 0:
		return nil, &inputError{err}
	}
	var names []string
	for _, m := range matches {
		names = append(names, scenarioName(m))
	}
	return nil, &inputError{fmt.Errorf("%s: ambiguous scenario name (matches %s)", arg, strings.Join(names, ", "))}
}

// loadScenarios loads the scenarios named on a command line: scenario
// files, built-in names (as loadScenario) and directories, of which every
// *.jc file is loaded, in natural order of the file names. Two scenarios
// with one name are an error: their results could not be told apart.
func loadScenarios(args []string) ([]*scenario.Scenario, error) {
	var out []*scenario.Scenario
	from := map[string]string{} // scenario name -> where it was loaded from
	add := func(sc *scenario.Scenario, where string) error {
		name := scenarioName(sc)
		if prev, dup := from[name]; dup {
			return &inputError{fmt.Errorf("%s: scenario %q again (also %s): name each scenario of a corpus once (a \"scenario NAME\" line names one)", where, name, prev)}
		}
		from[name] = where
		out = append(out, sc)
		return nil
	}
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil || !st.IsDir() {
			sc, err := loadScenario(a)
			if err != nil {
				return nil, err
			}
			if err := add(sc, a); err != nil {
				return nil, err
			}
			continue
		}
		files, err := scenarioFiles(a)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			sc, err := loadScenario(f)
			if err != nil {
				return nil, err
			}
			if err := add(sc, f); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// scenarioFiles lists the *.jc files of directory dir, in natural order.
func scenarioFiles(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, &inputError{fmt.Errorf("%s: %v", dir, err)}
	}
	var names []string
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".jc") && !e.IsDir() {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return nil, &inputError{fmt.Errorf("%s: a directory without scenario files (want *.jc files in it)", dir)}
	}
	sort.SliceStable(names, func(i, j int) bool { return naturalLess(names[i], names[j]) })
	for i, n := range names {
		names[i] = filepath.Join(dir, n)
	}
	return names, nil
}

// isDir reports whether path is a directory.
func isDir(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

// getVariants resolves --variant: one design, or several separated by
// commas ("v6.1,mainline"), in the order given; "" is every design.
func getVariants(list string) ([]*variants.Variant, error) {
	if list == "" {
		return variants.All(), nil
	}
	var vs []*variants.Variant
	seen := map[string]bool{}
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			return nil, &inputError{fmt.Errorf("jobctl: --variant %q: an empty design name (want NAME[,NAME...])", list)}
		}
		v, err := getVariant(name)
		if err != nil {
			return nil, err
		}
		if seen[v.Name] {
			return nil, &inputError{fmt.Errorf("jobctl: --variant %q names %s twice", list, v.Name)}
		}
		seen[v.Name] = true
		vs = append(vs, v)
	}
	return vs, nil
}

// getVariant resolves a variant name (or short id) as an inputError.
func getVariant(name string) (*variants.Variant, error) {
	v, err := variants.Get(name)
	if err != nil {
		return nil, &inputError{fmt.Errorf("jobctl: %v", err)}
	}
	return v, nil
}

// compile resolves a scenario's names against the model; its errors carry
// the scenario position.
func compile(sc *scenario.Scenario) (*model.Program, error) {
	p, err := model.Compile(sc)
	if err != nil {
		return nil, &inputError{err}
	}
	return p, nil
}

// props is the set of built-in properties a scenario checks: all but
// those it disables.
func props(sc *scenario.Scenario) model.PropSet {
	want := model.All
	for _, d := range sc.Disabled {
		if p, ok := model.ParseProp(d); ok {
			want &^= 1 << p
		}
	}
	return want
}

// expectation is what sc expects under the named variant: its verdict for
// that exact name, else its "*" verdict, else pass.
func expectation(sc *scenario.Scenario, variant string) scenario.Verdict {
	var star *scenario.Verdict
	for i := range sc.Verdicts {
		v := &sc.Verdicts[i]
		if v.Variant == variant {
			return *v
		}
		if v.Variant == "*" {
			star = v
		}
	}
	if star != nil {
		return *star
	}
	return scenario.Verdict{Variant: "*"}
}

// expectText renders an expectation: "pass", "violation", "violation I4".
func expectText(v scenario.Verdict) string {
	if !v.Violation {
		return "pass"
	}
	if len(v.Properties) == 0 {
		return "violation"
	}
	return "violation " + strings.Join(v.Properties, ",")
}

// writeFileAtomic writes data to path through a temporary file in the same
// directory and a rename: a reader never sees a half-written file. Only a
// regular file is replaced: the rename would put the file in place of a
// device, a named pipe or a socket ("--html /dev/null" as root made
// /dev/null a regular file for the whole machine), so those are refused.
// A symbolic link is followed, and the file it names replaced.
func writeFileAtomic(path string, data []byte) error {
	path, err := outputPath(path)
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err // not the temporary file's name, which the user never gave
		}
		return fmt.Errorf("%s: %v", path, err)
	}
	tmp := f.Name()
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// outputPath is the file writeFileAtomic would write for path (a symbolic
// link followed), or why it cannot: what is there is not a regular file,
// or its directory does not exist. A command calls it before its work, so
// that "--html no/such/dir/r.html" is refused at once, not after the check.
func outputPath(path string) (string, error) {
	if p, err := filepath.EvalSymlinks(path); err == nil {
		path = p
	}
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		return "", fmt.Errorf("%s: %s, not a regular file: it is not replaced (give the path of a file to write)", path, scenario.FileKind(st.Mode()))
	}
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil {
		return "", fmt.Errorf("%s: no directory %s to write it in", path, dir)
	} else if !st.IsDir() {
		return "", fmt.Errorf("%s: %s is not a directory", path, dir)
	}
	return path, nil
}

// defaultMaxMemory is checker.DefaultMaxMemory: at most upTo, and at most
// 3/4 of what this process can still use.
func defaultMaxMemory(upTo int64) int64 { return checker.DefaultMaxMemory(upTo) }
