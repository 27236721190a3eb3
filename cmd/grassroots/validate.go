package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"grassroots/pipeline/calendar"
	"grassroots/pipeline/form"
	"grassroots/pipeline/inbox"
	"grassroots/pipeline/registry"
)

// cmdValidate checks forms without loading them: every issue as
// `file: sheet!cell: code: message`, then a summary line per file. A file
// that would be rejected makes the exit status 1 (errRejected).
func cmdValidate(ctx context.Context, e *env, args []string) error {
	flags := newFlags(e, "validate", "[--registry FILE] [--forms DIR] FILE|DIR...")
	regPath := flags.String("registry", "", "registry CSV: a code that is not a village or community in it rejects the file")
	formsDir := formsFlag(flags)
	if err := parseFlags(flags, args); err != nil {
		return err
	}
	if flags.NArg() == 0 {
		flags.Usage()
		return fmt.Errorf("%w: no file given", errUsage)
	}
	defs, err := loadForms(*formsDir)
	if err != nil {
		return err
	}
	var reg *registry.Registry
	if *regPath != "" {
		var err error
		if reg, err = registry.Load(*regPath); err != nil {
			return err
		}
	}
	files, err := formFiles(flags.Args(), e.log)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("%w: no form (.xlsx, .xls, .xlsm, .et) under %s", errUsage, strings.Join(flags.Args(), " "))
	}
	rejected := 0
	for _, file := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		start := time.Now()
		path := file.name
		f := form.ReadFile(file.open, path, form.Options{Definitions: defs})
		if reg != nil {
			registryCheck(f, reg)
		}
		for _, i := range f.Issues {
			fmt.Fprintln(e.stdout, i.Error())
		}
		fmt.Fprintln(e.stdout, summaryLine(f))
		if f.Rejected {
			rejected++
		}
		e.log.Debug("validated", "file", path, "issues", len(f.Issues), "elapsed_ms", time.Since(start).Milliseconds())
	}
	if len(files) > 1 {
		fmt.Fprintf(e.stdout, "%d files: %d accepted, %d rejected\n", len(files), len(files)-rejected, rejected)
	}
	if rejected > 0 {
		return fmt.Errorf("%w: %d of %d files", errRejected, rejected, len(files))
	}
	return nil
}

// summaryLine is `file: accepted|rejected: N rows read, N rows rejected, N warnings`.
func summaryLine(f *form.Form) string {
	status := "accepted"
	if f.Rejected {
		status = "rejected"
	}
	warnings := 0
	for _, i := range f.Issues {
		if i.Severity == form.SeverityWarning {
			warnings++
		}
	}
	return fmt.Sprintf("%s: %s: %d rows read, %d rows rejected, %d warnings", f.Path, status, f.Rows.Read, f.Rows.Rejected, warnings)
}

// formFile is one form to validate: the name it is shown by and the path
// to open.
type formFile struct{ name, open string }

// formFiles expands the arguments. A directory stands for the candidate
// forms below it by the batch's own rule (inbox.Scan: spreadsheets, not
// Office lock files, hidden files or symbolic links), sorted, each shown as
// the directory joined with its inbox path (GBK names decoded) and opened by
// its real path. A file stands for itself, whatever its name.
func formFiles(args []string, log *slog.Logger) ([]formFile, error) {
	var out []formFile
	for _, arg := range args {
		st, err := os.Stat(arg)
		if err != nil || !st.IsDir() {
			out = append(out, formFile{arg, arg}) // ReadFile reports what is wrong with it
			continue
		}
		files, err := inbox.Scan(arg, calendar.Shanghai, log)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			if f.Ignored == "" {
				out = append(out, formFile{filepath.Join(arg, filepath.FromSlash(f.Path)), f.Abs})
			}
		}
	}
	return out, nil
}

// registryCheck adds the registry's file-level rejections as a run makes
// them (queries/refresh_derived_issues.sql), first that applies: a code
// that is no reporting unit (unknown_code), one with no row valid in the
// form's month (unit_inactive), one of the other form's kind (wrong_form).
// They come before the required sheets: a form the reader rejected for a
// missing sheet is checked too, and loses its missing_sheet issues when
// the registry rejects it; one rejected for anything else is not checked.
func registryCheck(f *form.Form, reg *registry.Registry) {
	code, period := f.Cover.Code, f.Cover.Period
	if code == "" {
		return
	}
	for _, i := range f.Issues {
		if i.Severity == form.SeverityFile && i.Code != form.CodeMissingSheet {
			return
		}
	}
	n := len(f.Issues)
	defer func() {
		if len(f.Issues) > n {
			f.Issues = slices.DeleteFunc(f.Issues, func(i form.Issue) bool { return i.Code == form.CodeMissingSheet })
		}
	}()
	if !reg.IsReporting(code) {
		f.Add(form.UnknownCodeIssue(f))
		return
	}
	if period == "" {
		return
	}
	u, ok := reg.UnitAt(code, period)
	if !ok || !u.IsReporting() {
		last, _ := reg.Unit(code)
		f.Add(form.RegistryIssue(f, form.CodeUnitInactive, "名册中“"+last.Name+"”（"+code+"）在报告期"+period+"不是有效的村（社区），请核对区划代码和报告期"))
		return
	}
	isPark := u.Level == registry.LevelPark
	switch {
	case f.Kind == form.Park && !isPark:
		f.Add(form.RegistryIssue(f, form.CodeWrongForm, "“"+u.Name+"”（"+code+"）是村（社区），应填报村（社区）月报表，不是园区月报表"))
	case f.Kind != form.Park && isPark:
		f.Add(form.RegistryIssue(f, form.CodeWrongForm, "“"+u.Name+"”（"+code+"）是园区，应填报园区两新组织党建月报表，不是村（社区）月报表"))
	}
}
