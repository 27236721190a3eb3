package torture

import (
	"context"
	"database/sql"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"grassroots/fixtures"
	"grassroots/pipeline/nightly"
	"grassroots/pipeline/warehouse"
)

// world is a generated registry and clean inbox, and what the batch makes of
// the clean inbox alone: the yardstick for "every good file still counts".
type world struct {
	dir, registry, clean string
	code                 string            // a village of the registry, for hand-built forms
	status               map[string]string // path → status of the clean inbox alone
	accepted             int
	metrics              string // metric_values of the clean inbox's month
}

// cleanMonth is the month of the generated clean inbox.
const cleanMonth = "2021-01"

func newWorld(t *testing.T) *world { return newWorldOf(t, 6) }

// newWorldOf is a world of the given number of villages.
func newWorldOf(t *testing.T, villages int) *world {
	t.Helper()
	w := &world{dir: t.TempDir()}
	if _, err := fixtures.Generate(w.dir, fixtures.Options{Villages: villages, Months: 1, Seed: 1, Clean: true, Volume: 30}); err != nil {
		t.Fatal(err)
	}
	w.registry = filepath.Join(w.dir, "registry.csv")
	w.clean = filepath.Join(w.dir, "inbox")
	w.code = firstVillage(t, w.registry)
	db := filepath.Join(t.TempDir(), "base.duckdb")
	if _, err := nightly.Run(context.Background(), nightly.Config{Inbox: w.clean, Registry: w.registry, DB: db}); err != nil {
		t.Fatalf("the clean inbox alone: %v", err)
	}
	conn := openRO(t, db)
	w.accepted = countAccepted(t, conn)
	w.status = statuses(t, conn)
	w.metrics = dump(t, conn, `SELECT period, unit_code, metric, numerator, denominator, value FROM metric_values WHERE period = ? ORDER BY ALL`, cleanMonth)
	if len(w.status) == 0 || w.accepted == 0 || w.metrics == "" {
		t.Fatalf("the clean inbox gave nothing to compare with: %d files, %d accepted", len(w.status), w.accepted)
	}
	return w
}

func firstVillage(t *testing.T, registry string) string {
	t.Helper()
	f, err := os.Open(registry)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if len(r) >= 3 && (r[2] == "village" || r[2] == "community") {
			return r[0]
		}
	}
	t.Fatal("no village in the registry")
	return ""
}

// inbox copies the clean inbox (keeping file times) into a new folder.
func (w *world) inbox(t *testing.T) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "inbox")
	err := filepath.WalkDir(w.clean, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(w.clean, p)
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.WriteFile(to, b, 0o644); err != nil {
			return err
		}
		st, err := d.Info()
		if err != nil {
			return err
		}
		return os.Chtimes(to, st.ModTime(), st.ModTime())
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func openRO(t *testing.T, db string) *sql.DB {
	t.Helper()
	conn, err := warehouse.OpenReadOnly(context.Background(), db, false)
	if err != nil {
		t.Fatalf("warehouse does not open: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func statuses(t *testing.T, conn *sql.DB) map[string]string {
	t.Helper()
	rows, err := conn.Query(`SELECT path, status FROM submissions`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var p, s string
		if err := rows.Scan(&p, &s); err != nil {
			t.Fatal(err)
		}
		if old, dup := out[p]; dup {
			t.Errorf("submissions lists %q twice (%s, %s)", p, old, s)
		}
		out[p] = s
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// dump renders a query's rows as text lines, NULL as an empty field.
func dump(t *testing.T, conn *sql.DB, q string, args ...any) string {
	t.Helper()
	rows, err := conn.Query(q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var b strings.Builder
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			if i > 0 {
				b.WriteByte('|')
			}
			b.WriteString(v.String)
		}
		b.WriteByte('\n')
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
