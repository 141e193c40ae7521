package oracle

import (
	"strings"
	"testing"
)

func TestParseStat(t *testing.T) {
	// A command name with spaces and parentheses; 52 fields.
	f := make([]string, 52)
	for i := range f {
		f[i] = "0"
	}
	f[0], f[1], f[2], f[3], f[8], f[21], f[51] = "42", "(a) b)", "t", "7", "4194564", "12345", "2304"
	st, err := parseStat(strings.Join(f, " ") + "\n")
	if err != nil {
		t.Fatal(err)
	}
	if st.state != 't' || st.ppid != 7 || st.flags != 4194564 || st.flags&pfExiting == 0 || st.start != 12345 || st.exitCode != 2304 {
		t.Errorf("parseStat = %+v", st)
	}
	if _, err := parseStat("garbage"); err == nil {
		t.Errorf("parseStat(garbage): no error")
	}
}

func TestParseMountinfo(t *testing.T) {
	mi := `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
37 31 0:34 / /sys/fs/cgroup/free\040zer rw,relatime shared:9 - cgroup cgroup rw,freezer
38 31 0:35 /sub /mnt/elsewhere rw,relatime - cgroup2 cgroup2 rw
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`
	v1, v2 := parseMountinfo(mi)
	if v1 != "/sys/fs/cgroup/free zer" || v2 != "/sys/fs/cgroup/unified" {
		t.Errorf("parseMountinfo = %q, %q", v1, v2)
	}
}

func TestRunOwner(t *testing.T) {
	if p, s, ok := runOwner("12.345.6"); !ok || p != 12 || s != 345 {
		t.Errorf("runOwner(12.345.6) = %d %d %v", p, s, ok)
	}
	for _, bad := range []string{"", "1.2", "a.b.c", "1.2.3.4", "0.1.1", "-1.2.3"} {
		if _, _, ok := runOwner(bad); ok {
			t.Errorf("runOwner(%q) accepted", bad)
		}
		if ownerDead(bad) {
			t.Errorf("ownerDead(%q): a malformed id must never be taken as ours", bad)
		}
	}
}
