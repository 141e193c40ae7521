package scenario

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// ReadFile reads a regular file up to MaxFileSize bytes and refuses
// anything else at once, naming what it is.
func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, n int) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, bytes.Repeat([]byte("#"), n), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	exact := write("exact.jc", MaxFileSize)
	over := write("over.jc", MaxFileSize+1)
	fifo := filepath.Join(dir, "fifo.jc")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.jc")
	if err := os.Symlink(exact, link); err != nil {
		t.Fatal(err)
	}
	dangling := filepath.Join(dir, "dangling.jc")
	if err := os.Symlink(filepath.Join(dir, "nowhere"), dangling); err != nil {
		t.Fatal(err)
	}
	for _, ok := range []string{exact, link} {
		if b, err := ReadFile(ok); err != nil || len(b) != MaxFileSize {
			t.Errorf("ReadFile(%s): %d bytes, %v", ok, len(b), err)
		}
	}
	for path, want := range map[string]string{
		over:                       over + ": 1048577 bytes, more than a scenario file may have (1024 KiB)",
		fifo:                       fifo + ": a named pipe, not a scenario file (want a regular .jc file)",
		dir:                        dir + ": a directory, not a scenario file (want a regular .jc file)",
		"/dev/zero":                "/dev/zero: a character device, not a scenario file (want a regular .jc file)",
		filepath.Join(dir, "none"): filepath.Join(dir, "none") + ": no such file",
		dangling:                   dangling + ": no such file",
	} {
		start := time.Now()
		_, err := ReadFile(path)
		if err == nil || err.Error() != want {
			t.Errorf("ReadFile(%s): %v, want %q", path, err, want)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("ReadFile(%s) took %v", path, d)
		}
	}
	// Load goes through ReadFile for anything at the path.
	if _, err := Load(fifo); err == nil || !strings.Contains(err.Error(), "a named pipe") {
		t.Errorf("Load(fifo): %v", err)
	}
}
