#!/usr/bin/env bash
# make bench: province-scale measurements of grassroots against what analysts
# use today, written to bench/results.md and bench/results.json (issue 6).
#
#   ./bench/run.sh            # everything, about 10–20 minutes on 2 cores
#   BENCH_REPS=1 ./bench/run.sh
#
# Steps (each timed BENCH_REPS times, the median reported):
#   a  full load of a clean 10,000-unit month into an empty warehouse
#   b  the nightly case: that warehouse, 1% of the forms changed or added
#   c  a 1,000-unit × 12-month warehouse, a run where nothing changed
#      (every metric recomputed, every workbook rewritten)
#   m  the full load of 1,000 of the same forms (peak RSS vs 10,000)
#   d  peers on a fixed subset of the same forms: pandas over openpyxl
#      (system Python, Pool of 2), SheetJS appending into DuckDB (Node,
#      2 worker threads)
#   e  floors on that subset: inflate the sheet XML (archive/zip), inflate
#      plus tokenize (encoding/xml), 2 goroutines
#      (d and e run right after each repetition of a, for paired ratios on
#      a machine shared with others)
#   p  CPU profiles of the full load and of the nightly case
#      (BenchmarkFullLoad, BenchmarkNightly in bench/; pprof, and perf where
#      it works)
#
# Everything generated (inboxes, warehouses, node_modules, profiles, raw
# outputs) lives under .cache/bench/, which git ignores. Inboxes are cached,
# keyed by their parameters and a hash of the generator's source.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

GO=${GO:-go}
TAGS=duckdb_arrow
REPS=${BENCH_REPS:-3}
SEED=${BENCH_SEED:-1}
VILLAGES=${BENCH_VILLAGES:-10000}     # step a
HIST_VILLAGES=${BENCH_HIST_VILLAGES:-1000} # step c
HIST_MONTHS=${BENCH_HIST_MONTHS:-12}
NIGHTLY_CHANGED=${BENCH_NIGHTLY_CHANGED:-$((VILLAGES / 200))} # step b: 0.5% changed in place
NIGHTLY_ADDED=${BENCH_NIGHTLY_ADDED:-$((VILLAGES / 200))}     #         0.5% added
SMALL_EVERY=${BENCH_SMALL_EVERY:-10}  # step m: every 10th form (1,000 of 10,000)
PEER_EVERY=${BENCH_PEER_EVERY:-20}    # steps d, e: every 20th form (500 of 10,000)
PYTHON=/usr/bin/python3

CACHE=$ROOT/.cache/bench
RAW=$CACHE/raw
WORK=$CACHE/work
BIN=$CACHE/bin
mkdir -p "$CACHE" "$BIN"
rm -rf "$RAW" "$WORK"
mkdir -p "$RAW" "$WORK"
began=$(date +%s)

say() { printf '== %s  [%ds, load %s]\n' "$*" $(( $(date +%s) - began )) "$(cut -d' ' -f1-3 /proc/loadavg)"; }

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
make -s build
$GO build -tags=$TAGS -o "$BIN/benchtool" ./bench/cmd/benchtool
$GO test -tags=$TAGS -c -o "$BIN/bench.test" ./bench

# The cache key: the parameters and every non-test Go file of the module
# packages the generator is built from (fixtures, and the form package whose
# headers it writes).
gen_hash=$($GO list -tags=$TAGS -deps -f '{{if not .Standard}}{{if .Module}}{{if .Module.Main}}{{range .GoFiles}}{{$.Dir}}/{{.}} {{end}}{{end}}{{end}}{{end}}' ./bench/cmd/benchtool |
	tr ' ' '\n' | grep . | LC_ALL=C sort | xargs cat | sha256sum | cut -c1-12)

fixtures() { # villages months → prints the fixtures folder, generating it if needed
	local key="v$1-m$2-s$SEED-clean-$gen_hash" dir
	dir=$CACHE/fixtures/$key
	if [ ! -f "$dir/.complete" ]; then
		say "generating $key" >&2
		rm -rf "$dir" "$dir.tmp"
		mkdir -p "$CACHE/fixtures"
		"$BIN/benchtool" fixtures --out "$dir.tmp" --villages "$1" --months "$2" --seed "$SEED" >"$dir.tmp.json"
		mv "$dir.tmp" "$dir"
		mv "$dir.tmp.json" "$dir/.generated.json"
		touch "$dir/.complete"
	fi
	echo "$dir"
}
FULL=$(fixtures "$VILLAGES" 1)
HIST=$(fixtures "$HIST_VILLAGES" "$HIST_MONTHS")
# Drop inboxes of older keys: each is a few hundred MB.
for d in "$CACHE"/fixtures/*/; do
	d=${d%/}
	[ "$d" = "$FULL" ] || [ "$d" = "$HIST" ] || rm -rf "$d"
done
cp "$FULL/.generated.json" "$RAW/fixtures-full.json"
cp "$HIST/.generated.json" "$RAW/fixtures-hist.json"

# Subsets of the same forms: hard-linked inboxes with the same registry.
subset() { # every name → inbox folder with every n-th form of $FULL (sorted by path)
	local n=$1 name=$2 dst=$WORK/subset-$2
	mkdir -p "$dst/inbox"
	(cd "$FULL/inbox" && find . -type f -name '*.xlsx' | LC_ALL=C sort | awk -v n="$n" 'NR % n == 1') >"$dst/list"
	while IFS= read -r f; do
		mkdir -p "$dst/inbox/$(dirname "$f")"
		ln "$FULL/inbox/$f" "$dst/inbox/$f"
	done <"$dst/list"
	sed "s|^\./|$dst/inbox/|" "$dst/list" >"$dst/abs-list"
	echo "$dst"
}
SMALL=$(subset "$SMALL_EVERY" small)
PEER=$(subset "$PEER_EVERY" peer)

# --- 2. measurements ----------------------------------------------------------
# timed DIR CMD...: runs CMD under /usr/bin/time -v, stdout and stderr to DIR.
timed() {
	local dir=$1
	shift
	mkdir -p "$dir"
	cut -d' ' -f1-3 /proc/loadavg >"$dir/loadavg"
	/usr/bin/time -v -o "$dir/time" "$@" >"$dir/stdout" 2>"$dir/stderr" || {
		echo "failed: $*" >&2
		tail -20 "$dir/stderr" >&2
		exit 1
	}
}
run_grassroots() { # rawdir inbox registry db out
	timed "$1" bin/grassroots run --inbox "$2" --registry "$3" --db "$4" --out "$5"
}
copy_db() { # src dst: the warehouse file and its WAL, if any
	cp "$1" "$2"
	[ ! -f "$1.wal" ] || cp "$1.wal" "$2.wal"
}

# Each repetition runs step a, then the peers and the floors, so that the
# ratios can be taken pairwise under the same load of a shared machine.
npeer=$(wc -l <"$PEER/list")
for r in $(seq "$REPS"); do
	say "a: full load of $VILLAGES forms, run $r/$REPS"
	rm -rf "$WORK/full"
	mkdir -p "$WORK/full"
	run_grassroots "$RAW/full/$r" "$FULL/inbox" "$FULL/registry.csv" "$WORK/full/w.duckdb" "$WORK/full/out"

	say "d: pandas over openpyxl, Pool(2), $npeer forms, run $r/$REPS"
	timed "$RAW/pandas/$r" "$PYTHON" bench/peers/pandas_read.py "$PEER/abs-list" 2

	say "d: SheetJS → DuckDB, 2 worker threads, $npeer forms, run $r/$REPS"
	rm -f "$WORK/sheetjs.duckdb" "$WORK/sheetjs.duckdb.wal"
	timed "$RAW/sheetjs/$r" node "$NODE_DIR/sheetjs_duckdb.mjs" "$PEER/abs-list" "$WORK/sheetjs.duckdb" 2
	rm -f "$WORK/sheetjs.duckdb" "$WORK/sheetjs.duckdb.wal"

	for mode in inflate rawtoken token; do
		say "e: floor $mode, $npeer forms, run $r/$REPS"
		timed "$RAW/floor-$mode/$r" "$BIN/benchtool" floor --inbox "$PEER/inbox" --mode "$mode" --workers 2
	done
done
LOADED_DB=$WORK/full/w.duckdb # the last repetition's warehouse

say "b: preparing the nightly inbox ($NIGHTLY_CHANGED changed, $NIGHTLY_ADDED added)"
"$BIN/benchtool" nightly --from "$FULL/inbox" --to "$WORK/nightly-inbox" \
	--changed "$NIGHTLY_CHANGED" --added "$NIGHTLY_ADDED" >"$RAW/nightly-prep.json"
for r in $(seq "$REPS"); do
	say "b: nightly 1%, run $r/$REPS"
	rm -rf "$WORK/nightly"
	mkdir -p "$WORK/nightly"
	copy_db "$LOADED_DB" "$WORK/nightly/w.duckdb"
	# Last night's output folder too: its manifests are what lets a night
	# skip the feedback and township workbooks that did not change.
	cp -a "$WORK/full/out" "$WORK/nightly/out"
	run_grassroots "$RAW/nightly/$r" "$WORK/nightly-inbox" "$FULL/registry.csv" "$WORK/nightly/w.duckdb" "$WORK/nightly/out"
done

say "c: loading $HIST_VILLAGES units × $HIST_MONTHS months (once)"
mkdir -p "$WORK/hist-base"
run_grassroots "$RAW/hist-load" "$HIST/inbox" "$HIST/registry.csv" "$WORK/hist-base/w.duckdb" "$WORK/hist-base/out"
for r in $(seq "$REPS"); do
	say "c: recompute and rewrite everything, run $r/$REPS"
	rm -rf "$WORK/hist"
	mkdir -p "$WORK/hist"
	copy_db "$WORK/hist-base/w.duckdb" "$WORK/hist/w.duckdb"
	run_grassroots "$RAW/hist/$r" "$HIST/inbox" "$HIST/registry.csv" "$WORK/hist/w.duckdb" "$WORK/hist/out"
done

for r in $(seq "$REPS"); do
	say "m: full load of $(wc -l <"$SMALL/list") forms (memory vs forms), run $r/$REPS"
	rm -rf "$WORK/small"
	mkdir -p "$WORK/small"
	run_grassroots "$RAW/small/$r" "$SMALL/inbox" "$FULL/registry.csv" "$WORK/small/w.duckdb" "$WORK/small/out"
done
rm -rf "$WORK/small" "$WORK/nightly" "$WORK/hist" "$WORK/hist-base"

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
export GRASSROOTS_BENCH_FIXTURES=$FULL
export GRASSROOTS_BENCH_NIGHTLY_DB=$LOADED_DB GRASSROOTS_BENCH_NIGHTLY_INBOX=$WORK/nightly-inbox GRASSROOTS_BENCH_NIGHTLY_OUT=$WORK/full/out
say "p: CPU and allocation profile of the full load (BenchmarkFullLoad)"
profile full BenchmarkFullLoad
say "p: CPU and allocation profile of the nightly case (BenchmarkNightly)"
profile nightly BenchmarkNightly
rm -rf "$WORK/full"

# --- 4. results -------------------------------------------------------------------
say "writing bench/results.md and bench/results.json"
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
	echo "hist_villages=$HIST_VILLAGES"
	echo "hist_months=$HIST_MONTHS"
	echo "seconds=$(($(date +%s) - began))"
} >"$RAW/machine.txt"
"$PYTHON" bench/summarize.py "$RAW" bench/results.json bench/results.md
say "done"
