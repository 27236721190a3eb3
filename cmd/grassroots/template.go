package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// cmdTemplate writes a blank form for villages, built from the reader's own
// definitions (form.Definitions.WriteTemplate).
func cmdTemplate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "template", "--out FILE [--form village|park] [--version 2022] [--forms DIR]")
	out := fs.String("out", "template.xlsx", "where to write the blank form")
	version := fs.String("version", "", "form version, e.g. 2021 or 2022版 (default: the definitions' template.default_version)")
	formsDir := formsFlag(fs)
	kind := fs.String("form", "village", "form kind: village (村、社区) or park (园区)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("%w: unexpected arguments %q", errUsage, fs.Args())
	}
	defs, err := loadForms(*formsDir)
	if err != nil {
		return err
	}
	var ok bool
	if defs, ok = defs.ForForm(*kind); !ok {
		return fmt.Errorf("%w: --form %q: want village or park (the park form needs a park.toml)", errUsage, *kind)
	}
	v := defs.TemplateVersion
	if *version != "" {
		var ok bool
		if v, ok = defs.Version(*version); !ok {
			return fmt.Errorf("%w: --version %q: want one of %s", errUsage, *version, strings.Join(defs.Versions, ", "))
		}
	}
	var buf bytes.Buffer
	if err := defs.WriteTemplate(&buf, v); err != nil {
		return err
	}
	if dir := filepath.Dir(*out); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	// Write beside the target and rename, so that a half-written template
	// never sits at the path a clerk may download.
	tmp := *out + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, *out); err != nil {
		os.Remove(tmp)
		return err
	}
	e.log.Info("template written", "file", *out, "version", v, "bytes", buf.Len())
	return nil
}
