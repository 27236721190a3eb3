package main

import (
	"context"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"grassroots/fixtures"
	"grassroots/pipeline/calendar"
)

// cmdFixtures writes a synthetic inbox and registry (package fixtures).
func cmdFixtures(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "fixtures", "--out DIR [--villages N] [--months K] [--seed S] [--start YYYY-MM] [--volume PCT] [--clean | --realistic] [--changes PCT] [--all-receipts]")
	out := fs.String("out", "fixtures/generated", "directory to write registry.csv, inbox/, expected-issues.csv and README.md to")
	villages := fs.Int("villages", 40, "villages and communities in the registry")
	months := fs.Int("months", 3, "months of forms")
	seed := fs.Int("seed", 1, "random seed: the same seed writes the same bytes")
	start := fs.String("start", "2021-01", "first month, YYYY-MM")
	volume := fs.Int("volume", 100, "rows per form in percent of the usual (10–120 organizations, 5–300 requests)")
	clean := fs.Bool("clean", false, "inject no faults: every form valid and in the registry (for benchmarks)")
	realistic := fs.Bool("realistic", false, "every form valid and in the registry, but most with warnings and some with rejected rows, as villages fill them (for benchmarks)")
	changes := fs.Int("changes", 0, "percent of the units merged or moved during the months (half each, at least one of each), plus half as many founded; the registry gets valid_from, valid_to and successor_code")
	allReceipts := fs.Bool("all-receipts", false, "list every file in inbox/receipts.csv (for inboxes kept in git, which loses file times)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected arguments %q", errUsage, fs.Args())
	}
	if *clean && *realistic {
		return fmt.Errorf("%w: --clean and --realistic exclude each other", errUsage)
	}
	if *changes < 0 || *changes > 50 {
		return fmt.Errorf("%w: --changes %d: want 0 to 50 (percent)", errUsage, *changes)
	}
	if *villages < 1 || *months < 1 {
		return fmt.Errorf("%w: --villages and --months must be at least 1", errUsage)
	}
	if !calendar.IsPeriod(*start) {
		return fmt.Errorf("%w: --start %q: want YYYY-MM", errUsage, *start)
	}
	cmdline := []string{"grassroots", "fixtures", "--out", *out, "--villages", fmt.Sprint(*villages),
		"--months", fmt.Sprint(*months), "--seed", fmt.Sprint(*seed), "--start", *start}
	if *volume != 100 {
		cmdline = append(cmdline, "--volume", fmt.Sprint(*volume))
	}
	if *clean {
		cmdline = append(cmdline, "--clean")
	}
	if *realistic {
		cmdline = append(cmdline, "--realistic")
	}
	if *changes > 0 {
		cmdline = append(cmdline, "--changes", fmt.Sprint(*changes))
	}
	if *allReceipts {
		cmdline = append(cmdline, "--all-receipts")
	}
	if os.Getenv("GOGC") == "" {
		// excelize allocates about 2 MB a form: a lazier GC saves about a
		// fifth of the CPU time of writing a big inbox (measured: 300
		// villages × 2 months --clean took 2.5 s of CPU with GOGC=400 and
		// 3.2 s with GOGC=100).
		debug.SetGCPercent(400)
	}
	began := time.Now()
	s, err := fixtures.Generate(*out, fixtures.Options{
		Villages: *villages, Months: *months, Seed: *seed, Start: *start,
		Volume: *volume, Clean: *clean, Realistic: *realistic, Changes: *changes, AllReceipts: *allReceipts, Command: strings.Join(cmdline, " "),
	})
	if err != nil {
		return err
	}
	e.log.Info("fixtures written", "dir", *out, "files", s.Files, "forms", s.Forms, "rows", s.Rows,
		"issues", s.Issues, "bytes", s.Bytes, "elapsed_ms", time.Since(began).Milliseconds())
	fmt.Fprintf(e.stdout, "%s: %d units, %d files (%d forms, %d rows), %d expected issues, %d bytes\n",
		*out, s.Units, s.Files, s.Forms, s.Rows, s.Issues, s.Bytes)
	return ctx.Err()
}
