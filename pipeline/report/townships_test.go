package report

import (
	"context"
	"database/sql"
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
	write := writeAt(t, db, inbox, out)
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

// TestTownshipInputsCoverContent: whatever summaryData holds that a
// township's sheets show, changing it changes that township's inputs
// digest, so that a township left alone for unchanged inputs never shows
// something stale. Each change below must change some township's content
// (else it tests nothing), and every township whose content it changes
// must have other inputs.
func TestTownshipInputsCoverContent(t *testing.T) {
	db, _ := testWarehouse(t)
	ctx := context.Background()
	o := Options{Now: runNow}
	ids, err := bookStyles(true)
	if err != nil {
		t.Fatal(err)
	}
	type digests struct{ content, inputs []string }
	load := func(change func(d *summaryData)) (*summaryData, digests) {
		t.Helper()
		d, err := loadSummaryData(ctx, db, "2021-03", slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		if change != nil {
			change(d)
		}
		if err := d.prepareUnitRows(ctx, ids, 2); err != nil {
			t.Fatal(err)
		}
		if err := d.prepareInputs(ctx, 2); err != nil {
			t.Fatal(err)
		}
		var got digests
		base := d.inputsBase()
		for _, sc := range townshipScopes(d.unitsAt("township"), d.villagesUnder(""), d.parksUnder("")) {
			c, err := summaryDigest(d, sc, summaryContent(d, sc, o, ids))
			if err != nil {
				t.Fatal(err)
			}
			got.content = append(got.content, c)
			got.inputs = append(got.inputs, d.scopeInputs(base, sc))
		}
		return d, got
	}
	d, base := load(nil)
	if len(base.content) != 3 {
		t.Fatalf("%d townships, want 3", len(base.content))
	}
	village := "450110100201" // 城厢镇's
	if u := d.byCode[village]; u == nil || u.township != "450110100000" {
		t.Fatalf("test registry changed: %s is %+v", village, u)
	}
	metricAt := func(d *summaryData, name string) int {
		i, ok := d.pos[name]
		if !ok {
			t.Fatalf("no metric %s", name)
		}
		return i
	}
	changes := []struct {
		name   string
		change func(d *summaryData)
	}{
		{"a village's rate", func(d *summaryData) {
			d.cur[village][metricAt(d, "resolution_rate")].val = sql.NullFloat64{Float64: 0.123, Valid: true}
		}},
		{"a village's count", func(d *summaryData) {
			d.cur[village][metricAt(d, "requests_total")].val = sql.NullFloat64{Float64: 999, Valid: true}
		}},
		{"a village's figures gone", func(d *summaryData) { delete(d.cur, village) }},
		{"a small sample", func(d *summaryData) {
			d.flags[village] = map[string]flagSet{"resolution_rate": {small: true}}
		}},
		{"an anomaly", func(d *summaryData) {
			d.flags[village] = map[string]flagSet{"requests_total": {anomaly: "点单总数 200，近12个月中位数 20"}}
		}},
		{"a status", func(d *summaryData) { st := d.status[village]; st.status = "missing"; d.status[village] = st }},
		{"who filled the form", func(d *summaryData) {
			st := d.status[village]
			st.filledBy = sql.NullString{String: "赵六（代）", Valid: true}
			d.status[village] = st
		}},
		{"a phone", func(d *summaryData) {
			st := d.status[village]
			st.phone = sql.NullString{String: "13800000000", Valid: true}
			d.status[village] = st
		}},
		{"a receipt time", func(d *summaryData) {
			st := d.status[village]
			st.receivedAt = sql.NullTime{Time: st.receivedAt.Time.Add(time.Hour), Valid: true}
			d.status[village] = st
		}},
		{"on time", func(d *summaryData) {
			st := d.status[village]
			st.onTime = sql.NullBool{Bool: !st.onTime.Bool, Valid: true}
			d.status[village] = st
		}},
		{"a village's name", func(d *summaryData) { d.byCode[village].name = "新名村" }},
		{"a township's name", func(d *summaryData) { d.byCode["450110100000"].name = "新城厢镇" }},
		{"a township's figure", func(d *summaryData) {
			d.cur["450110100000"][metricAt(d, "resolution_rate")].val = sql.NullFloat64{Float64: 0.5, Valid: true}
		}},
		{"a township's last month", func(d *summaryData) {
			fs := slices.Clone(d.trend[d.prev]["450110100000"])
			if fs == nil {
				fs = make([]figure, len(d.metrics))
			}
			fs[metricAt(d, "resolution_rate")].val = sql.NullFloat64{Float64: 0.25, Valid: true}
			d.trend[d.prev]["450110100000"] = fs
		}},
		{"a metric's title", func(d *summaryData) { d.metrics[metricAt(d, "resolution_rate")].title = "办结比例" }},
		{"a rule's threshold", func(d *summaryData) {
			for i := range d.rules {
				d.rules[i].threshold += 0.01
			}
		}},
	}
	for _, c := range changes {
		t.Run(c.name, func(t *testing.T) {
			_, got := load(c.change)
			changed := 0
			for i := range base.content {
				if got.content[i] == base.content[i] {
					continue
				}
				changed++
				if got.inputs[i] == base.inputs[i] {
					t.Errorf("township %d: content changed, inputs did not", i)
				}
			}
			if changed == 0 {
				t.Errorf("no township's content changed")
			}
		})
	}
}

// TestTownshipLayoutMoved: a township whose inputs did not change is left
// alone, unless the layout changed since its workbook was written (as the
// manifest's content digests show): then every township is built again and
// compared by content.
func TestTownshipLayoutMoved(t *testing.T) {
	db, inbox := testWarehouse(t)
	out := t.TempDir()
	write := writeAt(t, db, inbox, out)
	manifest := filepath.Join(out, "townships", manifestName)
	edit := func(f func(e *townshipEntry)) {
		t.Helper()
		var m townshipManifest
		data, err := os.ReadFile(manifest)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		for name, e := range m.Townships {
			if e.Inputs == "" {
				t.Fatalf("%s: no inputs digest in the manifest", name)
			}
			f(&e)
			m.Townships[name] = e
		}
		if data, err = json.Marshal(m); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(manifest, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if res := write(runNow); len(res.Townships) != 3 {
		t.Fatalf("first run wrote %q", res.Townships)
	}
	// As a release whose layout differs finds them: same inputs, other
	// content.
	edit(func(e *townshipEntry) { e.Digest = strings.Repeat("0", 64) })
	if res := write(runNow.Add(24 * time.Hour)); len(res.Townships) != 3 {
		t.Errorf("layout moved: wrote %q, want all 3", res.Townships)
	}
	// As a manifest written before there were inputs: each is built and
	// compared by content, none written, and the inputs recorded.
	edit(func(e *townshipEntry) { e.Inputs = "" })
	if res := write(runNow.Add(48 * time.Hour)); len(res.Townships) != 0 || len(res.TownshipsUnchanged) != 3 {
		t.Errorf("no inputs in the manifest: wrote %q, left %q; want none and 3", res.Townships, res.TownshipsUnchanged)
	}
	edit(func(*townshipEntry) {}) // fails without the inputs recorded
}
