#!/usr/bin/env bash
# The test command of the README. Installs what the browser tests need
# (.ci/deps.sh), runs gofmt and go vet, every test (the oracle's
# real-kernel tests and the browser tests skip, with the reason, where the
# machine cannot run them; the skips are listed at the end of the test
# output; screenshots go to $JOBCTL_ARTIFACTS, default testdata/artifacts),
# the oracle on the built-in corpus, and a short fuzz run of the scenario
# parser.
set -euo pipefail
cd "$(dirname "$0")"
# Chromium and Graphviz for the browser tests and jobctl graph --svg.
./.ci/deps.sh
unformatted=$(gofmt -l . | grep -v '^internal/scratch/' || true)
if [ -n "$unformatted" ]; then
	echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
go vet ./...
# Every test; without -v, but with a summary of what was skipped and why
# (not root, no freezer, ...): internal/testsum reads go test -json, prints
# what go test would (a line per package, the output of every failure) and
# fails if anything failed; pipefail keeps go test's own exit code too.
go build -o "${TMPDIR:-/tmp}/jobctl-testsum.$$" ./internal/testsum
trap 'rm -f "${TMPDIR:-/tmp}/jobctl-testsum.$$"' EXIT
go test -count=1 -json ./... | "${TMPDIR:-/tmp}/jobctl-testsum.$$"
# The oracle on the built-in corpus: every scenario this machine can run,
# on the real kernel, compared with the model (skips, with the reason, where
# it cannot: not root, no freezer).
go run ./cmd/jobctl oracle --repeat 2
go test -count=1 -run=NONE -fuzz=FuzzParse -fuzztime=10s ./scenario
