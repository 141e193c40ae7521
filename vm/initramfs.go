package vm

import (
	"bufio"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
)

// File is one file of the guest's initramfs.
type File struct {
	Path string // absolute, clean ("/init", "/work/testdata/x.jc")
	Mode uint32 // permission bits (0644, 0755)
	Data []byte
}

// cpio "newc" (SVR4 without CRC) as the kernel unpacks it
// (init/initramfs.c; Documentation/driver-api/early-userspace/buffer-format.rst):
// a 110-byte ASCII header, the NUL-terminated name, padding to 4 bytes, the
// data, padding to 4 bytes; the archive ends with the entry "TRAILER!!!".
const (
	modeDir  = 0o040000
	modeReg  = 0o100000
	modeChar = 0o020000
)

// writeInitramfs writes an uncompressed newc archive holding files, the
// directories above them, the directories dirs, the mount points init
// uses, and the device node /dev/console: the kernel
// opens it as init's stdin, stdout and stderr before it runs /init
// (init/main.c:console_on_rootfs()), so an archive without it leaves init
// with no descriptors 0-2.
func writeInitramfs(w io.Writer, files []File, dirs ...string) error {
	bw := bufio.NewWriter(w)
	cw := &cpioWriter{w: bw, ino: 1}
	extra := dirs
	dirs = nil
	made := map[string]bool{"/": true}
	var mkdirs func(dir string) error
	mkdirs = func(dir string) error {
		if made[dir] {
			return nil
		}
		if !path.IsAbs(dir) || path.Clean(dir) != dir {
			return fmt.Errorf("initramfs: %q is not a clean absolute directory", dir)
		}
		if err := mkdirs(path.Dir(dir)); err != nil {
			return err
		}
		made[dir] = true
		perm := uint32(0o755)
		if dir == "/tmp" {
			perm = 0o1777
		}
		return cw.entry(dir, modeDir|perm, 0, 0, nil)
	}
	for _, d := range append([]string{"/dev", "/proc", "/sys", "/tmp"}, extra...) {
		if err := mkdirs(d); err != nil {
			return err
		}
	}
	if err := cw.entry("/dev/console", modeChar|0o600, 5, 1, nil); err != nil {
		return err
	}
	sorted := append([]File(nil), files...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Path < sorted[j].Path })
	seen := map[string]bool{}
	for _, f := range sorted {
		if !path.IsAbs(f.Path) || path.Clean(f.Path) != f.Path || f.Path == "/" {
			return fmt.Errorf("initramfs: %q is not a clean absolute file path", f.Path)
		}
		if seen[f.Path] || made[f.Path] {
			return fmt.Errorf("initramfs: %s given twice", f.Path)
		}
		seen[f.Path] = true
		if err := mkdirs(path.Dir(f.Path)); err != nil {
			return err
		}
		if err := cw.entry(f.Path, modeReg|(f.Mode&0o7777), 0, 0, f.Data); err != nil {
			return err
		}
	}
	if err := cw.entry("TRAILER!!!", 0, 0, 0, nil); err != nil {
		return err
	}
	return bw.Flush()
}

type cpioWriter struct {
	w   *bufio.Writer
	ino uint32
	err error
}

// entry writes one member. Names are stored without the leading '/', as
// the kernel's own gen_init_cpio does.
func (c *cpioWriter) entry(name string, mode, rmaj, rmin uint32, data []byte) error {
	if c.err != nil {
		return c.err
	}
	name = strings.TrimPrefix(name, "/")
	nlink := uint32(1)
	if mode&0o170000 == modeDir {
		nlink = 2
	}
	ino := c.ino
	c.ino++
	if name == "TRAILER!!!" {
		ino, nlink = 0, 1
	}
	hdr := fmt.Sprintf("070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x",
		ino, mode, 0, 0, nlink, 0, len(data), 0, 0, rmaj, rmin, len(name)+1, 0)
	c.write([]byte(hdr))
	c.write([]byte(name))
	c.write([]byte{0})
	c.pad(len(hdr) + len(name) + 1)
	c.write(data)
	c.pad(len(data))
	return c.err
}

func (c *cpioWriter) write(b []byte) {
	if c.err == nil {
		_, c.err = c.w.Write(b)
	}
}

func (c *cpioWriter) pad(n int) {
	if r := n % 4; r != 0 {
		c.write(make([]byte, 4-r))
	}
}
