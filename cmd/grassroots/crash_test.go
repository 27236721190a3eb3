package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"grassroots/fixtures"
	"grassroots/fixtures/fixturestest"
	"grassroots/pipeline/warehouse"
)

// kills is how many times the crash test kills the batch: a few in `make
// test`, 50 in `make torture` (GRASSROOTS_TORTURE=full).
func kills() int {
	if os.Getenv("GRASSROOTS_TORTURE") == "full" {
		return 50
	}
	return 4
}

// crashInboxes writes a generated inbox and a copy holding only its first
// month, so that a run over the full inbox after the first month has real
// work to be killed in.
func crashInboxes(t *testing.T) (registry, firstMonth, full string) {
	t.Helper()
	dir := t.TempDir()
	if _, err := fixtures.Generate(dir, fixtures.Options{Villages: 30, Months: 2, Seed: 11, Volume: 60}); err != nil {
		t.Fatal(err)
	}
	full = filepath.Join(dir, "inbox")
	firstMonth = filepath.Join(dir, "inbox-first")
	if err := fixturestest.CopyMonths(full, firstMonth, "2021-01"); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "registry.csv"), firstMonth, full
}

// state is what an analyst sees: metrics, statuses and issues.
func state(t *testing.T, db string) string {
	t.Helper()
	conn, err := warehouse.OpenReadOnly(context.Background(), db, false)
	if err != nil {
		t.Fatalf("warehouse does not open after a kill: %v", err)
	}
	defer conn.Close()
	var b strings.Builder
	for _, q := range []string{
		`SELECT period, unit_code, metric, numerator, denominator, value FROM metric_values ORDER BY ALL`,
		`SELECT path, sha256, status, errors, warnings FROM submissions ORDER BY ALL`,
		`SELECT path, sheet, cell, code, severity FROM issues ORDER BY ALL`,
		`SELECT count(*), count(DISTINCT sha256) FROM forms`,
		`SELECT count(*) FROM request_rows`,
		`SELECT count(*) FROM files`,
	} {
		rows, err := conn.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]sql.NullString, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			rows.Scan(ptrs...)
			for _, v := range vals {
				b.WriteString(v.String + "|")
			}
			b.WriteString("\n")
		}
		rows.Close()
	}
	return b.String()
}

func runArgs(registry, inbox, db, out string) []string {
	return []string{"--log-level", "error", "run", "--inbox", inbox, "--registry", registry, "--db", db, "--out", out}
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestKilledRunLosesNothing kills the batch (SIGKILL) at random points of a
// run, many times: every time the warehouse opens and holds exactly the state
// before the run or the state after it, and a run after the kills gives the
// same state as one never interrupted.
func TestKilledRunLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts many processes")
	}
	registry, first, full := crashInboxes(t)
	dir := t.TempDir()
	ctx := context.Background()

	// The two states a killed run may leave: before (first month loaded) and after.
	base := filepath.Join(dir, "base.duckdb")
	if code := run(ctx, runArgs(registry, first, base, filepath.Join(dir, "out-base")), io.Discard, io.Discard); code != 0 {
		t.Fatalf("loading the first month: exit %d", code)
	}
	before := state(t, base)
	ref := filepath.Join(dir, "ref.duckdb")
	copyFile(t, base, ref)
	// The uninterrupted run, as a process like the killed ones, timed up to
	// its commit: kills are spread over that span (and a little after), where
	// a kill can hurt; the workbooks come after the commit.
	untilCommit := timeToCommit(t, registry, full, ref, filepath.Join(dir, "out-ref"))
	took := untilCommit + untilCommit/4
	after := state(t, ref)
	if before == after {
		t.Fatal("the full inbox changed nothing: the test would prove nothing")
	}

	rng := rand.New(rand.NewPCG(1, 2))
	db := filepath.Join(dir, "kill.duckdb")
	sawBefore, sawAfter := 0, 0
	for i := range kills() {
		os.Remove(db + ".wal")
		copyFile(t, base, db)
		cmd := exec.Command(os.Args[0], runArgs(registry, full, db, filepath.Join(dir, "out-kill"))...)
		cmd.Env = append(os.Environ(), "GRASSROOTS_BE_MAIN=1")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		delay := time.Duration(rng.Int64N(int64(took)))
		time.Sleep(delay)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		got := state(t, db)
		switch got {
		case before:
			sawBefore++
		case after:
			sawAfter++
		default:
			t.Fatalf("kill %d after %v: the warehouse is neither before nor after the run:\n%s\nstderr: %s",
				i, delay, firstDiff(before, after, got), stderr.String())
		}
		// The next run completes and gives what an uninterrupted run gives.
		if code := run(ctx, runArgs(registry, full, db, filepath.Join(dir, "out-kill")), io.Discard, io.Discard); code != 0 {
			t.Fatalf("run after kill %d: exit %d", i, code)
		}
		if got := state(t, db); got != after {
			t.Fatalf("run after kill %d differs from an uninterrupted run:\n%s", i, cmp.Diff(after, got))
		}
	}
	t.Logf("%d kills within %v of the start: %d left the state before the run, %d after (the commit comes at %v)",
		kills(), took, sawBefore, sawAfter, untilCommit)
	if kills() >= 10 && sawBefore == 0 {
		t.Errorf("no kill landed before the commit: the test proved nothing about a killed load")
	}
}

// timeToCommit runs the batch as a process to the end and returns how long
// after its start the warehouse commit was logged.
func timeToCommit(t *testing.T, registry, inbox, db, out string) time.Duration {
	t.Helper()
	args := runArgs(registry, inbox, db, out)
	args[1] = "info"
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "GRASSROOTS_BE_MAIN=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var committed time.Duration
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if committed == 0 && strings.Contains(sc.Text(), "metrics recomputed") {
			committed = time.Since(start)
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("uninterrupted run: %v", err)
	}
	if committed == 0 {
		t.Fatal("the run never logged its commit")
	}
	return committed
}

func firstDiff(before, after, got string) string {
	return fmt.Sprintf("vs before:\n%s\nvs after:\n%s", trim(cmp.Diff(before, got)), trim(cmp.Diff(after, got)))
}

func trim(s string) string {
	if len(s) > 2000 {
		return s[:2000] + "…"
	}
	return s
}

// SIGINT and SIGTERM stop the batch at the next safe point with 130 and 143,
// committing nothing.
func TestSignalsStopCleanly(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	registry, _, full := crashInboxes(t)
	var want int // forms an uninterrupted run stores
	{
		dir := t.TempDir()
		db := filepath.Join(dir, "w.duckdb")
		if code := run(context.Background(), runArgs(registry, full, db, filepath.Join(dir, "out")), io.Discard, io.Discard); code != 0 {
			t.Fatalf("uninterrupted run: exit %d", code)
		}
		conn, err := warehouse.OpenReadOnly(context.Background(), db, false)
		if err != nil {
			t.Fatal(err)
		}
		conn.QueryRow(`SELECT count(*) FROM forms`).Scan(&want)
		conn.Close()
	}
	for _, tt := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGINT, exitSIGINT}, {syscall.SIGTERM, exitSIGTERM}} {
		t.Run(tt.sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "w.duckdb")
			cmd := exec.Command(os.Args[0], runArgs(registry, full, db, filepath.Join(dir, "out"))...)
			// One core keeps the run going long enough to be signalled.
			cmd.Env = append(os.Environ(), "GRASSROOTS_BE_MAIN=1", "GOMAXPROCS=1")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(200 * time.Millisecond)
			cmd.Process.Signal(tt.sig)
			err := cmd.Wait()
			code := cmd.ProcessState.ExitCode()
			if code == 0 {
				t.Skipf("the run finished before the signal (%v)", err)
			}
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tt.code, stderr.String())
			}
			// The stop came at a safe point: either before the commit (no form
			// in the warehouse) or after it (every form); never half a run.
			if _, err := os.Stat(db); err == nil {
				conn, err := warehouse.OpenReadOnly(context.Background(), db, false)
				if err != nil {
					t.Fatalf("warehouse does not open after a stop: %v", err)
				}
				var forms int
				if err := conn.QueryRow(`SELECT count(*) FROM forms`).Scan(&forms); err != nil {
					t.Fatal(err)
				}
				conn.Close()
				if forms != 0 && forms != want {
					t.Errorf("a stopped run left %d forms, want 0 or all %d", forms, want)
				}
			}
			// No workbook is half-written: temporary files are gone.
			filepath.WalkDir(filepath.Join(dir, "out"), func(p string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() && strings.HasPrefix(d.Name(), ".") {
					t.Errorf("temporary file left behind: %s", p)
				}
				return nil
			})
		})
	}
}
