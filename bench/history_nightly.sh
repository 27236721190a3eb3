#!/usr/bin/env bash
# make bench-history-nightly: step h of make bench alone, for iterating on
# the warehouse: the nightly case on a 10,000-unit × 12-month realistic
# history (bench/lib.sh says which forms a night changes), BENCH_REPS times,
# each on a copy of the loaded history; prints each night's wall time, the
# scope it recomputed and its slowest refresh steps. No peers, no
# results.md.
#
#   make bench-history-nightly                      # BENCH_REPS=3
#   BENCH_CHANGES=2 BENCH_REPS=5 make bench-history-nightly
#   BENCH_HN_RELOAD=1 make bench-history-nightly    # load the history again
#   BENCH_HN_NIGHT_MEMORY=1GB make bench-history-nightly   # nights with --memory-limit 1GB
#
# The inbox is generated once (about 5 minutes; cached in .cache/bench/
# fixtures like make bench's) and loaded once into .cache/bench/history-base/
# <inbox key>/ (several minutes). When bin/grassroots has changed since, the
# loaded history is first caught up: the new binary runs once on it with
# nothing changed (recomputing everything if its definitions or SQL
# changed; a warehouse it cannot open is loaded again). That run's figures
# are printed too, but a history loaded by an older binary and caught up is
# not one loaded by this one: BENCH_HN_RELOAD=1 (or make bench, which
# reloads unless this very binary loaded it) for figures to keep.
#
# Outputs of the last invocation: .cache/bench/history-nightly/raw/ (hn/<r>/
# stdout, stderr, time of each night; hn-load/, hn-catchup/; hn-prep.json).
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
ROOT=$PWD
began=$(date +%s)
# shellcheck source=bench/lib.sh
. bench/lib.sh
REPS=${BENCH_REPS:-3}
RAW=$CACHE/history-nightly/raw
WORK=$CACHE/history-nightly/work
export TMPDIR=$CACHE/tmp
rm -rf "$RAW" "$WORK" "$TRASH"
mkdir -p "$RAW" "$WORK" "$TMPDIR"

say "building bin/grassroots and benchtool"
build_tools
HN=$(fixtures "$HN_VILLAGES" "$HN_MONTHS" "$HN_MODE")
# Only this step's own inboxes of an older generator: make bench evicts the rest.
evict_fixtures "v$HN_VILLAGES-m$HN_MONTHS-s$SEED-$HN_MODE-"
BASE=$(hist_base "$HN" catchup "$RAW")
say "h: the night's inbox: newest month $HN_CHANGED changed + $HN_ADDED added, the month before $HN_LATE_CHANGED + $HN_LATE_ADDED"
hist_nightly_inbox "$HN" "$WORK/inbox" "$RAW/hn-prep.json"
cat "$RAW/hn-prep.json"
hist_nights "$HN" "$BASE" "$WORK/inbox" "$RAW" "$WORK" "$REPS"
rm -rf "$TRASH" # the nights are over (discard, bench/lib.sh)

# report DIR LABEL: one run's wall time and CPU time (user + system: the
# night keeps both cores busy, so CPU is what a change has to save), its
# stage times, the recomputed scope and the slowest refresh steps.
report() {
	local d=$1
	[ ! -f "$d/failed" ] || echo "$2 FAILED: $(cat "$d/failed")"
	printf '%-12s wall %s  cpu %ss  %s\n' "$2" "$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$d/time")" \
		"$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.2f", s}' "$d/time")" \
		"$(grep -m1 '^time:' "$d/stdout" || true)"
	grep -o 'recomputing figures.*' "$d/stderr" | tr -d '"' | sed 's/^/             /' || true
	grep -o 'msg=refreshed step=[^ ]* elapsed_ms=[0-9]*' "$d/stderr" |
		sed 's/msg=refreshed step=//; s/ elapsed_ms=/ /' | sort -k2,2nr | head -5 |
		awk '{printf "             %6d ms %s\n", $2, $1}' || true
}
echo
echo "history: $(basename "$HN"); loaded history: $BASE"
if [ -f "$RAW/hn-load/reused" ]; then
	echo "load         kept from $(sed -n 's/^loaded_at=//p' "$RAW/hn-load/reused"):"
fi
[ ! -f "$RAW/hn-load/time" ] || report "$RAW/hn-load" "load (once)"
[ ! -f "$RAW/hn-catchup/time" ] || report "$RAW/hn-catchup" "catch-up"
for r in $(seq "$REPS"); do
	[ ! -d "$RAW/hn/$r" ] || report "$RAW/hn/$r" "night $r/$REPS"
done
say "done"
