package main

import (
	"archive/zip"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// pick is one --pick: how many forms of one month to change in place and to
// add as resubmissions.
type pick struct {
	month          string // newest, newest-K or YYYY-MM, as given
	changed, added int
}

type picks []pick

func (p *picks) String() string { return fmt.Sprint(*p) }

func (p *picks) Set(s string) error {
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return fmt.Errorf("--pick %q: want MONTH:CHANGED:ADDED", s)
	}
	c, err1 := strconv.Atoi(parts[1])
	a, err2 := strconv.Atoi(parts[2])
	if err := errors.Join(err1, err2); err != nil || c < 0 || a < 0 {
		return fmt.Errorf("--pick %q: CHANGED and ADDED are counts", s)
	}
	*p = append(*p, pick{month: parts[0], changed: c, added: a})
	return nil
}

var monthDir = regexp.MustCompile(`^\d{4}-\d{2}$`)

// formMonth is the month of a form of the generated inbox, from its folder
// <township>/<YYYY-MM>/<file>.xlsx; "" when the folder is not a month.
func formMonth(rel string) string {
	m := filepath.Base(filepath.Dir(rel))
	if monthDir.MatchString(m) {
		return m
	}
	return ""
}

// resolveMonth turns newest or newest-K into a month of the inbox (months
// sorted, newest last); a YYYY-MM must be one of them.
func resolveMonth(spec string, months []string) (string, error) {
	if len(months) == 0 {
		return "", errors.New("the inbox has no <township>/<YYYY-MM>/ folders")
	}
	if monthDir.MatchString(spec) {
		if !slices.Contains(months, spec) {
			return "", fmt.Errorf("no form of %s in the inbox", spec)
		}
		return spec, nil
	}
	k := 0
	if rest, ok := strings.CutPrefix(spec, "newest"); ok && rest != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(rest, "-"))
		if err != nil || !strings.HasPrefix(rest, "-") {
			return "", fmt.Errorf("month %q: want newest, newest-K or YYYY-MM", spec)
		}
		k = n
	} else if !ok {
		return "", fmt.Errorf("month %q: want newest, newest-K or YYYY-MM", spec)
	}
	if k >= len(months) {
		return "", fmt.Errorf("month %q: the inbox has %d months", spec, len(months))
	}
	return months[len(months)-1-k], nil
}

// spread marks changed + added forms of list (sorted), spread evenly over
// it: the first changed of them (in list order) 1, changed in place, the
// others 2, added (what the nightly case of step b has always picked).
func spread(list []string, changed, added int, mark map[string]int) error {
	n := changed + added
	if n > len(list) {
		return fmt.Errorf("%d forms to change, %d to pick from", n, len(list))
	}
	for k := range n {
		p := list[k*len(list)/n]
		if _, dup := mark[p]; dup {
			return fmt.Errorf("%s picked twice", p)
		}
		mark[p] = 1
		if k >= changed {
			mark[p] = 2
		}
	}
	return nil
}

// cmdNightly builds the nightly case: a copy of the loaded inbox where
// --changed forms are rewritten in place (new bytes: the workbook re-zipped
// with an archive comment, so its content hash differs; mtime one hour
// later) and --added forms are copied under a new name "…-更正.xlsx" (or
// "…-更正2.xlsx" where that exists) with new bytes and a later mtime, as a
// village's corrected resubmission. Every other file is a hard link, so the
// warehouse sees it unchanged (same size and mtime). The picked forms are
// spread evenly over the sorted inbox, or with --pick over each month's
// forms: a night of a many-month history corrects mostly the newest month.
func cmdNightly(args []string) error {
	fl := flag.NewFlagSet("nightly", flag.ExitOnError)
	from := fl.String("from", "", "loaded inbox")
	to := fl.String("to", "", "new inbox (must not exist)")
	changed := fl.Int("changed", 50, "forms changed in place (without --pick)")
	added := fl.Int("added", 50, "forms added as resubmissions (without --pick)")
	var ps picks
	fl.Var(&ps, "pick", "MONTH:CHANGED:ADDED, repeatable: forms of MONTH (newest, newest-K or YYYY-MM) instead of --changed and --added over the whole inbox")
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
	mark := map[string]int{} // path → 1 changed, 2 added
	type pickReport struct {
		Month   string `json:"month"`
		Forms   int    `json:"forms"`
		Changed int    `json:"changed"`
		Added   int    `json:"added"`
	}
	var report []pickReport
	if len(ps) == 0 {
		if *changed+*added == 0 {
			return errors.New("nightly: nothing to change")
		}
		if err := spread(list, *changed, *added, mark); err != nil {
			return fmt.Errorf("nightly: %w", err)
		}
	} else {
		byMonth := map[string][]string{}
		for _, rel := range list {
			if m := formMonth(rel); m != "" {
				byMonth[m] = append(byMonth[m], rel)
			}
		}
		months := make([]string, 0, len(byMonth))
		for m := range byMonth {
			months = append(months, m)
		}
		slices.Sort(months)
		for _, p := range ps {
			m, err := resolveMonth(p.month, months)
			if err != nil {
				return fmt.Errorf("nightly: --pick %s: %w", p.month, err)
			}
			if err := spread(byMonth[m], p.changed, p.added, mark); err != nil {
				return fmt.Errorf("nightly: --pick %s (%s): %w", p.month, m, err)
			}
			report = append(report, pickReport{Month: m, Forms: len(byMonth[m]), Changed: p.changed, Added: p.added})
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
		how := mark[rel]
		if how == 0 {
			continue
		}
		if how == 1 {
			c++
		} else {
			a++
		}
		if err := rewrite(*from, *to, rel, how == 2); err != nil {
			return err
		}
	}
	out := map[string]any{"forms": len(list), "changed": c, "added": a}
	if report != nil {
		out["picks"] = report
	}
	return printJSON(out)
}

// rewrite writes form rel of from into to with new bytes and an mtime one
// hour later: in place, or as a resubmission under a new name.
func rewrite(from, to, rel string, resubmission bool) error {
	src := filepath.Join(from, rel)
	st, err := os.Stat(src)
	if err != nil {
		return err
	}
	b, err := rezip(src, fmt.Sprintf("grassroots bench: nightly change of %s", rel))
	if err != nil {
		return fmt.Errorf("%s: %w", rel, err)
	}
	dst := filepath.Join(to, rel)
	if resubmission {
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
	return os.Rename(tmp, dst)
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
