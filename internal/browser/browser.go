// Package browser starts a headless Chromium for the tests that look at
// jobctl's pages (the explorer, the HTML report), and keeps their
// screenshots as test artifacts.
//
// Chromium is Debian's package "chromium" (.ci/deps.sh installs it).
// Where it is missing the tests skip, saying so. It is started with the
// flags that keep it off the network (this machine has none, and Chromium
// otherwise tries to reach Google at every start) and a fresh profile.
package browser

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Path finds Chromium: $JOBCTL_CHROMIUM, else chromium, chromium-browser
// or google-chrome on $PATH.
func Path() (string, error) {
	if p := os.Getenv("JOBCTL_CHROMIUM"); p != "" {
		return exec.LookPath(p)
	}
	var err error
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		var p string
		if p, err = exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", err
}

// New starts a headless Chromium for t, with a window of w×h pixels, and
// returns a context for its first tab, which ends with the test (the
// browser is stopped then). It skips t, with the reason, when Chromium is
// not installed.
func New(t testing.TB, w, h int) context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("skipped under -short: drives Chromium (./test.sh runs it)")
	}
	path, err := Path()
	if err != nil {
		t.Skipf("no Chromium to drive (%v): install Debian's chromium (as root: .ci/deps.sh, or apt-get install chromium), or set JOBCTL_CHROMIUM", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(w, h),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("hide-scrollbars", true),
	)
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, tcancel := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() {
		tcancel()
		cancel()
		acancel()
	})
	if err := chromedp.Do(ctx); err != nil { // start the browser now, to fail early
		t.Fatalf("starting %s: %v", path, err)
	}
	return ctx
}

// ArtifactDir is where screenshots go: $JOBCTL_ARTIFACTS, else
// testdata/artifacts at the root of the module (ignored by git).
func ArtifactDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("JOBCTL_ARTIFACTS")
	if dir == "" {
		root, err := moduleRoot()
		if err != nil {
			t.Fatal(err)
		}
		dir = filepath.Join(root, "testdata", "artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}

// Screenshot saves what the tab shows (the whole page when full) as
// NAME.png in the artifact directory, and logs where.
func Screenshot(t testing.TB, ctx context.Context, name string, full bool) string {
	t.Helper()
	var png []byte
	var err error
	if full {
		png, err = chromedp.Run(ctx, chromedp.FullScreenshot(100))
	} else {
		png, err = chromedp.Run(ctx, chromedp.CaptureScreenshot())
	}
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(ArtifactDir(t), name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
	return path
}
