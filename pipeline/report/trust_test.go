package report

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"grassroots/pipeline/registry"
	"grassroots/pipeline/warehouse"
	"grassroots/pipeline/warehouse/warehousetest"
)

// emptyWarehouse is an empty warehouse over testRegistry, and the registry.
func emptyWarehouse(t *testing.T) (*warehouse.Warehouse, *registry.Registry) {
	t.Helper()
	reg, err := registry.Parse(strings.NewReader(testRegistry), "registry.csv")
	if err != nil {
		t.Fatal(err)
	}
	w, err := warehouse.Open(context.Background(), filepath.Join(t.TempDir(), "w.duckdb"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w, reg
}

// sheetRows is a sheet of a written workbook as rows of raw cell text.
func sheetRows(t *testing.T, path, sheet string) [][]string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// column is the index of a header cell in row 2 of rows.
func column(t *testing.T, rows [][]string, header string) int {
	t.Helper()
	if i := slices.Index(rows[1], header); i >= 0 {
		return i
	}
	t.Fatalf("no column %q in %q", header, rows[1])
	return -1
}

func writeSummary(t *testing.T, w *warehouse.Warehouse, now time.Time) string {
	t.Helper()
	out := t.TempDir()
	res, err := Write(context.Background(), w.DB(), Options{OutDir: out, Now: now, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return res.Summary
}

// TestSmallSampleRanking: a community with 2 requests, both resolved
// (100%), ranks below one with 180 at 97.2%, its rate says 2/2 and 样本不足, and a
// small sample's low satisfaction breaks no 预警清单 rule.
func TestSmallSampleRanking(t *testing.T) {
	w, reg := emptyWarehouse(t)
	big := newForm("450109100201", "2021-03", "张三", "13700001111")
	big.Requests = requests("B", "2021-03", 180, 175, 175)
	small := newForm("450109100202", "2021-03", "李四", "13700002222")
	small.Requests = requests("S", "2021-03", 2, 2, 0) // 2 resolved, both 不满意: 0% satisfied
	warehousetest.Load(t, w, reg, "inbox", runNow,
		warehousetest.Upload{Path: "big.xlsx", Received: at("2021-04-02 10:00"), Form: big},
		warehousetest.Upload{Path: "small.xlsx", Received: at("2021-04-02 10:00"), Form: small})
	summary := writeSummary(t, w, runNow)

	rows := sheetRows(t, summary, sheetVillages)
	rank, code := column(t, rows, "办结率排名"), column(t, rows, "代码")
	got := map[string]string{}
	for _, r := range rows[2:] {
		if rank < len(r) {
			got[r[code]] = r[rank]
		}
	}
	want := map[string]string{"450109100201": "1", "450109100202": "2"}
	for c, r := range want {
		if got[c] != r {
			t.Errorf("村社区明细: %s ranked %q, want %q (all: %v)", c, got[c], r, got)
		}
	}

	f, err := excelize.OpenFile(summary)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res := column(t, rows, "办结率")
	for i, r := range rows[2:] {
		if r[code] != "450109100202" && r[code] != "450109100201" {
			continue
		}
		ref := cellName(res+1, i+3)
		shown, err := f.GetCellValue(sheetVillages, ref)
		if err != nil {
			t.Fatal(err)
		}
		isSmall := strings.Contains(shown, "样本不足")
		if isSmall != (r[code] == "450109100202") {
			t.Errorf("%s's 办结率 shows %q", r[code], shown)
		}
		// A small sample shows its numerator and denominator.
		if isSmall && !strings.Contains(shown, "（2/2，样本不足）") {
			t.Errorf("%s's small-sample 办结率 shows %q, want its 2/2", r[code], shown)
		}
		if raw := r[res]; raw == "" {
			t.Errorf("%s's 办结率 is not a number", r[code])
		}
	}

	for _, r := range sheetRows(t, summary, sheetAlerts)[2:] {
		if len(r) > 4 && r[2] == "450109100202" && strings.Contains(r[4], "满意率") {
			t.Errorf("a small sample broke a threshold rule: %q", r)
		}
	}
}

// TestAnomalyAlert: a village whose requests jump tenfold after seven
// steady months is a 数据异常 row of 预警清单; a steady one is not.
func TestAnomalyAlert(t *testing.T) {
	w, reg := emptyWarehouse(t)
	months := []string{"2020-09", "2020-10", "2020-11", "2020-12", "2021-01", "2021-02", "2021-03"}
	var uploads []warehousetest.Upload
	for i, m := range months {
		for _, v := range []struct {
			code string
			n    int
		}{{"450109100201", 20}, {"450109100202", 20}} {
			n := v.n + i%2
			if v.code == "450109100201" && m == "2021-03" {
				n = 200
			}
			f := newForm(v.code, m, "张三", "13700001111")
			f.Requests = requests(v.code[8:]+m, m, n, n, n)
			uploads = append(uploads, warehousetest.Upload{Path: v.code + "-" + m + ".xlsx",
				Received: day(m+"-01").AddDate(0, 1, 1), Form: f})
		}
	}
	warehousetest.Load(t, w, reg, "inbox", runNow, uploads...)
	summary := writeSummary(t, w, runNow)
	var anomalies []string
	for _, r := range sheetRows(t, summary, sheetAlerts)[2:] {
		if len(r) > 7 && r[4] == "数据异常" {
			anomalies = append(anomalies, r[2]+" "+r[7])
		}
	}
	if len(anomalies) == 0 || !strings.HasPrefix(anomalies[0], "450109100201 点单总数") {
		t.Errorf("数据异常 rows %q, want one for 450109100201's 点单总数", anomalies)
	}
	for _, a := range anomalies {
		if strings.HasPrefix(a, "450109100202") {
			t.Errorf("a steady community flagged: %q", a)
		}
	}
}

// TestChangesSheet: a corrected February form received in April restates
// February's figures; 变化说明 lists them with the file as the cause, and
// says so when nothing changed.
func TestChangesSheet(t *testing.T) {
	w, reg := emptyWarehouse(t)
	feb := newForm("450109100201", "2021-02", "张三", "13700001111")
	feb.Requests = requests("F", "2021-02", 10, 8, 8)
	mar := newForm("450109100201", "2021-03", "张三", "13700001111")
	mar.Requests = requests("M", "2021-03", 10, 10, 10)
	first := []warehousetest.Upload{
		{Path: "2月.xlsx", Received: at("2021-03-02 10:00"), Form: feb},
		{Path: "3月.xlsx", Received: at("2021-04-02 10:00"), Form: mar},
	}
	warehousetest.Load(t, w, reg, "inbox", runNow, first...)
	rows := sheetRows(t, writeSummary(t, w, runNow), sheetChanges)
	if len(rows) < 3 || !strings.Contains(rows[2][0], "没有更改") {
		t.Fatalf("first run's 变化说明: %q, want the note that nothing changed", rows)
	}

	fixed := newForm("450109100201", "2021-02", "张三", "13700001111")
	fixed.Requests = requests("F", "2021-02", 10, 10, 10)
	later := runNow.Add(24 * time.Hour)
	warehousetest.Load(t, w, reg, "inbox", later, append(first,
		warehousetest.Upload{Path: "2月-更正.xlsx", Received: at("2021-04-10 09:00"), Form: fixed})...)
	rows = sheetRows(t, writeSummary(t, w, later), sheetChanges)
	var got []string
	for _, r := range rows[2:] {
		if len(r) > 10 && r[4] == "办结率" {
			got = append(got, fmt.Sprintf("%s %s %s→%s %s", r[0], r[1], r[8], r[9], r[10]))
		}
	}
	want := []string{
		"2021-02 450100000000 8/10→10/10 2月-更正.xlsx；2月.xlsx",
		"2021-02 450109000000 8/10→10/10 2月-更正.xlsx；2月.xlsx",
		"2021-02 450109100000 8/10→10/10 2月-更正.xlsx；2月.xlsx",
		"2021-02 450109100201 8/10→10/10 2月-更正.xlsx；2月.xlsx",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("变化说明's 办结率 rows (-want +got):\n%s\nall rows: %q", diff, rows)
	}
	// The change of a rate is in percentage points: 80% → 100% is +20.
	for _, r := range rows[2:] {
		if len(r) > 7 && r[4] == "办结率" {
			if v, err := strconv.ParseFloat(r[7], 64); err != nil || math.Abs(v-20) > 1e-9 {
				t.Errorf("change %q, want 20 (percentage points)", r[7])
			}
		}
	}
}
