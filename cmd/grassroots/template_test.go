package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"

	"grassroots/pipeline/form"
)

func TestTemplateCommand(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args    []string
		version string
	}{
		{[]string{"template", "--out", filepath.Join(dir, "t2022.xlsx")}, form.Version2022},
		{[]string{"template", "--out", filepath.Join(dir, "sub", "t2021.xlsx"), "--version", "2021"}, form.Version2021},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), tc.args, &stdout, &stderr); code != 0 {
			t.Fatalf("%v: exit %d: %s", tc.args, code, stderr.String())
		}
		out := tc.args[2]
		x, err := excelize.OpenFile(out)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := x.GetRows(form.SheetRequests)
		x.Close()
		if err != nil || len(rows) == 0 {
			t.Fatal(err)
		}
		want := form.TemplateHeaders(form.SheetRequests, tc.version)
		if len(rows[0]) != len(want) || rows[0][0] != want[0] {
			t.Errorf("%s headers %v, want %v", out, rows[0], want)
		}
		// The same bytes as the library writes: the command adds nothing.
		var buf bytes.Buffer
		form.WriteTemplate(&buf, tc.version)
		if b, _ := os.ReadFile(out); !bytes.Equal(b, buf.Bytes()) {
			t.Errorf("%s differs from form.WriteTemplate", out)
		}
		// A blank template read back is rejected only for what a clerk must type.
		f := form.ReadFile(out, "t.xlsx", form.Options{})
		for _, i := range f.Issues {
			if i.Severity == form.SeverityRow {
				t.Errorf("row issue in a blank template: %v", i.Error())
			}
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"template", "--out", filepath.Join(dir, "x.xlsx"), "--version", "2019"}, &stdout, &stderr); code != 1 {
		t.Errorf("bad version: exit %d", code)
	}
}

// `template --form park` writes the blank park form, which reads back as a
// park form of 园区2023版.
func TestTemplateCommandPark(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "park.xlsx")
	if code := run(context.Background(), []string{"template", "--form", "park", "--out", out}, io.Discard, io.Discard); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	f := form.ReadFile(out, "park.xlsx", form.Options{})
	if f.Kind != form.Park || f.Version != "园区2023版" {
		t.Errorf("the blank park form reads as %q %q", f.Kind, f.Version)
	}
	if code := run(context.Background(), []string{"template", "--form", "school", "--out", out}, io.Discard, io.Discard); code != exitUsage {
		t.Errorf("--form school: exit %d, want %d", code, exitUsage)
	}
}
