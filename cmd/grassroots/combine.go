package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"grassroots/definitions"
	"grassroots/pipeline/calendar"
	"grassroots/pipeline/lake"
	"grassroots/pipeline/warehouse"
)

// lakeList is a repeatable --lake flag.
type lakeList []string

func (l *lakeList) String() string { return strings.Join(*l, ",") }

func (l *lakeList) Set(s string) error {
	*l = append(*l, s)
	return nil
}

func cmdCombine(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "combine", "--lake DIR [--lake DIR…] --registry FILE --db FILE [--out DIR] [--period YYYY-MM] [--metrics FILE]")
	var lakes lakeList
	fs.Var(&lakes, "lake", "a lake written by `grassroots export` (repeat for each city)")
	registryFile := fs.String("registry", "", "registry CSV (名册) that holds every lake's units")
	db := fs.String("db", "", "DuckDB warehouse file to build (replaced when combine built it; any other file is refused)")
	out := fs.String("out", "", "folder for the summary and township workbooks (default: none)")
	period := fs.String("period", "", "month of the summary, YYYY-MM (default: the newest month with an accepted form)")
	deadlineDay := fs.Int("deadline-day", calendar.DefaultDeadlineDay, "deadline shown for units that no lake holds (every other unit's timeliness is its city's)")
	minSample := fs.Int("min-sample", warehouse.DefaultMinSample, "as for run: rates about requests or meetings with a denominator from 1 to this-1 are flagged small_sample")
	metricsFile := fs.String("metrics", "", "metric definitions (TOML), as for run: the same the cities used")
	memoryLimit := fs.String("memory-limit", lake.DefaultCombineMemory, "memory DuckDB may use before it spills to <db>.combining.tmp")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("%w: combine takes no arguments, got %q", errUsage, fs.Args())
	case len(lakes) == 0:
		return fmt.Errorf("%w: combine needs at least one --lake DIR", errUsage)
	case *registryFile == "":
		return fmt.Errorf("%w: combine needs --registry FILE", errUsage)
	case *db == "":
		return fmt.Errorf("%w: combine needs --db FILE", errUsage)
	case *period != "" && !calendar.IsPeriod(*period):
		return fmt.Errorf("%w: --period %q: want YYYY-MM", errUsage, *period)
	case !calendar.ValidDeadlineDay(*deadlineDay):
		return fmt.Errorf("%w: --deadline-day %d: want %d to %d", errUsage, *deadlineDay, calendar.FirstDeadlineDay, calendar.LastDeadlineDay)
	case *minSample < 1:
		return fmt.Errorf("%w: --min-sample %d: want 1 or more", errUsage, *minSample)
	case !memorySize.MatchString(*memoryLimit):
		return fmt.Errorf("%w: --memory-limit %q: want a size such as 256MB or 2GB", errUsage, *memoryLimit)
	}
	var metrics *definitions.Metrics
	if *metricsFile != "" {
		var err error
		if metrics, err = definitions.LoadMetrics(*metricsFile); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Dir(*db), 0o755); err != nil {
		return err
	}
	res, err := lake.Combine(ctx, lake.CombineConfig{
		Lakes: lakes, Registry: *registryFile, DB: *db, Out: *out, Period: *period,
		DeadlineDay: *deadlineDay, MinSample: *minSample, Metrics: metrics, MemoryLimit: *memoryLimit, Log: e.log,
	})
	if res != nil {
		fmt.Fprintf(e.stdout, "combined %d lakes (%s) into %s: run %d; %d ms\n",
			len(res.Lakes), strings.Join(res.Lakes, ", "), *db, res.RunID, res.Elapsed.Milliseconds())
		if res.Summary != "" {
			fmt.Fprintf(e.stdout, "summary for %s: %s\n", res.Period, res.Summary)
		}
	}
	return err
}
