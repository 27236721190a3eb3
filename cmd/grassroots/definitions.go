package main

import (
	"context"
	"fmt"
	"strings"

	"grassroots/definitions"
	"grassroots/pipeline/warehouse"
)

// cmdDefinitions works on definitions without a run. Its one subcommand,
// check, checks them as `run` would before reading any form, and says what
// it checked: broken definitions exit 2 with the message a run would give.
func cmdDefinitions(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "check" {
		return fmt.Errorf("%w: definitions takes a subcommand: check [--forms DIR] [--metrics FILE]", errUsage)
	}
	fs := newFlags(e, "definitions check", "[--forms DIR] [--metrics FILE]")
	metricsFile := fs.String("metrics", "", "metric definitions (TOML) to check; without it, the built-in ones")
	formsDir := formsFlag(fs)
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: definitions check takes no arguments, got %q", errUsage, fs.Args())
	}
	metrics := definitions.DefaultMetrics()
	if *metricsFile != "" {
		var err error
		if metrics, err = definitions.LoadMetrics(*metricsFile); err != nil {
			return err
		}
	}
	forms, err := loadForms(*formsDir)
	if err != nil {
		return err
	}
	if err := warehouse.CheckMetrics(ctx, metrics, forms); err != nil {
		return err
	}
	kinds := forms.Form
	if forms.Park != nil {
		kinds += ", " + forms.Park.Form
	}
	fmt.Fprintf(e.stdout, "forms: %s (versions %s), all valid (%s)\n", kinds, strings.Join(forms.Versions, ", "), forms.Source)
	fmt.Fprintf(e.stdout, "metrics: %d definitions, all valid (%s)\n", len(metrics.List), metrics.File)
	return nil
}
