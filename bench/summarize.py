"""Turns bench/run.sh's raw outputs (.cache/bench/raw) into results.json and
results.md (bench/ by default). Standard library only; run with the system
Python.

    python3 bench/summarize.py RAW_DIR results.json results.md

RAW_DIR holds one folder per inbox (clean/, realistic/), each with the full
load (full/), its peers and floors on a subset of the same forms (pandas/,
sheetjs/, floor-*/) and the nightly case (nightly/), one numbered folder per
repetition; the history (hist/, hist-load/), the nightly case on a 12-month
history (hn/, hn-load/, hn-prep.json), memory (small/) and profile
(profile-*/) steps beside them.
"""

import json
import os
import re
import statistics
import sys

GIB = 1 << 30

# Targets, on 2 cores with about 200-row forms.
# The realistic inbox (most forms with warnings, some with rejected rows, a
# feedback workbook and an annotated copy each) end to end, and its cost over
# the clean one.
TARGET_REALISTIC_FORMS_PER_S = 400
TARGET_REALISTIC_VS_CLEAN = 1.3
# The clean inbox end to end: at least what it already did, stretch 700.
TARGET_CLEAN_FORMS_PER_S = 499
STRETCH_CLEAN_FORMS_PER_S = 700
# 10,000 forms in 25 s (400 forms/s) on the realistic inbox.
TARGET_FULL_SECONDS = 25
TARGET_RSS_BYTES = GIB
# A night where 1% of the realistic inbox changed or was added.
TARGET_NIGHTLY_SECONDS = 3
# The same on a 10,000-unit × 12-month history (step h), change tracking and
# anomaly detection on (they always are).
TARGET_HISTORY_NIGHTLY_SECONDS = 3
# End-to-end forms/s against what analysts use today, on the same forms.
TARGET_VS_PANDAS = 6
TARGET_VS_SHEETJS = 1.5
# "Peak RSS must not grow with the number of forms": met when 10x the forms
# costs at most this factor in peak RSS.
TARGET_RSS_GROWTH = 1.25

MODES = ("clean", "realistic")
PEERS = (("pandas_pool2", "pandas", "pandas"), ("sheetjs_duckdb_2threads", "sheetjs", "SheetJS"))
FLOORS = ("inflate", "rawtoken", "token")


def read(path, default=None):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        return default


def reps(raw, case):
    d = os.path.join(raw, case)
    if not os.path.isdir(d):
        return []
    return [os.path.join(d, r) for r in sorted(os.listdir(d), key=int)]


def parse_time(text):
    """GNU time -v output: wall seconds, peak RSS bytes, CPU percent."""
    out = {}
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", text)
    if m:
        secs = 0.0
        for part in m.group(1).split(":"):
            secs = secs * 60 + float(part)
        out["wall_s"] = secs
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    if m:
        out["peak_rss_bytes"] = int(m.group(1)) * 1024
    u = re.search(r"User time \(seconds\): ([\d.]+)", text)
    k = re.search(r"System time \(seconds\): ([\d.]+)", text)
    if u and k:
        out["cpu_s"] = float(u.group(1)) + float(k.group(1))
    m = re.search(r"Percent of CPU this job got: (\d+)%", text)
    if m:
        out["cpu_percent"] = int(m.group(1))
    return out


def parse_grassroots(text):
    """The run summary printed by grassroots run. Tolerant of wording changes:
    each number is found by the words next to it."""
    out = {}

    def num(pattern, key):
        m = re.search(pattern, text)
        if m:
            out[key] = int(m.group(1))

    num(r"run \d+: (\d+) files", "files")
    num(r"(\d+) ignored", "files_ignored")
    num(r"(\d+) unreadable", "files_unreadable")
    num(r"(\d+) new or changed", "files_new_or_changed")
    num(r"(\d+) forms read", "forms_read")
    num(r"(\d+) (?:unchanged|already loaded)", "forms_unchanged")
    num(r"(\d+) accepted", "accepted")
    num(r"(\d+) superseded", "superseded")
    num(r"submissions:.*?(\d+) rejected", "rejected")
    num(r"new rows: (\d+) loaded", "rows_loaded")
    num(r"new rows: \d+ loaded, (\d+) rejected", "rows_rejected")
    num(r"(\d+) issues", "issues")
    num(r"(\d+) workbooks written", "workbooks")
    num(r"unchanged: (\d+) township", "townships_unchanged")
    num(r"unchanged: \d+ township, (\d+) feedback", "feedback_unchanged")
    num(r"(\d+) feedback removed", "feedback_removed")
    m = re.search(r"^time: (.*)$", text, re.M)
    if m:
        stages = {}
        for name, ms in re.findall(r"([a-z][a-z +]*?) (\d+) ms", m.group(1)):
            stages[name.strip()] = int(ms) / 1000
        out["stages_s"] = stages
    return out


def parse_log(text):
    """The run's log (text handler): the scope the metrics stage recomputed
    ("recomputing figures full=… unit_months=… of=…", level info) and, at
    --log-level debug, each refresh step's time."""
    out = {}
    m = re.search(r'msg="?recomputing figures"? full=(\w+) unit_months=(\d+) of=(\d+)', text)
    if m:
        out["recompute"] = {"full": m.group(1) == "true", "unit_months": int(m.group(2)), "of": int(m.group(3))}
    steps = {}
    for name, ms in re.findall(r"msg=refreshed step=(\S+) elapsed_ms=(\d+)", text):
        steps[name] = steps.get(name, 0) + int(ms) / 1000
    if steps:
        out["refresh_steps_s"] = steps
    return out


def last_json(text):
    for line in reversed((text or "").strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            return json.loads(line)
    return {}


def one_run(d, kind):
    r = {"loadavg": (read(os.path.join(d, "loadavg"), "") or "").strip()}
    r.update(parse_time(read(os.path.join(d, "time"), "")))
    out = read(os.path.join(d, "stdout"), "")
    if kind == "grassroots":
        r.update(parse_grassroots(out))
        # The workbooks in the output folder after the run (run.sh counts
        # them): NAME_written by this run, NAME_present in all.
        files = {}
        for line in (read(os.path.join(d, "outfiles"), "") or "").splitlines():
            k, _, v = line.partition("=")
            if v.strip().isdigit():
                files[k.strip()] = int(v)
        if files:
            r["out_files"] = files
        st = r.get("stages_s")
        if st and "total" in st:
            st["other"] = st["total"] - sum(v for k, v in st.items() if k != "total")
        r.update(parse_log(read(os.path.join(d, "stderr"), "")))
        failed = read(os.path.join(d, "failed"))
        if failed is not None:
            r["failed"] = failed.strip() or "failed"
    else:
        r.update(last_json(out))
    return r


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def case(raw, name, kind):
    runs = [one_run(d, kind) for d in reps(raw, name)]
    if not runs:
        return None
    c = {"runs": runs, "n": len(runs)}
    if kind == "grassroots":
        # A run that failed (step h's nights go on to the results) is shown,
        # not counted.
        failed = [r["failed"] for r in runs if r.get("failed")]
        if failed:
            c["failed"] = failed[0]
            runs = [r for r in runs if not r.get("failed")] or [{}]
        c["wall_s"] = median([r.get("wall_s") for r in runs])
        c["peak_rss_bytes"] = median([r.get("peak_rss_bytes") for r in runs])
        c["peak_rss_bytes_max"] = max(r.get("peak_rss_bytes", 0) for r in runs)
        c["cpu_s"] = median([r.get("cpu_s") for r in runs])
        names = []
        for r in runs:
            names += [k for k in r.get("stages_s", {}) if k not in names]
        c["stages_s"] = {k: median([r.get("stages_s", {}).get(k) for r in runs]) for k in names}
        first = runs[0]
        steps = []
        for r in runs:
            steps += [k for k in r.get("refresh_steps_s", {}) if k not in steps]
        if steps:
            c["refresh_steps_s"] = {k: median([r.get("refresh_steps_s", {}).get(k) for r in runs]) for k in steps}
        for k in ("files", "files_new_or_changed", "forms_read", "forms_unchanged", "rows_loaded", "rows_rejected",
                  "accepted", "superseded", "rejected", "issues", "workbooks", "townships_unchanged",
                  "feedback_unchanged", "feedback_removed", "out_files", "recompute"):
            if k in first:
                c[k] = first[k]
        if c["wall_s"] and c.get("forms_read"):
            c["forms_per_s"] = c["forms_read"] / c["wall_s"]
            c["rows_per_s"] = c.get("rows_loaded", 0) / c["wall_s"]
            if c.get("cpu_s"):
                c["cpu_ms_per_form"] = 1000 * c["cpu_s"] / c["forms_read"]
            if c["stages_s"].get("read"):
                c["read_stage_forms_per_s"] = c["forms_read"] / c["stages_s"]["read"]
    else:
        c["seconds"] = median([r.get("seconds") for r in runs])
        c["wall_s"] = median([r.get("wall_s") for r in runs])
        c["peak_rss_bytes"] = median([r.get("peak_rss_bytes") for r in runs])
        c["cpu_s"] = median([r.get("cpu_s") for r in runs])
        c["forms"] = runs[0].get("forms")
        if c["cpu_s"] and c["forms"]:
            c["cpu_ms_per_form"] = 1000 * c["cpu_s"] / c["forms"]
        c["rows"] = runs[0].get("rows")
        if c["seconds"]:
            c["forms_per_s"] = c["forms"] / c["seconds"]
        for k in ("pandas", "xlsx", "mode", "workers", "inflated_bytes", "tokens"):
            if k in runs[0]:
                c[k] = runs[0][k]
    return c


SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "mins": 60.0, "hrs": 3600.0}


def to_seconds(v):
    if v == "0":
        return 0.0
    m = re.fullmatch(r"([\d.]+)(ns|us|µs|ms|s|mins|hrs)", v)
    return float(m.group(1)) * SECONDS[m.group(2)] if m else None


def package_of(fn):
    if fn == "runtime.cgocall":
        return "runtime.cgocall (time in DuckDB's C++ on Go threads)"
    if "::" in fn or fn.startswith("duckdb") or fn.startswith("_ZN"):
        return "DuckDB (C++, through cgo)"
    if fn.startswith("["):  # code pprof cannot name: C/C++ in the binary or a library
        return fn + " (C/C++ code pprof cannot name: DuckDB's own threads, libc)"
    if fn.startswith("__") or "@@GLIBC" in fn or fn.startswith("pthread_"):
        return "libc"
    if "." not in fn and "/" not in fn:  # Go assembly (memeqbody, indexbytebody) or C
        return fn
    # Go: path/to/pkg.Func, path/to/pkg.(*T).Method, pkg.func1.2
    slash = fn.rfind("/")
    dot = fn.find(".", slash + 1)
    return fn[:dot] if dot > 0 else fn


STAGE_FUNCS = [
    ("grassroots/pipeline/nightly.readOne", "read stage, workers: hash + form.Read"),
    ("grassroots/pipeline/form.Read", "the form reader"),
    ("compress/flate.(*decompressor).huffmanBlock", "inflating (within the reader)"),
    ("crypto/sha256.Sum256", "hashing files"),
    ("grassroots/pipeline/nightly.load", "read stage, main goroutine: handing forms to the warehouse"),
    ("grassroots/pipeline/warehouse.(*Run).AddForm", "building Arrow batches and loading them"),
    ("grassroots/pipeline/warehouse.(*Run).Refresh", "metrics stage: refresh"),
    ("grassroots/pipeline/warehouse.(*Run).Commit", "metrics stage: commit"),
    ("grassroots/pipeline/report.Write", "workbooks stage (the calling goroutine only)"),
    ("grassroots/pipeline/report.summaryBook", "workbooks stage, workers: summary and township workbooks"),
    ("grassroots/pipeline/report.loadSubmissions", "workbooks stage: reading submissions and issues"),
    ("grassroots/pipeline/report.feedbackBook", "workbooks stage, workers: feedback workbooks"),
    ("grassroots/pipeline/report.annotate", "workbooks stage, workers: annotated copies of the forms"),
    ("compress/flate.(*compressor).deflate", "deflating (writing workbooks)"),
    ("runtime.cgocall", "all calls into DuckDB (Go threads only)"),
    ("github.com/duckdb/duckdb-go-bindings._Cfunc_duckdb_execute_pending", "DuckDB: executing SQL statements"),
    ("github.com/duckdb/duckdb-go-bindings._Cfunc_duckdb_close", "DuckDB: closing the warehouse (checkpoint)"),
    ("runtime.gcBgMarkWorker", "garbage collector, background marking"),
    ("runtime.mallocgc", "allocation"),
]


def pprof_rows(text):
    rows = []
    for line in (text or "").splitlines():
        parts = line.split(None, 5)
        if len(parts) == 6 and parts[1].endswith("%") and parts[4].endswith("%"):
            flat, cum = to_seconds(parts[0]), to_seconds(parts[3])
            if flat is None or cum is None:
                continue
            rows.append({"flat_s": flat, "flat_pct": float(parts[1][:-1]), "cum_s": cum,
                         "cum_pct": float(parts[4][:-1]), "function": parts[5]})
    return rows


def profile(raw, name):
    d = os.path.join(raw, "profile-" + name)
    if not os.path.isdir(d):
        return None
    p = {"loadavg": (read(os.path.join(d, "loadavg"), "") or "").strip()}
    bench = read(os.path.join(d, "bench.txt"), "")
    m = re.search(r"Benchmark\w+-\d+\s+\d+\s+(\d+) ns/op(.*)", bench)
    if m:
        p["benchmark_s"] = int(m.group(1)) / 1e9
        for v, unit in re.findall(r"([\d.]+) (\S+)", m.group(2)):
            p.setdefault("benchmark_metrics", {})[unit] = float(v)
    top_text = read(os.path.join(d, "top.txt"), "")
    m = re.search(r"Total samples = (\S+)", top_text)
    p["total_samples_s"] = to_seconds(m.group(1)) if m else None
    m = re.search(r"Duration: ([\d.]+(?:ns|us|µs|ms|s|mins|hrs))", top_text)
    p["duration_s"] = to_seconds(m.group(1)) if m else None
    p["top_flat"] = pprof_rows(top_text)
    p["top_cum"] = pprof_rows(read(os.path.join(d, "topcum.txt"), ""))
    allrows = pprof_rows(read(os.path.join(d, "all.txt"), ""))
    total = sum(r["flat_s"] for r in allrows) or 1
    pk = {}
    for r in allrows:
        k = package_of(r["function"])
        pk[k] = pk.get(k, 0) + r["flat_s"]
    p["by_package"] = [{"package": k, "flat_s": v, "flat_pct": 100 * v / total}
                       for k, v in sorted(pk.items(), key=lambda kv: -kv[1]) if v > 0][:15]
    # Cumulative time of the batch's entry points: where each stage's time goes.
    byname = {r["function"]: r for r in allrows}
    p["stages"] = []
    for fn, what in STAGE_FUNCS:
        r = byname.get(fn)
        if r:
            p["stages"].append({"function": fn, "what": what, "cum_s": r["cum_s"], "cum_pct": r["cum_pct"]})
    alloc_text = read(os.path.join(d, "alloc.txt"), "")
    m = re.search(r"of (\S+) total", alloc_text)
    p["alloc_total"] = m.group(1) if m else None
    p["top_alloc"] = []
    for line in alloc_text.splitlines():
        parts = line.split(None, 5)
        if len(parts) == 6 and parts[1].endswith("%") and parts[4].endswith("%"):
            p["top_alloc"].append({"flat": parts[0], "flat_pct": float(parts[1][:-1]),
                                   "cum": parts[3], "function": parts[5]})
    perf = read(os.path.join(d, "perf-sym.txt"))
    if perf:
        p["perf_top"] = []
        for line in perf.splitlines():
            m = re.match(r"\s*([\d.]+)%\s+\[(.)\]\s+(.*?)\s*$", line)
            if m:
                p["perf_top"].append({"pct": float(m.group(1)), "kind": m.group(2), "symbol": m.group(3)})
    perf_all = read(os.path.join(d, "perf-all.txt"))
    if perf_all:
        agg = {}
        for line in perf_all.splitlines():
            m = re.match(r"\s*([\d.]+)%\s+\[(.)\]\s+(.*?)\s*$", line)
            if not m:
                continue
            sym = m.group(3)
            if m.group(2) == "k":
                k = "kernel"
            elif sym.startswith("0x"):
                k = "unresolved"
            else:
                k = package_of(sym)
            agg[k] = agg.get(k, 0) + float(m.group(1))
        p["perf_by_package"] = [{"package": k, "pct": v} for k, v in sorted(agg.items(), key=lambda kv: -kv[1])][:15]
    return p


def machine(raw):
    m = {}
    for line in (read(os.path.join(raw, "machine.txt"), "") or "").splitlines():
        k, _, v = line.partition("=")
        m[k] = v
    for k in ("nproc", "mem", "reps", "peer_every", "small_every", "seconds", "villages", "hist_villages", "hist_months",
              "hn_villages", "hn_months", "changes"):
        if k in m and m[k].isdigit():
            m[k] = int(m[k])
    return m


def hn_what(m):
    """'10,000-unit × 12-month realistic history' of step h."""
    return f"{m.get('hn_villages', 0):,}-unit × {m.get('hn_months')}-month {m.get('hn_mode')} history"


def recompute_text(c):
    rc = (c or {}).get("recompute")
    if not rc:
        return "–"
    return (f"{rc['unit_months']:,} of {rc['of']:,} unit-months "
            f"({100 * rc['unit_months'] / max(1, rc['of']):.1f}%{', everything' if rc['full'] else ''})")


def fmt_s(x):
    return "–" if x is None else f"{x:.2f} s"


def fmt_n(x, d=0):
    return "–" if x is None else f"{x:,.{d}f}"


def fmt_gib(b):
    return "–" if b is None else f"{b / GIB:.2f} GiB ({b / (1 << 20):,.0f} MiB)"


def fmt_x(x):
    return "–" if x is None else f"{x:.2f}×"


def ratio(a, b):
    return a / b if a and b else None


def per_run_rate(r):
    """Forms/s of one run: grassroots' end to end, or a peer's or floor's."""
    if r.get("forms_read") is not None:
        return ratio(r.get("forms_read"), r.get("wall_s"))
    return ratio(r.get("forms"), r.get("seconds"))


def paired(xs, ys, f):
    """Median of f(x_i, y_i) over the repetitions: run i of one step against
    run i of another, taken right after it under the same load."""
    return median([f(x, y) for x, y in zip(xs or [], ys or [])])


def compare(full, c):
    """grassroots' full load against a peer or floor on the same inbox."""
    c["grassroots_ratio"] = ratio(full.get("forms_per_s"), c.get("forms_per_s"))
    c["grassroots_ratio_paired_median"] = paired(full["runs"], c["runs"],
                                                 lambda a, b: ratio(per_run_rate(a), per_run_rate(b)))
    c["grassroots_ratio_cpu"] = ratio(c.get("cpu_ms_per_form"), full.get("cpu_ms_per_form"))


def vs_peers(c, peers):
    """A grassroots step's forms/s against each peer's of the same inbox."""
    return {k: {"peer_forms_per_s": (peers.get(k) or {}).get("forms_per_s"),
                "ratio": ratio(c.get("forms_per_s"), (peers.get(k) or {}).get("forms_per_s"))}
            for k, _, _ in PEERS}


def vs_peers_reread(c, forms, peers):
    """A run that reads few forms (nightly, recompute) against a peer, which
    has no incremental mode and re-reads every form: forms at the peer's
    measured rate, ÷ grassroots' wall time."""
    out = {}
    for k, _, _ in PEERS:
        fps = (peers.get(k) or {}).get("forms_per_s")
        secs = forms / fps if fps and forms else None
        out[k] = {"forms": forms, "peer_forms_per_s": fps, "peer_seconds_extrapolated": secs,
                  "ratio": ratio(secs, c.get("wall_s"))}
    return out


def inbox(raw, mode):
    d = os.path.join(raw, mode)
    I = {"fixtures": last_json(read(os.path.join(d, "fixtures.json"), ""))}
    I["full_load"] = full = case(d, "full", "grassroots") or {"runs": []}
    I["peers"] = {k: case(d, name, "peer") for k, name, _ in PEERS}
    I["floors"] = {f: case(d, "floor-" + f, "peer") for f in FLOORS}
    for group in ("peers", "floors"):
        for c in I[group].values():
            if c:
                compare(full, c)
    full["vs_peers"] = vs_peers(full, I["peers"])
    if full.get("read_stage_forms_per_s"):
        full["read_stage_vs_peers"] = {k: ratio(full["read_stage_forms_per_s"], (I["peers"].get(k) or {}).get("forms_per_s"))
                                       for k, _, _ in PEERS}
    night = case(d, "nightly", "grassroots")
    if night:
        night["prepared"] = last_json(read(os.path.join(d, "nightly-prep.json"), ""))
        night["vs_peers_reread"] = vs_peers_reread(night, night.get("files"), I["peers"])
    I["nightly"] = night
    return I


def history_nightly(raw, m, inboxes):
    """Step h: the nightly case on the many-month history, its load (made by
    this run, or kept from an earlier one by the same bin/grassroots) and the
    peers of step a on the inbox of the same mode."""
    H = {"fixtures": last_json(read(os.path.join(raw, "fixtures-hn.json"), "")), "mode": m.get("hn_mode")}
    d = os.path.join(raw, "hn-load")
    if os.path.isdir(d):
        load = one_run(d, "grassroots")
        load["forms_per_s"] = ratio(load.get("forms_read"), load.get("wall_s"))
        for line in (read(os.path.join(d, "reused"), "") or "").splitlines():
            k, _, v = line.partition("=")
            load.setdefault("reused", {})[k] = v
        H["load_once"] = load
    night = case(raw, "hn", "grassroots")
    if night:
        night["prepared"] = last_json(read(os.path.join(raw, "hn-prep.json"), ""))
        peers = (inboxes.get(m.get("hn_mode")) or {}).get("peers") or {}
        night["vs_peers_reread"] = vs_peers_reread(night, night.get("files"), peers)
    H["nightly"] = night
    return H


def realistic_vs_clean(C, Rl):
    """The realistic inbox's cost over the clean one: times realistic ÷ clean,
    of the medians and paired by repetition (each repetition loads the clean
    inbox, then the realistic one)."""
    cf, rf = C["full_load"], Rl["full_load"]

    def per_form(c):
        return ratio(c.get("wall_s"), c.get("forms_read"))

    out = {
        "time_per_form": ratio(per_form(rf), per_form(cf)),
        "time_per_form_paired": paired(rf["runs"], cf["runs"], lambda a, b: ratio(per_form(a), per_form(b))),
        "wall": ratio(rf.get("wall_s"), cf.get("wall_s")),
        "wall_paired": paired(rf["runs"], cf["runs"], lambda a, b: ratio(a.get("wall_s"), b.get("wall_s"))),
        "peak_rss": ratio(rf.get("peak_rss_bytes"), cf.get("peak_rss_bytes")),
        "stages": {}, "stages_paired": {},
    }
    for k in stage_names(cf, rf):
        out["stages"][k] = ratio(rf.get("stages_s", {}).get(k), cf.get("stages_s", {}).get(k))
        out["stages_paired"][k] = paired(rf["runs"], cf["runs"],
                                         lambda a, b: ratio(a.get("stages_s", {}).get(k), b.get("stages_s", {}).get(k)))
    # The peers' time per form on their subsets, realistic ÷ clean: how much
    # heavier the realistic forms are to read at all.
    out["peers_time_per_form"] = {k: ratio((C["peers"].get(k) or {}).get("forms_per_s"), (Rl["peers"].get(k) or {}).get("forms_per_s"))
                                  for k, _, _ in PEERS}
    out["peers_time_per_form_paired"] = {
        k: paired((Rl["peers"].get(k) or {}).get("runs"), (C["peers"].get(k) or {}).get("runs"),
                  lambda a, b: ratio(per_run_rate(b), per_run_rate(a)))
        for k, _, _ in PEERS}
    return out


def stage_names(*cases):
    """The stages of the run summary in the order printed, "other" (what the
    stages do not cover) before "total"."""
    names = []
    for c in cases:
        for k in (c or {}).get("stages_s", {}):
            if k not in names and k not in ("other", "total"):
                names.append(k)
    return names + ["other", "total"]


def peers_text(vs):
    """'61 forms/s → 8.12×; SheetJS …' from a vs_peers dict."""
    parts = []
    for k, _, label in PEERS:
        v = (vs or {}).get(k) or {}
        parts.append(f"{label} {fmt_n(v.get('peer_forms_per_s'))} forms/s → {fmt_x(v.get('ratio'))}")
    return "; ".join(parts)


def reread_text(vs):
    parts = []
    for k, _, label in PEERS:
        v = (vs or {}).get(k) or {}
        parts.append(f"{label} re-reading {fmt_n(v.get('forms'))} forms ≈ {fmt_s(v.get('peer_seconds_extrapolated'))} → {fmt_x(v.get('ratio'))}")
    return "; ".join(parts)


def main():
    raw, out_json, out_md = sys.argv[1:4]
    R = {"machine": machine(raw)}
    R["inboxes"] = {mode: inbox(raw, mode) for mode in MODES}
    C, Rl = R["inboxes"]["clean"], R["inboxes"]["realistic"]
    R["realistic_vs_clean"] = realistic_vs_clean(C, Rl)
    hl = one_run(os.path.join(raw, "hist-load"), "grassroots")
    hl["forms_per_s"] = ratio(hl.get("forms_read"), hl.get("wall_s"))
    hl["vs_peers"] = vs_peers(hl, C["peers"])
    hist = case(raw, "hist", "grassroots")
    if hist:
        hist["vs_peers_reread"] = vs_peers_reread(hist, hist.get("forms_unchanged"), C["peers"])
    R["history"] = {"fixtures": last_json(read(os.path.join(raw, "fixtures-hist.json"), "")),
                    "load_once": hl, "recompute": hist}
    small = case(raw, "small", "grassroots")
    if small:
        small["vs_peers"] = vs_peers(small, C["peers"])
    R["small_load"] = small
    R["history_nightly"] = history_nightly(raw, R["machine"], R["inboxes"])
    R["profiles"] = {name: profile(raw, name) for name in ("full-clean", "full-realistic", "nightly-realistic")}
    for mode, I in (("clean", C), ("realistic", Rl)):
        P = R["profiles"].get("full-" + mode)
        if P:
            P["vs_peers"] = vs_peers({"forms_per_s": P.get("benchmark_metrics", {}).get("forms/s")}, I["peers"])

    cf, rf = C["full_load"], Rl["full_load"]
    rnight = Rl["nightly"] or {}
    hnight = R["history_nightly"]["nightly"] or {}
    m_hn_what = hn_what(R["machine"])
    rvc = R["realistic_vs_clean"]
    small = small or {}
    growth = ratio(cf.get("peak_rss_bytes_max"), small.get("peak_rss_bytes_max"))

    def target(name, value, goal, met, beside=""):
        return {"target": name, "value": value, "goal": goal, "met": bool(met) if value is not None else None,
                "beside": beside}

    def ge(v, goal):
        return v is not None and v >= goal

    def le(v, goal):
        return v is not None and v <= goal

    cfps, rfps = cf.get("forms_per_s"), rf.get("forms_per_s")
    T = [
        target("realistic full load, forms/s end to end", rfps, f">= {TARGET_REALISTIC_FORMS_PER_S}",
               ge(rfps, TARGET_REALISTIC_FORMS_PER_S), peers_text(rf.get("vs_peers"))),
        target("realistic ÷ clean full load, time per form (medians)", rvc["time_per_form"],
               f"<= {TARGET_REALISTIC_VS_CLEAN}", le(rvc["time_per_form"], TARGET_REALISTIC_VS_CLEAN),
               f"paired by repetition {fmt_x(rvc['time_per_form_paired'])}; the peers' time per form, realistic ÷ clean: "
               + "; ".join(f"{label} {fmt_x(rvc['peers_time_per_form'].get(k))}" for k, _, label in PEERS)),
        target("clean full load, forms/s end to end", cfps,
               f">= {TARGET_CLEAN_FORMS_PER_S} (stretch {STRETCH_CLEAN_FORMS_PER_S}: "
               f"{'met' if ge(cfps, STRETCH_CLEAN_FORMS_PER_S) else 'not met'})",
               ge(cfps, TARGET_CLEAN_FORMS_PER_S), peers_text(cf.get("vs_peers"))),
        target("nightly 1% on the realistic inbox, wall s", rnight.get("wall_s"), f"<= {TARGET_NIGHTLY_SECONDS}",
               le(rnight.get("wall_s"), TARGET_NIGHTLY_SECONDS), reread_text(rnight.get("vs_peers_reread"))),
        target(f"nightly 1% on the {m_hn_what}, wall s", hnight.get("wall_s"),
               f"<= {TARGET_HISTORY_NIGHTLY_SECONDS}", le(hnight.get("wall_s"), TARGET_HISTORY_NIGHTLY_SECONDS)
               and not hnight.get("failed"),
               (f"a night failed: {hnight['failed']}; " if hnight.get("failed") else "")
               + reread_text(hnight.get("vs_peers_reread"))),
        target(f"realistic full load of {rf.get('forms_read', 0):,} forms, wall s", rf.get("wall_s"),
               f"<= {TARGET_FULL_SECONDS}", le(rf.get("wall_s"), TARGET_FULL_SECONDS), peers_text(rf.get("vs_peers"))),
    ]
    for mode, I in (("clean", C), ("realistic", Rl)):
        f = I["full_load"]
        T.append(target(f"{mode} full load, peak RSS bytes (max of runs)", f.get("peak_rss_bytes_max"), "<= 1 GiB",
                        le(f.get("peak_rss_bytes_max"), TARGET_RSS_BYTES)))
    for mode, I in (("clean", C), ("realistic", Rl)):
        for k, _, label, goal in (("pandas_pool2", "", "pandas Pool(2)", TARGET_VS_PANDAS),
                                  ("sheetjs_duckdb_2threads", "", "SheetJS -> DuckDB", TARGET_VS_SHEETJS)):
            c = I["peers"].get(k) or {}
            T.append(target(f"{mode}: grassroots ÷ {label}, forms/s (medians), x", c.get("grassroots_ratio"), f">= {goal}",
                            ge(c.get("grassroots_ratio"), goal),
                            f"grassroots {fmt_n(I['full_load'].get('forms_per_s'))} forms/s, {label} {fmt_n(c.get('forms_per_s'))}; "
                            f"paired {fmt_x(c.get('grassroots_ratio_paired_median'))}, by CPU time {fmt_x(c.get('grassroots_ratio_cpu'))}"))
    T.append(target(f"clean: peak RSS {cf.get('forms_read', 0):,} forms / {small.get('forms_read', 0):,} forms", growth,
                    f"<= {TARGET_RSS_GROWTH} (bounded)", le(growth, TARGET_RSS_GROWTH)))
    if hnight.get("failed"):  # a night that fails misses the target, whatever the others took
        for t in T:
            if t["target"].startswith(f"nightly 1% on the {m_hn_what}"):
                t["met"] = False
    R["targets"] = T
    with open(out_json, "w", encoding="utf-8") as f:
        json.dump(R, f, ensure_ascii=False, indent=1)
        f.write("\n")
    with open(out_md, "w", encoding="utf-8") as f:
        f.write(markdown(R))
        f.write(lake_section(raw))


def lake_section(raw):
    """The lake's figures (BenchmarkLake, step l of run.sh) as a table, then
    bench/lake.md: what they mean, and the national estimate made from them."""
    path = os.path.join(raw, "lake.txt")
    if not os.path.exists(path):
        return ""
    metrics = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.startswith("BenchmarkLake/"):
                continue
            name, fields = line.split()[0], line.split()[2:]
            part = name.split("/")[1].split("-")[0]
            for value, unit in zip(fields[0::2], fields[1::2]):
                metrics[(part, unit)] = value
    loadavg = ""
    if os.path.exists(os.path.join(raw, "lake-loadavg")):
        with open(os.path.join(raw, "lake-loadavg"), encoding="utf-8") as f:
            loadavg = f.read().strip()
    out = ["", "## l. The lake: export and combine (BenchmarkLake, docs/lake.md)", "",
           f"One run on the history inbox of step c (load average {loadavg} at its start); every ratio is to a figure of the same run.", "",
           "| part | figure | value |", "| --- | --- | ---: |"]
    for (part, unit), value in sorted(metrics.items()):
        out.append(f"| {part} | {unit} | {value} |")
    def num(part, unit):
        try:
            return float(metrics[(part, unit)])
        except (KeyError, ValueError):
            return None
    exp, load = num("export", "export-s"), num("export", "load-s")
    if exp and load:
        out += ["", f"Export ÷ the load of the same 12,000 forms: {exp / load:.2f}× (wall)."]
    comb, load_cpu = num("combine", "combine-cpu-s"), num("export", "load-cpu-s")
    if comb and load_cpu:
        out += [f"Combine of 14 cities ÷ loading their 14 × 12,000 forms: {comb / (14 * load_cpu):.2f}× (CPU)."]
    notes = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lake.md")
    if os.path.exists(notes):
        with open(notes, encoding="utf-8") as f:
            out += ["", f.read().strip()]
    return "\n".join(out) + "\n"


def loads(c):
    return "; ".join(r.get("loadavg", "") for r in (c or {}).get("runs", []))


def runs_wall(c):
    return ", ".join(fmt_s(r.get("wall_s")) for r in (c or {}).get("runs", []))


def out_files(c, key):
    return (c or {}).get("out_files", {}).get(key)


def history_nightly_md(w, R):
    """Step h: the nightly case on the many-month history."""
    H = R["history_nightly"]
    N, L = H.get("nightly") or {}, H.get("load_once") or {}
    if not N:
        return
    m = R["machine"]
    prep = N.get("prepared", {})
    picks = prep.get("picks") or []
    w(f"## h. Nightly 1% on a {m.get('hn_months')}-month history")
    w("")
    w(f"The {hn_what(m)} loaded once into an empty warehouse with its output folder, then for each repetition a "
      "copy of that warehouse and output folder as last night's (the output folder's workbooks as hard links: "
      "a night replaces a workbook by renaming a new file over it, never writing through). A night corrects mostly the newest month: 1% of "
      "its units' forms (half changed in place, half added as resubmissions), plus late restatements of the month "
      "before it for 0.2% of the units (`benchtool nightly --pick`; bench/lib.sh). Change tracking "
      "(`metric_changes`) and anomaly detection (`metric_flags`) run in every night. Runs at `--log-level debug`: "
      "the recomputed scope and each refresh step's time come from the log. The peers have no incremental mode: "
      "what they would take is the whole history re-read at their forms/s of step a on the "
      f"{m.get('hn_mode')} inbox. "
      + (f"The nights ran with `--memory-limit {m['hn_night_memory']}` (`BENCH_HN_NIGHT_MEMORY`)."
         if m.get("hn_night_memory") else "The nights ran with grassroots' default `--memory-limit`."))
    w("")
    w(f"| | {m.get('hn_mode')}, {m.get('hn_villages', 0):,} units × {m.get('hn_months')} months |")
    w("| --- | ---: |")

    def hrow(label, v):
        w(f"| {label} | {v} |")

    for i, p in enumerate(picks):
        which = "newest month" if i == 0 else ("the month before (late restatements)" if i == 1 else "month")
        hrow(f"forms changed + added: {which}, {p.get('month')}", f"{p.get('changed', 0)} + {p.get('added', 0)} (of {fmt_n(p.get('forms'))})")
    if N.get("failed"):
        hrow("**failed**", f"`{N['failed']}`")
    hrow("forms in the inbox / read / already loaded",
         f"{fmt_n(N.get('files'))} / {fmt_n(N.get('forms_read'))} / {fmt_n(N.get('forms_unchanged'))}")
    hrow("rows loaded / rejected; issues", f"{fmt_n(N.get('rows_loaded'))} / {fmt_n(N.get('rows_rejected'))}; {fmt_n(N.get('issues'))}")
    hrow("figures recomputed (`recomputing figures`)", recompute_text(N))
    for k in stage_names(N):
        hrow(STAGE_LABELS.get(k, k), fmt_s(N.get("stages_s", {}).get(k)))
    hrow("**wall** (`/usr/bin/time`)", f"**{fmt_s(N.get('wall_s'))}**")
    hrow("runs, wall", runs_wall(N))
    top = sorted((N.get("refresh_steps_s") or {}).items(), key=lambda kv: -(kv[1] or 0))[:6]
    if top:
        hrow("slowest refresh steps (median of the runs)", "; ".join(f"`{k}` {v:.2f} s" for k, v in top))
    for k, _, label in PEERS:
        a = (N.get("vs_peers_reread") or {}).get(k) or {}
        hrow(f"{label} re-reading the whole history (at its forms/s) → ÷ grassroots' wall",
             f"{fmt_s(a.get('peer_seconds_extrapolated'))} ({fmt_n(a.get('peer_forms_per_s'))}) → {fmt_x(a.get('ratio'))}")
    for key, label in (("summary", "summary workbook"), ("townships", "township workbooks"),
                       ("feedback", "feedback workbooks"), ("annotated", "annotated copies")):
        hrow(f"files written: {label} (present after the run)",
             f"{fmt_n(out_files(N, key + '_written'))} ({fmt_n(out_files(N, key + '_present'))})")
    hrow("left unchanged: township / feedback workbooks; feedback removed",
         f"{fmt_n(N.get('townships_unchanged'))} / {fmt_n(N.get('feedback_unchanged'))}; {fmt_n(N.get('feedback_removed'))}")
    hrow("peak RSS, median", fmt_gib(N.get("peak_rss_bytes")))
    hrow("load avg at start of each run", loads(N))
    if L:
        ru = L.get("reused") or {}
        when = ("in this run" if not ru else
                f"kept from an earlier run of the same bin/grassroots, {ru.get('loaded_at')}" if ru.get("loaded_by_this_binary") == "1"
                else f"**by an older bin/grassroots**, {ru.get('loaded_at')}")
        mem = (f"`--memory-limit {m['hn_load_memory']}`, as 256MB, the default then, ran out when this step was made"
               if m.get("hn_load_memory") else "the default `--memory-limit`")
        hrow(f"the history loaded once ({when}; {mem}): forms, wall, forms/s, peak RSS",
             f"{fmt_n(L.get('forms_read'))}, {fmt_s(L.get('wall_s'))}, {fmt_n(L.get('forms_per_s'))} "
             f"({peers_text(vs_peers(L, (R['inboxes'].get(m.get('hn_mode')) or {}).get('peers') or {}))}), "
             f"{fmt_gib(L.get('peak_rss_bytes'))}; load avg {L.get('loadavg')}")
    w("")


def profile_md(w, P, what, bench, how, alloc):
    if not P:
        return
    w("")
    w(f"## CPU profile of {what}")
    w("")
    bm = P.get("benchmark_metrics", {})
    # A full load's forms/s beside the peers' on the same inbox (P["vs_peers"],
    # set by main); the nightly's forms/s (100 forms read) says nothing.
    speed = ""
    if P.get("vs_peers"):
        speed = f"{fmt_n(bm.get('forms/s'))} forms/s ({peers_text(P['vs_peers'])}, the peers' forms/s of step a on this inbox); "
    w(f"`{bench}` (bench/fullload_test.go: {how}), one iteration: {fmt_s(P.get('benchmark_s'))}, "
      f"{speed}read {bm.get('read-s/op', 0):.1f} s, metrics {bm.get('metrics-s/op', 0):.1f} s, "
      f"workbooks {bm.get('workbooks-s/op', 0):.1f} s; load avg at start {P.get('loadavg')}. "
      f"pprof: {fmt_s(P.get('total_samples_s'))} of samples in {fmt_s(P.get('duration_s'))}. "
      f"Peak memory: the Go runtime held at most {fmt_n(bm.get('go-peak-MiB'))} MiB; the process's peak RSS "
      f"(VmHWM, DuckDB included) was {fmt_n(bm.get('process-peak-RSS-MiB'))} MiB.")
    w("")
    w("Go's profiler sees Go code and the cgo calls into DuckDB (as `runtime.cgocall`), not DuckDB's own threads; "
      "`perf` below sees every thread.")
    w("")
    w("Top 15 by own time (`go tool pprof -top -nodecount=15`):")
    w("")
    w("| flat | flat% | cum | cum% | function |")
    w("| ---: | ---: | ---: | ---: | --- |")
    for r in P["top_flat"]:
        w(f"| {r['flat_s']:.2f} s | {r['flat_pct']:.1f}% | {r['cum_s']:.2f} s | {r['cum_pct']:.1f}% | `{r['function']}` |")
    w("")
    w("Top 25 by cumulative time (`-top -cum`), to see which stage and package the time goes to:")
    w("")
    w("| flat | cum | cum% | function |")
    w("| ---: | ---: | ---: | --- |")
    for r in P["top_cum"]:
        w(f"| {r['flat_s']:.2f} s | {r['cum_s']:.2f} s | {r['cum_pct']:.1f}% | `{r['function']}` |")
    w("")
    if P.get("stages"):
        w("Cumulative time of the batch's parts (a function's own time plus its callees'; parts overlap):")
        w("")
        w("| part | function | cum | cum% |")
        w("| --- | --- | ---: | ---: |")
        for r in P["stages"]:
            w(f"| {r['what']} | `{r['function']}` | {r['cum_s']:.2f} s | {r['cum_pct']:.1f}% |")
        w("")
    w("Own time summed by package (every function of the profile):")
    w("")
    w("| package | flat | share |")
    w("| --- | ---: | ---: |")
    for r in P["by_package"]:
        w(f"| `{r['package']}` | {r['flat_s']:.2f} s | {r['flat_pct']:.1f}% |")
    if P.get("perf_top"):
        w("")
        w("`perf record` of the same run (all threads, DuckDB's included), top symbols:")
        w("")
        w("| share | symbol |")
        w("| ---: | --- |")
        for r in P["perf_top"][:15]:
            w(f"| {r['pct']:.2f}% | `{r['symbol']}` |")
    if P.get("perf_by_package"):
        w("")
        w("`perf`, summed by Go package / DuckDB / kernel:")
        w("")
        w("| part | share |")
        w("| --- | ---: |")
        for r in P["perf_by_package"]:
            w(f"| `{r['package']}` | {r['pct']:.1f}% |")
    if alloc and P.get("top_alloc"):
        w("")
        w(f"Allocations, top 10 by bytes allocated (`-sample_index=alloc_space`, {P.get('alloc_total')} in all):")
        w("")
        w("| flat | flat% | cum | function |")
        w("| ---: | ---: | ---: | --- |")
        for r in P["top_alloc"]:
            w(f"| {r['flat']} | {r['flat_pct']:.1f}% | {r['cum']} | `{r['function']}` |")


STAGE_LABELS = {
    "scan": "scan the inbox",
    "read": "read + load (forms read, handed to the warehouse)",
    "load": "load",
    "refresh": "refresh",
    "metrics": "metrics (refresh + commit)",
    "workbooks": "workbooks (summary, townships, feedback workbooks, annotated copies)",
    "other": "other (open, begin, counts)",
    "total": "**total** (run summary)",
}


def markdown(R):
    m = R["machine"]
    C, Rl = R["inboxes"]["clean"], R["inboxes"]["realistic"]
    cf, rf = C["full_load"], Rl["full_load"]
    rvc = R["realistic_vs_clean"]
    H = R["history"]
    hist, hl, fh = H["recompute"] or {}, H["load_once"], H["fixtures"]
    small = R["small_load"] or {}
    cp, rp = C["peers"], Rl["peers"]
    any_pandas = cp.get("pandas_pool2") or rp.get("pandas_pool2") or {}
    any_sheetjs = cp.get("sheetjs_duckdb_2threads") or rp.get("sheetjs_duckdb_2threads") or {}
    L = []
    w = L.append
    w("# Benchmark results")
    w("")
    w("Written by `make bench` (`bench/run.sh`, then `bench/summarize.py`); the same numbers are in")
    w("`results.json` beside this file. Every timed step ran %d times; the median is shown, all runs in the JSON. "
      "Every speed figure of grassroots is shown with the peers' figures of the same run and their ratio." % m.get("reps", 0))
    w("")
    w("## Machine")
    w("")
    w(f"- {m.get('nproc')} cores ({m.get('cpu')}), {m.get('mem', 0) / GIB:.1f} GiB memory, Linux {m.get('kernel')}")
    w(f"- {m.get('go')}; {m.get('python')} (system, Debian's pandas {any_pandas.get('pandas', '?')}); "
      f"Node {m.get('node')} (npm xlsx {any_sheetjs.get('xlsx', '?')})")
    w(f"- date {m.get('date')}, commit {m.get('commit')}; the whole benchmark took {m.get('seconds', 0) / 60:.1f} min")
    w("- **The machine was shared** with other engineers' builds and tests: the load average "
      "(1, 5, 15 min, from `/proc/loadavg`) at the start of each run is listed with it. On 2 cores a load "
      "above 2 means the runs competed for CPU: every number below is pessimistic by about as much, "
      "the peers' as much as grassroots'.")
    w("- File cache warm (every inbox is read once before the timed runs); warehouses and output folders on the "
      "same disk, under `.cache/bench/`.")
    w("")
    w("## Inboxes")
    w("")
    for mode, I, what in (("clean", C, "`fixtures.Options.Clean`: every form valid and in the registry"),
                          ("realistic", Rl, "`fixtures.Options.Realistic`: every form readable and in the registry, "
                           "most with warnings, some with rejected rows, as clerks fill them")):
        fx, f = I["fixtures"], I["full_load"]
        fb = out_files(f, "feedback_written")
        w(f"- {mode}: {fx.get('units', 0):,} units × 1 month, {what}: {fx.get('files', 0):,} files, "
          f"{fx.get('forms', 0):,} forms, {fx.get('rows', 0):,} rows ({fx.get('rows', 0) / max(1, fx.get('forms') or 1):.0f} a form), "
          f"{fx.get('bytes', 0) / 1e6:,.0f} MB, {fx.get('issues', 0):,} expected issues"
          + (f"; {fb:,} forms ({fb / max(1, f.get('forms_read') or 1):.0%}) get a feedback workbook" if fb is not None else "")
          + f"; generated in {fx.get('seconds', 0):.0f} s (when not cached)")
    w(f"- history: {fh.get('units', 0):,} units × {m.get('hist_months')} months, clean: {fh.get('forms', 0):,} forms, {fh.get('rows', 0):,} rows, "
      f"{fh.get('bytes', 0) / 1e6:,.0f} MB; generated in {fh.get('seconds', 0):.0f} s")
    hfx = R["history_nightly"]["fixtures"]
    if hfx:
        w(f"- step h's history: {hfx.get('units', 0):,} units × {m.get('hn_months')} months, {m.get('hn_mode')}: "
          f"{hfx.get('files', 0):,} files, {hfx.get('forms', 0):,} forms, {hfx.get('rows', 0):,} rows, "
          f"{hfx.get('bytes', 0) / 1e6:,.0f} MB, {hfx.get('issues', 0):,} expected issues; generated in {hfx.get('seconds', 0):.0f} s (when not cached)")
    if m.get("changes"):
        w(f"- Registry through time (`BENCH_CHANGES={m.get('changes')}`): {m.get('changes')}% of the units of every inbox's registry merged or moved over the months.")
    w("- Units skip months (3%) and resubmit (3%) in both: the files are 97% first submissions and 3% corrections.")
    w("")

    # --- step a, side by side ------------------------------------------------
    w("## a. Full load, clean and realistic side by side")
    w("")
    w(f"`grassroots run` into an empty warehouse with its output folder, {cf.get('forms_read', 0):,} clean and "
      f"{rf.get('forms_read', 0):,} realistic forms. Each repetition loads the clean inbox, runs the peers and floors "
      "on its subset, then does the same on the realistic inbox: the paired column is the median over repetitions "
      "of run i realistic ÷ run i clean. Stage times are the run summary's (median of the runs, seconds).")
    w("")
    w("| | clean | realistic | realistic ÷ clean (medians) | paired by repetition |")
    w("| --- | ---: | ---: | ---: | ---: |")

    def row(label, a, b, r="", rp=""):
        w(f"| {label} | {a} | {b} | {r} | {rp} |")

    row("forms read (files in the inbox)", f"{fmt_n(cf.get('forms_read'))} ({fmt_n(cf.get('files'))})",
        f"{fmt_n(rf.get('forms_read'))} ({fmt_n(rf.get('files'))})")
    row("rows loaded / rejected", f"{fmt_n(cf.get('rows_loaded'))} / {fmt_n(cf.get('rows_rejected'))}",
        f"{fmt_n(rf.get('rows_loaded'))} / {fmt_n(rf.get('rows_rejected'))}")
    row("submissions accepted / superseded / rejected",
        f"{fmt_n(cf.get('accepted'))} / {fmt_n(cf.get('superseded'))} / {fmt_n(cf.get('rejected'))}",
        f"{fmt_n(rf.get('accepted'))} / {fmt_n(rf.get('superseded'))} / {fmt_n(rf.get('rejected'))}")
    row("issues", fmt_n(cf.get("issues")), fmt_n(rf.get("issues")))
    for k in stage_names(cf, rf):
        a, b = cf.get("stages_s", {}).get(k), rf.get("stages_s", {}).get(k)
        row(STAGE_LABELS.get(k, k), fmt_s(a), fmt_s(b), fmt_x(rvc["stages"].get(k)), fmt_x(rvc["stages_paired"].get(k)))
    row("**wall** (`/usr/bin/time`)", fmt_s(cf.get("wall_s")), fmt_s(rf.get("wall_s")), fmt_x(rvc["wall"]), fmt_x(rvc["wall_paired"]))
    row("runs, wall", runs_wall(cf), runs_wall(rf))
    row("time per form (wall ÷ forms read)", f"{1000 * (ratio(cf.get('wall_s'), cf.get('forms_read')) or 0):.2f} ms",
        f"{1000 * (ratio(rf.get('wall_s'), rf.get('forms_read')) or 0):.2f} ms",
        fmt_x(rvc["time_per_form"]), fmt_x(rvc["time_per_form_paired"]))

    def fps_cell(c):
        vs = c.get("vs_peers") or {}
        return (f"**{fmt_n(c.get('forms_per_s'))}** ({fmt_x(vs.get('pandas_pool2', {}).get('ratio'))} pandas, "
                f"{fmt_x(vs.get('sheetjs_duckdb_2threads', {}).get('ratio'))} SheetJS)")

    row("**forms/s end to end** (÷ the peers' forms/s on the same inbox)", fps_cell(cf), fps_cell(rf),
        fmt_x(ratio(rf.get("forms_per_s"), cf.get("forms_per_s"))),
        fmt_x(paired(rf["runs"], cf["runs"], lambda a, b: ratio(per_run_rate(a), per_run_rate(b)))))

    def read_cell(c):
        vs = c.get("read_stage_vs_peers") or {}
        return (f"{fmt_n(c.get('read_stage_forms_per_s'))} ({fmt_x(vs.get('pandas_pool2'))} pandas, "
                f"{fmt_x(vs.get('sheetjs_duckdb_2threads'))} SheetJS)")

    row("read + load stage alone, forms/s (÷ the peers')", read_cell(cf), read_cell(rf))
    for k, _, label in PEERS:
        a, b = cp.get(k) or {}, rp.get(k) or {}
        row(f"{label} on the subset, forms/s (runs, s)",
            f"{fmt_n(a.get('forms_per_s'))} ({', '.join('%.2f' % r.get('seconds', 0) for r in a.get('runs', []))})",
            f"{fmt_n(b.get('forms_per_s'))} ({', '.join('%.2f' % r.get('seconds', 0) for r in b.get('runs', []))})",
            fmt_x(ratio(b.get("forms_per_s"), a.get("forms_per_s"))),
            fmt_x(paired(b.get("runs"), a.get("runs"), lambda x, y: ratio(per_run_rate(x), per_run_rate(y)))))
        row(f"grassroots ÷ {label}: medians; paired by repetition",
            f"{fmt_x(a.get('grassroots_ratio'))}; {fmt_x(a.get('grassroots_ratio_paired_median'))}",
            f"{fmt_x(b.get('grassroots_ratio'))}; {fmt_x(b.get('grassroots_ratio_paired_median'))}")
    row("CPU ms per form (CPU use, 200% = both cores)",
        f"{fmt_n(cf.get('cpu_ms_per_form'), 1)} ({', '.join(str(r.get('cpu_percent')) + '%' for r in cf['runs'])})",
        f"{fmt_n(rf.get('cpu_ms_per_form'), 1)} ({', '.join(str(r.get('cpu_percent')) + '%' for r in rf['runs'])})",
        fmt_x(ratio(rf.get("cpu_ms_per_form"), cf.get("cpu_ms_per_form"))))
    row("peak RSS, median; max of the runs", f"{fmt_gib(cf.get('peak_rss_bytes'))}; {fmt_gib(cf.get('peak_rss_bytes_max'))}",
        f"{fmt_gib(rf.get('peak_rss_bytes'))}; {fmt_gib(rf.get('peak_rss_bytes_max'))}", fmt_x(rvc["peak_rss"]))
    for key, label in (("summary", "summary workbook"), ("townships", "township workbooks"),
                       ("feedback", "**feedback workbooks**"), ("annotated", "**annotated copies** of the forms")):
        row(f"files written: {label}", fmt_n(out_files(cf, key + "_written")), fmt_n(out_files(rf, key + "_written")))
    row("workbooks written (run summary)", fmt_n(cf.get("workbooks")), fmt_n(rf.get("workbooks")))
    row("load avg at start of each run", loads(cf), loads(rf))
    w("")
    w("Clean: anything but 0 rejected and 0 issues means the reader and the generator disagree. "
      "Realistic: the issues are the generator's warnings and rejected rows (`expected-issues.csv`).")
    w("")

    # --- step b --------------------------------------------------------------
    w("## b. Nightly 1%")
    w("")
    w("The last repetition's warehouse of step a and its output folder as last night's (whose manifests let a night "
      "skip unchanged township and feedback workbooks), 0.5% of the forms changed in place and 0.5% added as "
      "resubmissions (`benchtool nightly`). The realistic inbox is the target's; the clean one is for comparison. "
      "The peers have no incremental mode: what they would take is the whole inbox re-read at their measured rate "
      "on the same inbox (extrapolated from the subset).")
    w("")
    RN, CN = Rl["nightly"] or {}, C["nightly"] or {}
    w("| | realistic | clean |")
    w("| --- | ---: | ---: |")

    def nrow(label, a, b):
        w(f"| {label} | {a} | {b} |")

    pr, pc = RN.get("prepared", {}), CN.get("prepared", {})
    nrow("forms changed + added (of the inbox)", f"{pr.get('changed', 0)} + {pr.get('added', 0)} (of {fmt_n(pr.get('forms'))})",
         f"{pc.get('changed', 0)} + {pc.get('added', 0)} (of {fmt_n(pc.get('forms'))})")
    nrow("forms read / already loaded", f"{fmt_n(RN.get('forms_read'))} / {fmt_n(RN.get('forms_unchanged'))}",
         f"{fmt_n(CN.get('forms_read'))} / {fmt_n(CN.get('forms_unchanged'))}")
    nrow("rows loaded / rejected; issues", f"{fmt_n(RN.get('rows_loaded'))} / {fmt_n(RN.get('rows_rejected'))}; {fmt_n(RN.get('issues'))}",
         f"{fmt_n(CN.get('rows_loaded'))} / {fmt_n(CN.get('rows_rejected'))}; {fmt_n(CN.get('issues'))}")
    for k in stage_names(RN, CN):
        nrow(STAGE_LABELS.get(k, k), fmt_s(RN.get("stages_s", {}).get(k)), fmt_s(CN.get("stages_s", {}).get(k)))
    nrow("**wall** (`/usr/bin/time`)", f"**{fmt_s(RN.get('wall_s'))}**", fmt_s(CN.get("wall_s")))
    nrow("runs, wall", runs_wall(RN), runs_wall(CN))
    for k, _, label in PEERS:
        a, b = (RN.get("vs_peers_reread") or {}).get(k) or {}, (CN.get("vs_peers_reread") or {}).get(k) or {}
        nrow(f"{label} re-reading the whole inbox (at its forms/s) → ÷ grassroots' wall",
             f"{fmt_s(a.get('peer_seconds_extrapolated'))} ({fmt_n(a.get('peer_forms_per_s'))}) → {fmt_x(a.get('ratio'))}",
             f"{fmt_s(b.get('peer_seconds_extrapolated'))} ({fmt_n(b.get('peer_forms_per_s'))}) → {fmt_x(b.get('ratio'))}")
    for key, label in (("summary", "summary workbook"), ("townships", "township workbooks"),
                       ("feedback", "feedback workbooks"), ("annotated", "annotated copies")):
        nrow(f"files written: {label} (present after the run)",
             f"{fmt_n(out_files(RN, key + '_written'))} ({fmt_n(out_files(RN, key + '_present'))})",
             f"{fmt_n(out_files(CN, key + '_written'))} ({fmt_n(out_files(CN, key + '_present'))})")
    nrow("left unchanged: township / feedback workbooks; feedback removed",
         f"{fmt_n(RN.get('townships_unchanged'))} / {fmt_n(RN.get('feedback_unchanged'))}; {fmt_n(RN.get('feedback_removed'))}",
         f"{fmt_n(CN.get('townships_unchanged'))} / {fmt_n(CN.get('feedback_unchanged'))}; {fmt_n(CN.get('feedback_removed'))}")
    nrow("peak RSS, median", fmt_gib(RN.get("peak_rss_bytes")), fmt_gib(CN.get("peak_rss_bytes")))
    nrow("load avg at start of each run", loads(RN), loads(CN))
    w("")

    history_nightly_md(w, R)

    # --- steps c, m ----------------------------------------------------------
    w("## c, m. History and memory (clean inboxes)")
    w("")
    w("Forms/s ÷ the peers' on the clean inbox of this run; for the recompute, which reads no form, the peers' time "
      "to re-read every form (extrapolated) ÷ grassroots' wall.")
    w("")
    w("| step | wall (median) | forms/s | ÷ peers (clean inbox) | peak RSS (median) | runs | load avg at start |")
    w("| --- | ---: | ---: | --- | ---: | --- | --- |")
    w(f"| c. {hist.get('forms_unchanged', 0):,} forms ({m.get('hist_months')} months × {m.get('hist_villages', 0):,} units) unchanged: every metric recomputed, "
      f"{hist.get('workbooks', 0)} workbooks rewritten | {fmt_s(hist.get('wall_s'))} | | {reread_text(hist.get('vs_peers_reread'))} | "
      f"{fmt_gib(hist.get('peak_rss_bytes'))} | {runs_wall(hist)} | {loads(hist)} |")
    w(f"| (c, once: loading those {m.get('hist_months')} months into an empty warehouse) | {fmt_s(hl.get('wall_s'))} | "
      f"{fmt_n(hl.get('forms_per_s'))} | {peers_text(hl.get('vs_peers'))} | {fmt_gib(hl.get('peak_rss_bytes'))} | | {hl.get('loadavg')} |")
    w(f"| m. full load of {small.get('forms_read', 0):,} of the clean forms (1 in {m.get('small_every')}) | "
      f"{fmt_s(small.get('wall_s'))} | {fmt_n(small.get('forms_per_s'))} | {peers_text(small.get('vs_peers'))} | "
      f"{fmt_gib(small.get('peak_rss_bytes'))} | {runs_wall(small)} | {loads(small)} |")
    w("")
    names = stage_names(hist, small)
    w("Stage times (median of the runs, seconds):")
    w("")
    w("| step | " + " | ".join(names) + " | workbooks written |")
    w("| --- | " + " | ".join("---:" for _ in names) + " | ---: |")
    for name, c in (("c. history unchanged", hist), (f"m. {small.get('forms_read', 0):,} forms", small)):
        s = c.get("stages_s", {})
        w(f"| {name} | " + " | ".join(f"{s.get(k, 0):.2f}" for k in names) + f" | {c.get('workbooks')} |")
    w("")

    # --- peers and floors ----------------------------------------------------
    w("## Peers and floors, per inbox")
    w("")
    w(f"On a fixed subset of each inbox: 1 in {m.get('peer_every')} of its forms sorted by path. Forms/s are "
      "comparable across subset sizes. The ratios are grassroots' end-to-end forms/s of step a on the same inbox "
      "divided by the peer's: of the medians (what the targets use); paired (the median of run i of step a ÷ run i "
      "of the peer, run right after it under the same load); and by CPU time (the peer's user + system CPU per form "
      "÷ grassroots', from `/usr/bin/time`, which counts the pool's processes and the worker threads: the least "
      "sensitive to other engineers' load). Peer wall times run from starting the pool / workers to the last result "
      "(interpreter start-up and imports excluded; their CPU time includes them); grassroots' include process start, "
      "warehouse creation, metrics and every workbook (feedback workbooks and annotated copies included).")
    for mode, I in (("clean", C), ("realistic", Rl)):
        f = I["full_load"]
        p0 = I["peers"].get("pandas_pool2") or I["peers"].get("sheetjs_duckdb_2threads") or {}
        w("")
        w(f"**{mode}**: {fmt_n(p0.get('forms'))} forms of {fmt_n(f.get('forms_read'))} ({fmt_n(p0.get('rows'))} rows as the peer counts them)")
        w("")
        w("| what | forms/s (median) | runs (s) | grassroots (a) ÷ this: medians | paired by repetition | by CPU time | CPU ms/form | load avg at start |")
        w("| --- | ---: | --- | ---: | ---: | ---: | ---: | --- |")
        rows = [
            ("pandas `read_excel(engine=\"openpyxl\", sheet_name=None)`, Pool(2), system Python", I["peers"].get("pandas_pool2")),
            ("SheetJS `xlsx` (dense, raw) on 2 worker_threads, appending every row into a DuckDB file (`@duckdb/node-api` appender, one transaction)",
             I["peers"].get("sheetjs_duckdb_2threads")),
            ("floor: read file + inflate sheet XML and shared strings into io.Discard (archive/zip, 2 goroutines)", I["floors"].get("inflate")),
            ("floor: inflate + tokenize with encoding/xml `Decoder.RawToken` (2 goroutines)", I["floors"].get("rawtoken")),
            ("floor: inflate + tokenize with encoding/xml `Decoder.Token` (2 goroutines)", I["floors"].get("token")),
        ]
        for name, c in rows:
            if not c:
                continue
            secs = ", ".join("%.2f" % r.get("seconds", 0) for r in c["runs"])
            w(f"| {name} | {fmt_n(c.get('forms_per_s'))} | {secs} | "
              f"{fmt_x(c.get('grassroots_ratio'))} | {fmt_x(c.get('grassroots_ratio_paired_median'))} | "
              f"{fmt_x(c.get('grassroots_ratio_cpu'))} | {fmt_n(c.get('cpu_ms_per_form'), 1)} | {loads(c)} |")
        w(f"| grassroots, step a on this inbox (for comparison) | {fmt_n(f.get('forms_per_s'))} | {runs_wall(f)} | 1 | 1 | 1 | "
          f"{fmt_n(f.get('cpu_ms_per_form'), 1)} | {loads(f)} |")
    w("")
    w("Reference figures measured when the peers were chosen, on an unloaded machine, 500 clean forms: pandas Pool(2) "
      "62 forms/s, SheetJS → DuckDB 163 forms/s, inflate alone about 3,100 forms/s on one core.")
    w("")

    # --- targets -------------------------------------------------------------
    w("## Targets")
    w("")
    w("| target | goal | measured | met | beside it, the same run |")
    w("| --- | --- | ---: | --- | --- |")
    for t in R["targets"]:
        v = t["value"]
        if v is None:
            vs = "–"
        elif "bytes" in t["target"]:
            vs = fmt_gib(v)
        elif isinstance(v, float):
            vs = f"{v:,.2f}"
        else:
            vs = str(v)
        met = "met" if t["met"] else ("not met" if t["met"] is False else "–")
        w(f"| {t['target']} | {t['goal']} | {vs} | {met} | {t.get('beside', '')} |")

    P = R["profiles"]
    profile_md(w, P.get("full-clean"), "the clean full load", "BenchmarkFullLoad",
               f"`nightly.Run` + `report.Write` on the {cf.get('forms_read', 0):,}-form clean inbox, empty warehouse, "
               "as `grassroots run` does", alloc=True)
    profile_md(w, P.get("full-realistic"), "the realistic full load", "BenchmarkFullLoad",
               f"the same on the {rf.get('forms_read', 0):,}-form realistic inbox, feedback workbooks and annotated copies included",
               alloc=True)
    profile_md(w, P.get("nightly-realistic"), "the realistic nightly case", "BenchmarkNightly",
               "a copy of step a's realistic warehouse and output folder, the inbox of step b: 1% of the forms changed or added",
               alloc=False)
    w("")
    w("## Reproduce")
    w("")
    w("`make bench-history-nightly` runs step h alone (`BENCH_REPS` nights on a copy of the loaded history, kept "
      "in `.cache/bench/history-base`; when bin/grassroots changed it is first caught up with one run, "
      "`BENCH_HN_RELOAD=1` loads it again; bench/history_nightly.sh).")
    w("")
    w("`make bench` (about 20–30 minutes on 2 cores, of which 6–9 for loading step h's history when bin/grassroots changed; installs Debian's python3-pandas and python3-openpyxl and the npm "
      "packages into `.cache/bench/node` if missing; inboxes are cached under `.cache/bench/fixtures`, keyed by size, "
      "mode and the generator's source). `BENCH_REPS=1` for a quicker pass; `BENCH_RESULTS_DIR=DIR` writes "
      "results.md and results.json there instead of bench/. A full-load profile alone:")
    w("")
    w("```sh")
    w("GRASSROOTS_BENCH_FIXTURES=$PWD/.cache/bench/fixtures/<key> TMPDIR=$PWD/.cache/bench/tmp \\")
    w("  go test -tags=duckdb_arrow -run='^$' -bench=FullLoad -benchtime=1x -cpuprofile cpu.prof ./bench")
    w("go tool pprof -top -nodecount=15 cpu.prof")
    w("```")
    w("")
    return "\n".join(L)


if __name__ == "__main__":
    main()
