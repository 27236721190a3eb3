package report

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestTownshipsIncremental runs Write again and again over one output
// folder, changing the warehouse in between as a nightly run would: only
// the township workbooks whose content changed are written, whatever the
// run time; those of the month that no longer apply are removed, those of
// other months and files the manifest does not list are left alone.
func TestTownshipsIncremental(t *testing.T) {
	db, inbox := testWarehouse(t)
	out := t.TempDir()
	towns := filepath.Join(out, "townships")
	write := func(now time.Time) Result {
		t.Helper()
		res, err := Write(context.Background(), db, Options{OutDir: out, Now: now, InboxDir: inbox,
			Log: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	const (
		napo    = "townships/450109100000-2021-03.xlsx" // 那楼镇
		pumiao  = "townships/450109200000-2021-03.xlsx" // 蒲庙镇
		chengxi = "townships/450110100000-2021-03.xlsx" // 城厢镇
	)
	all := []string{napo, pumiao, chengxi}
	// A file of someone else's.
	if err := os.MkdirAll(towns, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(towns, "说明.xlsx"), []byte("not ours"), 0o644); err != nil {
		t.Fatal(err)
	}
	res := write(runNow)
	if diff := cmp.Diff(all, rels(t, out, res.Townships)); diff != "" {
		t.Fatalf("first run's townships (-want +got):\n%s", diff)
	}
	// February's workbooks, as an official's run with --period 2021-02
	// writes them.
	if _, err := Write(context.Background(), db, Options{OutDir: out, Period: "2021-02", Now: runNow,
		Log: slog.New(slog.DiscardHandler)}); err != nil {
		t.Fatal(err)
	}
	res = write(runNow)
	if len(res.Townships) > 0 || len(res.TownshipsRemoved) > 0 {
		t.Fatalf("back to March: wrote %q, removed %q", res.Townships, res.TownshipsRemoved)
	}

	t.Run("same warehouse, another run time: nothing written", func(t *testing.T) {
		before := snapshot(t, out)
		res := write(runNow.Add(24 * time.Hour))
		if len(res.Townships) > 0 || len(res.TownshipsRemoved) > 0 {
			t.Errorf("wrote %q, removed %q", res.Townships, res.TownshipsRemoved)
		}
		if diff := cmp.Diff(all, rels(t, out, res.TownshipsUnchanged)); diff != "" {
			t.Errorf("unchanged (-want +got):\n%s", diff)
		}
		changed, gone := changedFiles(before, snapshot(t, out))
		// The summary is written on every run, with the new run time.
		if diff := cmp.Diff([]string{"summary-2021-03.xlsx"}, changed); diff != "" || len(gone) > 0 {
			t.Errorf("files changed (-want +got):\n%s\ngone: %q", diff, gone)
		}
		if got := titleOf(t, res.Summary); !strings.Contains(got, "2021-04-11 02:00") {
			t.Errorf("summary's title %q lacks the new run time", got)
		}
		if got := titleOf(t, filepath.Join(out, napo)); !strings.Contains(got, "2021-04-10 02:00") {
			t.Errorf("an unchanged township's title %q lacks the run time it was written with", got)
		}
	})

	t.Run("one village changed: its township's workbook is written", func(t *testing.T) {
		before := snapshot(t, out)
		mustExec(t, db, `UPDATE reporting_status_t SET filled_by = '赵六（代）' WHERE unit_code = '450110100201' AND period = '2021-03'`)
		res := write(runNow.Add(48 * time.Hour))
		if diff := cmp.Diff([]string{chengxi}, rels(t, out, res.Townships)); diff != "" {
			t.Errorf("written (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{napo, pumiao}, rels(t, out, res.TownshipsUnchanged)); diff != "" {
			t.Errorf("unchanged (-want +got):\n%s", diff)
		}
		changed, gone := changedFiles(before, snapshot(t, out))
		want := []string{"summary-2021-03.xlsx", chengxi, "townships/" + manifestName}
		slices.Sort(want)
		if diff := cmp.Diff(want, changed); diff != "" || len(gone) > 0 {
			t.Errorf("files changed (-want +got):\n%s\ngone: %q", diff, gone)
		}
		var text []string
		for _, c := range allCells(t, filepath.Join(out, chengxi)) {
			text = append(text, c.value)
		}
		if !slices.Contains(text, "赵六（代）") {
			t.Errorf("the rewritten workbook lacks the new name: %q", text)
		}
		if got := titleOf(t, filepath.Join(out, chengxi)); !strings.Contains(got, "2021-04-12 02:00") {
			t.Errorf("the rewritten workbook's title %q lacks this run's time", got)
		}
	})

	t.Run("a workbook deleted by hand is written again", func(t *testing.T) {
		if err := os.Remove(filepath.Join(out, pumiao)); err != nil {
			t.Fatal(err)
		}
		res := write(runNow.Add(72 * time.Hour))
		if diff := cmp.Diff([]string{pumiao}, rels(t, out, res.Townships)); diff != "" {
			t.Errorf("written (-want +got):\n%s", diff)
		}
	})

	t.Run("a township gone from the registry: this month's workbook removed", func(t *testing.T) {
		before := snapshot(t, out)
		mustExec(t, db, `DELETE FROM units WHERE code = '450109200000'`)
		mustExec(t, db, `DELETE FROM unit_rows WHERE code = '450109200000'`)
		res := write(runNow.Add(96 * time.Hour))
		if diff := cmp.Diff([]string{pumiao}, rels(t, out, res.TownshipsRemoved)); diff != "" {
			t.Errorf("removed (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{napo, chengxi}, rels(t, out, append(res.Townships, res.TownshipsUnchanged...))); diff != "" {
			t.Errorf("produced (-want +got):\n%s", diff)
		}
		_, gone := changedFiles(before, snapshot(t, out))
		if diff := cmp.Diff([]string{pumiao}, gone); diff != "" {
			t.Errorf("files gone (-want +got):\n%s", diff)
		}
		var m townshipManifest
		data, err := os.ReadFile(filepath.Join(towns, manifestName))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		var listed []string
		for name, e := range m.Townships {
			listed = append(listed, name+" "+e.Period)
		}
		slices.Sort(listed)
		// February's workbooks stay listed: a run for February may rewrite
		// them, and only a run for February may remove them.
		want := []string{"450109100000-2021-02.xlsx 2021-02", "450109100000-2021-03.xlsx 2021-03",
			"450109200000-2021-02.xlsx 2021-02", "450110100000-2021-02.xlsx 2021-02", "450110100000-2021-03.xlsx 2021-03"}
		if diff := cmp.Diff(want, listed); diff != "" {
			t.Errorf("manifest (-want +got):\n%s", diff)
		}
	})

	if data, err := os.ReadFile(filepath.Join(towns, "说明.xlsx")); err != nil || string(data) != "not ours" {
		t.Errorf("说明.xlsx: %q, %v; want it left alone", data, err)
	}
	for _, name := range []string{"450109100000-2021-02.xlsx", "450109200000-2021-02.xlsx"} {
		if _, err := os.Stat(filepath.Join(towns, name)); err != nil {
			t.Errorf("an earlier month's workbook: %v; want it kept", err)
		}
	}
}

// titleOf is the title row of a workbook's first sheet.
func titleOf(t *testing.T, path string) string {
	t.Helper()
	for _, c := range allCells(t, path) {
		if c.cell == "A1" {
			return c.value
		}
	}
	t.Fatalf("%s: no title", path)
	return ""
}
