package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFixturesCommand(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantOut    string
		wantReadme string
	}{
		{"writes an inbox", []string{"--villages", "4", "--months", "1", "--seed", "3", "--volume", "20"}, exitOK, "4 units", "--start 2021-01 --volume 20`"},
		{"realistic", []string{"--villages", "4", "--months", "1", "--seed", "3", "--volume", "20", "--realistic"}, exitOK, "4 units", "--volume 20 --realistic`"},
		{"clean and realistic", []string{"--clean", "--realistic"}, exitUsage, "", ""},
		{"bad start", []string{"--start", "2021/01"}, exitUsage, "", ""},
		{"no villages", []string{"--villages", "0"}, exitUsage, "", ""},
		{"unknown flag", []string{"--bogus"}, exitUsage, "", ""},
		{"stray argument", []string{"extra"}, exitUsage, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			var stdout, stderr bytes.Buffer
			args := append([]string{"--log-level", "error", "fixtures", "--out", dir}, tt.args...)
			code := run(context.Background(), args, &stdout, &stderr)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.wantCode, stderr.String())
			}
			if code != exitOK {
				return
			}
			if !strings.Contains(stdout.String(), tt.wantOut) {
				t.Errorf("stdout %q lacks %q", stdout.String(), tt.wantOut)
			}
			for _, f := range []string{"registry.csv", "expected-issues.csv", "README.md", "inbox/receipts.csv"} {
				if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
					t.Errorf("%s not written: %v", f, err)
				}
			}
			forms, _ := filepath.Glob(filepath.Join(dir, "inbox", "*", "*", "*.xlsx"))
			if len(forms) < 3 {
				t.Errorf("%d forms written, want about one per unit", len(forms))
			}
			readme, _ := os.ReadFile(filepath.Join(dir, "README.md"))
			if !strings.Contains(string(readme), "grassroots fixtures --out "+dir+" --villages 4") {
				t.Errorf("README.md does not cite the command line:\n%.300s", readme)
			}
			if !strings.Contains(string(readme), tt.wantReadme) {
				t.Errorf("README.md lacks %q:\n%.300s", tt.wantReadme, readme)
			}
		})
	}
}
