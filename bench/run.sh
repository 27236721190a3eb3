#!/usr/bin/env bash
# make bench: province-scale measurements of grassroots against what analysts
# use today, on a clean and on a realistic 10,000-unit month, written to
# bench/results.md and bench/results.json.
#
#   ./bench/run.sh            # everything, about 20–30 minutes on 2 cores
#                             # (10–20 without step h's load of its history,
#                             # 6–9 minutes, skipped when this very
#                             # bin/grassroots loaded it; the first run also
#                             # generates that history: 5–18 minutes)
#   BENCH_REPS=1 ./bench/run.sh
#   BENCH_REPS=1 BENCH_VILLAGES=400 BENCH_HIST_VILLAGES=100 BENCH_HIST_MONTHS=2 \
#     BENCH_HN_VILLAGES=200 BENCH_HN_MONTHS=3 \
#     BENCH_RESULTS_DIR=.cache/bench/results-small ./bench/run.sh   # a quick check of the plumbing
#   make bench-history-nightly   # step h alone (bench/history_nightly.sh)
#
# Two inboxes of the same size (fixtures.Generate, same seed):
#   clean      every form valid and in the registry (fixtures.Options.Clean)
#   realistic  every form readable and in the registry, but most carry
#              warnings and some rejected rows, as clerks' forms do
#              (fixtures.Options.Realistic): the workbook stage writes a
#              feedback workbook and an annotated copy for each of those
#
# Steps (each timed BENCH_REPS times, the median reported):
#   a  full load of each 10,000-unit month into an empty warehouse, with its
#      output folder (summary, township and feedback workbooks, annotated
#      copies)
#   b  the nightly case on each: that warehouse and last night's output
#      folder, 0.5% of the forms changed and 0.5% added
#   h  the nightly case on a 10,000-unit × 12-month realistic history: loaded
#      once (or kept from an earlier run of the same bin/grassroots, in
#      .cache/bench/history-base), each night on a copy of it, 1% of the
#      newest month's forms changed or added and 0.2% of the units' forms of
#      the month before (late restatements): see bench/lib.sh, and its
#      BENCH_HN_* settings (sizes, counts, --memory-limit of the load and
#      of the nights, BENCH_HN_RELOAD=1)
#   c  a 1,000-unit × 12-month clean warehouse, a run where nothing changed
#      (every metric recomputed, every workbook rewritten); kept on 1,000
#      units, as the lake (l) is: on step h's history the same run would
#      take minutes and say little more
#   m  the full load of 1,000 of the clean forms (peak RSS vs 10,000)
#   d  peers on a fixed subset of each inbox (every BENCH_PEER_EVERY-th
#      form): pandas over openpyxl (system Python, Pool of 2), SheetJS
#      appending into DuckDB (Node, 2 worker threads)
#   e  floors on that subset: inflate the sheet XML (archive/zip), inflate
#      plus tokenize (encoding/xml), 2 goroutines
#      (each repetition runs a, d and e on the clean inbox, then a, d and e
#      on the realistic one, for paired ratios on a machine shared with
#      others)
#   l  the lake: export of the history warehouse and a combine of 14
#      cities' lakes (BenchmarkLake)
#   p  CPU profiles of the full load of each inbox and of the realistic
#      nightly case (BenchmarkFullLoad, BenchmarkNightly in bench/; pprof,
#      and perf where it works)
#
# Everything generated (inboxes, warehouses, output folders, node_modules,
# profiles, raw outputs) lives under .cache/bench/, which git ignores; never
# under /tmp, where creating a file costs about 40 times as much on these
# machines. Inboxes are cached, keyed by their parameters, their mode and a
# hash of the generator's source (the fixtures package and what it imports,
# and benchtool's fixtures.go). BENCH_RESULTS_DIR (default bench) is where
# results.md and results.json are written.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
ROOT=$PWD
began=$(date +%s)
# GO, TAGS, SEED, CHANGES, CACHE, BIN, the HN_* sizes of step h and the
# shared functions.
# shellcheck source=bench/lib.sh
. bench/lib.sh

REPS=${BENCH_REPS:-3}
VILLAGES=${BENCH_VILLAGES:-10000}     # steps a, b
HIST_VILLAGES=${BENCH_HIST_VILLAGES:-1000} # step c
HIST_MONTHS=${BENCH_HIST_MONTHS:-12}
NIGHTLY_CHANGED=${BENCH_NIGHTLY_CHANGED:-$((VILLAGES / 200))} # step b: 0.5% changed in place
NIGHTLY_ADDED=${BENCH_NIGHTLY_ADDED:-$((VILLAGES / 200))}     #         0.5% added
SMALL_EVERY=${BENCH_SMALL_EVERY:-10}  # step m: every 10th form (1,000 of 10,000)
PEER_EVERY=${BENCH_PEER_EVERY:-20}    # steps d, e: every 20th form (500 of 10,000)
RESULTS_DIR=${BENCH_RESULTS_DIR:-bench}
# BENCH_CHANGES (bench/lib.sh) applies to the registries of every step.
MODES="clean realistic"
PYTHON=/usr/bin/python3

RAW=$CACHE/raw
WORK=$CACHE/work
mkdir -p "$CACHE" "$BIN" "$RESULTS_DIR"
RESULTS_DIR=$(cd "$RESULTS_DIR" && pwd)
rm -rf "$RAW" "$WORK" "$CACHE/tmp" "$TRASH"
mkdir -p "$RAW" "$WORK" "$CACHE/tmp"
# The profiled benchmarks make their warehouses and output folders with
# testing's TempDir: keep those under .cache/bench too.
export TMPDIR=$CACHE/tmp

# --- 0. what the peers need ---------------------------------------------------
apt_updated=
apt_install() {
	if [ -z "$apt_updated" ]; then
		apt-get update -qq
		apt_updated=1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
say "checking tools"
[ -x /usr/bin/time ] || apt_install time
[ -x "$PYTHON" ] || apt_install python3
"$PYTHON" -c 'import pandas, openpyxl' 2>/dev/null || apt_install python3-pandas python3-openpyxl
command -v node >/dev/null && command -v npm >/dev/null || apt_install nodejs npm

NODE_DIR=$CACHE/node
mkdir -p "$NODE_DIR"
if ! cmp -s bench/peers/package.json "$NODE_DIR/package.json" || [ ! -d "$NODE_DIR/node_modules/xlsx" ] ||
	[ ! -d "$NODE_DIR/node_modules/@duckdb/node-api" ]; then
	say "installing the SheetJS and DuckDB npm packages into $NODE_DIR"
	cp bench/peers/package.json "$NODE_DIR/package.json"
	npm install --prefix "$NODE_DIR" --no-audit --no-fund --no-package-lock --loglevel=error >/dev/null
fi
# The script runs from there so that Node finds its node_modules.
cp bench/peers/sheetjs_duckdb.mjs "$NODE_DIR/sheetjs_duckdb.mjs"

# --- 1. build, fixtures -------------------------------------------------------
say "building bin/grassroots, benchtool and the bench test binary"
build_tools # sets gen_hash (the inboxes' cache key) and gr_hash
$GO test -tags=$TAGS -c -o "$BIN/bench.test" ./bench

declare -A FULL PEER
for mode in $MODES; do
	FULL[$mode]=$(fixtures "$VILLAGES" 1 "$mode")
done
HIST=$(fixtures "$HIST_VILLAGES" "$HIST_MONTHS" clean)
HN=$(fixtures "$HN_VILLAGES" "$HN_MONTHS" "$HN_MODE")
evict_fixtures
for mode in $MODES; do
	mkdir -p "$RAW/$mode"
	cp "${FULL[$mode]}/.generated.json" "$RAW/$mode/fixtures.json"
done
cp "$HIST/.generated.json" "$RAW/fixtures-hist.json"
cp "$HN/.generated.json" "$RAW/fixtures-hn.json"

# Subsets of the same forms: hard-linked inboxes with the same registry.
subset() { # every name fixtures → inbox folder with every n-th form of fixtures/inbox (sorted by path)
	local n=$1 name=$2 src=$3/inbox dst=$WORK/subset-$2
	mkdir -p "$dst/inbox"
	(cd "$src" && find . -type f -name '*.xlsx' | LC_ALL=C sort | awk -v n="$n" 'NR % n == 1') >"$dst/list"
	while IFS= read -r f; do
		mkdir -p "$dst/inbox/$(dirname "$f")"
		ln "$src/$f" "$dst/inbox/$f"
	done <"$dst/list"
	sed "s|^\./|$dst/inbox/|" "$dst/list" >"$dst/abs-list"
	echo "$dst"
}
SMALL=$(subset "$SMALL_EVERY" small "${FULL[clean]}")
for mode in $MODES; do
	PEER[$mode]=$(subset "$PEER_EVERY" "peer-$mode" "${FULL[$mode]}")
done

# A warm file cache for every timed read: the inboxes may come from an
# earlier run's cache.
say "reading the inboxes once (warm file cache)"
for d in "${FULL[@]}" "$HIST"; do
	find "$d/inbox" -type f -exec cat {} + >/dev/null
done

# --- 2. measurements ----------------------------------------------------------
# Each repetition runs step a on the clean inbox, then its peers and floors,
# then the same on the realistic inbox, so that the ratios (peers against
# grassroots, realistic against clean) can be taken pairwise under the same
# load of a shared machine.
for r in $(seq "$REPS"); do
	for mode in $MODES; do
		full=${FULL[$mode]} peer=${PEER[$mode]}
		npeer=$(wc -l <"$peer/list")
		say "a: full load of $VILLAGES $mode forms, run $r/$REPS"
		discard "$WORK/full-$mode"
		mkdir -p "$WORK/full-$mode"
		run_grassroots "$RAW/$mode/full/$r" "$full/inbox" "$full/registry.csv" "$WORK/full-$mode/w.duckdb" "$WORK/full-$mode/out"

		say "d: pandas over openpyxl, Pool(2), $npeer $mode forms, run $r/$REPS"
		timed "$RAW/$mode/pandas/$r" "$PYTHON" bench/peers/pandas_read.py "$peer/abs-list" 2

		say "d: SheetJS → DuckDB, 2 worker threads, $npeer $mode forms, run $r/$REPS"
		rm -f "$WORK/sheetjs.duckdb" "$WORK/sheetjs.duckdb.wal"
		timed "$RAW/$mode/sheetjs/$r" node "$NODE_DIR/sheetjs_duckdb.mjs" "$peer/abs-list" "$WORK/sheetjs.duckdb" 2
		rm -f "$WORK/sheetjs.duckdb" "$WORK/sheetjs.duckdb.wal"

		for floor in inflate rawtoken token; do
			say "e: floor $floor, $npeer $mode forms, run $r/$REPS"
			timed "$RAW/$mode/floor-$floor/$r" "$BIN/benchtool" floor --inbox "$peer/inbox" --mode "$floor" --workers 2
		done
	done
done
# The last repetition's warehouses and output folders, $WORK/full-<mode>/,
# are last night's for step b.

for mode in $MODES; do
	say "b: preparing the $mode nightly inbox ($NIGHTLY_CHANGED changed, $NIGHTLY_ADDED added)"
	"$BIN/benchtool" nightly --from "${FULL[$mode]}/inbox" --to "$WORK/nightly-inbox-$mode" \
		--changed "$NIGHTLY_CHANGED" --added "$NIGHTLY_ADDED" >"$RAW/$mode/nightly-prep.json"
done
for r in $(seq "$REPS"); do
	for mode in $MODES; do
		say "b: nightly 1% on the $mode inbox, run $r/$REPS"
		discard "$WORK/nightly"
		mkdir -p "$WORK/nightly"
		copy_db "$WORK/full-$mode/w.duckdb" "$WORK/nightly/w.duckdb"
		# Last night's output folder too: its manifests are what lets a night
		# skip the feedback and township workbooks that did not change.
		cp -a "$WORK/full-$mode/out" "$WORK/nightly/out"
		run_grassroots "$RAW/$mode/nightly/$r" "$WORK/nightly-inbox-$mode" "${FULL[$mode]}/registry.csv" \
			"$WORK/nightly/w.duckdb" "$WORK/nightly/out"
	done
done

# Step h. The history's load is not a repetition: in a run that has just
# loaded it (or kept it, loaded by this bin/grassroots), every night starts
# from the same copy.
HN_BASE=$(hist_base "$HN" exact "$RAW")
say "h: the night's inbox: newest month $HN_CHANGED changed + $HN_ADDED added, the month before $HN_LATE_CHANGED + $HN_LATE_ADDED"
hist_nightly_inbox "$HN" "$WORK/hn-inbox" "$RAW/hn-prep.json"
hist_nights "$HN" "$HN_BASE" "$WORK/hn-inbox" "$RAW" "$WORK" "$REPS"

say "c: loading $HIST_VILLAGES units × $HIST_MONTHS months (once)"
mkdir -p "$WORK/hist-base"
run_grassroots "$RAW/hist-load" "$HIST/inbox" "$HIST/registry.csv" "$WORK/hist-base/w.duckdb" "$WORK/hist-base/out"
for r in $(seq "$REPS"); do
	say "c: recompute and rewrite everything, run $r/$REPS"
	discard "$WORK/hist"
	mkdir -p "$WORK/hist"
	copy_db "$WORK/hist-base/w.duckdb" "$WORK/hist/w.duckdb"
	run_grassroots "$RAW/hist/$r" "$HIST/inbox" "$HIST/registry.csv" "$WORK/hist/w.duckdb" "$WORK/hist/out"
done

for r in $(seq "$REPS"); do
	say "m: full load of $(wc -l <"$SMALL/list") forms (memory vs forms), run $r/$REPS"
	discard "$WORK/small"
	mkdir -p "$WORK/small"
	run_grassroots "$RAW/small/$r" "$SMALL/inbox" "${FULL[clean]}/registry.csv" "$WORK/small/w.duckdb" "$WORK/small/out"
done
discard "$WORK/small" "$WORK/nightly" "$WORK/hist" "$WORK/hist-base"

# --- l. the lake -----------------------------------------------------------------
# BenchmarkLake (bench/lake_test.go) on the history inbox: export of the
# 1,000-unit × 12-month warehouse, a second export with nothing changed, the
# combine of 14 cities' lakes, and a province query straight from the lakes.
say "l: export and combine (BenchmarkLake) on the $HIST_VILLAGES-unit × $HIST_MONTHS-month history"
mkdir -p "$CACHE/tmp-lake"
cut -d' ' -f1-3 /proc/loadavg >"$RAW/lake-loadavg"
(cd "$CACHE/tmp-lake" && GRASSROOTS_BENCH_LAKE_FIXTURES=$HIST TMPDIR=$CACHE/tmp-lake \
	"$BIN/bench.test" -test.run='^$' -test.bench='^BenchmarkLake$' -test.benchtime=1x) >"$RAW/lake.txt"

# --- 3. profiles ----------------------------------------------------------------
# perf, where it works, samples the same run on every thread (DuckDB's own
# threads are invisible to Go's profiler).
PERF_OK=
if command -v perf >/dev/null && perf record -q -F 99 -o "$CACHE/perf-probe.data" -- true >/dev/null 2>&1; then
	PERF_OK=1
fi
rm -f "$CACHE/perf-probe.data"
profile() { # name benchmark: CPU (pprof and perf) and allocation profiles of one benchmark run
	local name=$1 bench=$2 out=$RAW/profile-$1 data=$CACHE/prof-$1
	mkdir -p "$out" "$data"
	rm -f "$data"/*
	cut -d' ' -f1-3 /proc/loadavg >"$out/loadavg"
	local perf=()
	[ -z "$PERF_OK" ] || perf=(perf record -q -F 499 -o "$data/perf.data" --)
	(cd "$data" && "${perf[@]}" "$BIN/bench.test" -test.run='^$' -test.bench="^$bench\$" -test.benchtime=1x \
		-test.cpuprofile="$data/cpu.prof" -test.memprofile="$data/mem.prof") >"$out/bench.txt"
	$GO tool pprof -top -nodecount=15 "$BIN/bench.test" "$data/cpu.prof" >"$out/top.txt" 2>/dev/null
	$GO tool pprof -top -cum -nodecount=25 "$BIN/bench.test" "$data/cpu.prof" >"$out/topcum.txt" 2>/dev/null
	$GO tool pprof -top -nodecount=100000 "$BIN/bench.test" "$data/cpu.prof" >"$out/all.txt" 2>/dev/null
	$GO tool pprof -top -sample_index=alloc_space -nodecount=10 "$BIN/bench.test" "$data/mem.prof" >"$out/alloc.txt" 2>/dev/null
	if [ -s "$data/perf.data" ]; then
		perf report -i "$data/perf.data" --stdio --sort sym --percent-limit 0.8 2>/dev/null | grep -v '^#' | grep . | head -20 >"$out/perf-sym.txt" || true
		perf report -i "$data/perf.data" --stdio --sort sym 2>/dev/null | grep -v '^#' | grep . >"$out/perf-all.txt" || true
	fi
}
for mode in $MODES; do
	say "p: CPU and allocation profile of the $mode full load (BenchmarkFullLoad)"
	GRASSROOTS_BENCH_FIXTURES=${FULL[$mode]} profile "full-$mode" BenchmarkFullLoad
done
say "p: CPU and allocation profile of the realistic nightly case (BenchmarkNightly)"
GRASSROOTS_BENCH_FIXTURES=${FULL[realistic]} GRASSROOTS_BENCH_NIGHTLY_DB=$WORK/full-realistic/w.duckdb \
	GRASSROOTS_BENCH_NIGHTLY_INBOX=$WORK/nightly-inbox-realistic GRASSROOTS_BENCH_NIGHTLY_OUT=$WORK/full-realistic/out \
	profile nightly-realistic BenchmarkNightly
rm -rf "$WORK"/full-* "$WORK"/nightly-inbox-* "$WORK/hn-inbox" "$TRASH"

# --- 4. results -------------------------------------------------------------------
say "writing $RESULTS_DIR/results.md and $RESULTS_DIR/results.json"
{
	echo "nproc=$(nproc)"
	echo "mem=$(free -b | awk '/^Mem:/ {print $2}')"
	echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
	echo "go=$($GO version)"
	echo "kernel=$(uname -r)"
	echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "commit=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!bench' 2>/dev/null || echo ' (with uncommitted changes outside bench/)')"
	echo "python=$("$PYTHON" --version 2>&1)"
	echo "node=$(node --version)"
	echo "reps=$REPS"
	echo "peer_every=$PEER_EVERY"
	echo "small_every=$SMALL_EVERY"
	echo "villages=$VILLAGES"
	echo "modes=$MODES"
	echo "hist_villages=$HIST_VILLAGES"
	echo "hist_months=$HIST_MONTHS"
	echo "hn_villages=$HN_VILLAGES"
	echo "hn_months=$HN_MONTHS"
	echo "hn_mode=$HN_MODE"
	echo "hn_load_memory=$HN_LOAD_MEMORY"
	echo "hn_night_memory=$HN_NIGHT_MEMORY"
	echo "changes=$CHANGES"
	echo "seconds=$(($(date +%s) - began))"
} >"$RAW/machine.txt"
"$PYTHON" bench/summarize.py "$RAW" "$RESULTS_DIR/results.json" "$RESULTS_DIR/results.md"
say "done"
