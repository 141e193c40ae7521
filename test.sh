#!/usr/bin/env bash
# The test command of the README. Runs every test (the oracle's real-kernel
# tests skip, with the reason, where the machine cannot run them), a short
# fuzz run of the scenario parser, and gofmt/go vet.
set -euo pipefail
cd "$(dirname "$0")"
unformatted=$(gofmt -l . | grep -v '^internal/scratch/' || true)
if [ -n "$unformatted" ]; then
	echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
go vet ./...
go test -count=1 ./...
go test -count=1 -run=NONE -fuzz=FuzzParse -fuzztime=10s ./scenario
