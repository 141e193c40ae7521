package scenario

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Error is a scenario error: where, and what was expected.
type Error struct {
	Pos Pos
	Msg string
}

func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// token is one word of a line, with its column.
type token struct {
	s   string
	col int
}

// Parse parses a scenario. file names it in errors; the scenario's name
// defaults to the file's base name without extension.
//
// The language is line oriented; '#' starts a comment. See doc.go for
// the grammar.
func Parse(file string, src []byte) (*Scenario, error) {
	p := &parser{file: file, sc: &Scenario{File: file, Text: string(src)}}
	base := filepath.Base(strings.TrimPrefix(file, "builtin:"))
	p.sc.Name = strings.TrimSuffix(base, filepath.Ext(base))
	if err := p.parse(string(src)); err != nil {
		return nil, err
	}
	return p.sc, nil
}

type parser struct {
	file   string
	sc     *Scenario
	line   int
	actors map[string]*Actor
	names  map[string]string // every declared name -> what it is
	story  bool              // still in the leading comment block
}

func (p *parser) errf(col int, format string, args ...any) error {
	return &Error{Pos: Pos{p.file, p.line, col}, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) pos(col int) Pos { return Pos{p.file, p.line, col} }

func (p *parser) parse(src string) error {
	p.actors = map[string]*Actor{}
	p.names = map[string]string{}
	p.story = true
	lines := strings.Split(src, "\n")
	var threadActors []*Actor
	for i, raw := range lines {
		p.line = i + 1
		raw = strings.TrimRight(raw, "\r")
		trimmed := strings.TrimSpace(raw)
		if p.story && strings.HasPrefix(trimmed, "#") {
			p.sc.Story = append(p.sc.Story, strings.TrimPrefix(strings.TrimPrefix(trimmed, "#"), " "))
			continue
		}
		toks, err := p.tokenize(raw)
		if err != nil {
			return err
		}
		if len(toks) == 0 {
			if p.story && len(p.sc.Story) > 0 {
				p.story = false
			}
			continue
		}
		p.story = false
		if err := p.directive(toks, &threadActors); err != nil {
			return err
		}
	}
	if len(p.sc.Processes) == 0 {
		p.line = len(lines)
		return p.errf(1, "no process declared (want a line \"process NAME [threads T1 T2 ...] [parent ACTOR]\")")
	}
	// Tracee threads are actors too, listed after the outside actors.
	for _, pr := range p.sc.Processes {
		for _, th := range pr.Threads {
			if a, ok := p.actors[th]; ok {
				p.sc.Actors = append(p.sc.Actors, *a)
			} else {
				p.sc.Actors = append(p.sc.Actors, Actor{Name: th, Thread: true, Pos: pr.Pos})
			}
		}
	}
	if err := p.checkSequences(); err != nil {
		return err
	}
	if err := p.checkAfter(); err != nil {
		return err
	}
	if !p.sc.UsesFreezer(FreezerV2) {
		for _, o := range p.allOps() {
			if slices.Contains(o.Keys, "frozen") {
				return &Error{o.Pos, fmt.Sprintf("observe %s frozen: the scenario freezes nothing through cgroup v2 (\"freeze %s v2\"), so there is no cgroup.events to read", o.Target, o.Target)}
			}
		}
	}
	// Atoms must name things that exist, with values they can have.
	for _, c := range p.sc.Checks {
		for _, a := range c.Atoms {
			if err := p.checkAtom(a); err != nil {
				return err
			}
		}
	}
	if p.sc.Schedule != nil {
		for _, n := range p.sc.Schedule {
			if _, ok := p.actors[n]; !ok {
				return &Error{p.sc.SchedPos, fmt.Sprintf("schedule names %q, which is not an actor or thread", n)}
			}
		}
	}
	return nil
}

func (p *parser) tokenize(line string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(line) {
		c := line[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c == '#':
			// A comment starts a line or follows white space; '#' inside
			// a word is part of it (P#2=ESRCH).
			return toks, nil
		case c == '"':
			j := strings.IndexByte(line[i+1:], '"')
			if j < 0 {
				return nil, p.errf(i+1, "unterminated string (want a closing '\"')")
			}
			toks = append(toks, token{line[i+1 : i+1+j], i + 1})
			i += j + 2
		default:
			j := i
			for j < len(line) && line[j] != ' ' && line[j] != '\t' {
				j++
			}
			toks = append(toks, token{line[i:j], i + 1})
			i = j
		}
	}
	return toks, nil
}

func rest(toks []token) string {
	var parts []string
	for _, t := range toks {
		parts = append(parts, t.s)
	}
	return strings.Join(parts, " ")
}

func (p *parser) declare(t token, kind string) error {
	if !validName(t.s) {
		return p.errf(t.col, "%q is not a valid name (want letters, digits and '_', starting with a letter)", t.s)
	}
	if prev, ok := p.names[t.s]; ok {
		return p.errf(t.col, "%q is already declared as %s", t.s, prev)
	}
	if t.s == "tasklist" || t.s == "css_set" {
		return p.errf(t.col, "%q is reserved (the lock)", t.s)
	}
	p.names[t.s] = kind
	return nil
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		isLetter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		if !(isLetter || r == '_' || (i > 0 && r >= '0' && r <= '9')) {
			return false
		}
	}
	return true
}

var directives = "scenario, title, source, process, actor, config, init, ACTOR:, always, final, sometimes, disable, verdict, oracle, schedule, variant"

func (p *parser) directive(toks []token, threadActors *[]*Actor) error {
	head := toks[0]
	args := toks[1:]
	if strings.HasSuffix(head.s, ":") {
		name := strings.TrimSuffix(head.s, ":")
		a, ok := p.actors[name]
		if !ok {
			if p.names[name] == "a process" {
				return p.errf(head.col, "%q is a process; its threads act (name a thread, or declare \"process %s threads ...\")", name, name)
			}
			return p.errf(head.col, "unknown actor %q (declare it with \"actor %s\", or as a thread with \"process\")", name, name)
		}
		op, err := p.op(name, a.Thread, args, head.col+len(head.s)+1)
		if err != nil {
			return err
		}
		a.Script = append(a.Script, op)
		if !a.Thread {
			for i := range p.sc.Actors {
				if p.sc.Actors[i].Name == name {
					p.sc.Actors[i].Script = a.Script
				}
			}
		}
		return nil
	}
	switch head.s {
	case "scenario":
		if len(args) != 1 {
			return p.errf(head.col, "scenario takes one name")
		}
		p.sc.Name = args[0].s
	case "title":
		p.sc.Title = rest(args)
	case "source":
		if len(args) == 0 {
			return p.errf(head.col, "source wants the commit, LKML message or man page the scenario comes from")
		}
		p.sc.Source = append(p.sc.Source, rest(args))
	case "process":
		return p.process(head, args, threadActors)
	case "actor":
		if len(args) == 0 {
			return p.errf(head.col+len(head.s)+1, "actor wants one or more names")
		}
		for _, t := range args {
			if err := p.declare(t, "an actor"); err != nil {
				return err
			}
			p.sc.Actors = append(p.sc.Actors, Actor{Name: t.s, Pos: p.pos(t.col)})
			p.actors[t.s] = &p.sc.Actors[len(p.sc.Actors)-1]
		}
		// Re-point the map: the slice may have moved.
		for i := range p.sc.Actors {
			p.actors[p.sc.Actors[i].Name] = &p.sc.Actors[i]
		}
		for _, ta := range *threadActors {
			p.actors[ta.Name] = ta
		}
	case "config":
		for _, t := range args {
			switch t.s {
			case "PREEMPT_RT":
				p.sc.RT = true
			default:
				return p.errf(t.col, "unknown config %q (want PREEMPT_RT)", t.s)
			}
		}
	case "init":
		if len(args) < 2 || !strings.HasSuffix(args[0].s, ":") {
			return p.errf(head.col, "init wants \"init ACTOR: OP ...\"")
		}
		name := strings.TrimSuffix(args[0].s, ":")
		a, ok := p.actors[name]
		if !ok {
			return p.errf(args[0].col, "unknown actor %q", name)
		}
		op, err := p.op(name, a.Thread, args[1:], args[0].col+len(args[0].s)+1)
		if err != nil {
			return err
		}
		if len(op.After) > 0 {
			return &Error{op.After[0].Pos, "after orders script ops; the prelude runs in the order written"}
		}
		p.sc.Prelude = append(p.sc.Prelude, op)
	case "always", "final", "sometimes":
		kind := map[string]CheckKind{"always": Always, "final": Final, "sometimes": Sometimes}[head.s]
		if len(args) == 0 {
			return p.errf(head.col, "%s wants one or more KEY=VALUE atoms (e.g. T.state=T, T.exit=killed(SIGKILL), P#2=ESRCH)", head.s)
		}
		c := Check{Kind: kind, Text: rest(args), Pos: p.pos(head.col)}
		for _, t := range args {
			a, err := parseAtom(t.s)
			if err != nil {
				return p.errf(t.col, "%v", err)
			}
			a.Pos = p.pos(t.col)
			c.Atoms = append(c.Atoms, a)
		}
		p.sc.Checks = append(p.sc.Checks, c)
	case "disable":
		if len(args) == 0 {
			return p.errf(head.col, "disable wants property names (I1 ... I14, stuck)")
		}
		for _, t := range args {
			if !knownProp(t.s) {
				return p.errf(t.col, "unknown property %q (want I1 ... I14 or stuck)", t.s)
			}
			p.sc.Disabled = append(p.sc.Disabled, t.s)
		}
	case "verdict":
		if len(args) < 2 {
			return p.errf(head.col, "verdict wants \"verdict VARIANT|* pass|violation [PROPERTY ...]\"")
		}
		v := Verdict{Variant: args[0].s, Pos: p.pos(args[0].col)}
		switch args[1].s {
		case "pass":
			if len(args) > 2 {
				return p.errf(args[2].col, "a pass verdict takes no properties")
			}
		case "violation":
			v.Violation = true
			for _, t := range args[2:] {
				if !knownProp(t.s) {
					return p.errf(t.col, "unknown property %q (want I1 ... I14 or stuck)", t.s)
				}
				v.Properties = append(v.Properties, t.s)
			}
		default:
			return p.errf(args[1].col, "unknown verdict %q (want pass or violation)", args[1].s)
		}
		for _, old := range p.sc.Verdicts {
			if old.Variant == v.Variant {
				return p.errf(args[0].col, "a second verdict for %s (the first is at line %d)", v.Variant, old.Pos.Line)
			}
		}
		p.sc.Verdicts = append(p.sc.Verdicts, v)
	case "oracle":
		if len(args) == 0 {
			return p.errf(head.col, "oracle wants \"skip REASON\" or \"cgroup v1|v2\"")
		}
		switch args[0].s {
		case "skip":
			if len(args) < 2 {
				return p.errf(args[0].col, "oracle skip wants a reason")
			}
			p.sc.Oracle.Skip = rest(args[1:])
		case "cgroup":
			if len(args) != 2 || (args[1].s != "v1" && args[1].s != "v2") {
				return p.errf(args[0].col, "oracle cgroup wants v1 or v2")
			}
			p.sc.Oracle.Cgroup = args[1].s
		default:
			return p.errf(args[0].col, "unknown oracle setting %q (want skip or cgroup)", args[0].s)
		}
	case "variant":
		if len(args) != 1 {
			return p.errf(head.col, "variant wants one design name (the design the schedule replays under)")
		}
		if p.sc.Variant != "" {
			return p.errf(head.col, "a second variant line (the first is at line %d)", p.sc.VariantPos.Line)
		}
		p.sc.Variant = args[0].s
		p.sc.VariantPos = p.pos(args[0].col)
	case "schedule":
		p.sc.SchedPos = p.pos(head.col)
		p.sc.Schedule = []string{}
		for _, t := range args {
			p.sc.Schedule = append(p.sc.Schedule, t.s)
		}
	default:
		return p.errf(head.col, "unknown directive %q (want one of: %s)", head.s, directives)
	}
	return nil
}

// opRef parses "A#N", an op of an actor's script (checked once every
// script is known: checkAfter).
func (p *parser) opRef(t token) (OpRef, error) {
	name, num, ok := strings.Cut(t.s, "#")
	n, err := strconv.Atoi(num)
	if !ok || name == "" || err != nil || n < 1 || strconv.Itoa(n) != num {
		return OpRef{}, p.errf(t.col, "%q is not an op (want ACTOR#N, the N-th op of ACTOR's script, as in \"after A#2\")", t.s)
	}
	return OpRef{Actor: name, N: n, Pos: p.pos(t.col)}, nil
}

// observeKeys parses the keys of "observe THREAD KEY ...".
func (p *parser) observeKeys(op *Op, keys []token) error {
	for _, k := range keys {
		if !slices.Contains(ObserveKeys, k.s) {
			return p.errf(k.col, "unknown observation key %q (want one or more of: %s)", k.s, strings.Join(ObserveKeys, " "))
		}
		if slices.Contains(op.Keys, k.s) {
			return p.errf(k.col, "observe records %s twice", k.s)
		}
		op.Keys = append(op.Keys, k.s)
	}
	return nil
}

func (p *parser) process(head token, args []token, threadActors *[]*Actor) error {
	if len(args) == 0 {
		return p.errf(head.col, "process wants a name")
	}
	name := args[0]
	if err := p.declare(name, "a process"); err != nil {
		return err
	}
	pr := Process{Name: name.s, Pos: p.pos(head.col)}
	i := 1
	for i < len(args) {
		switch args[i].s {
		case "threads":
			i++
			for i < len(args) && args[i].s != "parent" && args[i].s != "orphaned" {
				th := args[i]
				for _, prev := range pr.Threads {
					if prev == th.s {
						return p.errf(th.col, "thread %q is named twice in process %s", th.s, name.s)
					}
				}
				if th.s == name.s && len(pr.Threads) > 0 {
					// The name then means the process and its leader.
					return p.errf(th.col, "thread %q is named after its process, so it must be the first (the leader)", th.s)
				}
				if th.s != name.s {
					if err := p.declare(th, "a thread"); err != nil {
						return err
					}
				}
				pr.Threads = append(pr.Threads, th.s)
				i++
			}
			if len(pr.Threads) == 0 {
				return p.errf(args[i-1].col, "threads wants one or more thread names")
			}
		case "parent":
			if i+1 >= len(args) {
				return p.errf(args[i].col, "parent wants an actor name")
			}
			pr.Parent = args[i+1].s
			if a, ok := p.actors[pr.Parent]; !ok || a.Thread {
				return p.errf(args[i+1].col, "parent %q is not a declared actor (declare it with \"actor\" first)", pr.Parent)
			}
			i += 2
		case "orphaned":
			pr.Orphaned = true
			i++
		default:
			return p.errf(args[i].col, "unexpected %q (want \"threads T1 T2 ...\", \"parent ACTOR\" or \"orphaned\")", args[i].s)
		}
	}
	if len(pr.Threads) == 0 {
		pr.Threads = []string{name.s}
	}
	p.sc.Processes = append(p.sc.Processes, pr)
	for _, th := range pr.Threads {
		a := &Actor{Name: th, Thread: true, Pos: pr.Pos}
		*threadActors = append(*threadActors, a)
		p.actors[th] = a
		if th != name.s {
			continue
		}
	}
	return nil
}

var opKinds = map[string]OpKind{}

// threadOpsUsage lists the ops of a tracee thread, for error messages.
const threadOpsUsage = "raise SIG, sleep, syscall, exit_group N, traceme, ignore SIG, handle SIG, default SIG, block SIG, unblock SIG"

func init() {
	for k := OpKind(1); k < numOps; k++ {
		opKinds[k.String()] = k
	}
}

func (p *parser) op(actor string, thread bool, args []token, col int) (Op, error) {
	// "after A#N" prefixes: the op waits for those ops of other actors.
	var after []OpRef
	for len(args) > 0 && args[0].s == "after" {
		if len(args) < 2 {
			return Op{}, p.errf(args[0].col, "after wants an op of another actor, as in \"after A#2 kill T SIGCONT\"")
		}
		ref, err := p.opRef(args[1])
		if err != nil {
			return Op{}, err
		}
		after = append(after, ref)
		col = args[1].col + len(args[1].s) + 1
		args = args[2:]
	}
	if len(args) == 0 {
		return Op{}, p.errf(col, "%s: wants an op", actor)
	}
	kind, ok := opKinds[args[0].s]
	if !ok {
		if thread {
			return Op{}, p.errf(args[0].col, "unknown op %q for a tracee thread (want %s)", args[0].s, threadOpsUsage)
		}
		return Op{}, p.errf(args[0].col, "unknown op %q (want kill, tkill, freeze, thaw, attach, seize, interrupt, listen, cont, detach, ptrace-kill, ptrace-syscall, getregs, getsiginfo, setoptions, wait, waitid, exit, lock, unlock, observe, settle)", args[0].s)
	}
	op := Op{Actor: actor, Kind: kind, Pos: p.pos(args[0].col), After: after}
	a := args[1:]
	need := func(min, max int, usage string) error {
		if len(a) < min || len(a) > max {
			return p.errf(args[0].col, "%s wants %q", args[0].s, usage)
		}
		return nil
	}
	target := func(what string) error {
		kind := p.names[a[0].s]
		if kind == "" {
			return p.errf(a[0].col, "unknown %s %q", what, a[0].s)
		}
		if kind == "an actor" {
			return p.errf(a[0].col, "%q is an actor, not a %s", a[0].s, what)
		}
		if what == "thread" && kind == "a process" && !p.isSingleThreadProc(a[0].s) && !p.leaderNamedAfter(a[0].s) {
			return p.errf(a[0].col, "%q is a multi-threaded process; name one of its threads", a[0].s)
		}
		op.Target = a[0].s
		return nil
	}
	sig := func(t token) error {
		n, err := ParseSig(t.s)
		if err != nil {
			return p.errf(t.col, "%v (want a signal name such as SIGKILL, or a number)", err)
		}
		op.Sig = n
		return nil
	}
	var err error
	switch kind {
	case OpKill:
		if err = need(2, 2, "kill PROCESS SIGNAL"); err == nil {
			if err = target("process or thread"); err == nil {
				err = sig(a[1])
			}
		}
	case OpTkill:
		if err = need(2, 2, "tkill THREAD SIGNAL"); err == nil {
			if err = target("thread"); err == nil {
				err = sig(a[1])
			}
		}
	case OpFreeze, OpThaw:
		if err = need(1, 2, args[0].s+" PROCESS|THREAD [v1|v2]"); err == nil {
			if err = target("process or thread"); err == nil && len(a) == 2 {
				switch a[1].s {
				case "v1":
					op.Flags = FreezerV1
				case "v2":
					op.Flags = FreezerV2
				default:
					err = p.errf(a[1].col, "unknown freezer %q (want v1 or v2)", a[1].s)
				}
			}
		}
	case OpAttach, OpInterrupt, OpListen, OpPtraceKill, OpGetregs, OpGetsiginfo:
		if err = need(1, 1, args[0].s+" THREAD"); err == nil {
			err = target("thread")
		}
	case OpObserve:
		if err = need(1, 1+len(ObserveKeys), "observe THREAD [KEY ...]"); err == nil {
			if err = target("thread"); err == nil {
				err = p.observeKeys(&op, a[1:])
			}
		}
	case OpSettle:
		err = need(0, 0, "settle")
	case OpSeize, OpSetoptions:
		min, usage := 1, "seize THREAD [OPTION,...]"
		if kind == OpSetoptions {
			min, usage = 2, "setoptions THREAD OPTION,..."
		}
		if err = need(min, 2, usage); err == nil {
			if err = target("thread"); err == nil && len(a) == 2 {
				f, ferr := ParsePtraceOptions(a[1].s)
				if ferr != nil {
					err = p.errf(a[1].col, "%v", ferr)
				}
				op.Flags = f
			}
		}
	case OpCont, OpDetach, OpPtraceSyscall:
		if err = need(1, 2, args[0].s+" THREAD [SIGNAL]"); err == nil {
			if err = target("thread"); err == nil && len(a) == 2 {
				err = sig(a[1])
			}
		}
	case OpWait, OpWaitid:
		usage := "wait THREAD|any [WUNTRACED|WCONTINUED|WNOHANG|__WALL|__WCLONE]"
		min, allowed := 1, uint32(Wait4Flags)
		if kind == OpWaitid {
			usage = "waitid THREAD|any WEXITED|WSTOPPED|WCONTINUED[|WNOWAIT|WNOHANG|__WALL|__WCLONE]"
			min, allowed = 2, WaitidFlags
		}
		if err = need(min, 2, usage); err != nil {
			break
		}
		if a[0].s == AnyChild {
			// wait4(-1, ...), waitid(P_ALL, 0, ...): any child.
			if p.names[AnyChild] != "" {
				err = p.errf(a[0].col, "%q is %s, but %s %s means any child; rename it", AnyChild, p.names[AnyChild], kind, AnyChild)
				break
			}
			op.Target = AnyChild
		} else if err = target("thread"); err != nil {
			break
		}
		if len(a) == 2 {
			f, ferr := ParseWaitFlags(a[1].s)
			if ferr != nil {
				err = p.errf(a[1].col, "%v", ferr)
				break
			}
			if bad := f &^ allowed; bad != 0 {
				// kernel/exit.c:kernel_wait4() (v6.18): any other
				// flag is -EINVAL; WNOWAIT and WEXITED are waitid's.
				err = p.errf(a[1].col, "wait is wait4(2), which takes no %s (EINVAL); use waitid", WaitFlagsString(bad))
				break
			}
			op.Flags = f
		}
	case OpExit:
		err = need(0, 0, "exit")
	case OpLock, OpUnlock:
		if err = need(1, 1, args[0].s+" tasklist|css_set"); err == nil {
			if a[0].s != "tasklist" && a[0].s != "css_set" {
				err = p.errf(a[0].col, "unknown lock %q (want tasklist or css_set)", a[0].s)
			}
			op.Target = a[0].s
		}
	case OpRaise, OpIgnore, OpHandle, OpDefault, OpBlock, OpUnblock:
		if err = need(1, 1, args[0].s+" SIGNAL"); err == nil {
			err = sig(a[0])
		}
	case OpTraceme:
		err = need(0, 0, "traceme")
	case OpPause:
		err = need(0, 0, "sleep")
	case OpSyscall:
		err = need(0, 0, "syscall")
	case OpExitGroup:
		if err = need(1, 1, "exit_group CODE"); err == nil {
			n, cerr := strconv.Atoi(a[0].s)
			if cerr != nil || n < 0 || n > 255 {
				err = p.errf(a[0].col, "exit_group wants an exit code 0..255, got %q", a[0].s)
			}
			op.Sig = n
		}
	}
	if err != nil {
		return Op{}, err
	}
	threadOp := kind.ThreadOp()
	if thread && !threadOp {
		return Op{}, p.errf(args[0].col, "%s is a tracee thread: it can %s, not %s", actor, threadOpsUsage, kind)
	}
	if !thread && threadOp {
		return Op{}, p.errf(args[0].col, "%s is not a tracee thread; only tracee threads %s", actor, kind)
	}
	return op, nil
}

// leaderNamedAfter: the process's leader thread has the process's name
// ("process T threads T T2"), so the name also denotes that thread.
func (p *parser) leaderNamedAfter(name string) bool {
	for _, pr := range p.sc.Processes {
		if pr.Name == name {
			return pr.Threads[0] == name
		}
	}
	return false
}

func (p *parser) isSingleThreadProc(name string) bool {
	for _, pr := range p.sc.Processes {
		if pr.Name == name {
			return len(pr.Threads) == 1
		}
	}
	return false
}

func knownProp(s string) bool {
	switch s {
	case "I1", "I2", "I3", "I4", "I5", "I6", "I7", "I8", "I9", "I10", "I11", "I12", "I13", "I14", "stuck":
		return true
	}
	return false
}

func parseAtom(s string) (Atom, error) {
	var a Atom
	i := strings.Index(s, "=")
	if i <= 0 || i == len(s)-1 {
		return a, fmt.Errorf("%q is not an atom (want KEY=VALUE or KEY!=VALUE, e.g. T.state=T)", s)
	}
	a.Key, a.Value = s[:i], s[i+1:]
	if strings.HasSuffix(a.Key, "!") {
		a.Neg = true
		a.Key = strings.TrimSuffix(a.Key, "!")
	}
	return a, nil
}

// checkAfter resolves every "after A#N" and rejects an order that can
// never be met: an op of a tracee thread (it has no result to wait for),
// an op beyond the script, or a cycle (each op of it waiting, directly or
// through program order, for itself).
func (p *parser) checkAfter() error {
	for _, a := range p.sc.Actors {
		for _, op := range a.Script {
			for _, r := range op.After {
				act, ok := p.actors[r.Actor]
				switch {
				case !ok:
					return &Error{r.Pos, fmt.Sprintf("after %s: %q is not an actor", r, r.Actor)}
				case act.Thread:
					return &Error{r.Pos, fmt.Sprintf("after %s: %s is a tracee thread; after names an op of an outside actor, whose return is its result", r, r.Actor)}
				case len(act.Script) == 0:
					return &Error{r.Pos, fmt.Sprintf("after %s: %s has no ops (its script is empty)", r, r.Actor)}
				case r.N > len(act.Script):
					return &Error{r.Pos, fmt.Sprintf("after %s: %s has ops 1..%d", r, r.Actor, len(act.Script))}
				}
			}
		}
	}
	// Depth-first search over ops: op i of A comes after op i-1 of A
	// and after each op it names.
	type node struct {
		actor string
		i     int // 0-based
	}
	script := func(n node) []Op { return p.actors[n.actor].Script }
	state := map[node]int{} // 1 on the path, 2 done
	var path []node
	var visit func(n node) error
	visit = func(n node) error {
		switch state[n] {
		case 1:
			// path[k] == n waits for path[k+1], ..., which waits for n.
			k := slices.Index(path, n)
			var chain []string
			at := Pos{}
			for _, m := range path[k:] {
				chain = append(chain, fmt.Sprintf("%s#%d", m.actor, m.i+1))
				if ops := script(m)[m.i].After; len(ops) > 0 && at == (Pos{}) {
					at = ops[0].Pos
				}
			}
			chain = append(chain, chain[0])
			return &Error{at, fmt.Sprintf("the order can never be met: %s waits for itself (%s)", chain[0], strings.Join(chain, " after "))}
		case 2:
			return nil
		}
		state[n] = 1
		path = append(path, n)
		op := script(n)[n.i]
		if n.i > 0 {
			if err := visit(node{n.actor, n.i - 1}); err != nil {
				return err
			}
		}
		for _, r := range op.After {
			if err := visit(node{r.Actor, r.N - 1}); err != nil {
				return err
			}
		}
		path = path[:len(path)-1]
		state[n] = 2
		return nil
	}
	for _, a := range p.sc.Actors {
		for i := range a.Script {
			if err := visit(node{a.Name, i}); err != nil {
				return err
			}
		}
	}
	return nil
}

// allOps are the prelude's ops, then every script's.
func (p *parser) allOps() []Op {
	ops := append([]Op(nil), p.sc.Prelude...)
	for _, a := range p.sc.Actors {
		ops = append(ops, a.Script...)
	}
	return ops
}

// threads are the names of the tracee threads.
func (p *parser) threads() []string {
	var out []string
	for _, pr := range p.sc.Processes {
		out = append(out, pr.Threads...)
	}
	return out
}

// outsideActors are the names of the actors outside the thread groups.
func (p *parser) outsideActors() []string {
	var out []string
	for _, a := range p.sc.Actors {
		if !a.Thread {
			out = append(out, a.Name)
		}
	}
	return out
}

// checkAtom validates an atom: its key names something that exists, and
// its value is one the key can take.
func (p *parser) checkAtom(a Atom) error {
	bad := func(format string, args ...any) error {
		return &Error{a.Pos, fmt.Sprintf(format, args...)}
	}
	value := func(what string, d Domain) error {
		ok, hint := d.Check(a.Value)
		if ok {
			return nil
		}
		if hint != "" {
			hint = fmt.Sprintf("; did you mean %s?", hint)
		}
		return bad("%q: %s is one of: %s%s", a.Key+map[bool]string{false: "=", true: "!="}[a.Neg]+a.Value, what, d.Forms, hint)
	}
	if name, ref, ok := strings.Cut(a.Key, "#"); ok {
		return p.checkResultAtom(a, name, ref, value, bad)
	}
	i := strings.LastIndex(a.Key, ".")
	if i <= 0 {
		return bad("unknown key %q (want THREAD.KEY, PROCESS.freezer, PROCESS.frozen, ACTOR.done, ACTOR#N[.KEY] or ACTOR#initN[.KEY]; a thread's keys: %s)", a.Key, strings.Join(ThreadKeys, " "))
	}
	name, field := a.Key[:i], a.Key[i+1:]
	if field == "freezer" || field == "frozen" {
		// A process's cgroups, or those of a thread frozen on its own.
		f := FreezerV1
		if field == "frozen" {
			f = FreezerV2
		}
		if p.names[name] != "a process" && !p.sc.FrozenAlone(name, f) {
			return bad("%q: %s is not a process, nor a thread frozen on its own through cgroup %s (it has no cgroup of its own there)", a.Key, name, map[int]string{FreezerV1: "v1", FreezerV2: "v2"}[f])
		}
		if field == "frozen" && !p.sc.UsesFreezer(FreezerV2) {
			return bad("%q: the scenario freezes nothing through cgroup v2 (\"freeze %s v2\"), so there is no cgroup.events to read", a.Key, name)
		}
		d, _ := KeyDomain(field, nil)
		return value("PROCESS."+field, d)
	}
	act, ok := p.actors[name]
	if !ok {
		return bad("%q: unknown thread or actor %q", a.Key, name)
	}
	if act.Thread {
		if !slices.Contains(ThreadKeys, field) {
			return bad("%q: a thread has %s", a.Key, keyList(ThreadKeys))
		}
		d, _ := KeyDomain(field, p.outsideActors())
		return value("THREAD."+field, d)
	}
	if field != "done" {
		return bad("%q: an actor has .done and #N", a.Key)
	}
	d, _ := KeyDomain(field, nil)
	return value("ACTOR.done", d)
}

// checkResultAtom validates ACTOR#N, ACTOR#N.KEY, ACTOR#initN and
// ACTOR#initN.KEY.
func (p *parser) checkResultAtom(a Atom, name, ref string, value func(string, Domain) error, bad func(string, ...any) error) error {
	act, ok := p.actors[name]
	if !ok || act.Thread {
		return bad("%q: %q is not an actor", a.Key, name)
	}
	ref, key, hasKey := strings.Cut(ref, ".")
	ops, what := act.Script, "ops"
	num, init := strings.CutPrefix(ref, "init")
	if init {
		ops, what = nil, "init ops"
		for _, o := range p.sc.Prelude {
			if o.Actor == name {
				ops = append(ops, o)
			}
		}
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 1 || n > len(ops) || strconv.Itoa(n) != num {
		if len(ops) == 0 {
			return bad("%q: %s has no %s", a.Key, name, what)
		}
		if init {
			return bad("%q: %s has init ops #init1..#init%d", a.Key, name, len(ops))
		}
		return bad("%q: %s has ops 1..%d", a.Key, name, len(ops))
	}
	op := ops[n-1]
	base := strings.TrimSuffix(a.Key, "."+key)
	switch {
	case hasKey && op.Kind != OpObserve:
		return bad("%q: %s is %q, which records no keys (its result is %s)", a.Key, base, op.String(), base)
	case hasKey && !slices.Contains(op.Keys, key):
		if len(op.Keys) == 0 {
			return bad("%q: %s is %q, which records the state letter only (as %s; observe %s %s records %s)", a.Key, base, op.String(), base, op.Target, key, key)
		}
		return bad("%q: %s is %q; it records %s", a.Key, base, op.String(), keyList(op.Keys))
	case hasKey:
		d, _ := KeyResultDomain(key, p.outsideActors())
		return value(fmt.Sprintf("%s (%s)", a.Key, op.String()), d)
	case op.Kind == OpObserve && len(op.Keys) > 0:
		return bad("%q: %s is %q; name what it records: %s", a.Key, base, op.String(), keyList(prefixAll(base+".", op.Keys)))
	}
	return value(fmt.Sprintf("%s (%s)", a.Key, op.String()), ResultDomain(op, p.threads()))
}

func keyList(keys []string) string {
	var parts []string
	for _, k := range keys {
		if !strings.Contains(k, ".") {
			k = "." + k
		}
		parts = append(parts, k)
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

func prefixAll(prefix string, keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = prefix + k
	}
	return out
}

// checkSequences checks what can be told of each actor's ops in order —
// its prelude ops, then its script — without running them: nothing
// follows the op that ends the actor ("exit"; for a tracee thread
// "exit_group"), and an actor unlocks only a lock it took itself and still
// holds (a spinlock released by a task that does not hold it is a bug in
// the caller, not a behaviour of the kernel to model).
func (p *parser) checkSequences() error {
	for _, a := range p.sc.Actors {
		var ops []Op
		for _, o := range p.sc.Prelude {
			if o.Actor == a.Name {
				ops = append(ops, o)
			}
		}
		ops = append(ops, a.Script...)
		var end *Op
		held := map[string]bool{}
		for i := range ops {
			o := &ops[i]
			if end != nil {
				return &Error{o.Pos, fmt.Sprintf("%s %s after %s at line %d: %s has ended there (nothing follows %s)",
					a.Name, o.Kind, end.Kind, end.Pos.Line, a.Name, end.Kind)}
			}
			switch o.Kind {
			case OpExit, OpExitGroup:
				end = o
			case OpLock:
				held[o.Target] = true
			case OpUnlock:
				if !held[o.Target] {
					return &Error{o.Pos, fmt.Sprintf("%s unlocks %s, which it does not hold (want an earlier \"%s: lock %s\")", a.Name, o.Target, a.Name, o.Target)}
				}
				held[o.Target] = false
			}
		}
	}
	return nil
}
