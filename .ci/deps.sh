#!/usr/bin/env bash
# What the tests need beyond Go, from Debian's packages: Chromium (the
# browser tests of the explorer and the HTML report drive it headless) and
# Graphviz (jobctl graph --svg). Installs what is missing when run as root
# with apt-get; elsewhere says what is missing, and the tests that need it
# skip with the reason.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v dot >/dev/null 2>&1 || missing+=(graphviz)
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
	echo "deps: not installed: ${missing[*]} (needs root and apt-get); the tests that need them skip"
	exit 0
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >/tmp/jobctl-deps.log 2>&1; then
	echo "deps: apt-get install ${missing[*]} failed (see /tmp/jobctl-deps.log); the tests that need them skip"
	tail -5 /tmp/jobctl-deps.log
fi
rm -f /tmp/jobctl-deps.log
