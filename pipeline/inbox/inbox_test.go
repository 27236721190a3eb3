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
