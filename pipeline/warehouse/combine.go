package warehouse

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"grassroots/pipeline/registry"
	"grassroots/queries"
)

// ErrNotCombined: combine was asked to replace a warehouse that it did not
// build (a city's own warehouse of forms).
var ErrNotCombined = errors.New("not a warehouse built by combine")

// Stage fills the lake_* staging tables (queries/combine_stage_*.sql), and
// requests_effective with the requests the cities counted, on the combine's
// connection, inside its transaction, with the registry already in units;
// an error it returns (lakes that overlap, units the registry lacks)
// abandons the combine.
type Stage func(ctx context.Context, conn *sql.Conn) error

// combineLoad are the steps that put the lakes' staged rows into the
// warehouse's own tables, before the refresh steps: the files and contents
// the cities saw (for the submissions and issues views) and their issues.
// (The requests they counted go straight to requests_effective: Stage.)
var combineLoad = []string{"combine_files", "combine_forms", "combine_form_issues"}

// combineInstead are the refresh steps that decide from forms, and what a
// combine runs in their place: the cities decided those things
// (supersession, timeliness by their own deadline day, deduplicated
// requests, derived issues), and their lakes carry the decisions. Every
// other step of refreshSteps runs as it does for a run of forms, so that a
// combined warehouse's months, hierarchy, figures, flags and views come from
// the same SQL. The metric steps run on what the lakes carry; their facts
// for the units and months a lake holds then give way to the lake's own
// (combine_facts_delete, combine_facts), and those of the units no lake
// holds (not reporting) stay.
var combineInstead = map[string][]string{
	"refresh_submission_status":          {"combine_submission_status"},
	"refresh_requests":                   nil,
	"refresh_requests_delete":            nil,
	"refresh_requests_insert":            nil,
	"refresh_request_date_issues_delete": nil,
	"refresh_request_date_issues_insert": nil,
	"refresh_requests_basis":             nil,
	"refresh_reporting_status":           {"refresh_reporting_status", "combine_reporting_status"},
	"refresh_derived_issues":             {"combine_derived_issues"},
	"rollup_metric_values":               {"combine_facts_delete", "combine_facts", "rollup_metric_values"},
}

// CombineSteps are the steps a combine runs after staging, in order: the
// refresh steps with those of combineInstead replaced.
func CombineSteps() ([]string, error) {
	for step := range combineInstead {
		if !slices.Contains(refreshSteps, step) {
			// The refresh changed: combine must be told what to do instead.
			return nil, fmt.Errorf("combine: refresh step %q is gone; update combineInstead", step)
		}
	}
	var steps []string
	for _, step := range refreshSteps {
		if instead, ok := combineInstead[step]; ok {
			steps = append(steps, instead...)
			continue
		}
		steps = append(steps, step)
	}
	return steps, nil
}

// Combine fills this warehouse, which must hold no run yet, as one run built
// from lakes rather than forms: the registry reg, then stage's lake_* tables,
// then the refresh steps (CombineSteps), committed with finished as the
// run's end. label is recorded as the run's inbox. It returns the run's id.
func (w *Warehouse) Combine(ctx context.Context, label string, reg *registry.Registry, s Settings, started, finished time.Time, stage Stage) (int, error) {
	steps, err := CombineSteps()
	if err != nil {
		return 0, err
	}
	r, err := w.Begin(ctx, label, started)
	if err != nil {
		return 0, err
	}
	defer r.Rollback()
	if r.ID != 1 {
		return 0, fmt.Errorf("%s: combine builds a new warehouse, this one holds %d runs", w.path, r.ID-1)
	}
	if err := r.combine(ctx, reg, s, stage, steps); err != nil {
		return 0, w.runError(err)
	}
	if err := r.Commit(ctx, finished); err != nil {
		return 0, err
	}
	return r.ID, nil
}

func (r *Run) combine(ctx context.Context, reg *registry.Registry, s Settings, stage Stage, steps []string) error {
	// As Refresh (run.go): the previous run's tables (empty here) for
	// metric_changes, the registry, the definitions and the settings.
	if err := r.prepare(ctx, reg, s); err != nil {
		return err
	}
	if _, err := r.conn.ExecContext(ctx, queries.SQL("combine_meta")); err != nil {
		return err
	}
	if err := stage(ctx, r.conn); err != nil {
		return err
	}
	if err := r.steps(ctx, combineLoad); err != nil {
		return err
	}
	return r.steps(ctx, steps)
}

// BuiltByCombine reports whether the warehouse file at path was built by
// combine, reading it read-only.
func BuiltByCombine(ctx context.Context, path string) (bool, error) {
	db, err := OpenReadOnly(ctx, path, false)
	if err != nil {
		return false, err
	}
	defer db.Close()
	var by sql.NullString
	if err := db.QueryRowContext(ctx, queries.SQL("combine_built_by")).Scan(&by); err != nil {
		return false, fmt.Errorf("%s: %w", path, err)
	}
	return by.String == "combine", nil
}
