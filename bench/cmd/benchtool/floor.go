package main

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

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
