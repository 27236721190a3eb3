package report

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"grassroots/definitions"
	"grassroots/pipeline/internal/arrowcol"
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
	trend        map[string]map[string][]figure // month → unit → general figures (top unit and townships)
	status       map[string]reportStatus        // village or community → its status for period
	flags        map[string]map[string]flagSet  // unit → metric → its flags for period
	changes      []change                       // restated figures of earlier months (the latest run's)
	rules        []alertRule                    // 预警清单's threshold rules, in catalog order
	rows         map[string]*unitRows           // unit → its rows, once prepareUnitRows made them
	inputs       map[string][sha256.Size]byte   // unit → its inputs digest, once prepareInputs made them
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

// loadSummaryData reads what the summary's and townships' workbooks show.
// The catalog and rules come first (the other steps index by them); the
// units, figures, statuses, flags and changes are then read at once, each
// on a connection of its own: the time is mostly DuckDB's and the driver
// handing over rows, which the two CPUs do side by side. The trend picks
// the top unit and the townships itself (report_trend_values.sql), so as
// not to wait for the units (75 ms at 10,000 villages).
func loadSummaryData(ctx context.Context, db *sql.DB, period string, log *slog.Logger) (*summaryData, error) {
	d := &summaryData{period: period, months: monthsBack(period, 12), pos: map[string]int{},
		byCode: map[string]*unitInfo{}, cur: map[string][]figure{},
		trend: map[string]map[string][]figure{}, status: map[string]reportStatus{},
		flags: map[string]map[string]flagSet{}}
	d.prev = monthsBack(period, 2)[0]
	type step struct {
		name string
		load func(context.Context, *sql.DB) error
	}
	run := func(steps ...step) error {
		for _, s := range steps {
			start := time.Now()
			if err := s.load(ctx, db); err != nil {
				return err
			}
			log.Debug("report data loaded", "step", s.name, "elapsed_ms", time.Since(start).Milliseconds())
		}
		return nil
	}
	if err := run(step{"catalog", d.loadCatalog}, step{"rules", d.loadRules}); err != nil {
		return nil, err
	}
	// Each chain fills its own fields of d and reads only the catalog's.
	chains := [][]step{{{"units", d.loadUnits}}, {{"trend", d.loadTrend}}, {{"values", d.loadValues}},
		{{"status", d.loadStatus}}, {{"flags", d.loadFlags}}, {{"changes", d.loadChanges}}}
	errs := make([]error, len(chains))
	var wg sync.WaitGroup
	for i, c := range chains {
		wg.Go(func() { errs[i] = run(c...) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return d, nil
}

// source lends the report's queries a connection to the warehouse: a
// pool's (pool), one for each query, so that the summary's queries run side
// by side; or the batch's run's own (held), inside its transaction, on which
// BeginFeedback reads before the run commits.
type source interface {
	borrow(ctx context.Context) (conn *sql.Conn, release func(), err error)
}

type pool struct{ db *sql.DB }

func (p pool) borrow(ctx context.Context) (*sql.Conn, func(), error) {
	c, err := p.db.Conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	return c, func() { c.Close() }, nil
}

type held struct{ conn *sql.Conn }

func (h held) borrow(context.Context) (*sql.Conn, func(), error) { return h.conn, func() {}, nil }

// query runs queries/<name>.sql and calls scan for each row.
func query(ctx context.Context, src source, name string, scan func(*sql.Rows) error, args ...any) error {
	conn, release, err := src.borrow(ctx)
	if err != nil {
		return fmt.Errorf("queries/%s.sql: %w", name, err)
	}
	defer release()
	rows, err := conn.QueryContext(ctx, queries.SQL(name), args...)
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
	return query(ctx, pool{db}, "report_catalog", func(r *sql.Rows) error {
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
	err := query(ctx, pool{db}, "report_rules", func(r *sql.Rows) error {
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
	// As Arrow columns, like the figures: 10,000 units of eight texts came
	// one value at a time through database/sql in 75-130 ms.
	return arrowQuery(ctx, pool{db}, "report_units", func(rec arrow.RecordBatch) error {
		cols := make([][]string, 8)
		for i := range cols {
			var err error
			if cols[i], err = arrowcol.Strings(rec, i); err != nil {
				return err
			}
		}
		for r := range int(rec.NumRows()) {
			u := &unitInfo{code: cols[0][r], name: cols[1][r], level: cols[2][r], parent: cols[3][r],
				township: cols[4][r], townshipName: cols[5][r], district: cols[6][r], districtName: cols[7][r]}
			if _, dup := d.byCode[u.code]; dup {
				continue
			}
			d.units = append(d.units, u)
			d.byCode[u.code] = u
		}
		return nil
	}, d.period)
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
	cur := func(int) map[string][]figure { return d.cur }
	return arrowQuery(ctx, pool{db}, "report_period_values", func(rec arrow.RecordBatch) error {
		return d.scanFigures(rec, 0, idx, cur)
	}, d.period)
}

// loadTrend reads the general metrics of the units whose workbook has a
// 趋势 sheet (the registry's top unit and the townships) for the 12 months
// up to the period: 趋势 and 总览's last month show nothing else of other
// months, and a 12-month warehouse holds twelve times the figures of every
// unit.
func (d *summaryData) loadTrend(ctx context.Context, db *sql.DB) error {
	idx := d.ordIndex()
	return arrowQuery(ctx, pool{db}, "report_trend_values", func(rec arrow.RecordBatch) error {
		month, err := arrowcol.String(rec, 0)
		if err != nil {
			return err
		}
		return d.scanFigures(rec, 1, idx, func(r int) map[string][]figure {
			m, ok := d.trend[month(r)]
			if !ok {
				m = map[string][]figure{}
				d.trend[strings.Clone(month(r))] = m
			}
			return m
		})
	}, d.months[0], d.period)
}

func (d *summaryData) loadStatus(ctx context.Context, db *sql.DB) error {
	return arrowQuery(ctx, pool{db}, "report_reporting_status", func(rec arrow.RecordBatch) error {
		units, err := arrowcol.Strings(rec, 0)
		if err != nil {
			return err
		}
		status, err := arrowcol.Strings(rec, 1)
		if err != nil {
			return err
		}
		received, err := arrowcol.Time(rec, 2)
		if err != nil {
			return err
		}
		deadline, err := arrowcol.Time(rec, 3)
		if err != nil {
			return err
		}
		onTime, err := arrowcol.Bool(rec, 4)
		if err != nil {
			return err
		}
		files, err := arrowcol.Int(rec, 6)
		if err != nil {
			return err
		}
		texts := map[int][]sql.NullString{} // path, reason, filled_by, phone
		for _, i := range []int{5, 7, 8, 9} {
			if texts[i], err = arrowcol.NullStrings(rec, i); err != nil {
				return err
			}
		}
		for r, unit := range units {
			d.status[unit] = reportStatus{status: status[r], receivedAt: received(r), deadline: deadline(r),
				onTime: onTime(r), path: texts[5][r], files: int64(files(r)),
				reason: texts[7][r], filledBy: texts[8][r], phone: texts[9][r]}
		}
		return nil
	}, d.period)
}

func (d *summaryData) loadFlags(ctx context.Context, db *sql.DB) error {
	return query(ctx, pool{db}, "report_period_flags", func(r *sql.Rows) error {
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
	return query(ctx, pool{db}, "report_changes", func(r *sql.Rows) error {
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
	sortByPlace(out)
	return out
}

// sortByPlace orders units by district, township and code.
func sortByPlace(units []*unitInfo) {
	slices.SortFunc(units, func(a, b *unitInfo) int {
		return cmp.Or(strings.Compare(a.district, b.district), strings.Compare(a.township, b.township), strings.Compare(a.code, b.code))
	})
}

// underTownships groups allVillages (villagesUnder("")) and allParks
// (parksUnder("")) by the code of each township, in their order, as
// villagesUnder and parksUnder list them for it: one pass, where asking
// them for each of 800 townships went through every unit 1,600 times.
func underTownships(allVillages, allParks []*unitInfo) (villages, parks map[string][]*unitInfo) {
	villages = map[string][]*unitInfo{}
	for _, u := range allVillages {
		villages[u.township] = append(villages[u.township], u)
	}
	parks = map[string][]*unitInfo{}
	for _, p := range allParks {
		keys := []string{p.township, p.district, p.parent}
		for i, k := range keys {
			if k != "" && !slices.Contains(keys[:i], k) {
				parks[k] = append(parks[k], p)
			}
		}
	}
	return villages, parks
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
