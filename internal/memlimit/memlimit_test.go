package memlimit

import (
	"os"
	"path/filepath"
	"testing"
)

// tree writes files under a fresh root.
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, s := range files {
		path := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

const meminfo = "MemTotal:       24684000 kB\nMemFree:        22000000 kB\nMemAvailable:   20000000 kB\n"

func TestMachineOnly(t *testing.T) {
	root := tree(t, map[string]string{
		"proc/meminfo":         meminfo,
		"proc/self/cgroup":     "0::/\n",
		"proc/self/mountinfo":  "30 25 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
		"sys/fs/cgroup/x.keep": "",
	})
	b, all, err := available(root)
	if err != nil || b.Bytes != 20000000<<10 || b.Source != "/proc/meminfo MemAvailable" || len(all) != 1 {
		t.Fatalf("%+v %+v %v", b, all, err)
	}
}

// cgroup v2: the tightest of the process's cgroup and its ancestors, each
// limit less its working set (inactive file pages are reclaimable).
func TestV2(t *testing.T) {
	root := tree(t, map[string]string{
		"proc/meminfo":        meminfo,
		"proc/self/cgroup":    "0::/a/b\n",
		"proc/self/mountinfo": "30 25 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw\n",
		// b: no limit of its own
		"sys/fs/cgroup/a/b/memory.max":     "max\n",
		"sys/fs/cgroup/a/b/memory.current": "1000\n",
		// a: 1 GiB, 300 MiB used of which 100 MiB inactive file
		"sys/fs/cgroup/a/memory.max":     "1073741824\n",
		"sys/fs/cgroup/a/memory.current": "314572800\n",
		"sys/fs/cgroup/a/memory.stat":    "anon 1\nactive_file 5\ninactive_file 104857600\n",
	})
	b, all, err := available(root)
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(1<<30 - 200<<20); b.Bytes != want || b.Source != "/sys/fs/cgroup/a/memory.max" {
		t.Errorf("bound %+v, want %d from /sys/fs/cgroup/a/memory.max", b, want)
	}
	if len(all) != 2 {
		t.Errorf("bounds %+v, want the machine's and a's", all)
	}
}

// cgroup v1: the memory controller's mount, whose root may be a subtree
// (a container), and "no limit" as a huge number.
func TestV1(t *testing.T) {
	root := tree(t, map[string]string{
		"proc/meminfo":     meminfo,
		"proc/self/cgroup": "6:freezer:/\n4:memory:/ct/job\n0::/\n",
		"proc/self/mountinfo": "35 31 0:32 /ct /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n" +
			"36 31 0:33 / /sys/fs/cgroup/freezer rw - cgroup cgroup rw,freezer\n",
		"sys/fs/cgroup/memory/job/memory.limit_in_bytes": "268435456\n",
		"sys/fs/cgroup/memory/job/memory.usage_in_bytes": "67108864\n",
		"sys/fs/cgroup/memory/job/memory.stat":           "cache 1\ntotal_inactive_file 16777216\n",
		"sys/fs/cgroup/memory/memory.limit_in_bytes":     "9223372036854771712\n",
		"sys/fs/cgroup/memory/memory.usage_in_bytes":     "5\n",
	})
	b, _, err := available(root)
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(256<<20 - 48<<20); b.Bytes != want || b.Source != "/sys/fs/cgroup/memory/job/memory.limit_in_bytes" {
		t.Errorf("bound %+v, want %d from the job's limit", b, want)
	}
}

func TestNothingReadable(t *testing.T) {
	if _, _, err := available(t.TempDir()); err == nil {
		t.Error("no error with nothing to read")
	}
}

// On this machine: some bound, and never more than MemAvailable.
func TestAvailableHere(t *testing.T) {
	b, all, err := Available()
	if err != nil {
		t.Skipf("skipped: %v", err)
	}
	if b.Bytes <= 0 {
		t.Errorf("bound %+v", b)
	}
	for _, x := range all {
		if x.Bytes < b.Bytes {
			t.Errorf("%+v is tighter than the bound %+v", x, b)
		}
	}
}
