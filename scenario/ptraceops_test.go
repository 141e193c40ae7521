package scenario

import "testing"

// The ops and process flag of issue 11: traceme, the tracee's signal state,
// getsiginfo, setoptions and seize options, "orphaned".
func TestParsePtraceAndSignalOps(t *testing.T) {
	src := "actor P\nprocess T parent P orphaned\n" +
		"T: traceme\nT: ignore SIGUSR1\nT: handle USR2\nT: default 10\nT: block SIGUSR1\nT: unblock SIGUSR1\n" +
		"P: seize T TRACESYSGOOD,PTRACE_O_TRACEEXIT|EXITKILL\nP: setoptions T TRACESYSGOOD\nP: getsiginfo T\n"
	sc, err := Parse("t.jc", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if !sc.Processes[0].Orphaned || sc.Processes[0].Parent != "P" {
		t.Fatalf("process: %+v", sc.Processes[0])
	}
	var tops, pops []string
	for _, a := range sc.Actors {
		for _, o := range a.Script {
			if a.Thread {
				tops = append(tops, o.String())
			} else {
				pops = append(pops, o.String())
			}
		}
	}
	wantT := []string{"traceme", "ignore SIGUSR1", "handle SIGUSR2", "default SIGUSR1", "block SIGUSR1", "unblock SIGUSR1"}
	wantP := []string{"seize T TRACESYSGOOD,TRACEEXIT,EXITKILL", "setoptions T TRACESYSGOOD", "getsiginfo T"}
	if len(tops) != len(wantT) || len(pops) != len(wantP) {
		t.Fatalf("ops %q %q", tops, pops)
	}
	for i := range wantT {
		if tops[i] != wantT[i] {
			t.Errorf("thread op %d = %q, want %q", i, tops[i], wantT[i])
		}
	}
	for i := range wantP {
		if pops[i] != wantP[i] {
			t.Errorf("actor op %d = %q, want %q", i, pops[i], wantP[i])
		}
	}
	if f := sc.Actors[0].Script[0].Flags; f != PTRACE_O_TRACESYSGOOD|PTRACE_O_TRACEEXIT|PTRACE_O_EXITKILL {
		t.Errorf("seize options %#x", f)
	}
}

func TestParsePtraceOptionErrors(t *testing.T) {
	cases := []struct{ src, want string }{
		{"actor P\nprocess T\nP: seize T TRACEFORK\n",
			`t.jc:3:12: unknown ptrace option "TRACEFORK" (want TRACESYSGOOD, TRACEEXIT or EXITKILL, joined by ',')`},
		{"actor P\nprocess T\nP: setoptions T\n", `t.jc:3:4: setoptions wants "setoptions THREAD OPTION,..."`},
		{"actor P\nprocess T\nP: getsiginfo T TRACEEXIT\n", `t.jc:3:4: getsiginfo wants "getsiginfo THREAD"`},
		{"process T\nT: block\n", `t.jc:2:4: block wants "block SIGNAL"`},
		{"process T\nT: traceme now\n", `t.jc:2:4: traceme wants "traceme"`},
		{"actor P\nprocess T\nP: traceme\n", `t.jc:3:4: P is not a tracee thread; only tracee threads traceme`},
	}
	for _, tc := range cases {
		_, err := Parse("t.jc", []byte(tc.src))
		if err == nil || err.Error() != tc.want {
			t.Errorf("%q:\n got %v\nwant %s", tc.src, err, tc.want)
		}
	}
}
