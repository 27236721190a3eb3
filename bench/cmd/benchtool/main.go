// Command benchtool is bench/run.sh's helper. Subcommands:
//
//	fixtures --out DIR --villages N --months K --seed S [--realistic]
//	    a synthetic inbox with fixtures.Generate, without depending on the
//	    CLI exposing it: clean (Clean: every form valid and in the registry)
//	    or, with --realistic, as villages fill them (Realistic: every form
//	    readable and in the registry, most with warnings, some with rejected
//	    rows)
//	nightly --from INBOX --to INBOX --changed N --added N
//	    a copy of INBOX (hard links) in which N forms are changed in place and
//	    N are added as resubmissions under a new name
//	floor --inbox DIR --mode inflate|rawtoken|token [--workers 2]
//	    the floor: inflate every sheet XML (and the shared strings) of every
//	    form into io.Discard, or inflate and tokenize it with encoding/xml
//
// Every subcommand prints one JSON object on stdout.
package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"grassroots/fixtures"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: benchtool fixtures|nightly|floor [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "fixtures":
		err = cmdFixtures(os.Args[2:])
	case "nightly":
		err = cmdNightly(os.Args[2:])
	case "floor":
		err = cmdFloor(os.Args[2:])
	default:
		err = fmt.Errorf("unknown subcommand %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtool:", err)
		os.Exit(1)
	}
}

func printJSON(v any) error {
	enc := json.NewEncoder(os.Stdout)
	return enc.Encode(v)
}

func cmdFixtures(args []string) error {
	fl := flag.NewFlagSet("fixtures", flag.ExitOnError)
	out := fl.String("out", "", "directory to write registry.csv and inbox/ to")
	villages := fl.Int("villages", 10000, "reporting units")
	months := fl.Int("months", 1, "months of forms")
	seed := fl.Int("seed", 1, "random seed")
	start := fl.String("start", "2021-01", "first month, YYYY-MM")
	changes := fl.Int("changes", 0, "percent of the units merged or moved over the months (fixtures.Options.Changes)")
	realistic := fl.Bool("realistic", false, "forms as villages fill them (most with warnings, some with rejected rows) instead of clean ones")
	fl.Parse(args)
	if *out == "" {
		return errors.New("fixtures: --out is required")
	}
	mode, flagText := "clean", ""
	if *realistic {
		mode, flagText = "realistic", " --realistic"
	}
	began := time.Now()
	s, err := fixtures.Generate(*out, fixtures.Options{
		Villages: *villages, Months: *months, Seed: *seed, Start: *start,
		Clean: !*realistic, Realistic: *realistic, Changes: *changes,
		Command: fmt.Sprintf("bench/cmd/benchtool fixtures --out %s --villages %d --months %d --seed %d --start %s --changes %d%s",
			*out, *villages, *months, *seed, *start, *changes, flagText),
	})
	if err != nil {
		return err
	}
	return printJSON(map[string]any{
		"mode": mode, "units": s.Units, "files": s.Files, "forms": s.Forms, "rows": s.Rows, "issues": s.Issues,
		"bytes": s.Bytes, "seconds": time.Since(began).Seconds(),
	})
}

// forms lists the .xlsx files under dir, sorted, as paths relative to dir.
func forms(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && strings.HasSuffix(p, ".xlsx") {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	slices.Sort(out)
	return out, err
}

// cmdNightly builds the nightly case: a copy of the loaded inbox where
// --changed forms are rewritten in place (new bytes: the workbook re-zipped
// with an archive comment, so its content hash differs; mtime one hour
// later) and --added forms are copied under a new name "…-更正.xlsx" (or
// "…-更正2.xlsx" where that exists) with new bytes and a later mtime, as a
// village's corrected resubmission. Every
// other file is a hard link, so the warehouse sees it unchanged (same size
// and mtime). The picked forms are spread evenly over the sorted inbox.
func cmdNightly(args []string) error {
	fl := flag.NewFlagSet("nightly", flag.ExitOnError)
	from := fl.String("from", "", "loaded inbox")
	to := fl.String("to", "", "new inbox (must not exist)")
	changed := fl.Int("changed", 50, "forms changed in place")
	added := fl.Int("added", 50, "forms added as resubmissions")
	fl.Parse(args)
	if *from == "" || *to == "" {
		return errors.New("nightly: --from and --to are required")
	}
	if _, err := os.Stat(*to); err == nil {
		return fmt.Errorf("nightly: %s exists", *to)
	}
	list, err := forms(*from)
	if err != nil {
		return err
	}
	n := *changed + *added
	if n > len(list) || n == 0 {
		return fmt.Errorf("nightly: %d forms to change, inbox has %d", n, len(list))
	}
	pick := map[string]int{} // path → 1 changed, 2 added
	for k := range n {
		p := list[k*len(list)/n]
		if k%2 == 0 && *changed > 0 || *added == 0 {
			pick[p] = 1
		} else {
			pick[p] = 2
		}
	}
	// The counts above alternate; fix them up exactly.
	nc := 0
	for _, p := range list {
		if v := pick[p]; v > 0 {
			if nc < *changed {
				pick[p] = 1
				nc++
			} else {
				pick[p] = 2
			}
		}
	}
	// Hard-link every file (receipts.csv included).
	err = filepath.WalkDir(*from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(*from, p)
		dst := filepath.Join(*to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		return os.Link(p, dst)
	})
	if err != nil {
		return err
	}
	var c, a int
	for _, rel := range list {
		how := pick[rel]
		if how == 0 {
			continue
		}
		src := filepath.Join(*from, rel)
		st, err := os.Stat(src)
		if err != nil {
			return err
		}
		b, err := rezip(src, fmt.Sprintf("grassroots bench: nightly change of %s", rel))
		if err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		dst := filepath.Join(*to, rel)
		if how == 1 {
			c++
		} else {
			a++
			// A name no file has: the inbox already holds units' own
			// "…-更正.xlsx" resubmissions.
			base := strings.TrimSuffix(dst, ".xlsx") + "-更正"
			dst = base + ".xlsx"
			for k := 2; exists(dst); k++ {
				dst = fmt.Sprintf("%s%d.xlsx", base, k)
			}
		}
		// Written beside and renamed over: dst may be a hard link into the
		// cached fixtures, which must never be written through.
		tmp := dst + ".benchtmp"
		if err := os.WriteFile(tmp, b, 0o644); err != nil {
			return err
		}
		mt := st.ModTime().Add(time.Hour)
		if err := os.Chtimes(tmp, mt, mt); err != nil {
			return err
		}
		if err := os.Rename(tmp, dst); err != nil {
			return err
		}
	}
	return printJSON(map[string]any{"forms": len(list), "changed": c, "added": a})
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// rezip copies a workbook's parts unchanged (still compressed) into a new
// archive with a comment: the same workbook, other bytes.
func rezip(path, comment string) ([]byte, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		r, err := f.OpenRaw()
		if err != nil {
			return nil, err
		}
		w, err := zw.CreateRaw(&f.FileHeader)
		if err != nil {
			return nil, err
		}
		if _, err := io.Copy(w, r); err != nil {
			return nil, err
		}
	}
	if err := zw.SetComment(comment); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// cmdFloor reads every form from disk and inflates its sheet XML parts
// (xl/worksheets/*.xml and xl/sharedStrings.xml) into io.Discard, or through
// encoding/xml's tokenizer: what any reader of these forms must at least do.
func cmdFloor(args []string) error {
	fl := flag.NewFlagSet("floor", flag.ExitOnError)
	dir := fl.String("inbox", "", "inbox folder")
	mode := fl.String("mode", "inflate", "inflate | rawtoken (Decoder.RawToken) | token (Decoder.Token)")
	workers := fl.Int("workers", 2, "goroutines")
	fl.Parse(args)
	switch *mode {
	case "inflate", "rawtoken", "token":
	default:
		return fmt.Errorf("floor: unknown mode %q", *mode)
	}
	list, err := forms(*dir)
	if err != nil {
		return err
	}
	runtime.GOMAXPROCS(max(runtime.GOMAXPROCS(0), *workers))
	began := time.Now()
	var inflated, tokens atomic.Int64
	jobs := make(chan string)
	errs := make(chan error, *workers)
	var wg sync.WaitGroup
	for range *workers {
		wg.Go(func() {
			for rel := range jobs {
				n, t, err := floorOne(filepath.Join(*dir, rel), *mode)
				if err != nil {
					errs <- fmt.Errorf("%s: %w", rel, err)
					for range jobs {
					}
					return
				}
				inflated.Add(n)
				tokens.Add(t)
			}
		})
	}
	for _, rel := range list {
		jobs <- rel
	}
	close(jobs)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	sec := time.Since(began).Seconds()
	return printJSON(map[string]any{
		"mode": *mode, "workers": *workers, "forms": len(list), "seconds": sec,
		"forms_per_s": float64(len(list)) / sec, "inflated_bytes": inflated.Load(), "tokens": tokens.Load(),
	})
}

func floorOne(path, mode string) (inflated, tokens int64, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, err
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return 0, 0, err
	}
	for _, f := range zr.File {
		if !(strings.HasPrefix(f.Name, "xl/worksheets/") && strings.HasSuffix(f.Name, ".xml")) && f.Name != "xl/sharedStrings.xml" {
			continue
		}
		r, err := f.Open()
		if err != nil {
			return 0, 0, err
		}
		cr := &countReader{r: r}
		switch mode {
		case "inflate":
			_, err = io.Copy(io.Discard, cr)
		default:
			d := xml.NewDecoder(cr)
			for {
				if mode == "rawtoken" {
					_, err = d.RawToken()
				} else {
					_, err = d.Token()
				}
				if err != nil {
					break
				}
				tokens++
			}
			if err == io.EOF {
				err = nil
			}
		}
		r.Close()
		if err != nil {
			return 0, 0, err
		}
		inflated += cr.n
	}
	return inflated, tokens, nil
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
