# shellcheck shell=bash
# What bench/run.sh (make bench) and bench/history_nightly.sh (make
# bench-history-nightly) share: the build, the cached inboxes, the timed runs
# and the 12-month nightly case (step h). Sourced from the repository root,
# with ROOT set to it and `began` to the start time (date +%s).

GO=${GO:-go}
TAGS=duckdb_arrow
SEED=${BENCH_SEED:-1}
# Percent of the registry's units merged or moved (half each; fixtures
# --changes), the registry then having valid_from, valid_to and
# successor_code. 0: a registry without months. BENCH_CHANGES=2 is the
# hierarchy-through-time case (2% of 10,000 units merged or moved).
CHANGES=${BENCH_CHANGES:-0}
# Everything generated; another folder (BENCH_CACHE) for a check of the
# plumbing beside a cache in use.
CACHE=${BENCH_CACHE:-$ROOT/.cache/bench}
BIN=$CACHE/bin

# Step h: the nightly case on a 10,000-unit × 12-month history. A night
# corrects mostly the newest month: 1% of its units' forms (0.5% changed in
# place, 0.5% added as resubmissions), plus late restatements of the month
# before it, 0.2% of the units (0.1% + 0.1%). Realistic forms, as in step b's
# target.
HN_VILLAGES=${BENCH_HN_VILLAGES:-10000}
HN_MONTHS=${BENCH_HN_MONTHS:-12}
HN_MODE=${BENCH_HN_MODE:-realistic}
HN_CHANGED=${BENCH_HN_CHANGED:-$((HN_VILLAGES / 200))}
HN_ADDED=${BENCH_HN_ADDED:-$((HN_VILLAGES / 200))}
HN_LATE_CHANGED=${BENCH_HN_LATE_CHANGED:-$((HN_VILLAGES / 1000))}
HN_LATE_ADDED=${BENCH_HN_LATE_ADDED:-$((HN_VILLAGES / 1000))}
# The history's load, 120,000 realistic forms into an empty warehouse, runs
# out of 256MB, grassroots' default then (refresh_requests_insert.sql, every listed
# request of every month at once): it gets more, as does the catch-up run
# (which may recompute everything). The nights run with the default, as a
# night at a city does.
# BENCH_HN_LOAD_MEMORY= (empty) loads with the default.
HN_LOAD_MEMORY=${BENCH_HN_LOAD_MEMORY-2GB}
# A night's --memory-limit; empty: grassroots' default.
HN_NIGHT_MEMORY=${BENCH_HN_NIGHT_MEMORY:-}

# The folders of earlier repetitions are moved aside (discard) and removed
# once the timed runs are over, not just before the next one: this
# machine's ext4 has no journal, and without one ext4 passes over every
# inode freed in the last minute or more when it allocates a file (each one
# read back to check when it was freed). Removing a repetition's 16,000
# workbooks, or a night's 450, seconds before the next timed run made every
# file it created pay for them: in a 12-month night, 4% of the CPU samples
# were recently_deleted and find_get_block_common, 0.1% once nothing had
# been removed for a minute. A city's nightly batch runs a day after the
# last one.
TRASH=$CACHE/trash
discard() {
	local d
	mkdir -p "$TRASH"
	for d in "$@"; do
		[ ! -e "$d" ] || mv "$d" "$TRASH/$(date +%s%N)-$(basename "$d")"
	done
}

say() { printf '== %s  [%ds, load %s]\n' "$*" $(($(date +%s) - began)) "$(cut -d' ' -f1-3 /proc/loadavg)"; }

# build_tools: bin/grassroots and benchtool; sets gen_hash (the inboxes'
# cache key: every non-test Go file of the module packages the generator is
# built from, and benchtool's fixtures.go; not its other subcommands, whose
# changes keep the inboxes) and gr_hash (bin/grassroots' own, which the
# loaded history of step h is kept with).
build_tools() {
	mkdir -p "$BIN"
	make -s build
	$GO build -tags=$TAGS -o "$BIN/benchtool" ./bench/cmd/benchtool
	gen_hash=$({
		$GO list -tags=$TAGS -deps -f '{{if not .Standard}}{{if .Module}}{{if .Module.Main}}{{range .GoFiles}}{{$.Dir}}/{{.}} {{end}}{{end}}{{end}}{{end}}' ./fixtures
		echo "$ROOT/bench/cmd/benchtool/fixtures.go"
	} | tr ' ' '\n' | grep . | LC_ALL=C sort | xargs cat | sha256sum | cut -c1-12)
	gr_hash=$(sha256sum bin/grassroots | cut -c1-12)
}

fixtures() { # villages months mode → prints the fixtures folder, generating it if needed
	local key="v$1-m$2-s$SEED-$3-c$CHANGES-$gen_hash" dir flag=
	[ "$3" = clean ] || flag=--$3
	dir=$CACHE/fixtures/$key
	if [ ! -f "$dir/.complete" ]; then
		say "generating $key" >&2
		rm -rf "$dir" "$dir.tmp"
		mkdir -p "$CACHE/fixtures"
		"$BIN/benchtool" fixtures --out "$dir.tmp" --villages "$1" --months "$2" --seed "$SEED" --changes "$CHANGES" $flag >"$dir.tmp.json"
		mv "$dir.tmp" "$dir"
		mv "$dir.tmp.json" "$dir/.generated.json"
		touch "$dir/.complete"
	fi
	echo "$dir"
}

# evict_fixtures [PREFIX]: drops the inboxes of an older generator (each is a
# few hundred MB, the history of step h 3 GB) and the loaded histories made
# from them; with PREFIX, only those whose key starts with it. Those of
# other sizes from the same generator stay (a quick run with BENCH_VILLAGES
# does not evict the 10,000-unit inboxes).
evict_fixtures() {
	local d
	for d in "$CACHE"/fixtures/"${1:-}"*/ "$CACHE"/history-base/"${1:-}"*/; do
		[ -d "$d" ] || continue
		d=${d%/}
		case $d in
		*-"$gen_hash") ;;
		*) rm -rf "$d" ;;
		esac
	done
}

# timed DIR CMD...: runs CMD under /usr/bin/time -v, stdout and stderr to DIR.
timed() {
	local dir=$1
	shift
	mkdir -p "$dir"
	# Start from a disk at rest: without this, the dirty pages of the step
	# before (a copied output folder of 16,000 workbooks, a removed
	# warehouse) are flushed by the run's own sync(2) and slow its file
	# creation, which a real night, hours after the last, does not pay.
	sync
	cut -d' ' -f1-3 /proc/loadavg >"$dir/loadavg"
	/usr/bin/time -v -o "$dir/time" "$@" >"$dir/stdout" 2>"$dir/stderr" || {
		echo "failed: $*" >&2
		tail -20 "$dir/stderr" >&2
		return 1
	}
}
# count_out DIR OUT: the workbooks under OUT, those present and those the run
# just timed wrote (newer than DIR/loadavg, written right before it started),
# into DIR/outfiles: the summary, townships/, feedback/ and the annotated
# copies in feedback/annotated/.
count_out() {
	local dir=$1 out=$2 what sub
	for what in summary:. townships:townships feedback:feedback annotated:feedback/annotated; do
		sub=${what#*:}
		echo "${what%%:*}_present=$(find "$out/$sub" -maxdepth 1 -type f -name '*.xlsx' 2>/dev/null | wc -l)"
		echo "${what%%:*}_written=$(find "$out/$sub" -maxdepth 1 -type f -name '*.xlsx' -newer "$dir/loadavg" 2>/dev/null | wc -l)"
	done >"$dir/outfiles"
}
# run_grassroots RAWDIR INBOX REGISTRY DB OUT: a timed `grassroots run`; with
# GR_LOG set, `grassroots --log-level $GR_LOG run …`; with GR_MEMORY set,
# `run --memory-limit $GR_MEMORY`.
run_grassroots() {
	local global=() flags=()
	[ -z "${GR_LOG:-}" ] || global=(--log-level "$GR_LOG")
	[ -z "${GR_MEMORY:-}" ] || flags=(--memory-limit "$GR_MEMORY")
	timed "$1" bin/grassroots ${global[@]+"${global[@]}"} run ${flags[@]+"${flags[@]}"} \
		--inbox "$2" --registry "$3" --db "$4" --out "$5" || return 1
	count_out "$1" "$5"
}
copy_db() { # src dst: the warehouse file and its WAL, if any
	cp "$1" "$2"
	[ ! -f "$1.wal" ] || cp "$1.wal" "$2.wal"
}

# --- step h: the nightly case on a many-month history ---------------------------
# hist_base FIXTURES POLICY RAW: prints the folder of the loaded history of
# FIXTURES (w.duckdb, out/), kept across runs in .cache/bench/history-base/
# <fixtures key>/ with the timed load (load/) and the bin/grassroots that
# loaded it (loaded-by) and that last ran on it (current-by). The load is
# copied to RAW/hn-load (with RAW/hn-load/reused when it was not made now).
# POLICY:
#   exact    make bench: reused only if this very bin/grassroots loaded it;
#            otherwise loaded again (several minutes)
#   catchup  make bench-history-nightly: if another bin/grassroots ran on it
#            last, this one runs once on the same inbox (nothing changed: it
#            recomputes what its definitions and SQL change, everything if
#            any changed; timed into RAW/hn-catchup); loaded again only if
#            that fails (a warehouse schema it cannot open)
# BENCH_HN_RELOAD=1 loads it again in either case.
hist_base() {
	local fx=$1 policy=$2 raw=$3 base loaded= current=
	base=$CACHE/history-base/$(basename "$fx")
	if [ -f "$base/.complete" ]; then
		loaded=$(cat "$base/loaded-by")
		current=$(cat "$base/current-by")
	fi
	rm -rf "$raw/hn-load" "$raw/hn-catchup"
	if [ -n "${BENCH_HN_RELOAD:-}" ] || [ -z "$loaded" ]; then
		:
	elif [ "$loaded" = "$gr_hash" ] && [ "$current" = "$gr_hash" ]; then
		say "h: reusing the loaded history $base (loaded by this bin/grassroots, $(date -u -r "$base/load/time" +%Y-%m-%dT%H:%MZ))" >&2
		hist_base_reused "$base" "$raw"
		echo "$base"
		return
	elif [ "$policy" = catchup ] && [ "$current" = "$gr_hash" ]; then
		say "h: reusing the loaded history $base (caught up by this bin/grassroots)" >&2
		hist_base_reused "$base" "$raw"
		echo "$base"
		return
	elif [ "$policy" = catchup ]; then
		say "h: catching up the loaded history with this bin/grassroots (one run, nothing changed)" >&2
		rm -f "$base/.complete"
		if GR_LOG=debug GR_MEMORY=$HN_LOAD_MEMORY run_grassroots "$base/catchup" "$fx/inbox" "$fx/registry.csv" "$base/w.duckdb" "$base/out"; then
			echo "$gr_hash" >"$base/current-by"
			touch "$base/.complete"
			cp -a "$base/catchup" "$raw/hn-catchup"
			hist_base_reused "$base" "$raw"
			echo "$base"
			return
		fi
		say "h: the catch-up run failed (see above): loading again" >&2
	fi
	say "h: loading $(basename "$fx") into an empty warehouse (once; several minutes)" >&2
	rm -rf "$base" "$base.tmp"
	mkdir -p "$base.tmp"
	GR_LOG=debug GR_MEMORY=$HN_LOAD_MEMORY run_grassroots "$base.tmp/load" "$fx/inbox" "$fx/registry.csv" "$base.tmp/w.duckdb" "$base.tmp/out" || return 1
	echo "$gr_hash" >"$base.tmp/loaded-by"
	echo "$gr_hash" >"$base.tmp/current-by"
	mv "$base.tmp" "$base"
	touch "$base/.complete"
	mkdir -p "$raw"
	cp -a "$base/load" "$raw/hn-load"
	echo "$base"
}
hist_base_reused() { # base raw
	mkdir -p "$2"
	cp -a "$1/load" "$2/hn-load"
	{
		echo "loaded_at=$(date -u -r "$1/load/time" +%Y-%m-%dT%H:%M:%SZ)"
		echo "loaded_by_this_binary=$([ "$(cat "$1/loaded-by")" = "$gr_hash" ] && echo 1 || echo 0)"
	} >"$2/hn-load/reused"
}

# hist_nightly_inbox FIXTURES DST PREPJSON: the night's inbox (benchtool
# nightly --pick): the newest month's and the month before's forms changed
# and added as above, every other file a hard link into FIXTURES/inbox.
hist_nightly_inbox() {
	rm -rf "$2"
	"$BIN/benchtool" nightly --from "$1/inbox" --to "$2" \
		--pick "newest:$HN_CHANGED:$HN_ADDED" --pick "newest-1:$HN_LATE_CHANGED:$HN_LATE_ADDED" >"$3"
}

# hist_nights FIXTURES BASE INBOX RAW WORK REPS: REPS timed nights, each on a
# copy of BASE's warehouse and output folder (last night's, whose manifests
# let a night skip the workbooks that did not change), into RAW/hn/<r>. The
# output folder (187,000 workbooks, 7 GB) is copied as hard links: grassroots
# writes every workbook and manifest under a temporary name and renames it
# into place, so a night replaces links and never writes through one (a
# full copy took about a minute a night and churned 7 GB of page cache
# before each timed run). Should a night ever write through one, the kept
# history's files would be newer than its .complete: the check after each
# night then drops the history (loaded again next time) and stops. With
# --log-level debug: the run's stderr has the recomputed scope
# ("recomputing figures full=… unit_months=… of=…") and each refresh step's
# time. A night that fails is a result (RAW/hn/<r>/failed, its error in
# stderr), not the end of make bench; the other repetitions are skipped.
hist_nights() {
	local fx=$1 base=$2 inbox=$3 raw=$4 work=$5 reps=$6 r
	for r in $(seq "$reps"); do
		say "h: nightly on the $HN_VILLAGES-unit × $HN_MONTHS-month $HN_MODE history, run $r/$reps"
		discard "$work/hn"
		mkdir -p "$work/hn"
		copy_db "$base/w.duckdb" "$work/hn/w.duckdb"
		cp -al "$base/out" "$work/hn/out"
		# The copy written out before the night, not during it: a city's
		# warehouse is not copied before its batch. Left to the kernel, the
		# last nights' 1.1 GB copies went over its background threshold
		# during the next night (read stage 0.29-0.62 s, CPU 4.8-5.6 s).
		sync
		if ! GR_LOG=debug GR_MEMORY=$HN_NIGHT_MEMORY run_grassroots "$raw/hn/$r" "$inbox" "$fx/registry.csv" "$work/hn/w.duckdb" "$work/hn/out"; then
			grep '^grassroots: ' "$raw/hn/$r/stderr" >"$raw/hn/$r/failed" || echo "failed (see its stderr)" >"$raw/hn/$r/failed"
			say "h: the night failed; no more repetitions"
			break
		fi
		if [ -n "$(find "$base/out" -newer "$base/.complete" -print -quit)" ]; then
			rm -f "$base/.complete"
			echo "h: the night wrote through a hard link into $base/out: dropped, to be loaded again" >&2
			return 1
		fi
	done
	discard "$work/hn"
}
