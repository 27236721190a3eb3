package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"grassroots/pipeline/form"
	"grassroots/pipeline/registry"
)

// cmdValidate checks forms without loading them: every issue as
// `file: sheet!cell: code: message`, then a summary line per file. A file
// that would be rejected makes the exit status 1 (errRejected).
func cmdValidate(ctx context.Context, e *env, args []string) error {
	flags := newFlags(e, "validate", "[--registry FILE] FILE|DIR...")
	regPath := flags.String("registry", "", "registry CSV: a code that is not a village or community in it rejects the file")
	if err := parseFlags(flags, args); err != nil {
		return err
	}
	if flags.NArg() == 0 {
		flags.Usage()
		return fmt.Errorf("%w: no file given", errUsage)
	}
	var reg *registry.Registry
	if *regPath != "" {
		var err error
		if reg, err = registry.Load(*regPath); err != nil {
			return err
		}
	}
	files, err := formFiles(flags.Args())
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("%w: no .xlsx file under %s", errUsage, strings.Join(flags.Args(), " "))
	}
	rejected := 0
	for _, path := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		start := time.Now()
		f := form.ReadFile(path, path, form.Options{})
		if reg != nil && f.Cover.Code != "" && !reg.IsReporting(f.Cover.Code) {
			f.Add(form.UnknownCodeIssue(f))
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

// formFiles expands the arguments: a directory stands for every .xlsx below
// it (sorted, Office lock files ~$x.xlsx skipped); a file stands for itself,
// whatever its name.
func formFiles(args []string) ([]string, error) {
	var out []string
	for _, arg := range args {
		st, err := os.Stat(arg)
		if err != nil || !st.IsDir() {
			out = append(out, arg) // ReadFile reports what is wrong with it
			continue
		}
		var found []string
		err = filepath.WalkDir(arg, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			name := d.Name()
			if !d.IsDir() && strings.EqualFold(filepath.Ext(name), ".xlsx") && !strings.HasPrefix(name, "~$") {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		sort.Strings(found)
		out = append(out, found...)
	}
	return out, nil
}
