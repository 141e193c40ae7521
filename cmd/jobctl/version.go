package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// versionString is what "jobctl --version" prints: the module version the
// binary was built as, the VCS revision it was built from, and the Go
// toolchain. A binary built by "go install ./cmd/jobctl" in a clone has
// all three; "go run" and "go test" record no VCS information, and say so.
func versionString() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return fmt.Sprintf("jobctl (devel), no build information, %s %s/%s", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	}
	return formatVersion(bi)
}

func formatVersion(bi *debug.BuildInfo) string {
	version := bi.Main.Version
	if version == "" {
		version = "(devel)"
	}
	var rev, when string
	modified := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	var parts []string
	if rev != "" {
		r := "revision " + rev[:min(12, len(rev))]
		if when != "" {
			r += " (" + when + ")"
		}
		if modified {
			r += ", with uncommitted changes"
		}
		parts = append(parts, r)
	} else {
		parts = append(parts, "no VCS revision recorded (go run, go test, a git worktree or -buildvcs=false record none; go install ./cmd/jobctl in a clone does)")
	}
	goVersion := bi.GoVersion
	if goVersion == "" {
		goVersion = runtime.Version()
	}
	parts = append(parts, fmt.Sprintf("%s %s/%s", goVersion, runtime.GOOS, runtime.GOARCH))
	return "jobctl " + version + ", " + strings.Join(parts, ", ")
}
