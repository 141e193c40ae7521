#!/usr/bin/env bash
# Runs scale-gstop-Nt (mainline) under jobctl and under SPIN from the
# Promela twin bench/spin/scale.pml, interleaved, and prints one table:
# states, wall time, user CPU time and peak RSS for each configuration.
# The state counts must agree (the twin is written at the model's
# atomicity); a difference is reported loudly: the model has changed and
# the twin must follow it.
#
# Usage: bench/spin/run.sh [N ...]        (default: 6 7)
#   REPEAT=3   rounds (A/B interleaved), each figure is the median
#   CONFIGS="nored ncore2 collapse por"   the SPIN builds to run
#   WORKERS="2 1"                          jobctl's --workers to run
#
# Needs Go, gcc and Debian's spin (installed with apt-get when missing and
# running as root).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
NS=${*:-6 7}
REPEAT=${REPEAT:-1}
CONFIGS=${CONFIGS:-nored ncore2 collapse por}
WORKERS=${WORKERS:-2 1}

if ! command -v spin >/dev/null; then
	if [ "$(id -u)" = 0 ]; then
		apt-get update -qq && apt-get install -y -qq spin >/dev/null
	else
		echo "run.sh: spin is not installed (Debian: apt-get install spin)" >&2
		exit 2
	fi
fi
command -v gcc >/dev/null || { echo "run.sh: gcc is needed to build pan" >&2; exit 2; }

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
go build -o "$TMP/jobctl" ./cmd/jobctl

# spin_flags CONFIG: the pan build of each configuration.
spin_flags() {
	case $1 in
	nored) echo "-DSAFETY -DNOREDUCE" ;;              # one core, no reduction, full states
	ncore2) echo "-DSAFETY -DNOREDUCE -DNCORE=2" ;;   # two cores (peak RSS: the largest of its processes)
	collapse) echo "-DSAFETY -DNOREDUCE -DCOLLAPSE" ;; # compressed state storage
	por) echo "-DSAFETY" ;;                           # SPIN's partial-order reduction on
	*) echo "run.sh: unknown configuration $1" >&2; exit 2 ;;
	esac
}

# measure OUT CMD...: run CMD under /usr/bin/time, OUT gets "wall user rssKiB".
measure() {
	local out=$1; shift
	/usr/bin/time -f "%e %U %M" -o "$out.time" "$@" >"$out.log" 2>&1 || true
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR ? a[int((NR+1)/2)] : "-")}'; }

printf "%-4s %-46s %12s %9s %9s %9s %s\n" N configuration states wall_s user_s peak_MiB note
for n in $NS; do
	sc="$TMP/scale-gstop-${n}t.jc"
	{
		echo "actor S F W"
		printf "process G threads"
		for i in $(seq 1 "$n"); do printf " G%d" "$i"; done
		echo " parent W"
		echo "S: kill G SIGSTOP"
		echo "S: kill G SIGCONT"
		echo "F: freeze G"
		echo "F: thaw G"
	} >"$sc"
	# pan's hash table: 2^w slots, about 2 per state (SPIN's own advice)
	case $n in [0-4]) w=18 ;; 5) w=21 ;; 6) w=24 ;; 7) w=26 ;; *) w=28 ;; esac
	for c in $CONFIGS; do
		mkdir -p "$TMP/$c.$n"
		pml=""
		[ "$c" = ncore2 ] && pml=-DSCRATCH_IN_STATE # multi-core pan allows no hidden variables
		(cd "$TMP/$c.$n" && spin $pml -DN="$n" -a "$ROOT/bench/spin/scale.pml" >/dev/null &&
			gcc -O2 -DMEMLIM=20000 $(spin_flags "$c") -o pan pan.c)
	done
	for r in $(seq 1 "$REPEAT"); do
		for wk in $WORKERS; do
			measure "$TMP/j$wk.$n.$r" "$TMP/jobctl" check "$sc" --variant mainline --json \
				--workers "$wk" --max-states 1000000000 --max-memory 20000
		done
		for c in $CONFIGS; do
			(cd "$TMP/$c.$n" && measure "$TMP/s$c.$n.$r" ./pan -E -m100000 -w$w)
		done
	done
	jstates=""
	for wk in $WORKERS; do
		st=$(sed -n 's/.*"states":\([0-9]*\).*/\1/p' "$TMP/j$wk.$n.1.log" | head -1)
		bps=$(sed -n 's/.*"bytes_per_state":\([0-9.]*\).*/\1/p' "$TMP/j$wk.$n.1.log" | head -1)
		jstates=${jstates:-$st}
		printf "%-4s %-46s %12s %9s %9s %9s %s\n" "$n" "jobctl --workers $wk" "${st:-?}" \
			"$(for r in $(seq 1 "$REPEAT"); do cut -d' ' -f1 "$TMP/j$wk.$n.$r.time"; done | median)" \
			"$(for r in $(seq 1 "$REPEAT"); do cut -d' ' -f2 "$TMP/j$wk.$n.$r.time"; done | median)" \
			"$(for r in $(seq 1 "$REPEAT"); do echo $(($(cut -d' ' -f3 "$TMP/j$wk.$n.$r.time") / 1024)); done | median)" \
			"${bps:-?} B/state stored"
	done
	for c in $CONFIGS; do
		st=$(awk '/states, stored/ {print $1; exit}' "$TMP/s$c.$n.1.log")
		note=""
		if grep -q "errors: [1-9]" "$TMP/s$c.$n.1.log"; then note="pan reported errors"; fi
		if grep -q "Search not completed\|out of memory" "$TMP/s$c.$n.1.log"; then note="INCOMPLETE"; fi
		if [ "$c" != por ] && [ "${st:-x}" != "$jstates" ]; then
			note="$note !!! STATE COUNTS DIFFER: jobctl $jstates, SPIN $st — the twin no longer models the model"
		fi
		printf "%-4s %-46s %12s %9s %9s %9s %s\n" "$n" "SPIN $c ($(spin_flags "$c"))" "${st:-?}" \
			"$(for r in $(seq 1 "$REPEAT"); do cut -d' ' -f1 "$TMP/s$c.$n.$r.time"; done | median)" \
			"$(for r in $(seq 1 "$REPEAT"); do cut -d' ' -f2 "$TMP/s$c.$n.$r.time"; done | median)" \
			"$(for r in $(seq 1 "$REPEAT"); do echo $(($(cut -d' ' -f3 "$TMP/s$c.$n.$r.time") / 1024)); done | median)" \
			"$note"
	done
done
