package warehouse

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"grassroots/definitions"
	"grassroots/pipeline/form"
	"grassroots/pipeline/registry"
	"grassroots/queries"
)

// The metrics are the one place where Go builds SQL: from the metric
// definitions (package definitions), which an analyst may replace with
// `--metrics FILE`. The expressions come from a file the analyst trusts;
// CheckMetrics tries them on an empty warehouse before a run reads any form.

// statement is one statement of a generated step, named for the debug log.
type statement struct {
	name string
	sql  string
	file string // the queries/ file it is, "" when built from the definitions
}

// generatedSteps are the refresh steps built from the definitions instead
// of read from queries/: the fact sources' views, metric_catalog, and the
// facts of every metric (into metric_facts).
func generatedSteps(ms *definitions.Metrics, answers []form.AnswerKey) map[string][]statement {
	var facts []statement
	for _, src := range definitions.Sources() {
		facts = append(facts, statement{name: "facts_" + src, sql: queries.SQL("facts_" + src), file: "queries/facts_" + src + ".sql"})
		if src == "cover" {
			facts = append(facts, coverFacts(answers))
		}
	}
	return map[string][]statement{
		"facts":          facts,
		"metric_catalog": catalogStatements(ms),
		"metric_facts":   factsDeleteStatements(ms),
		"metrics":        metricStatements(ms),
	}
}

// catalogStatements rebuild metric_catalog: one row per metric, in the
// definitions' order, which is the workbooks' column order. The values are
// SQL literals rather than parameters: one statement, as cheap as the
// hand-written one was (168 parameters took twice as long to bind). Names,
// kinds, sources and directions are checked words; titles and families are
// quoted.
func catalogStatements(ms *definitions.Metrics) []statement {
	var values []string
	for i, m := range ms.List {
		threshold, direction := "NULL", "NULL"
		if m.Threshold != nil {
			threshold = strconv.FormatFloat(*m.Threshold, 'g', -1, 64) // finite: checked by ParseMetrics
			direction = sqlString(m.Direction)
		}
		values = append(values, fmt.Sprintf("(%d, %s, %s, %s, %s, %s, CAST(%s AS DOUBLE), CAST(%s AS VARCHAR), %t)",
			i+1, sqlString(m.Name), sqlString(m.Kind), sqlString(m.Family), sqlString(m.Source), sqlString(m.Title), threshold, direction, m.Headline))
	}
	return []statement{{name: "metric_catalog", sql: "CREATE OR REPLACE TABLE metric_catalog AS\nSELECT * FROM (VALUES\n" +
		strings.Join(values, ",\n") + "\n) AS t(ord, metric, kind, family, source, title, threshold, direction, headline)"}}
}

// sqlString is s as a SQL string literal.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// metricStatements are one INSERT INTO metric_facts: per source, every
// metric of the source in one grouped pass over its rows, unpivoted by a
// LATERAL VALUES into (period, unit_code, metric, numerator, denominator),
// the sources' passes joined by UNION ALL (one statement plans and runs in
// parallel what five took as long again to do one after the other).
// An expression that several metrics share (rated requests are
// rating_rate's numerator and satisfaction_rate's denominator) is computed
// once. Only the facts the run recomputes are computed (in_fact_units,
// in_fact_scope and the source's in_source_scope_<source>,
// refresh_scope.sql; metric_facts keeps the others): the filter comes after
// the source, so a source that looks at other months (晋位升级) still sees
// them. A count's denominator is 0 (the roll-up gives counts a NULL one);
// the median is not a fact (rollup_metric_values.sql computes it). A 0/0
// fact is left out: it adds nothing to any sum, and the roll-up gives every
// unit every metric anyway (0 or 0/0), so metric_facts holds no more rows
// than the hand-written SQL gave (that left out types and ways of forming
// with no rows) and the roll-up has no more to join.
func metricStatements(ms *definitions.Metrics) []statement {
	var passes []string
	for _, src := range definitions.Sources() {
		var cols []string
		alias := map[string]string{}
		column := func(expr string) string {
			if a, ok := alias[expr]; ok {
				return a
			}
			a := fmt.Sprintf("e%d", len(cols)+1)
			alias[expr] = a
			// Each expression on lines of its own, so that a -- comment in
			// it ends with it.
			cols = append(cols, fmt.Sprintf("coalesce((\n%s\n), 0) AS %s", expr, a))
			return a
		}
		var rows []string
		for _, m := range ms.List {
			if m.Source != src || m.Kind == definitions.KindMedian {
				continue
			}
			den := "0"
			if m.Kind == definitions.KindRatio {
				den = "c." + column(m.Denominator)
			}
			num := "c." + column(m.Numerator)
			rows = append(rows, fmt.Sprintf("('%s', %s, %s)", m.Name, num, den)) // Name is [a-z0-9_]+
		}
		if len(rows) == 0 {
			continue
		}
		passes = append(passes, fmt.Sprintf(`-- source %s
SELECT c.period, c.unit_code, m.metric, m.numerator, m.denominator
FROM (
    SELECT period, unit_code,
%s
    FROM facts_%s
    WHERE in_fact_units(unit_code) AND in_fact_scope(period, unit_code) AND in_source_scope_%s(period, unit_code)
    GROUP BY period, unit_code
) c,
LATERAL (VALUES
%s
) AS m(metric, numerator, denominator)
WHERE m.numerator <> 0 OR m.denominator <> 0`, src, strings.Join(cols, ",\n"), src, src, strings.Join(rows, ",\n")))
	}
	if len(passes) == 0 {
		return nil // only the median: no facts
	}
	// In month order, so that metric_facts is stored month by month and the
	// roll-up's scan of the recent months skips the others' blocks.
	return []statement{{name: "metrics", sql: "INSERT INTO metric_facts\nSELECT * FROM (\n(" + strings.Join(passes, "\n)\nUNION ALL\n(") + "\n)\n)\nORDER BY period"}}
}

// factsDeleteStatements are the delete of the facts the run recomputes,
// before metricStatements inserts them again: those in in_fact_scope and,
// by the source of each metric, in its in_source_scope_<source>
// (refresh_scope.sql), and every fact of a metric the definitions no longer
// have (they changed: every figure is recomputed). The metrics of each
// source are listed here, where the definitions are. The facts in
// in_fact_scope are picked first, into a temporary table: in one statement
// DuckDB tests the sources in the scan of the 2.2 million facts of a
// 10,000-unit year, before in_fact_scope's joins (0.25-0.34 s, where
// in_fact_scope alone takes 0.05 s), even from a MATERIALIZED CTE.
func factsDeleteStatements(ms *definitions.Metrics) []statement {
	bySource := map[string][]string{}
	var all []string
	for _, m := range ms.List {
		if m.Kind == definitions.KindMedian {
			continue
		}
		name := sqlString(m.Name)
		bySource[m.Source] = append(bySource[m.Source], name)
		all = append(all, name)
	}
	if len(all) == 0 {
		return []statement{{name: "metric_facts", sql: "DELETE FROM metric_facts WHERE in_fact_scope(period, unit_code)"}}
	}
	tests := []string{"metric NOT IN (" + strings.Join(all, ", ") + ")"}
	for _, src := range definitions.Sources() {
		if names := bySource[src]; len(names) > 0 {
			tests = append(tests, fmt.Sprintf("metric IN (%s) AND in_source_scope_%s(period, unit_code)", strings.Join(names, ", "), src))
		}
	}
	return []statement{
		{name: "metric_facts", sql: `CREATE OR REPLACE TEMP TABLE facts_in_scope AS
SELECT rowid AS row_id, period, unit_code, metric
FROM metric_facts
WHERE in_fact_scope(period, unit_code)`},
		{name: "metric_facts", sql: `DELETE FROM metric_facts
WHERE rowid IN (
    SELECT row_id FROM facts_in_scope
    WHERE ` + strings.Join(tests, "\n       OR ") + `
)`},
		{name: "metric_facts", sql: "DROP TABLE facts_in_scope"},
	}
}

// coverFacts builds the fact source cover: facts_cover_forms
// (queries/facts_cover.sql) with two columns for each answer the form
// definitions keep (form.Definitions.AnswerKeys): <key>, the valid answer
// in the type of its kind (NULL when empty or invalid), and <key>_asked,
// whether the form's cover had the field's label (NULL for a form read
// before the field was defined). Keys are checked identifiers
// (form.ParseDefinitions), so they are safe as column names.
func coverFacts(answers []form.AnswerKey) statement {
	if len(answers) == 0 {
		return statement{name: "facts_cover", sql: "CREATE OR REPLACE TEMP VIEW facts_cover AS SELECT * EXCLUDE (sha256) FROM facts_cover_forms"}
	}
	var cols []string
	for _, a := range answers {
		value := "any_value(text)"
		switch a.Kind {
		case "yesno":
			value = "bool_or(yes)"
		case "count", "stars":
			value = "max(count)"
		case "date":
			value = "max(date)"
		}
		k := sqlString(a.Key)
		cols = append(cols,
			fmt.Sprintf("%s FILTER (WHERE key = %s AND valid) AS %s", value, k, a.Key),
			fmt.Sprintf("bool_or(asked) FILTER (WHERE key = %s) AS %s_asked", k, a.Key))
	}
	return statement{name: "facts_cover", sql: "CREATE OR REPLACE TEMP VIEW facts_cover AS\n" +
		"SELECT c.* EXCLUDE (sha256), a.* EXCLUDE (sha256)\nFROM facts_cover_forms c\nLEFT JOIN (\n    SELECT sha256,\n    " +
		strings.Join(cols, ",\n    ") + "\n    FROM form_answers GROUP BY sha256\n) a USING (sha256)"}
}

// recordSettings records the run's settings and metric definitions with the
// run (run_settings.sql) and builds the refresh steps of the definitions
// (nil: the built-in ones).
func (r *Run) recordSettings(ctx context.Context, deadlineDay, minSample int, ms *definitions.Metrics, forms *form.Definitions) error {
	if ms == nil {
		ms = definitions.DefaultMetrics()
	}
	if forms == nil {
		forms = form.Default()
	}
	r.generated, r.metrics = generatedSteps(ms, forms.AllAnswerKeys()), ms
	_, err := r.conn.ExecContext(ctx, queries.SQL("run_settings"), r.ID, deadlineDay, minSample, r.basis(ms), metricDigests(ms))
	return err
}

// basis identifies how figures and flags are computed: the SQL of every
// refresh step (the built-in files and those generated from the
// definitions) and the metrics' definitions (whose titles and kinds the
// flags' details quote). It is recorded as runs.flags_basis: a run whose
// basis differs from the previous run's, as after an upgrade or with other
// definitions, recomputes every figure (refresh_scope) and every flag
// (refresh_flag_scope) instead of only those whose inputs changed.
func (r *Run) basis(ms *definitions.Metrics) string {
	h := sha256.New()
	for _, step := range refreshSteps {
		if gen, ok := r.generated[step]; ok {
			for _, s := range gen {
				h.Write([]byte(s.sql + "\x00"))
			}
			continue
		}
		h.Write([]byte(queries.SQL(step) + "\x00"))
		if alt, ok := partialSteps[step]; ok {
			h.Write([]byte(queries.SQL(alt) + "\x00"))
		}
	}
	h.Write([]byte(ms.Digest()))
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// metricDigests is what a run records of its definitions (runs.metric_digests):
// per metric, the digest of what its figures depend on, as a JSON object, so
// that the next run names `definitions` as the cause of the figures of the
// metrics whose definition changed (refresh_metric_changes.sql).
func metricDigests(ms *definitions.Metrics) string {
	d := map[string]string{}
	for _, m := range ms.List {
		d[m.Name] = m.FigureDigest()
	}
	b, _ := json.Marshal(d) // a map of strings always marshals
	return string(b)
}

// CheckMetrics tries metric definitions on an empty warehouse in memory:
// each numerator and denominator alone against its source (a broken
// expression is named with its metric and key, and must be a number), then
// the generated statements whole. Every problem is a
// *definitions.MetricError, joined. A run calls it before reading any form
// when the definitions are not the built-in ones.
func CheckMetrics(ctx context.Context, ms *definitions.Metrics, forms *form.Definitions) error {
	if ms == nil {
		ms = definitions.DefaultMetrics()
	}
	if forms == nil {
		forms = form.Default()
	}
	w := &Warehouse{log: slog.New(slog.DiscardHandler), opt: Options{MemoryLimit: DefaultMemoryLimit}}
	// An empty path opens DuckDB in memory: nothing is written anywhere.
	if err := w.open(ctx); err != nil {
		return fmt.Errorf("checking metric definitions: %w", err)
	}
	defer w.db.Close()
	r, err := w.Begin(ctx, "", time.Now())
	if err != nil {
		return fmt.Errorf("checking metric definitions: %w", err)
	}
	defer r.Rollback()
	// The built-in definitions build every table and fact source; the
	// sources are the same whatever the definitions.
	if err := r.refresh(ctx, &registry.Registry{}, Settings{Forms: forms}); err != nil {
		return fmt.Errorf("checking metric definitions: %w", err)
	}
	// Out of the transaction (the connection keeps its temporary views and
	// tables), so that one failing expression does not abort the checks of
	// the others.
	if _, err := r.conn.ExecContext(ctx, "COMMIT"); err != nil {
		return err
	}
	var errs []error
	for _, m := range ms.List {
		if m.Kind == definitions.KindMedian {
			continue
		}
		keys := []struct{ key, expr string }{{"numerator", m.Numerator}}
		if m.Kind == definitions.KindRatio {
			keys = append(keys, struct{ key, expr string }{"denominator", m.Denominator})
		}
		for _, k := range keys {
			if err := r.checkExpression(ctx, m.Source, k.expr); err != nil {
				errs = append(errs, &definitions.MetricError{File: m.File, Line: m.KeyLine(k.key), Metric: m.Name, Key: k.key, Err: err})
			}
		}
	}
	if len(errs) > 0 {
		// In the file's order, as an analyst reads it.
		slices.SortStableFunc(errs, func(a, b error) int {
			return cmp.Compare(a.(*definitions.MetricError).Line, b.(*definitions.MetricError).Line)
		})
		return errors.Join(errs...)
	}
	if _, err := r.conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return err
	}
	gen := generatedSteps(ms, forms.AllAnswerKeys())
	for _, s := range append(gen["metric_catalog"], gen["metrics"]...) {
		if _, err := r.conn.ExecContext(ctx, s.sql); err != nil {
			return &definitions.MetricError{File: ms.File, Err: fmt.Errorf("%s: %w", s.name, err)}
		}
	}
	if _, err := r.conn.ExecContext(ctx, queries.SQL("rollup_metric_values")); err != nil {
		return &definitions.MetricError{File: ms.File, Err: fmt.Errorf("rollup_metric_values: %w", err)}
	}
	return nil
}

// checkExpression checks that expr is an aggregate over source's rows of
// one unit and month that gives a number.
func (r *Run) checkExpression(ctx context.Context, source, expr string) error {
	var name, typ string
	var rest [4]any
	err := r.conn.QueryRowContext(ctx, fmt.Sprintf("DESCRIBE SELECT (\n%s\n) AS v FROM facts_%s GROUP BY period, unit_code", expr, source)).
		Scan(&name, &typ, &rest[0], &rest[1], &rest[2], &rest[3])
	if err != nil {
		return err
	}
	if !numeric(typ) {
		return fmt.Errorf("%q gives %s: want a number, such as count(*) FILTER (WHERE …) or sum(…)", expr, typ)
	}
	return nil
}

func numeric(typ string) bool {
	switch typ {
	case "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT",
		"UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE":
		return true
	}
	return strings.HasPrefix(typ, "DECIMAL")
}

// generatedStep runs the statements of a generated refresh step. An error
// names the definitions file: the statements come from it.
func (r *Run) generatedStep(ctx context.Context, gen []statement) error {
	for _, s := range gen {
		start := time.Now()
		if _, err := r.conn.ExecContext(ctx, s.sql); err != nil {
			if s.file != "" {
				return fmt.Errorf("%s: %w", s.file, err)
			}
			return fmt.Errorf("%s (built from %s): %w", s.name, r.metrics.File, err)
		}
		r.w.log.Debug("refreshed", "step", s.name, "elapsed_ms", time.Since(start).Milliseconds())
	}
	return nil
}
