package main

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/printer"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"sort"
	"strings"

	"jobctl/variants"
)

// hookList collects repeated (or comma-separated) --hook flags.
type hookList []string

func (h *hookList) String() string { return strings.Join(*h, ",") }
func (h *hookList) Set(s string) error {
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			*h = append(*h, f)
		}
	}
	return nil
}

var designName = regexp.MustCompile(`^[a-z0-9][a-z0-9.+-]*$`)

// runVariantsNew is 'jobctl variants new NAME [--base B] [--hook F ...]
// [--dir ROOT]': it writes ROOT/variants/NAME.go, a design that derives
// from B and replaces the named kernel functions with stubs that call B's,
// ready to be edited.
func runVariantsNew(args []string, stdout io.Writer) (int, error) {
	var base, dir string
	var hooks hookList
	fs := newFlags("variants new")
	fs.StringVar(&base, "base", "mainline", "")
	fs.StringVar(&dir, "dir", "", "")
	fs.Var(&hooks, "hook", "")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return exitUsage, err
	}
	if len(pos) != 1 {
		return exitUsage, usagef("variants new wants one NAME, got %d arguments", len(pos))
	}
	name := pos[0]
	if !designName.MatchString(name) {
		return exitUsage, usagef("%q is not a design name (lower case letters, digits, '.', '+', '-'; e.g. my-patch)", name)
	}
	if v, err := variants.Get(name); err == nil {
		return exitUsage, &inputError{fmt.Errorf("jobctl: design %q exists already (%s)", name, v.Name)}
	}
	bv, err := getVariant(base)
	if err != nil {
		return exitUsage, err
	}
	root, err := moduleRoot(dir)
	if err != nil {
		return exitUsage, &inputError{err}
	}
	file := filepath.Join(root, "variants", strings.NewReplacer("-", "_", ".", "_", "+", "_plus").Replace(name)+".go")
	if _, err := os.Stat(file); err == nil {
		return exitUsage, &inputError{fmt.Errorf("jobctl: %s exists already", file)}
	}
	fields, err := kernelHooks(filepath.Join(root, "model", "kernel.go"))
	if err != nil {
		return exitUsage, &inputError{err}
	}
	src, err := designSource(name, bv, hooks, fields)
	if err != nil {
		return exitUsage, err
	}
	if err := writeFileAtomic(file, src); err != nil {
		return exitUsage, &inputError{fmt.Errorf("jobctl: %v", err)}
	}
	rel, _ := filepath.Rel(root, file)
	fmt.Fprintf(stdout, `wrote %s: design %s, based on %s
next:
  edit it: write the patch into the stubs (or replace other fields of model.Kernel)
  go run ./cmd/jobctl check --variant %s      every built-in scenario under it
  go run ./cmd/jobctl check SCENARIO --variant %s --counterexample cex/
  and describe it in docs/DESIGNS.md (a section "## %s")
`, rel, name, bv.Name, name, name, name)
	return exitOK, nil
}

// moduleRoot is dir, or the directory above the working directory that
// holds the go.mod of module jobctl.
func moduleRoot(dir string) (string, error) {
	isRoot := func(d string) bool {
		data, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err != nil {
			return false
		}
		for _, l := range strings.Split(string(data), "\n") {
			if f := strings.Fields(l); len(f) == 2 && f[0] == "module" {
				return f[1] == "jobctl"
			}
		}
		return false
	}
	if dir != "" {
		if !isRoot(dir) {
			return "", fmt.Errorf("jobctl: --dir %s: no go.mod of module jobctl there", dir)
		}
		return dir, nil
	}
	d, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("jobctl: %v", err)
	}
	for {
		if isRoot(d) {
			return d, nil
		}
		up := filepath.Dir(d)
		if up == d {
			return "", errors.New("jobctl: variants new writes into a clone of jobctl: run it there (no go.mod of module jobctl above the working directory), or give --dir")
		}
		d = up
	}
}

// hookField is one function field of model.Kernel as model/kernel.go
// declares it.
type hookField struct {
	name string
	sig  string // "func(c *model.Ctx, t int) bool", qualified for package variants
	doc  string // its comment, one line
}

// kernelHooks reads the function fields of model.Kernel from its source,
// with their parameter names.
func kernelHooks(path string) (map[string]hookField, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
	if err != nil {
		return nil, fmt.Errorf("jobctl: reading model.Kernel: %v", err)
	}
	out := map[string]hookField{}
	ast.Inspect(f, func(n ast.Node) bool {
		ts, ok := n.(*ast.TypeSpec)
		if !ok || ts.Name.Name != "Kernel" {
			return true
		}
		st, ok := ts.Type.(*ast.StructType)
		if !ok {
			return false
		}
		for _, fld := range st.Fields.List {
			ft, ok := fld.Type.(*ast.FuncType)
			if !ok || len(fld.Names) != 1 {
				continue
			}
			qualify(ft)
			var b bytes.Buffer
			printer.Fprint(&b, token.NewFileSet(), ft)
			doc := ""
			switch {
			case fld.Comment != nil:
				doc = strings.TrimSpace(fld.Comment.Text())
			case fld.Doc != nil:
				doc = strings.Join(strings.Fields(fld.Doc.Text()), " ")
			}
			out[fld.Names[0].Name] = hookField{name: fld.Names[0].Name, sig: b.String(), doc: doc}
		}
		return false
	})
	if len(out) == 0 {
		return nil, fmt.Errorf("jobctl: %s declares no function fields of Kernel", path)
	}
	return out, nil
}

// qualify rewrites the model package's own type names in a function type
// (Ctx, Op, Loc) as model.Ctx, ... for use in package variants.
func qualify(ft *ast.FuncType) {
	var fix func(e ast.Expr) ast.Expr
	fix = func(e ast.Expr) ast.Expr {
		switch x := e.(type) {
		case *ast.Ident:
			if ast.IsExported(x.Name) {
				return &ast.SelectorExpr{X: ast.NewIdent("model"), Sel: ast.NewIdent(x.Name)}
			}
		case *ast.StarExpr:
			x.X = fix(x.X)
		case *ast.ArrayType:
			x.Elt = fix(x.Elt)
		}
		return e
	}
	for _, l := range []*ast.FieldList{ft.Params, ft.Results} {
		if l == nil {
			continue
		}
		for _, f := range l.List {
			f.Type = fix(f.Type)
		}
	}
}

// designSource is the Go source of the new design.
func designSource(name string, base *variants.Variant, hooks []string, fields map[string]hookField) ([]byte, error) {
	k := reflect.ValueOf(*base.Kernel(false))
	ident := goIdent(name)
	var b strings.Builder
	b.WriteString("package variants\n\nimport \"jobctl/model\"\n\n")
	b.WriteString(comment("", name+": TODO what the patch changes and why, the kernel functions it touches "+
		"(with the file and version), and where it comes from (commit, LKML Message-ID). Derived from "+
		base.Name+"; only what differs is here."))
	fmt.Fprintf(&b, `func init() {
	register(&Variant{
		Name: %q, Base: %q,
		Summary: "TODO: one line, what differs from %s",
		Source:  "TODO: the patch (commit, or LKML <Message-ID>)",
		Apply: func(k *model.Kernel) {
`, name, base.Name, base.Name)
	type stub struct {
		fn, field, call string
		h               hookField
	}
	var stubs []stub
	for _, h := range hooks {
		f, ok := fields[h]
		v := k.FieldByName(h)
		if !ok || !v.IsValid() || v.Kind() != reflect.Func {
			return nil, usagef("--hook %s: no such kernel function in model.Kernel (want one of: %s)", h, strings.Join(sortedKeys(fields), ", "))
		}
		if v.IsNil() {
			return nil, usagef("--hook %s: %s has no such function (it is nil there)", h, base.Name)
		}
		call := funcName(v)
		fn := lowerFirst(h) + ident
		stubs = append(stubs, stub{fn, h, call, f})
		fmt.Fprintf(&b, "\t\t\tk.%s = %s\n", h, fn)
	}
	if len(stubs) == 0 {
		b.WriteString("\t\t\t// k.CompleteSignal = completeSignal" + ident + "\n")
	}
	b.WriteString(comment("\t\t\t", "Every kernel function of the model is a field of model.Kernel "+
		"(model/kernel.go): "+strings.Join(sortedKeys(fields), ", ")+". "+
		"'jobctl variants new NAME --hook FIELD' writes a stub for one."))
	b.WriteString("\t\t},\n\t})\n}\n")
	for _, s := range stubs {
		params, results := splitSig(s.h.sig)
		text := fmt.Sprintf("%s is %s's %s as the patch changes it", s.fn, base.Name, s.field)
		if s.h.doc != "" {
			text += " (" + strings.TrimSuffix(s.h.doc, ".") + ")"
		}
		b.WriteString("\n" + comment("", text+"."))
		b.WriteString(comment("", fmt.Sprintf("TODO: write the patched code; this calls %s's own, %s.", base.Name, s.call)))
		fmt.Fprintf(&b, "func %s%s%s {\n", s.fn, params, results)
		ret := ""
		if results != "" {
			ret = "return "
		}
		fmt.Fprintf(&b, "\t%s%s(%s)\n}\n", ret, s.call, paramNames(params))
	}
	src, err := format.Source([]byte(b.String()))
	if err != nil {
		return nil, fmt.Errorf("jobctl: internal error: the design does not format: %v\n%s", err, b.String())
	}
	return src, nil
}

// comment renders text as a Go comment of lines within 76 columns.
func comment(indent, text string) string {
	var b strings.Builder
	visual := len(strings.ReplaceAll(indent, "\t", "        "))
	for _, l := range wrapSoft(text, 73-visual) {
		b.WriteString(indent + "// " + l + "\n")
	}
	return b.String()
}

// funcName names a function value as package variants calls it:
// "model.SetStoppedJobctl", or a variants function by its own name.
func funcName(v reflect.Value) string {
	n := runtime.FuncForPC(v.Pointer()).Name()
	n = strings.TrimPrefix(n, "jobctl/")
	return strings.TrimPrefix(n, "variants.")
}

// splitSig splits "func(c *model.Ctx, t int) bool" into "(c *model.Ctx, t
// int)" and " bool".
func splitSig(sig string) (params, results string) {
	sig = strings.TrimPrefix(sig, "func")
	depth := 0
	for i, r := range sig {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return sig[:i+1], sig[i+1:]
			}
		}
	}
	return sig, ""
}

// paramNames lists the parameter names of "(c *model.Ctx, t, u int)".
func paramNames(params string) string {
	inner := strings.TrimSuffix(strings.TrimPrefix(params, "("), ")")
	var names []string
	for _, p := range strings.Split(inner, ",") {
		if f := strings.Fields(p); len(f) > 0 {
			names = append(names, f[0])
		}
	}
	return strings.Join(names, ", ")
}

// goIdent turns a design name into a Go identifier suffix: "my-patch.v2"
// -> "MyPatchV2".
func goIdent(name string) string {
	var b strings.Builder
	up := true
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z':
			if up {
				r -= 'a' - 'A'
			}
			b.WriteRune(r)
			up = false
		case r >= '0' && r <= '9':
			b.WriteRune(r)
			up = true
		case r == '+':
			b.WriteString("Plus")
			up = true
		default:
			up = true
		}
	}
	return b.String()
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

func sortedKeys(m map[string]hookField) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
