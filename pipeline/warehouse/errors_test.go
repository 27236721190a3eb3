package warehouse

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// TestHelperHoldWarehouse is not a test: TestOpenErrors runs the test binary
// with it as a second process that holds a warehouse open in DuckDB (as an
// analyst's DuckDB session would), until its standard input closes.
func TestHelperHoldWarehouse(t *testing.T) {
	path := os.Getenv("GRASSROOTS_HOLD_WAREHOUSE")
	if path == "" {
		t.Skip("a helper process for TestOpenErrors")
	}
	db, err := sql.Open("duckdb", path+"?access_mode=READ_ONLY")
	if err == nil {
		err = db.Ping()
	}
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	fmt.Println("READY")
	io.Copy(io.Discard, os.Stdin)
	db.Close()
}

// holdInOtherProcess keeps path open in DuckDB from another process until
// the test ends.
func holdInOtherProcess(t *testing.T, path string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHoldWarehouse$")
	cmd.Env = append(os.Environ(), "GRASSROOTS_HOLD_WAREHOUSE="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		cmd.Wait()
	})
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if strings.TrimSpace(line) != "READY" {
		t.Fatalf("the helper process did not open %s: %q", path, line)
	}
}

// duckChecksum is DuckDB's checksum of a block (storage/checksum.cpp): the
// 64-bit words, each multiplied by a constant, XORed together.
func duckChecksum(b []byte) uint64 {
	sum := uint64(5381)
	for i := 0; i+8 <= len(b); i += 8 {
		sum ^= binary.LittleEndian.Uint64(b[i:]) * 0xbf58476d1ce4e5b9
	}
	return sum
}

// withStorageVersion rewrites the storage version of a DuckDB file's main
// header (bytes 12–19, after the checksum and "DUCK"), with a valid
// checksum, as a file of another DuckDB release would have.
func withStorageVersion(t *testing.T, b []byte, version uint64) []byte {
	t.Helper()
	const headerSize = 4096
	if string(b[8:12]) != "DUCK" || binary.LittleEndian.Uint64(b) != duckChecksum(b[8:headerSize]) {
		t.Fatal("the DuckDB file header is not as this test knows it")
	}
	b = append([]byte(nil), b...)
	binary.LittleEndian.PutUint64(b[12:], version)
	binary.LittleEndian.PutUint64(b, duckChecksum(b[8:headerSize]))
	return b
}

// Open classifies what stops it by the driver's error types (and, for the
// IO errors DuckDB does not type further, their text): each case below must
// come out as its sentinel, not as the ErrDamaged that everything falls back
// to.
func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	good := filepath.Join(t.TempDir(), "good.duckdb")
	w, err := Open(ctx, good, log)
	if err != nil {
		t.Fatal(err)
	}
	runOnce(t, w, mustRegistry(t, testRegistry), upload{path: "a.xlsx", received: received("2021-04-02 10:00"), form: newForm("450109100201", "2021-03")})
	w.Close()
	goodBytes, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		make    func(t *testing.T, db string)
		want    error
		duckdb  bool   // the error comes from DuckDB (an *duckdb.Error inside)
		mention string // what to do
	}{
		{
			name: "held by another process",
			make: func(t *testing.T, db string) {
				os.WriteFile(db, goodBytes, 0o644)
				holdInOtherProcess(t, db)
			},
			want: ErrLocked, duckdb: true, mention: "close it",
		},
		{
			name: "random bytes",
			make: func(t *testing.T, db string) {
				b := make([]byte, 1<<20)
				for i := range b {
					b[i] = byte(i*7 + i/13)
				}
				os.WriteFile(db, b, 0o644)
			},
			want: ErrDamaged, duckdb: true, mention: "restore it from a backup",
		},
		{
			name: "not a DuckDB file",
			make: func(t *testing.T, db string) {
				os.WriteFile(db, []byte(strings.Repeat(testRegistry, 200)), 0o644)
			},
			want: ErrDamaged, duckdb: true, mention: "restore it from a backup",
		},
		{
			name:    "cut in half",
			make:    func(t *testing.T, db string) { os.WriteFile(db, goodBytes[:len(goodBytes)/2], 0o644) },
			want:    ErrDamaged,
			duckdb:  true,
			mention: "restore it from a backup",
		},
		{
			name:    "a DuckDB storage version this build cannot read",
			make:    func(t *testing.T, db string) { os.WriteFile(db, withStorageVersion(t, goodBytes, 1), 0o644) },
			want:    ErrIncompatible,
			duckdb:  true,
			mention: "load the inbox into a new warehouse file",
		},
		{
			name: "another schema version",
			make: func(t *testing.T, db string) {
				os.WriteFile(db, goodBytes, 0o644)
				conn, err := sql.Open("duckdb", db)
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close()
				if _, err := conn.Exec(`UPDATE meta SET value = '999' WHERE key = 'schema_version'`); err != nil {
					t.Fatal(err)
				}
			},
			want: ErrIncompatible, mention: "load the inbox into a new warehouse file",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "w.duckdb")
			tc.make(t, db)
			start := time.Now()
			w, err := Open(ctx, db, log)
			if err == nil {
				w.Close()
				t.Fatalf("Open succeeded, want %v", tc.want)
			}
			if time.Since(start) > 5*time.Second {
				t.Errorf("Open took %v to fail", time.Since(start))
			}
			for _, s := range []error{ErrLocked, ErrIncompatible, ErrDamaged, ErrDiskFull, ErrOutOfMemory} {
				if errors.Is(err, s) != (s == tc.want) {
					t.Errorf("errors.Is(%v) = %v; error: %v", s, errors.Is(err, s), err)
				}
			}
			var de *duckdb.Error
			if errors.As(err, &de) != tc.duckdb {
				t.Errorf("DuckDB error inside: %v, want %v (%v)", de != nil, tc.duckdb, err)
			}
			if !strings.Contains(err.Error(), tc.mention) {
				t.Errorf("the message does not say %q: %v", tc.mention, err)
			}
			t.Logf("%v", err)
		})
	}
}

// Opening a warehouse, or a run, that needs more memory than the limit
// allows fails with ErrOutOfMemory and a message that names --memory-limit;
// a run that fails so leaves the warehouse as it was.
func TestOutOfMemory(t *testing.T) {
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	wantOOM := func(t *testing.T, err error, limit string) {
		t.Helper()
		if !errors.Is(err, ErrOutOfMemory) {
			t.Fatalf("under a %s limit: %v, want ErrOutOfMemory", limit, err)
		}
		if !isDuckDB(err, duckdb.ErrorTypeOutOfMemory) {
			t.Errorf("DuckDB's error is not kept inside: %v", err)
		}
		if !strings.Contains(err.Error(), "--memory-limit") {
			t.Errorf("the message does not name --memory-limit: %v", err)
		}
		t.Logf("%v", err)
	}

	t.Run("open", func(t *testing.T) {
		// DuckDB's smallest allocation is 2 MiB: it cannot even read meta.
		_, err := OpenWith(ctx, filepath.Join(t.TempDir(), "w.duckdb"), log, Options{MemoryLimit: "1MB"})
		wantOOM(t, err, "1MB")
	})

	t.Run("run", func(t *testing.T) {
		const limit = "4MB" // enough to open, not for this run
		w, err := OpenWith(ctx, filepath.Join(t.TempDir(), "w.duckdb"), log, Options{MemoryLimit: limit})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		reg := mustRegistry(t, testRegistry)
		err = func() error {
			r, err := w.Begin(ctx, "inbox", time.Date(2021, 5, 10, 2, 0, 0, 0, shanghai))
			if err != nil {
				return err
			}
			defer r.Rollback()
			for i := range 50 {
				g := newForm("450109100202", fmt.Sprintf("2020-%02d", i%12+1))
				g.Requests = requests(fmt.Sprintf("B%d-", i), g.Cover.Period, 400, 300, 10)
				sha := fmt.Sprintf("sha-b%d", i)
				rec := received("2021-05-02 10:00")
				if err := r.AddFile(ctx, File{Path: sha + ".xlsx", SHA256: sha, Size: 1, MTime: rec, ReceivedAt: rec}); err != nil {
					return err
				}
				if err := r.AddForm(ctx, sha, g); err != nil {
					return err
				}
			}
			if err := r.Refresh(ctx, reg, Settings{}); err != nil {
				return err
			}
			return r.Commit(ctx, time.Now())
		}()
		wantOOM(t, err, limit)
		if !strings.Contains(err.Error(), limit) {
			t.Errorf("the message does not say the limit, %s: %v", limit, err)
		}
		var forms, files int
		if err := w.DB().QueryRow(`SELECT (SELECT count(*) FROM forms), (SELECT count(*) FROM files)`).Scan(&forms, &files); err != nil {
			t.Fatal(err)
		}
		if forms != 0 || files != 0 {
			t.Errorf("a run that ran out of memory left %d forms and %d files", forms, files)
		}
	})
}
