// Package inbox finds the files that villages sent: every regular file under
// the inbox folder, with its path relative to the inbox and its receipt time
// (docs/form.md: the modification time, unless receipts.csv at the inbox's
// root names the file). It reads no workbook; the batch decides what to read.
package inbox

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"grassroots/pipeline/internal/parallel"
)

// ReceiptsFile is the optional list of true upload times at the inbox's root.
const ReceiptsFile = "receipts.csv"

// Reasons a file found under the inbox is not read as a form.
const (
	IgnoredLockFile = "Office lock file (~$…)"
	IgnoredNotXLSX  = "not a spreadsheet (.xlsx, .xls, .xlsm, .et)"
	IgnoredSymlink  = "symbolic link (not followed)"
	IgnoredHidden   = "hidden file"
)

// File is one file under the inbox.
type File struct {
	Path       string    // relative to the inbox, '/'-separated, valid UTF-8 (GBK names decoded)
	Abs        string    // the path to open, as the file system spells it
	Size       int64     // bytes
	MTime      time.Time // modification time
	ReceivedAt time.Time // from receipts.csv, else MTime
	Ignored    string    // "" for a candidate form, else why it is not read
}

// Scan lists the inbox, sorted by Path. Unreadable sub-folders and bad lines
// of receipts.csv are logged and skipped: one clerk's odd file must not stop
// the night's batch. A missing or unreadable inbox is an error.
func Scan(dir string, loc *time.Location, log *slog.Logger) ([]File, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("inbox: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("inbox %s: not a folder", dir)
	}
	// The inbox itself may be reached through a link (/data/inbox → a
	// mounted share): it is followed, links under it are not. Without this,
	// the walk would see one link and nothing else.
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, fmt.Errorf("inbox: %w", err)
	}
	receipts, err := readReceipts(filepath.Join(dir, ReceiptsFile), loc, log)
	if err != nil {
		return nil, err
	}
	files, err := walk(root, receipts, log)
	if err != nil {
		return nil, fmt.Errorf("inbox %s: %w", dir, err)
	}
	// walk's folders come sorted, each in its own goroutine: this sort is
	// for top-level files, and for a name that disambiguate changes.
	byPath := func(a, b File) int { return strings.Compare(a.Path, b.Path) }
	if !slices.IsSortedFunc(files, byPath) {
		slices.SortFunc(files, byPath)
	}
	if disambiguate(files, root) {
		slices.SortFunc(files, byPath)
	}
	return files, nil
}

// scanWorkers is how many sub-folders of the inbox are listed at once: the
// listing waits on stat(2) for every file. A year of a 10,000-unit city
// (120,000 files in 100 township folders) took 650 ms one folder at a time
// and takes 380-430 ms with 2, 4 or 8 at once on 2 cores (BenchmarkScan).
const scanWorkers = 4

// walk lists the files under root: each folder directly under it (a
// township's, typically) is walked by one of scanWorkers, the files at the
// top by this one. The order does not matter: Scan sorts. Only root's own
// listing failing is an error; below it an unreadable entry is logged and
// skipped.
//
// Each file is stat'ed relative to its open folder (statAt) and its path
// built as the folders are entered, not looked up from the root: half the
// listing's time went to the kernel walking every file's eight path
// components again, and to filepath.Rel and Clean taking them apart.
func walk(root string, receipts map[string]time.Time, log *slog.Logger) ([]File, error) {
	w := walker{receipts: receipts, log: log}
	var files []File
	subs, err := w.folder(root, "", &files)
	if err != nil {
		return nil, err
	}
	// In the order of their paths' prefixes ("a-b/" before "a/"), each
	// folder's files sorted on its goroutine: then the folders' lists one
	// after the other are in path order, and Scan need not sort 120,000
	// files on one core.
	slices.SortFunc(subs, func(a, b entry) int { return strings.Compare(a.rel+"/", b.rel+"/") })
	found := make([][]File, len(subs))
	parallel.Each(context.Background(), scanWorkers, len(subs), func(i int) error {
		w.tree(subs[i], &found[i])
		slices.SortFunc(found[i], func(a, b File) int { return strings.Compare(a.Path, b.Path) })
		return nil
	})
	// One allocation for the whole listing: grown by appending, 120,000
	// files were copied over and over into fresh memory (70 ms of faults
	// and copying beside the run's Begin).
	n := len(files)
	for _, f := range found {
		n += len(f)
	}
	files = slices.Grow(files, n-len(files))
	for _, f := range found {
		files = append(files, f...)
	}
	return files, nil
}

// walker lists folders of the inbox for walk.
type walker struct {
	receipts map[string]time.Time
	log      *slog.Logger
}

// entry is a folder under the inbox: the path to open and its path
// relative to the inbox, '/'-separated, as the file system spells them.
type entry struct{ abs, rel string }

// tree lists the folder d and every folder under it into out; a folder that
// cannot be listed is logged and skipped, with what is under it.
func (w walker) tree(d entry, out *[]File) {
	subs, err := w.folder(d.abs, d.rel, out)
	if err != nil {
		w.log.Warn("inbox entry unreadable, skipped", "path", d.abs, "err", err)
		return
	}
	for _, s := range subs {
		w.tree(s, out)
	}
}

// folder appends the files of the folder at abs (rel under the inbox, ""
// for the inbox itself) to out and returns its sub-folders. The folder is
// closed before they are listed.
func (w walker) folder(abs, rel string, out *[]File) ([]entry, error) {
	dir, err := os.Open(abs)
	if err != nil {
		return nil, err
	}
	defer dir.Close()
	// Not os.ReadDir, which sorts: Scan sorts the whole listing once.
	list, err := dir.ReadDir(-1)
	if err != nil {
		return nil, err
	}
	var subs []entry
	for _, d := range list {
		name := d.Name()
		e := entry{abs: abs + string(filepath.Separator) + name, rel: name}
		if rel != "" {
			e.rel = rel + "/" + name
		}
		if d.IsDir() {
			subs = append(subs, e)
		} else if f, ok := w.file(dir, e, d); ok {
			*out = append(*out, f)
		}
	}
	return subs, nil
}

// file is the File for the entry d, e in the folder dir; ok is false for
// what is not a file anyone sent (sockets, pipes, devices) or vanished
// meanwhile.
func (w walker) file(dir *os.File, e entry, d fs.DirEntry) (File, bool) {
	rel := displayPath(e.rel)
	if rel == ReceiptsFile {
		return File{}, false
	}
	f := File{Path: rel, Abs: e.abs}
	name := d.Name()
	switch {
	case d.Type()&fs.ModeSymlink != 0:
		// A link may point outside the inbox, into another village's
		// folder or at a device: never followed.
		f.Ignored = IgnoredSymlink
	case !d.Type().IsRegular():
		return File{}, false // sockets, pipes, devices: not files anyone sent
	case strings.HasPrefix(name, "~$"):
		f.Ignored = IgnoredLockFile
	case strings.HasPrefix(name, "."):
		f.Ignored = IgnoredHidden
	case !spreadsheet(name):
		f.Ignored = IgnoredNotXLSX
	}
	size, mtime, err := statAt(dir, e.abs, name)
	if err != nil {
		w.log.Warn("inbox file vanished while scanning, skipped", "path", rel, "err", err)
		return File{}, false
	}
	f.Size, f.MTime = size, mtime
	f.ReceivedAt = f.MTime
	if t, ok := w.receipts[rel]; ok {
		f.ReceivedAt = t
	}
	return f, true
}

// disambiguate keeps paths unique: a name that is not UTF-8 and whose
// decoding collides with another path (白头村.xlsx sent once in UTF-8 and
// once in GBK bytes) is shown with its raw bytes appended, escaped
// (白头村.xlsx (\xb0\xd7….xlsx)): the warehouse keys files by path. files
// are sorted by path, so equal paths are next to each other. It reports
// whether it changed a path (the order may then have changed).
func disambiguate(files []File, root string) bool {
	changed := false
	for i := 0; i < len(files); {
		j := i + 1
		for j < len(files) && files[j].Path == files[i].Path {
			j++
		}
		for k := i; j-i > 1 && k < j; k++ {
			raw, err := filepath.Rel(root, files[k].Abs)
			if err != nil || utf8.ValidString(raw) {
				continue
			}
			files[k].Path += " (" + escapeBytes(filepath.ToSlash(raw)) + ")"
			changed = true
		}
		i = j
	}
	return changed
}

// escapeBytes writes each path component that is not UTF-8 with its bytes
// above 0x7F and its backslashes as \xNN; UTF-8 components stay as they are.
func escapeBytes(p string) string {
	parts := strings.Split(p, "/")
	for i, c := range parts {
		if utf8.ValidString(c) {
			continue
		}
		var b strings.Builder
		for j := 0; j < len(c); j++ {
			if c[j] >= 0x80 || c[j] == '\\' {
				fmt.Fprintf(&b, "\\x%02x", c[j])
			} else {
				b.WriteByte(c[j])
			}
		}
		parts[i] = b.String()
	}
	return strings.Join(parts, "/")
}

// spreadsheet reports whether a file is meant as a form: .xlsx, and also
// .xls, .xlsm and WPS's .et, which the reader rejects with a message telling
// the clerk to save as .xlsx — a clerk who sent one must hear back, not be
// ignored. Anything else (a PDF, a photo, a Word file) is not read.
func spreadsheet(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".xlsx", ".xls", ".xlsm", ".et":
		return true
	}
	return false
}

// displayPath turns a file name that is not UTF-8 (a zip extracted on a
// Chinese Windows keeps GBK bytes) into its GB18030 reading, so that the
// warehouse and the feedback can show it.
func displayPath(p string) string {
	if utf8.ValidString(p) {
		return p
	}
	if s, err := simplifiedchinese.GB18030.NewDecoder().String(p); err == nil && utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(p, "\uFFFD")
}

// receiptLayouts are the ISO 8601 spellings accepted in receipts.csv; a time
// without an offset is Asia/Shanghai time.
var receiptLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04",
	"2006-01-02 15:04",
	"2006-01-02",
}

// ParseReceiptTime parses one received_at value of receipts.csv.
func ParseReceiptTime(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range receiptLayouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("received_at %q is not an ISO 8601 time", s)
}

func readReceipts(path string, loc *time.Location, log *slog.Logger) (map[string]time.Time, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("inbox: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	out := map[string]time.Time{}
	for line := 1; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			log.Warn("receipts.csv line unreadable, skipped", "line", line, "err", err)
			continue
		}
		if len(rec) < 2 {
			log.Warn("receipts.csv line needs path,received_at; skipped", "line", line)
			continue
		}
		p := strings.TrimPrefix(strings.TrimSpace(rec[0]), "\uFEFF")
		if line == 1 && p == "path" {
			continue
		}
		t, err := ParseReceiptTime(rec[1], loc)
		if err != nil {
			log.Warn("receipts.csv: bad time, the file's modification time counts", "line", line, "path", p, "err", err)
			continue
		}
		out[strings.TrimPrefix(filepath.ToSlash(p), "./")] = t
	}
	return out, nil
}
