package oracle

import (
	"jobctl/scenario"
)

// Scenarios built in Go, for the tests.

func process(name, parent string, threads ...string) scenario.Process {
	if len(threads) == 0 {
		threads = []string{name}
	}
	return scenario.Process{Name: name, Threads: threads, Parent: parent}
}

func actor(name string, script ...scenario.Op) scenario.Actor {
	for i := range script {
		script[i].Actor = name
	}
	return scenario.Actor{Name: name, Script: script}
}

func threadActor(name string, script ...scenario.Op) scenario.Actor {
	a := actor(name, script...)
	a.Thread = true
	return a
}

func op(kind scenario.OpKind, target string) scenario.Op {
	return scenario.Op{Kind: kind, Target: target}
}

func sigOp(kind scenario.OpKind, target string, sig int) scenario.Op {
	return scenario.Op{Kind: kind, Target: target, Sig: sig}
}

func waitOp(target string, flags uint32) scenario.Op {
	return scenario.Op{Kind: scenario.OpWait, Target: target, Flags: flags}
}

func by(actor string, o scenario.Op) scenario.Op {
	o.Actor = actor
	return o
}
