package scenario

import (
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"
	"syscall"
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

// MaxFileSize bounds a scenario file: the largest built-in one is a few
// KiB, and a bound keeps a mistaken argument (a log, an image) from being
// read into memory whole.
const MaxFileSize = 1 << 20

// ReadFile reads a scenario file. Only a regular file is read: a named
// pipe, a device (/dev/zero), a socket or a directory is refused with an
// error naming what it is, before anything is read (the file is opened
// O_NONBLOCK, so that opening a FIFO does not wait for a writer, and its
// type is checked on the open descriptor). A file larger than MaxFileSize
// is refused, whatever its size claims (a /proc file reads as size 0).
func ReadFile(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: no such file", path)
		}
		return nil, fmt.Errorf("%s: %v", path, errors.Unwrap(err))
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %s, not a scenario file (want a regular .jc file)", path, FileKind(st.Mode()))
	}
	if st.Size() > MaxFileSize {
		return nil, fmt.Errorf("%s: %d bytes, more than a scenario file may have (%d KiB)", path, st.Size(), MaxFileSize>>10)
	}
	src, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if len(src) > MaxFileSize {
		return nil, fmt.Errorf("%s: more than a scenario file may have (%d KiB)", path, MaxFileSize>>10)
	}
	return src, nil
}

// FileKind names what a file that is not regular is ("a directory", "a
// named pipe", ...), for an error message.
func FileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	}
	return "not a regular file"
}

// Load returns the scenario named by arg: a file if one exists at that
// path (read by ReadFile), else a built-in scenario of that name (or name
// prefix, if unique: "R1" finds "R1-kill-frozen-stopped").
func Load(arg string) (*Scenario, error) {
	if _, err := os.Lstat(arg); err == nil {
		src, err := ReadFile(arg)
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
