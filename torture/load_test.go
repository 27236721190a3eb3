package torture

import (
	"path/filepath"
	"strings"
	"testing"

	"grassroots/fixtures"
)

// analystView is what the warehouse shows an analyst: statuses and metrics.
func analystView(t *testing.T, db string) string {
	t.Helper()
	conn := openRO(t, db)
	defer conn.Close() // at once: a run after this needs the warehouse
	return dump(t, conn, `SELECT path, sha256, status, errors, warnings FROM submissions ORDER BY ALL`) +
		dump(t, conn, `SELECT period, unit_code, metric, numerator, denominator, value FROM metric_values ORDER BY ALL`)
}

// Four validators and a run at once on the same inbox, and a second run
// while the first holds the warehouse: the run completes as it would
// alone, the validators print what they print alone, the second run exits 2
// at once saying why.
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	dir := t.TempDir()
	villages := 60
	if full {
		villages = 300
	}
	if _, err := fixtures.Generate(dir, fixtures.Options{Villages: villages, Months: 2, Seed: 7, Volume: 60}); err != nil {
		t.Fatal(err)
	}
	registry, inbox := filepath.Join(dir, "registry.csv"), filepath.Join(dir, "inbox")
	validate := []string{"--log-level", "error", "validate", "--registry", registry, inbox}

	// Alone.
	wantCode, wantOut, _ := cli(t, validate...)
	if wantCode != 0 && wantCode != 1 || !strings.Contains(wantOut, "rejected") {
		t.Fatalf("validate alone: exit %d, output:\n%.2000s", wantCode, wantOut)
	}
	ref := filepath.Join(dir, "ref.duckdb")
	if code, _, stderr := cli(t, append([]string{"--log-level", "error"}, runArgs(registry, inbox, ref, filepath.Join(dir, "out-ref"))...)...); code != 0 {
		t.Fatalf("run alone: exit %d\n%s", code, stderr)
	}
	want := analystView(t, ref)

	for attempt := 1; ; attempt++ {
		db := filepath.Join(t.TempDir(), "w.duckdb")
		// One CPU keeps the first run busy long enough for the second to
		// find the warehouse taken.
		first := start(t, []string{"GOMAXPROCS=1"}, runArgs(registry, inbox, db, filepath.Join(dir, "out-1"))...)
		var validators []*proc
		for range 4 {
			validators = append(validators, start(t, nil, validate...))
		}
		// "inbox scanned" is logged once the run holds the warehouse.
		if !waitFor(first, func() bool { return strings.Contains(first.stderr.String(), "inbox scanned") }) {
			t.Fatalf("the first run ended before scanning: exit %d\n%s", first.wait(t), first.stderr)
		}
		second := start(t, nil, runArgs(registry, inbox, db, filepath.Join(dir, "out-2"))...)
		secondCode := second.wait(t)
		firstCode := first.wait(t)
		if firstCode != 0 {
			t.Fatalf("the first run: exit %d\n%s", firstCode, first.stderr)
		}
		for i, v := range validators {
			if code := v.wait(t); code != wantCode || v.stdout.String() != wantOut {
				t.Errorf("validator %d beside the run: exit %d (alone %d), same output as alone: %v\n%s", i, code, wantCode, v.stdout.String() == wantOut, v.stderr)
			}
		}
		if secondCode == 0 && attempt < 3 {
			t.Logf("attempt %d: the first run (%v) finished before the second looked; again", attempt, first.took)
			continue
		}
		if secondCode != 2 {
			t.Fatalf("the second run: exit %d, want 2\n%s", secondCode, second.stderr)
		}
		msg := second.stderr.String()
		if !strings.Contains(msg, "in use by another run") || !strings.Contains(msg, "wait for it to finish") {
			t.Errorf("the second run does not say what happened and what to do:\n%s", msg)
		}
		if got := analystView(t, db); got != want {
			t.Errorf("the run beside validators and a second run differs from a run alone")
		}
		t.Logf("first run %v, second run refused in %v; 4 validators alike; second run said: %s",
			first.took, second.took, strings.TrimSpace(msg))
		return
	}
}
