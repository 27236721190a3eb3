package inbox

import (
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func write(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// scanned is what an analyst sees of a scan: path → ignored reason.
func scanned(t *testing.T, dir string) map[string]string {
	t.Helper()
	files, err := Scan(dir, time.UTC, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range files {
		if _, dup := out[f.Path]; dup {
			t.Errorf("path %q listed twice", f.Path)
		}
		out[f.Path] = f.Ignored
	}
	return out
}

func TestScan(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "inbox")
	outside := filepath.Join(dir, "outside")
	write(t, filepath.Join(in, "a/白头村.xlsx"))
	write(t, filepath.Join(in, "a/\xb0\xd7\xcd\xb7\xb4\xe5.xlsx")) // 白头村 in GBK: the same display name
	write(t, filepath.Join(in, "\xc6\xbd\xcd\xcd\xb4\xe5.xlsx"))   // 平屯村 in GBK
	write(t, filepath.Join(in, "~$白头村.xlsx"))
	write(t, filepath.Join(in, ".hidden.xlsx"))
	write(t, filepath.Join(in, "notes.txt"))
	write(t, filepath.Join(in, "x.xlsx/inside.xlsx"))
	write(t, filepath.Join(outside, "secret.xlsx"))
	os.Symlink(filepath.Join(outside, "secret.xlsx"), filepath.Join(in, "link.xlsx"))
	os.Symlink(outside, filepath.Join(in, "linkdir"))
	want := map[string]string{
		"a/白头村.xlsx": "",
		`a/白头村.xlsx (a/\xb0\xd7\xcd\xb7\xb4\xe5.xlsx)`: "",
		"平屯村.xlsx":           "",
		"~$白头村.xlsx":         IgnoredLockFile,
		".hidden.xlsx":       IgnoredHidden,
		"notes.txt":          IgnoredNotXLSX,
		"x.xlsx/inside.xlsx": "",
		"link.xlsx":          IgnoredSymlink,
		"linkdir":            IgnoredSymlink,
	}
	if diff := cmp.Diff(want, scanned(t, in)); diff != "" {
		t.Errorf("scan (-want +got):\n%s", diff)
	}
	// The inbox reached through a link is the same inbox.
	link := filepath.Join(dir, "inbox-link")
	if err := os.Symlink(in, link); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, scanned(t, link)); diff != "" {
		t.Errorf("scan through a linked inbox (-want +got):\n%s", diff)
	}
}

// Size and modification time are what decide whether a file is read again
// (a night re-reads a file whose size or time changed): each listed file,
// at any depth, has its own.
func TestScanSizeAndTime(t *testing.T) {
	in := t.TempDir()
	at := time.Date(2026, 3, 4, 5, 6, 7, 890_000_000, time.UTC)
	for i, p := range []string{"top.xlsx", "镇/2026-02/村.xlsx", "镇/2026-03/a/b/深.xlsx"} {
		abs := filepath.Join(in, p)
		if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(abs, make([]byte, 100*(i+1)), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(abs, at, at.Add(time.Duration(i)*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	files, err := Scan(in, time.UTC, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	type seen struct {
		Size         int64
		MTime, RecAt time.Time
		Abs          string
	}
	got := map[string]seen{}
	for _, f := range files {
		got[f.Path] = seen{f.Size, f.MTime.UTC(), f.ReceivedAt.UTC(), f.Abs}
	}
	want := map[string]seen{
		"top.xlsx":             {100, at, at, filepath.Join(in, "top.xlsx")},
		"镇/2026-02/村.xlsx":     {200, at.Add(time.Hour), at.Add(time.Hour), filepath.Join(in, "镇/2026-02/村.xlsx")},
		"镇/2026-03/a/b/深.xlsx": {300, at.Add(2 * time.Hour), at.Add(2 * time.Hour), filepath.Join(in, "镇/2026-03/a/b/深.xlsx")},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("scan (-want +got):\n%s", diff)
	}
}
