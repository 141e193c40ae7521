package main

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The repository stands on its own: no file in it points at a document
// outside it. The patterns are built by concatenation so that this file
// does not match them itself.
var outsideRefs = []*regexp.Regexp{
	regexp.MustCompile(regexp.QuoteMeta(".." + "/shared")),
	regexp.MustCompile(regexp.QuoteMeta("/work" + "/shared")),
	regexp.MustCompile(`\b` + "SP" + "EC" + `\b`),
	regexp.MustCompile(`\b` + "Appen" + "dix" + `\b`),
}

// repoFiles lists the repository's files, relative to root: the tracked
// ones when git can say, else every file under root outside .git.
func repoFiles(t *testing.T, root string) []string {
	t.Helper()
	var files []string
	out, err := exec.Command("git", "-C", root, "ls-files", "-z").Output()
	if err == nil && len(out) > 0 {
		for _, f := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
			if _, err := os.Lstat(filepath.Join(root, f)); err == nil {
				files = append(files, f) // a file deleted in the worktree is not read
			}
		}
		return files
	}
	t.Logf("git ls-files in %s: %v; walking the tree instead", root, err)
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if d.Type().IsRegular() {
			rel, _ := filepath.Rel(root, p)
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestNoOutsideReferences: no text file of the repository refers to the
// outside document or its sections; what a property, a scenario family or
// a design means is in docs/, and a claim about the kernel cites the
// kernel function and version, a commit or an LKML Message-ID.
func TestNoOutsideReferences(t *testing.T) {
	const root = "../.."
	files := repoFiles(t, root)
	if len(files) < 50 {
		t.Fatalf("found only %d files under %s: not the repository", len(files), root)
	}
	texts := 0
	for _, f := range files {
		info, err := os.Lstat(filepath.Join(root, f))
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.IndexByte(data[:min(len(data), 8000)], 0) >= 0 {
			continue // binary (an image), as git decides
		}
		texts++
		for _, re := range outsideRefs {
			for _, loc := range re.FindAllIndex(data, -1) {
				line := 1 + bytes.Count(data[:loc[0]], []byte("\n"))
				t.Errorf("%s:%d: refers to an outside document (%q)", f, line, data[loc[0]:loc[1]])
			}
		}
	}
	if texts < 50 {
		t.Fatalf("read only %d text files", texts)
	}
}

// TestOutsideReferencePatterns: the patterns find what they are for, and
// not the words of the licence that merely contain the letters.
func TestOutsideReferencePatterns(t *testing.T) {
	match := func(s string) bool {
		for _, re := range outsideRefs {
			if re.MatchString(s) {
				return true
			}
		}
		return false
	}
	for _, s := range []string{
		"see " + ".." + "/shared/x.md",
		"source " + "SP" + "EC" + " §6 R1",
		"(" + "SP" + "EC" + " I7)",
		"Appen" + "dix" + " C 9b",
	} {
		if !match(s) {
			t.Errorf("%q is not caught", s)
		}
	}
	for _, s := range []string{"INCIDENTAL OR CONSEQUENTIAL, " + "SP" + "ECIAL DAMAGES", "a " + "sp" + "ec file", "shared_pending"} {
		if match(s) {
			t.Errorf("%q is caught", s)
		}
	}
}
