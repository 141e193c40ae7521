package vm

import (
	"bytes"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// cpioEntry is one member of a newc archive, as readCpio parses it.
type cpioEntry struct {
	name       string
	mode       uint32
	rmaj, rmin uint32
	data       []byte
}

// readCpio parses a newc archive strictly: magic, hex fields, 4-byte
// alignment of names and data, and the trailer as the last member.
func readCpio(t *testing.T, b []byte) []cpioEntry {
	t.Helper()
	var out []cpioEntry
	off := 0
	align := func(n int) int { return (n + 3) &^ 3 }
	for {
		if off+110 > len(b) {
			t.Fatalf("archive ends at %d without a trailer", off)
		}
		h := b[off : off+110]
		if string(h[:6]) != "070701" {
			t.Fatalf("bad magic %q at %d", h[:6], off)
		}
		field := func(i int) uint32 {
			v, err := strconv.ParseUint(string(h[6+8*i:14+8*i]), 16, 32)
			if err != nil {
				t.Fatalf("bad field %d at %d: %v", i, off, err)
			}
			return uint32(v)
		}
		mode, size, rmaj, rmin, namesize := field(1), int(field(6)), field(9), field(10), int(field(11))
		nameStart := off + 110
		name := string(b[nameStart : nameStart+namesize-1])
		if b[nameStart+namesize-1] != 0 {
			t.Fatalf("name %q not NUL-terminated", name)
		}
		dataStart := align(nameStart + namesize)
		if name == "TRAILER!!!" {
			if rest := b[align(dataStart):]; len(rest) != 0 {
				t.Fatalf("%d bytes after the trailer", len(rest))
			}
			return out
		}
		out = append(out, cpioEntry{name, mode, rmaj, rmin, b[dataStart : dataStart+size]})
		off = align(dataStart + size)
	}
}

func TestInitramfs(t *testing.T) {
	var buf bytes.Buffer
	files := []File{
		{Path: "/work/x/testdata/b.jc", Mode: 0o644, Data: []byte("abc")}, // 3 bytes: padding
		{Path: "/init", Mode: 0o755, Data: []byte("\x7fELF....")},
	}
	if err := writeInitramfs(&buf, files, "/work/x", "/tmp"); err != nil {
		t.Fatal(err)
	}
	got := map[string]cpioEntry{}
	var order []string
	for _, e := range readCpio(t, buf.Bytes()) {
		if _, dup := got[e.name]; dup {
			t.Errorf("%s twice", e.name)
		}
		got[e.name] = e
		order = append(order, e.name)
	}
	want := map[string]uint32{
		"dev": modeDir | 0o755, "proc": modeDir | 0o755, "sys": modeDir | 0o755, "tmp": modeDir | 0o1777,
		"work": modeDir | 0o755, "work/x": modeDir | 0o755, "work/x/testdata": modeDir | 0o755,
		"dev/console": modeChar | 0o600, "init": modeReg | 0o755, "work/x/testdata/b.jc": modeReg | 0o644,
	}
	for n, m := range want {
		if e, ok := got[n]; !ok || e.mode != m {
			t.Errorf("%s: mode %o, want %o (present %v)", n, e.mode, m, ok)
		}
	}
	if len(got) != len(want) {
		t.Errorf("members %q, want the %d of %v", order, len(want), want)
	}
	if c := got["dev/console"]; c.rmaj != 5 || c.rmin != 1 {
		t.Errorf("/dev/console is %d:%d, want 5:1", c.rmaj, c.rmin)
	}
	if string(got["work/x/testdata/b.jc"].data) != "abc" || string(got["init"].data) != "\x7fELF...." {
		t.Errorf("file data %q %q", got["work/x/testdata/b.jc"].data, got["init"].data)
	}
	// A directory precedes what is in it.
	pos := map[string]int{}
	for i, n := range order {
		pos[n] = i
	}
	for _, n := range order {
		if d := filepath.Dir(n); d != "." && pos[d] > pos[n] {
			t.Errorf("%s comes before its directory %s", n, d)
		}
	}
	for _, bad := range [][]File{
		{{Path: "relative", Data: nil}},
		{{Path: "/a/../b"}},
		{{Path: "/a"}, {Path: "/a"}},
		{{Path: "/dev"}},
	} {
		if err := writeInitramfs(&bytes.Buffer{}, bad); err == nil {
			t.Errorf("writeInitramfs(%v) accepted", bad)
		}
	}
}

func TestRecords(t *testing.T) {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	for _, c := range []struct {
		line string
		want record
	}{
		{encodeText(recOut, all), record{kind: recOut, text: string(all)}},
		{encodeText(recErr, []byte("a\r\nb")), record{kind: recErr, text: "a\r\nb"}},
		{encodeText(recNote, []byte("no cgroup v2")), record{kind: recNote, text: "no cgroup v2"}},
		{encodeExit(3), record{kind: recExit, code: 3}},
		{recTick + "\n", record{kind: recTick}},
		{encodeHello(GuestInfo{Release: "6.1.0-57-rt-amd64", RT: true, CPUs: 2}), record{kind: recHello, info: GuestInfo{Release: "6.1.0-57-rt-amd64", RT: true, CPUs: 2}}},
	} {
		if strings.Count(c.line, "\n") != 1 || !strings.HasSuffix(c.line, "\n") {
			t.Errorf("%q is not one line", c.line)
		}
		got, err := decodeRecord(strings.TrimSuffix(c.line, "\n"))
		if err != nil || got != c.want {
			t.Errorf("decode(%q) = %+v, %v; want %+v", c.line, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "bogus", "out unquoted", "exit x", "tick 1", "hello {"} {
		if _, err := decodeRecord(bad); err == nil {
			t.Errorf("decode(%q) accepted", bad)
		}
	}
}
