package warehouse

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"grassroots/pipeline/form"
	"grassroots/pipeline/registry"
)

var shanghai = time.FixedZone("CST", 8*3600)

// testRegistry: one city, one district, one township with 龙象社区, 那楼社区
// and 平安村 (which never reports), and a second township with 新村.
const testRegistry = `code,name,level,parent_code
450100000000,南宁市,city,
450109000000,邕宁区,district,450100000000
450109100000,那楼镇,township,450109000000
450109100201,龙象社区,community,450109100000
450109100202,那楼社区,community,450109100000
450109100203,平安村,village,450109100000
450109200000,蒲庙镇,township,450109000000
450109200201,新村,village,450109200000
`

func mustRegistry(t *testing.T, csv string) *registry.Registry { return mustRegistryB(t, csv) }

func mustRegistryB(t testing.TB, csv string) *registry.Registry {
	t.Helper()
	reg, err := registry.Parse(strings.NewReader(csv), "registry.csv")
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

// upload is a file of a test inbox: a read form (or an ignored file).
type upload struct {
	path     string
	sha      string // defaults to "sha-"+path
	received time.Time
	mtime    time.Time // the file's modification time; received when zero
	form     *form.Form
	ignored  string
}

func openTemp(t *testing.T) *Warehouse { return openTempB(t) }

func openTempB(t testing.TB) *Warehouse {
	t.Helper()
	w, err := Open(context.Background(), filepath.Join(t.TempDir(), "w.duckdb"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

// runOnce is one nightly run over the given files, on 10 April 2021 with
// the default settings.
func runOnce(t *testing.T, w *Warehouse, reg *registry.Registry, files ...upload) {
	t.Helper()
	runAt(t, w, reg, time.Date(2021, 4, 10, 2, 0, 0, 0, shanghai), Settings{}, files...)
}

func day(s string) time.Time {
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return d
}

func received(s string) time.Time {
	d, err := time.ParseInLocation("2006-01-02 15:04", s, shanghai)
	if err != nil {
		panic(err)
	}
	return d
}

func cover(code, period string) form.Cover {
	return form.Cover{Code: code, Period: period, UnitName: code, CodeCell: "B3", PeriodCell: "B4"}
}

func newForm(code, period string) *form.Form {
	return &form.Form{Version: "2022版", Cover: cover(code, period),
		Sheets: form.SheetNames{Cover: "基本信息", Orgs: "组织覆盖", Requests: "点单台账"}}
}

// requests makes n requests in the given month: the first resolved ones are
// 已办结 (resolved 3 days later, rated 满意), the first disputes are disputes
// mediated successfully.
func requests(prefix, month string, n, resolved, disputes int) []form.Request {
	var out []form.Request
	for i := range n {
		on := day(month+"-01").AddDate(0, 0, i%28)
		q := form.Request{Row: i + 2, ID: fmt.Sprintf("%s%03d", prefix, i), RequestedOn: on, RequestedOnCell: fmt.Sprintf("B%d", i+2), State: form.StateInProgress}
		if i < resolved {
			q.State = form.StateResolved
			q.ResolvedOn = on.AddDate(0, 0, 3)
			q.Rating = "满意"
		}
		if i < disputes {
			q.Dispute = sql.Null[bool]{V: true, Valid: true}
			q.Mediation = "调处成功"
		}
		out = append(out, q)
	}
	return out
}

type mv struct {
	Num, Den, Val sql.NullFloat64
}

func metric(t *testing.T, db *sql.DB, period, unit, name string) mv {
	t.Helper()
	var m mv
	err := db.QueryRow(`SELECT numerator, denominator, value FROM metric_values WHERE period = ? AND unit_code = ? AND metric = ?`,
		period, unit, name).Scan(&m.Num, &m.Den, &m.Val)
	if err != nil {
		t.Fatalf("%s %s %s: %v", period, unit, name, err)
	}
	return m
}

func ratio(num, den float64) mv {
	m := mv{Num: sql.NullFloat64{Float64: num, Valid: true}, Den: sql.NullFloat64{Float64: den, Valid: true}}
	if den != 0 {
		m.Val = sql.NullFloat64{Float64: num / den, Valid: true}
	}
	return m
}

func count(n float64) mv {
	return mv{Num: sql.NullFloat64{Float64: n, Valid: true}, Val: sql.NullFloat64{Float64: n, Valid: true}}
}

// TestWorkedExample is docs/metrics.md's worked example: 龙象社区 logged 56
// requests, resolved 50, 46 disputes all mediated, every rating satisfied; the
// township's other community logged 10 and resolved 10, so the township's
// resolution rate is 60/66, not the mean of 50/56 and 10/10.
func TestWorkedExample(t *testing.T) {
	w := openTemp(t)
	reg := mustRegistry(t, testRegistry)
	lx := newForm("450109100201", "2021-03")
	lx.Requests = requests("LX", "2021-03", 56, 50, 46)
	nl := newForm("450109100202", "2021-03")
	nl.Requests = requests("NL", "2021-03", 10, 10, 0)
	runOnce(t, w, reg,
		upload{path: "那楼镇/龙象社区.xlsx", received: received("2021-04-02 10:00"), form: lx},
		upload{path: "那楼镇/那楼社区.xlsx", received: received("2021-04-06 09:00"), form: nl},
	)
	db := w.DB()
	tests := []struct {
		unit, metric string
		want         mv
	}{
		{"450109100201", "resolution_rate", ratio(50, 56)},
		{"450109100201", "mediation_success_rate", ratio(46, 46)},
		{"450109100201", "satisfaction_rate", ratio(50, 50)},
		{"450109100201", "rating_rate", ratio(50, 50)},
		{"450109100201", "requests_total", count(56)},
		{"450109100201", "ontime_rate", ratio(50, 50)},
		{"450109100201", "days_to_resolve_median", count(3)},
		{"450109100000", "resolution_rate", ratio(60, 66)},
		{"450109100000", "mediation_success_rate", ratio(46, 46)},
		{"450109100000", "requests_total", count(66)},
		// 平安村 sent nothing: 0/1 to reporting; 那楼社区 was late (after the 5th).
		{"450109100000", "reporting_rate", ratio(2, 3)},
		{"450109100000", "timely_rate", ratio(1, 3)},
		{"450109100203", "reporting_rate", ratio(0, 1)},
		{"450109100203", "resolution_rate", ratio(0, 0)},
		{"450109000000", "reporting_rate", ratio(2, 4)},
		{"450100000000", "resolution_rate", ratio(60, 66)},
		// No 组织覆盖 rows anywhere: 0/0, value NULL, still a row.
		{"450100000000", "coverage_all", ratio(0, 0)},
		{"450109200201", "orgs_joint", count(0)},
		{"450109200201", "days_to_resolve_median", mv{}},
	}
	for _, tt := range tests {
		t.Run(tt.unit+"/"+tt.metric, func(t *testing.T) {
			got := metric(t, db, "2021-03", tt.unit, tt.metric)
			if got.Val.Valid && tt.want.Val.Valid && fmt.Sprintf("%.12f", got.Val.Float64) == fmt.Sprintf("%.12f", tt.want.Val.Float64) {
				got.Val = tt.want.Val
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
	var rows, units, metrics int
	if err := db.QueryRow(`SELECT count(*), count(DISTINCT unit_code), count(DISTINCT metric) FROM metric_values`).Scan(&rows, &units, &metrics); err != nil {
		t.Fatal(err)
	}
	if units != 8 || rows != units*metrics {
		t.Errorf("metric_values: %d rows for %d units × %d metrics, want one per unit and metric of the 8 units", rows, units, metrics)
	}
}
