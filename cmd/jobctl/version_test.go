package main

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	for _, arg := range []string{"--version", "-version", "version"} {
		out, _, code := jobctl(t, arg)
		if code != exitOK || !strings.HasPrefix(out, "jobctl ") || !strings.Contains(out, runtime.GOOS+"/"+runtime.GOARCH) || strings.Count(out, "\n") != 1 {
			t.Errorf("jobctl %s: exit %d, %q", arg, code, out)
		}
	}
	bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "jobctl", Version: "v0.0.0-20260101000000-0123456789ab+dirty"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"}, {Key: "vcs.time", Value: "2026-01-01T00:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	want := "jobctl v0.0.0-20260101000000-0123456789ab+dirty, revision 0123456789ab (2026-01-01T00:00:00Z), with uncommitted changes, go1.26.8 " + runtime.GOOS + "/" + runtime.GOARCH
	if got := formatVersion(bi); got != want {
		t.Errorf("formatVersion:\n got %s\nwant %s", got, want)
	}
	bi = &debug.BuildInfo{Main: debug.Module{Path: "jobctl"}}
	if got := formatVersion(bi); !strings.HasPrefix(got, "jobctl (devel), no VCS revision recorded") {
		t.Errorf("formatVersion without VCS: %s", got)
	}
}
