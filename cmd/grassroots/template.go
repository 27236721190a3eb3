package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"grassroots/pipeline/form"
)

// cmdTemplate writes a blank form for villages, built from the reader's own
// header and enum tables (form.WriteTemplate).
func cmdTemplate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "template", "--out FILE [--version 2021|2022]")
	out := fs.String("out", "template.xlsx", "where to write the blank form")
	version := fs.String("version", "2022", "form version: 2021 or 2022")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("%w: unexpected arguments %q", errUsage, fs.Args())
	}
	v := strings.TrimSuffix(strings.TrimSpace(*version), "版") + "版"
	var buf bytes.Buffer
	if err := form.WriteTemplate(&buf, v); err != nil {
		return fmt.Errorf("%w: --version %q: want 2021 or 2022", errUsage, *version)
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
