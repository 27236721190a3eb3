package main

import (
	"errors"
	"flag"
	"fmt"
	"time"

	"grassroots/fixtures"
)

func cmdFixtures(args []string) error {
	fl := flag.NewFlagSet("fixtures", flag.ExitOnError)
	out := fl.String("out", "", "directory to write registry.csv and inbox/ to")
	villages := fl.Int("villages", 10000, "reporting units")
	months := fl.Int("months", 1, "months of forms")
	seed := fl.Int("seed", 1, "random seed")
	start := fl.String("start", "2021-01", "first month, YYYY-MM")
	changes := fl.Int("changes", 0, "percent of the units merged or moved over the months (fixtures.Options.Changes)")
	realistic := fl.Bool("realistic", false, "forms as villages fill them (most with warnings, some with rejected rows) instead of clean ones")
	fl.Parse(args)
	if *out == "" {
		return errors.New("fixtures: --out is required")
	}
	mode, flagText := "clean", ""
	if *realistic {
		mode, flagText = "realistic", " --realistic"
	}
	began := time.Now()
	s, err := fixtures.Generate(*out, fixtures.Options{
		Villages: *villages, Months: *months, Seed: *seed, Start: *start,
		Clean: !*realistic, Realistic: *realistic, Changes: *changes,
		Command: fmt.Sprintf("bench/cmd/benchtool fixtures --out %s --villages %d --months %d --seed %d --start %s --changes %d%s",
			*out, *villages, *months, *seed, *start, *changes, flagText),
	})
	if err != nil {
		return err
	}
	return printJSON(map[string]any{
		"mode": mode, "units": s.Units, "files": s.Files, "forms": s.Forms, "rows": s.Rows, "issues": s.Issues,
		"bytes": s.Bytes, "seconds": time.Since(began).Seconds(),
	})
}
