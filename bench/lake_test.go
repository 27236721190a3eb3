package bench

import (
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"grassroots/pipeline/lake"
	"grassroots/pipeline/nightly"
	"grassroots/pipeline/registry"
)

// lakeCities is how many cities the combine benchmark gathers: Guangxi's 14,
// about 14,000 villages and communities at 1,000 units each.
const lakeCities = 14

// BenchmarkLake measures docs/lake.md at scale on the 1,000-unit × 12-month
// history $GRASSROOTS_BENCH_LAKE_FIXTURES (a fixtures folder; bench/run.sh's
// step c inbox), loaded once into a warehouse (its time is reported as
// load-s, the reference for the ratios):
//
//	GRASSROOTS_BENCH_LAKE_FIXTURES=$PWD/.cache/bench/fixtures/v1000-m12-s1-clean-<hash> \
//	  TMPDIR=$PWD/.cache/bench/tmp go test -tags=duckdb_arrow -run='^$' -bench=Lake -benchtime=1x ./bench
//
// Two parts: export, the warehouse to a new lake (time, lake-MiB), then
// again with nothing changed (noop-s: only the digests); and combine, 14
// cities' lakes (the exported lake with its codes, hashes and paths
// rewritten per city: 14 disjoint cities of identical figures) under one
// registry into a new warehouse, with the summary and township workbooks
// (reports-s).
func BenchmarkLake(b *testing.B) {
	fixtures := os.Getenv("GRASSROOTS_BENCH_LAKE_FIXTURES")
	if fixtures == "" {
		b.Skip("GRASSROOTS_BENCH_LAKE_FIXTURES not set (a 1,000-unit × 12-month fixtures folder)")
	}
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	work, err := os.MkdirTemp("", "lake-bench-")
	if err != nil {
		b.Fatal(err)
	}
	if os.Getenv("GRASSROOTS_BENCH_LAKE_KEEP") == "" {
		defer os.RemoveAll(work)
	} else {
		b.Logf("keeping %s", work)
	}
	db := filepath.Join(work, "city.duckdb")
	t, c := time.Now(), cpuTime()
	s, err := nightly.Run(ctx, nightly.Config{Inbox: filepath.Join(fixtures, "inbox"), Registry: filepath.Join(fixtures, "registry.csv"), DB: db, Log: log})
	if err != nil {
		b.Fatal(err)
	}
	load, loadCPU := time.Since(t), cpuTime()-c
	dbSize := duSize(b, db)
	b.Logf("loaded %d forms into %s (%.1f MiB) in %.1f s, %.1f s of CPU (reading %.1f s, metrics %.1f s)",
		s.FormsRead, db, mib(dbSize), load.Seconds(), loadCPU.Seconds(), s.Read.Seconds(), s.Refresh.Seconds())

	base := filepath.Join(work, "lake")
	b.Run("export", func(b *testing.B) {
		var noop, cpu time.Duration
		var res *lake.ExportResult
		for b.Loop() {
			b.StopTimer()
			os.RemoveAll(base)
			b.StartTimer()
			c := cpuTime()
			if res, err = lake.Export(ctx, db, base, log); err != nil {
				b.Fatal(err)
			}
			cpu += cpuTime() - c
			b.StopTimer()
			t := time.Now()
			if _, err := lake.Export(ctx, db, base, log); err != nil {
				b.Fatal(err)
			}
			noop += time.Since(t)
			b.StartTimer()
		}
		n := float64(b.N)
		var rows int64
		for _, t := range res.Manifest.Tables {
			rows += t.Rows
		}
		size := duSize(b, base)
		exportS := b.Elapsed().Seconds() / n
		b.ReportMetric(exportS, "export-s")
		b.ReportMetric(noop.Seconds()/n, "noop-s")
		b.ReportMetric(load.Seconds(), "load-s")
		b.ReportMetric(cpu.Seconds()/n, "export-cpu-s")
		b.ReportMetric(loadCPU.Seconds(), "load-cpu-s")
		b.ReportMetric(mib(size), "lake-MiB")
		b.ReportMetric(mib(dbSize), "warehouse-MiB")
		b.ReportMetric(float64(rows), "rows")
		b.Logf("lake: %d files, %d rows, %.1f MiB (warehouse %.1f MiB); export %.2f s (%.2f s of CPU), unchanged %.2f s; load %.1f s (%.1f s of CPU)",
			len(res.Written), rows, mib(size), mib(dbSize), exportS, cpu.Seconds()/n, noop.Seconds()/n, load.Seconds(), loadCPU.Seconds())
		for _, name := range []string{"metric_values", "metric_facts", "request_days", "requests", "reporting_status", "submissions", "issues"} {
			b.Logf("  %-17s %9d rows %8.2f MiB", name, res.Manifest.Tables[name].Rows, mib(duSize(b, filepath.Join(base, name))))
		}
	})
	if _, err := os.Stat(filepath.Join(base, lake.ManifestFile)); err != nil {
		if _, err := lake.Export(ctx, db, base, log); err != nil {
			b.Fatal(err)
		}
	}

	b.Run("combine", func(b *testing.B) {
		lakes, reg := cityLakes(b, base, filepath.Join(fixtures, "registry.csv"), filepath.Join(work, "cities"))
		var reports, cpu time.Duration
		var res *lake.CombineResult
		out := filepath.Join(work, "province")
		for b.Loop() {
			b.StopTimer()
			os.RemoveAll(out)
			b.StartTimer()
			c := cpuTime()
			res, err = lake.Combine(ctx, lake.CombineConfig{Lakes: lakes, Registry: reg, DB: filepath.Join(out, "w.duckdb"), Out: filepath.Join(out, "out"),
				Log: log})
			if err != nil {
				b.Fatal(err)
			}
			reports += res.ReportsTime
			cpu += cpuTime() - c
		}
		n := float64(b.N)
		total := b.Elapsed().Seconds() / n
		size := duSize(b, filepath.Join(out, "w.duckdb"))
		b.ReportMetric(total, "combine-s")
		b.ReportMetric(cpu.Seconds()/n, "combine-cpu-s")
		b.ReportMetric(reports.Seconds()/n, "reports-s")
		b.ReportMetric(mib(size), "warehouse-MiB")
		b.ReportMetric(mib(duSize(b, filepath.Join(work, "cities"))), "lakes-MiB")
		var units, figures int
		pdb, err := sql.Open("duckdb", filepath.Join(out, "w.duckdb")+"?access_mode=READ_ONLY")
		if err != nil {
			b.Fatal(err)
		}
		defer pdb.Close()
		if err := pdb.QueryRow(`SELECT count(DISTINCT unit_code) FILTER (WHERE level IN ('village', 'community')), count(*) FROM metric_values`).Scan(&units, &figures); err != nil {
			b.Fatal(err)
		}
		b.Logf("combined %d lakes (%d reporting units, %d figures) into %.1f MiB in %.1f s (%.1f s of CPU), of which workbooks %.1f s",
			len(lakes), units, figures, mib(size), total, cpu.Seconds()/n, reports.Seconds()/n)

		// What an engine does with the lakes instead of building a
		// warehouse: the province's every ratio and count per month from
		// the 14 lakes' facts, and its median days to resolve from their
		// histograms, with plain DuckDB over the Parquet files (the scan
		// rate the national estimate scales).
		mem, err := sql.Open("duckdb", "")
		if err != nil {
			b.Fatal(err)
		}
		defer mem.Close()
		var facts, days []string
		for _, l := range lakes {
			facts = append(facts, filepath.Join(l, "metric_facts", "*", "*.parquet"))
			days = append(days, filepath.Join(l, "request_days", "*", "*.parquet"))
		}
		t, c := time.Now(), cpuTime()
		var factRows, dayRows int64
		var groups int
		if err := mem.QueryRow(`SELECT count(*), sum(rows)::BIGINT FROM (
			SELECT period, metric, sum(numerator), sum(denominator), count(*) AS rows
			FROM read_parquet($1::VARCHAR[], hive_partitioning = true) GROUP BY period, metric)`, facts).Scan(&groups, &factRows); err != nil {
			b.Fatal(err)
		}
		if err := mem.QueryRow(`WITH d AS (
			SELECT period, days, sum(n) AS n, count(*) AS rows FROM read_parquet($1::VARCHAR[], hive_partitioning = true) GROUP BY period, days
		), c AS (
			SELECT *, sum(n) OVER (PARTITION BY period ORDER BY days) AS upto, sum(n) OVER (PARTITION BY period) AS total FROM d
		)
		SELECT sum(rows)::BIGINT FROM (
			SELECT period, sum(rows) AS rows,
			       (min(days) FILTER (WHERE upto >= (total + 1) // 2) + min(days) FILTER (WHERE upto >= total // 2 + 1)) / 2.0 AS median
			FROM c GROUP BY period)`, days).Scan(&dayRows); err != nil {
			b.Fatal(err)
		}
		q, qCPU := time.Since(t), cpuTime()-c
		b.ReportMetric(q.Seconds(), "query-s")
		b.ReportMetric(qCPU.Seconds(), "query-cpu-s")
		b.ReportMetric(float64(factRows+dayRows)/q.Seconds(), "query-rows/s")
		b.Logf("province figures from the 14 lakes with DuckDB: %d fact and %d histogram rows in %.2f s, %.2f s of CPU (%.0f rows/s)",
			factRows, dayRows, q.Seconds(), qCPU.Seconds(), float64(factRows+dayRows)/q.Seconds())
	})
}

// cityLakes writes lakeCities copies of the lake base, each a city of its
// own: every unit code's first four digits become 45 and the city's number
// (4501 … 4514, Guangxi's cities), content hashes are prefixed with it, and
// a registry that holds the 14 cities under one top. Only the tables that
// combine reads, and request_days, are written.
func cityLakes(b *testing.B, base, cityRegistry, dir string) ([]string, string) {
	b.Helper()
	m, err := lake.ReadManifest(base)
	if err != nil {
		b.Fatal(err)
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	codeCols := map[string]bool{"unit_code": true, "township_code": true, "district_code": true}
	var lakes []string
	for c := 1; c <= lakeCities; c++ {
		prefix := fmt.Sprintf("45%02d", c)
		dst := filepath.Join(dir, prefix)
		for _, name := range []string{"metric_facts", "request_days", "reporting_status", "requests", "submissions", "issues"} {
			t := m.Tables[name]
			var repl []string
			for _, col := range t.Columns {
				switch {
				case codeCols[col.Name]:
					repl = append(repl, fmt.Sprintf("'%s' || substr(%s, 5) AS %s", prefix, col.Name, col.Name))
				case col.Name == "sha256":
					repl = append(repl, fmt.Sprintf("'%s' || sha256 AS sha256", prefix))
				}
			}
			sel := "*"
			if len(repl) > 0 {
				sel = "* REPLACE (" + strings.Join(repl, ", ") + ")"
			}
			for _, p := range t.Periods {
				out := filepath.Join(dst, filepath.FromSlash(p.File))
				if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
					b.Fatal(err)
				}
				q := fmt.Sprintf("COPY (SELECT %s FROM read_parquet('%s')) TO '%s' (FORMAT parquet, COMPRESSION zstd)",
					sel, filepath.Join(base, filepath.FromSlash(p.File)), out)
				if _, err := db.Exec(q); err != nil {
					b.Fatal(err)
				}
			}
		}
		mb, err := os.ReadFile(filepath.Join(base, lake.ManifestFile))
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, lake.ManifestFile), mb, 0o644); err != nil {
			b.Fatal(err)
		}
		lakes = append(lakes, dst)
	}
	reg, err := registry.Load(cityRegistry)
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, "registry.csv")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := csv.NewWriter(f)
	// Every row of the city's registry, with its months (a registry with
	// merges and moves has several rows per code).
	w.Write([]string{"code", "name", "level", "parent_code", "valid_from", "valid_to", "successor_code"})
	w.Write([]string{"450000000000", "广西壮族自治区", "province", "", "", "", ""})
	for c := 1; c <= lakeCities; c++ {
		prefix := fmt.Sprintf("45%02d", c)
		for _, u := range reg.Units() {
			parent := ""
			if u.ParentCode != "" {
				parent = prefix + u.ParentCode[4:]
			} else {
				parent = "450000000000"
			}
			successor := ""
			if u.SuccessorCode != "" {
				successor = prefix + u.SuccessorCode[4:]
			}
			w.Write([]string{prefix + u.Code[4:], fmt.Sprintf("%s%02d", u.Name, c), string(u.Level), parent,
				u.ValidFrom, u.ValidTo, successor})
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return lakes, path
}

// duSize is the bytes of the files under p (a file or a folder; 0 when
// there is none).
func duSize(b *testing.B, p string) int64 {
	var n int64
	err := filepath.WalkDir(p, func(_ string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil // a table without rows has no folder
		}
		if err != nil || d.IsDir() {
			return err
		}
		st, err := d.Info()
		if err == nil {
			n += st.Size()
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return n
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

// cpuTime is the CPU time (user and system) this process has used so far,
// DuckDB's threads included: on a machine shared with other work, a steadier
// figure than the elapsed time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
