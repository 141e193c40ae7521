#!/usr/bin/env bash
# The test command of the README. Installs what the browser tests need
# (.ci/deps.sh), runs gofmt and go vet, every test (the oracle's
# real-kernel tests and the browser tests skip, with the reason, where the
# machine cannot run them; the skips are listed at the end of the test
# output; screenshots go to $JOBCTL_ARTIFACTS, default testdata/artifacts),
# the oracle on the built-in corpus, on this kernel and on Debian's 6.1
# and 6.1 PREEMPT_RT kernels in QEMU guests (scripts/fetch-kernels), and a
# short fuzz run of the scenario parser.
set -euo pipefail
cd "$(dirname "$0")"
# Chromium and Graphviz for the browser tests and jobctl graph --svg.
./.ci/deps.sh
unformatted=$(gofmt -l . | grep -v '^internal/scratch/' || true)
if [ -n "$unformatted" ]; then
	echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
# QEMU and the guest kernels, for go test's guest tests and the corpus
# runs below (scripts/fetch-kernels: installs QEMU as root, fetches the
# images into a cache once).
kernels=""
if fetched=$(scripts/fetch-kernels 2>&1); then
	kernels=$(grep -v '^fetch-kernels: ' <<<"$fetched" || true)
	grep '^fetch-kernels: ' <<<"$fetched" || true
else
	why=$(tail -n 1 <<<"$fetched")
	echo "skipped: the oracle on Debian's 6.1 kernels (and go test's guest tests): ${why#fetch-kernels: }"
fi
go vet ./...
# The checker runs anywhere Go does (the oracle on Linux only): the tests
# must build elsewhere too.
GOOS=darwin go vet ./...
# and on 32-bit machines: the wait flags fill a uint32 (__WCLONE is its
# top bit), the table's reserved region is bounded by the address space.
GOARCH=386 go vet ./...
# Every test; without -v, but with a summary of what was skipped and why
# (not root, no freezer, ...): internal/testsum reads go test -json, prints
# what go test would (a line per package, the output of every failure) and
# fails if anything failed; pipefail keeps go test's own exit code too.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/testsum" ./internal/testsum
# One package at a time: the guest tests (vm, cmd/jobctl) keep both CPUs
# busy with QEMU, which would starve the host oracle tests' timing.
go test -p 1 -count=1 -json ./... | "$tmp/testsum"
# The oracle on the built-in corpus: every scenario this machine can run,
# on the real kernel, compared with the model (skips, with the reason, where
# it cannot: not root, no freezer).
go run ./cmd/jobctl oracle --repeat 2
# The same in a guest per kernel: the design comes from the guest's uname
# (v6.1.y for Debian's 6.1.123+), a mismatch fails the test. Both guests
# at once: one keeps about one CPU busy (TCG), and each run's timeout is
# generous (30s). The guest's init is the jobctl binary itself, so it is
# built static.
if [ -n "$kernels" ]; then
	mkdir -p "$tmp"
	CGO_ENABLED=0 go build -o "$tmp/jobctl" ./cmd/jobctl
	pids=()
	i=0
	for img in $kernels; do
		# Exit 3 is a guest that stopped answering (no heartbeat for a
		# minute, seen once in a few runs of the TCG guests on a loaded
		# machine, with nothing on the guest's console): run it once
		# more, saying so; a mismatch (exit 1) is never retried.
		(
			"$tmp/jobctl" oracle --kernel "$img" --repeat 2 >"$tmp/guest.$i" 2>&1 && exit 0 || rc=$?
			[ "$rc" = 3 ] || exit "$rc"
			{ echo "the guest on $img stopped answering; its output was:"; cat "$tmp/guest.$i"; echo "running it once more"; } >"$tmp/guest.$i.first"
			"$tmp/jobctl" oracle --kernel "$img" --repeat 2 >"$tmp/guest.$i" 2>&1
		) &
		pids+=($!)
		i=$((i + 1))
	done
	failed=0
	i=0
	for pid in "${pids[@]}"; do
		wait "$pid" || failed=1
		[ ! -e "$tmp/guest.$i.first" ] || cat "$tmp/guest.$i.first"
		cat "$tmp/guest.$i"
		i=$((i + 1))
	done
	[ $failed = 0 ] || { echo "the oracle in a guest failed (above)"; exit 1; }
fi
go test -count=1 -run=NONE -fuzz=FuzzParse -fuzztime=10s ./scenario
