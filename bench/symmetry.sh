#!/usr/bin/env bash
# The reduction of `jobctl check --symmetry` on scale-gstop-Nt (mainline):
# a group stop across N threads, continued, while the cgroup v1 freezer
# freezes and thaws the group (the corpus's scale-gstop-2t/3t/4t, with N
# threads and the same checks). For each N it checks with and without
# --symmetry and prints the states of each, the reduction factor, user
# CPU seconds and peak RSS (/usr/bin/time), and whether the verdicts and
# outcome sets agree.
#
# Usage: bench/symmetry.sh [N ...]     (default: 4 5 6 7 8)
#   FULL_MAX=7   check without --symmetry only up to this N (N=8 without
#                it is about 90 million states: more memory and hours)
#   MEM=16000    --max-memory (MiB) of each check
set -euo pipefail
cd "$(dirname "$0")/.."
NS=${*:-4 5 6 7 8}
FULL_MAX=${FULL_MAX:-7}
MEM=${MEM:-16000}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
go build -o "$TMP/jobctl" ./cmd/jobctl

# field JSON NAME: a number or string field of jobctl's JSON line.
field() { sed -n "s/.*\"$2\":\"\\{0,1\\}\\([^,\"]*\\).*/\\1/p" "$1" | head -1; }
# outcomes JSON: the verdict and the sorted outcome texts.
outcomes() { { field "$1" verdict; grep -o '"outcome":"[^"]*"' "$1" | sort; } | md5sum | cut -c1-8; }

printf "%-3s %12s %12s %8s %9s %9s %9s %9s %s\n" N states sym_states factor user_s sym_user_s MiB sym_MiB same
for n in $NS; do
	sc="$TMP/scale-gstop-${n}t.jc"
	threads="" ran=""
	for i in $(seq 1 "$n"); do threads="$threads G$i"; ran="$ran G$i.ran=yes"; done
	cat >"$sc" <<EOS
actor S F W
process G threads$threads parent W
S: kill G SIGSTOP
S: kill G SIGCONT
F: freeze G
F: thaw G
final$ran S#1=0 S#2=0 F#1=0 F#2=0
sometimes$ran S#1=0 S#2=0 F#1=0 F#2=0
EOS
	run() { # OUT FLAGS...
		local out=$1; shift
		/usr/bin/time -f "%U %M" -o "$out.time" "$TMP/jobctl" check "$sc" --variant mainline --json \
			--max-states 1000000000 --max-memory "$MEM" --quiet "$@" >"$out" 2>&1 || true
	}
	run "$TMP/sym.$n" --symmetry
	st="-" us="-" mib="-" same="-"
	if [ "$n" -le "$FULL_MAX" ]; then
		run "$TMP/full.$n"
		st=$(field "$TMP/full.$n" states)
		us=$(cut -d' ' -f1 "$TMP/full.$n.time")
		mib=$(($(cut -d' ' -f2 "$TMP/full.$n.time") / 1024))
		same=no
		[ "$(outcomes "$TMP/full.$n")" = "$(outcomes "$TMP/sym.$n")" ] && same=yes
	fi
	sst=$(field "$TMP/sym.$n" states)
	inc=$(field "$TMP/sym.$n" incomplete)
	factor="-"
	[ "$st" != "-" ] && factor=$(awk -v a="$st" -v b="$sst" 'BEGIN {printf "%.2f", a/b}')
	printf "%-3s %12s %12s %8s %9s %9s %9s %9s %s%s\n" "$n" "$st" "$sst" "$factor" "$us" \
		"$(cut -d' ' -f1 "$TMP/sym.$n.time")" "$mib" "$(($(cut -d' ' -f2 "$TMP/sym.$n.time") / 1024))" "$same" \
		"${inc:+ (symmetry run incomplete: $inc)}"
done
