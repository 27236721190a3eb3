package torture

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"

	"grassroots/fixtures"
	"grassroots/fixtures/fixturestest"
)

// faultWorld is a small generated inbox of two months, with a copy that
// holds only the first, so that a second run has work to fail in.
type faultWorld struct {
	registry, first, full string
}

func newFaultWorld(t *testing.T) faultWorld {
	t.Helper()
	dir := t.TempDir()
	if _, err := fixtures.Generate(dir, fixtures.Options{Villages: 6, Months: 2, Seed: 3, Clean: true, Volume: 30}); err != nil {
		t.Fatal(err)
	}
	fw := faultWorld{registry: filepath.Join(dir, "registry.csv"), full: filepath.Join(dir, "inbox"), first: filepath.Join(dir, "inbox-first")}
	if err := fixturestest.CopyMonths(fw.full, fw.first, "2021-01"); err != nil {
		t.Fatal(err)
	}
	return fw
}

// countForms opens the warehouse read-only just long enough to count its forms.
func countForms(t *testing.T, db string) int {
	t.Helper()
	conn := openRO(t, db)
	defer conn.Close()
	var n int
	if err := conn.QueryRow(`SELECT count(*) FROM forms`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func quiet(args []string) []string { return append([]string{"--log-level", "error"}, args...) }

func fileSum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// leftovers lists files under dir that look half-written (temporary names).
func leftovers(dir string) []string {
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasSuffix(p, ".xlsx") {
			out = append(out, p)
		}
		if err == nil && !d.IsDir() && strings.HasPrefix(d.Name(), ".") {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// wantExit2 checks the exit code and that the message names the problem and
// a way out.
func wantExit2(t *testing.T, code int, stderr string, mention ...string) {
	t.Helper()
	if code != 2 {
		t.Fatalf("exit %d, want 2; stderr:\n%s", code, stderr)
	}
	for _, m := range mention {
		if !strings.Contains(strings.ToLower(stderr), strings.ToLower(m)) {
			t.Errorf("the message does not say %q:\n%s", m, stderr)
		}
	}
	t.Logf("exit 2: %s", strings.TrimSpace(stderr))
}

// A corrupt warehouse file (random bytes, or a real one cut in half) or one
// of another schema version: exit 2 with what to do, the file untouched.
func TestDamagedWarehouse(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	fw := newFaultWorld(t)
	good := filepath.Join(t.TempDir(), "good.duckdb")
	if code, _, stderr := cli(t, quiet(runArgs(fw.registry, fw.first, good, filepath.Join(t.TempDir(), "out")))...); code != 0 {
		t.Fatalf("a first run: exit %d\n%s", code, stderr)
	}
	goodBytes, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		make    func(t *testing.T, db string)
		mention []string
	}{
		{
			name: "random bytes",
			make: func(t *testing.T, db string) {
				b := make([]byte, 1<<20)
				rng := rand.New(rand.NewPCG(1, 2))
				for i := range b {
					b[i] = byte(rng.Uint32())
				}
				os.WriteFile(db, b, 0o644)
			},
			mention: []string{"cannot be opened", "restore it from a backup or load the inbox into a new file"},
		},
		{
			name: "a warehouse cut in half",
			make: func(t *testing.T, db string) {
				os.WriteFile(db, goodBytes[:len(goodBytes)/2], 0o644)
			},
			mention: []string{"restore it from a backup or load the inbox into a new file"},
		},
		{
			name: "schema version 999",
			make: func(t *testing.T, db string) {
				os.WriteFile(db, goodBytes, 0o644)
				conn, err := sql.Open("duckdb", db)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := conn.Exec(`UPDATE meta SET value = '999' WHERE key = 'schema_version'`); err != nil {
					t.Fatal(err)
				}
				conn.Close()
			},
			mention: []string{"incompatible version", "load the inbox into a new warehouse file"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "w.duckdb")
			tc.make(t, db)
			before := fileSum(t, db)
			out := filepath.Join(dir, "out")
			code, _, stderr := cli(t, quiet(runArgs(fw.registry, fw.full, db, out))...)
			wantExit2(t, code, stderr, tc.mention...)
			if fileSum(t, db) != before {
				t.Error("the warehouse file was modified")
			}
			if _, err := os.Stat(db + ".wal"); err == nil {
				t.Error("a write-ahead log was left beside the warehouse")
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("workbooks were written from a warehouse that could not be opened")
			}
		})
	}
}

// An output folder that cannot be written: the warehouse is committed
// before the workbooks are written, so it holds the run; the batch exits 2
// naming the folder, leaves no half-written workbook, and the next run
// with a usable folder writes the workbooks without reading a form again.
func TestOutputNotWritable(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	fw := newFaultWorld(t)
	for _, tc := range []struct {
		name string
		make func(t *testing.T, out string)
	}{
		{
			name: "a file where the folder should be",
			make: func(t *testing.T, out string) { os.WriteFile(out, []byte("x"), 0o644) },
		},
		{
			name: "a folder without write permission",
			make: func(t *testing.T, out string) {
				if os.Geteuid() == 0 {
					t.Skip("root writes into any folder: permissions cannot be tested as root (the file case covers it)")
				}
				os.MkdirAll(out, 0o555)
				t.Cleanup(func() { os.Chmod(out, 0o755) })
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			db, out := filepath.Join(dir, "w.duckdb"), filepath.Join(dir, "out")
			tc.make(t, out)
			code, stdout, stderr := cli(t, quiet(runArgs(fw.registry, fw.full, db, out))...)
			wantExit2(t, code, stderr, out)
			if !strings.Contains(stderr, "--out") {
				t.Errorf("cmd/report: an unusable output folder is reported without what to do (such as: make it writable or choose another --out)")
			}
			if st, err := os.Stat(out); err == nil && st.IsDir() {
				if l := leftovers(out); len(l) > 0 {
					t.Errorf("half-written files left: %v", l)
				}
			}
			forms := countForms(t, db)
			if forms == 0 {
				t.Errorf("the warehouse does not hold the run")
			}
			t.Logf("the warehouse holds the run (%d forms); stdout:\n%s", forms, stdout)
			good := filepath.Join(dir, "out-good")
			code, stdout, stderr = cli(t, quiet(runArgs(fw.registry, fw.full, db, good))...)
			if code != 0 || !strings.Contains(stdout, " 0 forms read") {
				t.Errorf("the next run: exit %d\n%s%s", code, stdout, stderr)
			}
			if m, _ := filepath.Glob(filepath.Join(good, "summary-*.xlsx")); len(m) == 0 {
				t.Error("the next run wrote no summary")
			}
		})
	}
}

// fullDiskUnavailable says why this machine cannot give a test a small full
// disk, or "" when it can: that takes mounting a tmpfs, so root (or
// CAP_SYS_ADMIN in a container), which most development machines and CI
// runners do not give tests.
func fullDiskUnavailable() string {
	if os.Geteuid() != 0 {
		return fmt.Sprintf("running as uid %d, not root", os.Geteuid())
	}
	dir, err := os.MkdirTemp("", "grassroots-mount-probe")
	if err != nil {
		return err.Error()
	}
	defer os.RemoveAll(dir)
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", dir).CombinedOutput(); err != nil {
		return fmt.Sprintf("root, but mount -t tmpfs fails (%v: %s): no CAP_SYS_ADMIN", err, bytes.TrimSpace(out))
	}
	exec.Command("umount", dir).Run()
	return ""
}

// mountTmpfs mounts a tmpfs of the given size (e.g. "2m") at dir, or skips
// saying why.
func mountTmpfs(t *testing.T, dir, size string) {
	t.Helper()
	os.MkdirAll(dir, 0o755)
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("NOT TESTED: cannot mount a %s tmpfs at %s (%v: %s)", size, dir, err, bytes.TrimSpace(out))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
}

// fill writes a file on dir's file system until it is full.
func fill(t *testing.T, dir string) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 4096)
	for {
		if _, err := f.Write(buf); err != nil {
			return
		}
	}
}

// A full disk under the warehouse or under the workbooks: exit 2 with a
// message, and nothing half-written: the warehouse opens with exactly what
// it held before.
func TestDiskFull(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	if why := fullDiskUnavailable(); why != "" {
		t.Skipf("NOT TESTED here: a full disk (ENOSPC under the warehouse and under the workbooks) needs a small tmpfs, "+
			"and mounting one needs root or CAP_SYS_ADMIN: %s. Run it as root, e.g. "+
			"sudo -E go test -tags=duckdb_arrow -run TestDiskFull ./torture/, or in a container started with --cap-add SYS_ADMIN", why)
	}
	fw := newFaultWorld(t)
	t.Run("the warehouse on a 2 MB disk", func(t *testing.T) {
		mnt := filepath.Join(t.TempDir(), "small")
		mountTmpfs(t, mnt, "2m")
		fill(t, mnt)
		db := filepath.Join(mnt, "w.duckdb")
		code, _, stderr := cli(t, quiet(runArgs(fw.registry, fw.full, db, filepath.Join(t.TempDir(), "out")))...)
		wantExit2(t, code, stderr, "no space left on device")
		if !strings.Contains(stderr, "free") {
			t.Errorf("warehouse: a full disk is reported as a damaged warehouse (\"restore it from a backup\"), not as a full disk to free")
		}
		// Nothing half-written: once there is room again, the next run
		// completes.
		os.Remove(filepath.Join(mnt, "filler"))
		code, _, stderr = cli(t, quiet(runArgs(fw.registry, fw.full, db, filepath.Join(t.TempDir(), "out")))...)
		if code != 0 {
			st, _ := os.Stat(db)
			t.Errorf("warehouse: a first run that failed for a full disk leaves a %d-byte %s that every later run refuses (exit %d): %s",
				st.Size(), filepath.Base(db), code, strings.TrimSpace(stderr))
		}
	})
	t.Run("the warehouse fills its disk in a later run", func(t *testing.T) {
		mnt := filepath.Join(t.TempDir(), "small")
		mountTmpfs(t, mnt, "16m")
		db := filepath.Join(mnt, "w.duckdb")
		if code, _, stderr := cli(t, quiet(runArgs(fw.registry, fw.first, db, filepath.Join(t.TempDir(), "out")))...); code != 0 {
			t.Fatalf("the first month: exit %d\n%s", code, stderr)
		}
		before := analystView(t, db)
		fill(t, mnt)
		code, _, stderr := cli(t, quiet(runArgs(fw.registry, fw.full, db, filepath.Join(t.TempDir(), "out")))...)
		wantExit2(t, code, stderr, "no space left on device")
		if !strings.Contains(stderr, "free") {
			t.Errorf("warehouse/nightly: a full disk at commit is reported as DuckDB's error, without what to do (free space on the warehouse's disk and run again)")
		}
		os.Remove(filepath.Join(mnt, "filler"))
		if got := analystView(t, db); got != before {
			t.Error("the warehouse changed in a run that failed for a full disk")
		}
		// With room again, the next run completes.
		if code, _, stderr := cli(t, quiet(runArgs(fw.registry, fw.full, db, filepath.Join(t.TempDir(), "out")))...); code != 0 {
			t.Errorf("the run after the disk was freed: exit %d\n%s", code, stderr)
		}
	})
	t.Run("the workbooks on a full disk", func(t *testing.T) {
		mnt := filepath.Join(t.TempDir(), "small")
		mountTmpfs(t, mnt, "2m")
		fill(t, mnt)
		out := filepath.Join(mnt, "out")
		db := filepath.Join(t.TempDir(), "w.duckdb")
		code, _, stderr := cli(t, quiet(runArgs(fw.registry, fw.full, db, out))...)
		wantExit2(t, code, stderr, "no space left on device")
		if !strings.Contains(stderr, "free") {
			t.Errorf("report: a full disk under the workbooks is reported without what to do (free space and run again: the warehouse already holds the run)")
		}
		if l := leftovers(out); len(l) > 0 {
			t.Errorf("half-written files left: %v", l)
		}
		if m, _ := filepath.Glob(filepath.Join(out, "*.xlsx")); len(m) > 0 {
			t.Errorf("workbooks on a full disk: %v", m)
		}
	})
}

// DuckDB out of memory (a --memory-limit too small for the run): exit 2 with
// a message that names the flag to raise, and no warehouse left behind.
func TestOutOfMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	fw := newFaultWorld(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "w.duckdb")
	args := append(runArgs(fw.registry, fw.full, db, filepath.Join(dir, "out")), "--memory-limit", "1MB")
	code, _, stderr := cli(t, quiet(args)...)
	wantExit2(t, code, stderr, "out of memory", "--memory-limit")
	if _, err := os.Stat(db); err == nil {
		t.Error("a warehouse that could not be created was left behind")
	}
}
