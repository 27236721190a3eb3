package report

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"grassroots/definitions"
	"grassroots/queries"
)

// metric is one row of metric_catalog: a column of the workbooks.
type metric struct {
	ord                       int
	name, kind, title, family string
	rule                      *rule // its 预警清单 rule; nil when it has none
}

// Families with sheets of their own (考评, 园区): 总览, 村社区明细 and 趋势
// leave them out, since most units have none of them and officials would
// read columns of empty rates; 乡镇汇总 has every metric.
const (
	familyAssessment = "assessment"
	familyParks      = "parks"
)

// general reports whether m belongs in the general sheets.
func (m metric) general() bool { return m.family != familyAssessment && m.family != familyParks }

// unitInfo is a registry unit with the township and district above it.
type unitInfo struct {
	code, name, level, parent string
	township, townshipName    string
	district, districtName    string
}

func (u *unitInfo) isVillage() bool { return u.level == "village" || u.level == "community" }

// figure is one metric of one unit and month; invalid fields are NULL.
type figure struct {
	num, den, val sql.NullFloat64
}

// reportStatus is one row of reporting_status.
type reportStatus struct {
	status               string // accepted | rejected | missing
	receivedAt, deadline sql.NullTime
	onTime               sql.NullBool
	path                 sql.NullString
	files                int64
	reason               sql.NullString
	filledBy, phone      sql.NullString
}

// summaryData is everything the summary and township workbooks show.
type summaryData struct {
	period, prev string
	months       []string // the trend's 12 months, oldest first
	metrics      []metric
	pos          map[string]int // metric name → index in metrics
	units        []*unitInfo    // by code
	byCode       map[string]*unitInfo
	cur          map[string][]figure            // unit → figures of period, by metrics' index
	trend        map[string]map[string][]figure // month → unit → figures (units above villages)
	status       map[string]reportStatus        // village or community → its status for period
	flags        map[string]map[string]flagSet  // unit → metric → its flags for period
	changes      []change                       // restated figures of earlier months (the latest run's)
	rules        []alertRule                    // 预警清单's threshold rules, in catalog order
}

// flagSet is what metric_flags says of one figure.
type flagSet struct {
	small   bool   // small_sample
	anomaly string // the anomaly's detail, "" when none
}

// change is one restated figure of an earlier month: metric_changes of the
// latest run.
type change struct {
	period, unit, unitName, level string
	metric                        int // index in metrics
	old, new                      figure
	cause                         string
}

func loadSummaryData(ctx context.Context, db *sql.DB, period string, log *slog.Logger) (*summaryData, error) {
	d := &summaryData{period: period, months: monthsBack(period, 12), pos: map[string]int{},
		byCode: map[string]*unitInfo{}, cur: map[string][]figure{},
		trend: map[string]map[string][]figure{}, status: map[string]reportStatus{},
		flags: map[string]map[string]flagSet{}}
	d.prev = monthsBack(period, 2)[0]
	for i, step := range []func(context.Context, *sql.DB) error{d.loadCatalog, d.loadRules, d.loadUnits, d.loadValues, d.loadTrend, d.loadStatus, d.loadFlags, d.loadChanges} {
		start := time.Now()
		if err := step(ctx, db); err != nil {
			return nil, err
		}
		log.Debug("report data loaded", "step", i, "elapsed_ms", time.Since(start).Milliseconds())
	}
	return d, nil
}

// query runs queries/<name>.sql and calls scan for each row.
func query(ctx context.Context, db *sql.DB, name string, scan func(*sql.Rows) error, args ...any) error {
	rows, err := db.QueryContext(ctx, queries.SQL(name), args...)
	if err != nil {
		return fmt.Errorf("queries/%s.sql: %w", name, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return fmt.Errorf("queries/%s.sql: %w", name, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("queries/%s.sql: %w", name, err)
	}
	return nil
}

func (d *summaryData) loadCatalog(ctx context.Context, db *sql.DB) error {
	return query(ctx, db, "report_catalog", func(r *sql.Rows) error {
		var m metric
		if err := r.Scan(&m.ord, &m.name, &m.kind, &m.title, &m.family); err != nil {
			return err
		}
		d.pos[m.name] = len(d.metrics)
		d.metrics = append(d.metrics, m)
		return nil
	})
}

// loadRules gives each metric its 预警清单 rule, from the threshold and
// direction of its definition (metric_catalog), and groups them into
// d.rules.
func (d *summaryData) loadRules(ctx context.Context, db *sql.DB) error {
	err := query(ctx, db, "report_rules", func(r *sql.Rows) error {
		var name, direction string
		var threshold float64
		if err := r.Scan(&name, &threshold, &direction); err != nil {
			return err
		}
		i, ok := d.pos[name]
		if !ok {
			return nil
		}
		if direction != definitions.DirectionBelow && direction != definitions.DirectionAbove {
			return fmt.Errorf("metric %s: unknown direction %q (want below or above)", name, direction)
		}
		d.metrics[i].rule = &rule{threshold: threshold, above: direction == definitions.DirectionAbove}
		return nil
	})
	if err != nil {
		return err
	}
	d.rules = alertRules(d.metrics)
	return nil
}

// loadUnits loads the hierarchy of the summary's month: the units valid in
// it, placed where they were that month. A township that no longer exists
// is not among them, so it gets no workbook.
func (d *summaryData) loadUnits(ctx context.Context, db *sql.DB) error {
	return query(ctx, db, "report_units", func(r *sql.Rows) error {
		var u unitInfo
		var t, tn, di, dn sql.NullString
		if err := r.Scan(&u.code, &u.name, &u.level, &u.parent, &t, &tn, &di, &dn); err != nil {
			return err
		}
		u.township, u.townshipName, u.district, u.districtName = t.String, tn.String, di.String, dn.String
		if _, dup := d.byCode[u.code]; dup {
			return nil
		}
		d.units = append(d.units, &u)
		d.byCode[u.code] = &u
		return nil
	}, d.period)
}

// figures returns the slot for unit in m, made on first use.
func (d *summaryData) figures(m map[string][]figure, unit string) []figure {
	f, ok := m[unit]
	if !ok {
		f = make([]figure, len(d.metrics))
		m[unit] = f
	}
	return f
}

// ordIndex maps a catalog ord to its index in d.metrics.
func (d *summaryData) ordIndex() map[int]int {
	idx := make(map[int]int, len(d.metrics))
	for i, m := range d.metrics {
		idx[m.ord] = i
	}
	return idx
}

func (d *summaryData) loadValues(ctx context.Context, db *sql.DB) error {
	idx := d.ordIndex()
	return query(ctx, db, "report_period_values", func(r *sql.Rows) error {
		var unit string
		var ord int
		var f figure
		if err := r.Scan(&unit, &ord, &f.num, &f.den, &f.val); err != nil {
			return err
		}
		if i, ok := idx[ord]; ok {
			d.figures(d.cur, unit)[i] = f
		}
		return nil
	}, d.period)
}

func (d *summaryData) loadTrend(ctx context.Context, db *sql.DB) error {
	idx := d.ordIndex()
	return query(ctx, db, "report_trend_values", func(r *sql.Rows) error {
		var month, unit string
		var ord int
		var f figure
		if err := r.Scan(&month, &unit, &ord, &f.num, &f.den, &f.val); err != nil {
			return err
		}
		m, ok := d.trend[month]
		if !ok {
			m = map[string][]figure{}
			d.trend[month] = m
		}
		if i, ok := idx[ord]; ok {
			d.figures(m, unit)[i] = f
		}
		return nil
	}, d.months[0], d.period)
}

func (d *summaryData) loadStatus(ctx context.Context, db *sql.DB) error {
	return query(ctx, db, "report_reporting_status", func(r *sql.Rows) error {
		var unit string
		var s reportStatus
		if err := r.Scan(&unit, &s.status, &s.receivedAt, &s.deadline, &s.onTime, &s.path, &s.files,
			&s.reason, &s.filledBy, &s.phone); err != nil {
			return err
		}
		d.status[unit] = s
		return nil
	}, d.period)
}

func (d *summaryData) loadFlags(ctx context.Context, db *sql.DB) error {
	return query(ctx, db, "report_period_flags", func(r *sql.Rows) error {
		var unit, metric, flag, detail string
		if err := r.Scan(&unit, &metric, &flag, &detail); err != nil {
			return err
		}
		m, ok := d.flags[unit]
		if !ok {
			m = map[string]flagSet{}
			d.flags[unit] = m
		}
		f := m[metric]
		switch flag {
		case "small_sample":
			f.small = true
		case "anomaly":
			f.anomaly = detail
		}
		m[metric] = f
		return nil
	}, d.period)
}

func (d *summaryData) loadChanges(ctx context.Context, db *sql.DB) error {
	idx := d.ordIndex()
	return query(ctx, db, "report_changes", func(r *sql.Rows) error {
		var c change
		var ord int
		if err := r.Scan(&c.period, &c.unit, &c.unitName, &c.level, &ord, &c.old.num, &c.old.den,
			&c.new.num, &c.new.den, &c.cause); err != nil {
			return err
		}
		i, ok := idx[ord]
		if !ok {
			return nil
		}
		c.metric = i
		c.old.val, c.new.val = d.metrics[i].valueOf(c.old), d.metrics[i].valueOf(c.new)
		d.changes = append(d.changes, c)
		return nil
	}, d.period)
}

// valueOf is the value metric_values gives a figure of this metric: the
// ratio of its numerator and denominator (NULL for 0/0), or the numerator of
// a count or median.
func (m metric) valueOf(f figure) sql.NullFloat64 {
	if m.kind != "ratio" {
		return f.num
	}
	if !f.num.Valid || !f.den.Valid || f.den.Float64 == 0 {
		return sql.NullFloat64{}
	}
	return sql.NullFloat64{Float64: f.num.Float64 / f.den.Float64, Valid: true}
}

// small reports whether metric name's figure for unit in the summary's
// month is a small sample.
func (d *summaryData) small(unit, name string) bool { return d.flags[unit][name].small }

// value is metric name's figure for unit in the summary's month.
func (d *summaryData) value(unit, name string) figure {
	i, ok := d.pos[name]
	if !ok {
		return figure{}
	}
	if f, ok := d.cur[unit]; ok {
		return f[i]
	}
	return figure{}
}

// topUnit is the whole registry's unit: the city without a parent (or, in a
// registry without one, the first unit without a parent).
func (d *summaryData) topUnit() *unitInfo {
	var first *unitInfo
	for _, u := range d.units {
		if u.parent != "" {
			continue
		}
		if u.level == "city" {
			return u
		}
		if first == nil {
			first = u
		}
	}
	return first
}

// villagesUnder lists the villages and communities (all when township is
// ""), by district, township and code.
func (d *summaryData) villagesUnder(township string) []*unitInfo {
	var out []*unitInfo
	for _, u := range d.units {
		if u.isVillage() && (township == "" || u.township == township) {
			out = append(out, u)
		}
	}
	slices.SortFunc(out, func(a, b *unitInfo) int {
		return strings.Compare(a.district+"\x00"+a.township+"\x00"+a.code, b.district+"\x00"+b.township+"\x00"+b.code)
	})
	return out
}

func (d *summaryData) unitsAt(level string) []*unitInfo {
	var out []*unitInfo
	for _, u := range d.units {
		if u.level == level {
			out = append(out, u)
		}
	}
	return out
}
