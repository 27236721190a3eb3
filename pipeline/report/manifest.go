package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"
)

// feedbackFormat is part of every feedback digest. Bump it whenever the
// layout of a feedback workbook or of an annotated copy changes in a way
// that the digest's inputs (the sheet as built, the issues as stored) do not
// show, such as a new style or a new sheet: every feedback workbook is then
// written again once.
const feedbackFormat = 3

// manifestName is the manifest of the feedback folder. It is not a dot file
// so that it is not taken for a temporary file left by a killed run.
const manifestName = "manifest.json"

// manifestVersion is the version of the manifest file's own format; a
// manifest of another version is ignored (every workbook is written again).
const manifestVersion = 1

// manifest records, for every feedback workbook that the last run produced,
// a digest of what it shows, so that the next run writes only those whose
// content changed and removes those that no longer apply. Files it does not
// list are never touched.
type manifest struct {
	Version  int                      `json:"version"`
	Feedback map[string]manifestEntry `json:"feedback"` // file name → entry
	// Buckets: for each bucket of forms (the first 3 hex digits of their
	// content hash), a digest of everything their workbooks are made from
	// as the warehouse had it (report_feedback_buckets.sql, bucketDigests).
	// A night reads back only the forms of the buckets whose digest moved.
	// Absent (a manifest from before, or written without them): every form
	// is read back.
	Buckets map[string]string `json:"buckets,omitempty"`
}

type manifestEntry struct {
	Digest string `json:"digest"`
	// Annotated: an annotated copy of the same name was written.
	Annotated bool `json:"annotated,omitempty"`
	// Retry is set when no annotated copy could be made for a reason that
	// may pass (the original missing, or no longer the content loaded): the
	// original as it was then. The copy is tried again once the original's
	// size or modification time differ from it.
	Retry *fileStamp `json:"retry,omitempty"`
}

// fileStamp is a file as stat(2) saw it; the zero value is a missing file.
type fileStamp struct {
	Exists bool  `json:"exists,omitempty"`
	Size   int64 `json:"size,omitempty"`
	MTime  int64 `json:"mtime_ns,omitempty"`
}

func stampOf(path string) *fileStamp {
	fi, err := os.Stat(path)
	if err != nil {
		return &fileStamp{}
	}
	return &fileStamp{Exists: true, Size: fi.Size(), MTime: fi.ModTime().UnixNano()}
}

// retryDue: the original has appeared or changed since the copy failed.
func (s *fileStamp) retryDue(path string) bool {
	if s == nil {
		return false
	}
	now := stampOf(path)
	return now.Exists && *now != *s
}

// readManifest reads dir's manifest; a missing one is empty, and so is one
// that cannot be parsed (logged): every workbook is then written again.
func readManifest(dir string, log *slog.Logger) (*manifest, []byte, error) {
	m := &manifest{Version: manifestVersion, Feedback: map[string]manifestEntry{}}
	data, err := readManifestFile(dir)
	if data == nil || err != nil {
		return m, nil, err
	}
	if m, ok := decodeManifest(data); ok && m.Version == manifestVersion {
		return m, data, nil
	}
	var old manifest
	if err := json.Unmarshal(data, &old); err != nil || old.Version != manifestVersion || old.Feedback == nil {
		log.Warn("feedback manifest unreadable: every feedback workbook is written again",
			"file", filepath.Join(dir, manifestName), "err", err, "version", old.Version)
		return m, data, nil
	}
	return &old, data, nil
}

// readManifestFile is dir's manifest file; nil when there is none.
func readManifestFile(dir string) ([]byte, error) {
	data, err := os.ReadFile(filepath.Join(dir, manifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return data, err
}

// writeManifest replaces dir's manifest with data (a manifest as indented
// JSON) and a newline atomically (temporary file, fsync, rename), unless it
// has not changed.
func writeManifest(dir string, data, old []byte) error {
	data = append(data, '\n')
	if bytes.Equal(data, old) {
		return nil
	}
	path := filepath.Join(dir, manifestName)
	tmp, err := os.CreateTemp(dir, "."+manifestName+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// digester hashes a sequence of values unambiguously: each value carries
// its type and length. The bytes are gathered and hashed once, which costs
// less than many small writes to the hash.
type digester struct{ b *[]byte }

func newDigester() digester {
	b := make([]byte, 0, 1024)
	return digester{&b}
}

// digesterOn is a digester that gathers its bytes in buf, emptied first:
// feedbackDigest runs 100,000 times a night, and a kilobyte allocated by
// each call was a third of its time.
func digesterOn(buf *[]byte) digester {
	*buf = (*buf)[:0]
	return digester{buf}
}

func (d digester) str(s string) {
	*d.b = append(*d.b, 's')
	*d.b = binary.AppendUvarint(*d.b, uint64(len(s)))
	*d.b = append(*d.b, s...)
}

func (d digester) int(i int) { d.str(strconv.Itoa(i)) }

func (d digester) value(v any) {
	switch v := v.(type) {
	case nil:
		d.str("nil")
	case string:
		d.str("string")
		d.str(v)
	case excelize.Cell:
		d.str("cell")
		d.int(v.StyleID)
		d.str(v.Formula)
		d.value(v.Value)
	case float64:
		d.str("float")
		var buf [32]byte // as d.str of FormatFloat's string, without making it
		f := strconv.AppendFloat(buf[:0], v, 'g', -1, 64)
		*d.b = append(*d.b, 's')
		*d.b = binary.AppendUvarint(*d.b, uint64(len(f)))
		*d.b = append(*d.b, f...)
	case int:
		d.str("int")
		d.int(v)
	case int64:
		d.str("int")
		d.str(strconv.FormatInt(v, 10))
	case time.Time:
		d.str("time")
		d.str(v.Format(time.RFC3339Nano))
	default: // not used by the workbooks; still distinct from every other value
		d.str(fmt.Sprintf("%T %#v", v, v))
	}
}

// sheet hashes everything writeSheet writes of s but the run time in its
// title row (s.stamp) and its charts' content (charts).
func (d digester) sheet(s *sheet) {
	d.str(s.name)
	d.str(s.title)
	d.int(len(s.header))
	for _, h := range s.header {
		d.str(h)
	}
	d.int(s.freezeCols)
	d.int(s.filterRows)
	d.int(len(s.widths))
	for _, c := range slices.Sorted(maps.Keys(s.widths)) {
		d.int(c)
		d.str(strconv.FormatFloat(s.widths[c], 'g', -1, 64))
	}
	d.int(len(s.rows))
	for _, r := range s.rows {
		d.int(len(r))
		for _, v := range r {
			d.value(v)
		}
	}
	d.int(len(s.charts)) // their content: see charts
	if s.landscape {     // only then, so that feedback digests stay as they were
		d.str("landscape")
	}
}

// charts hashes s's charts, which sheet only counts.
func (d digester) charts(s *sheet) error {
	for _, c := range s.charts {
		data, err := json.Marshal(c.chart)
		if err != nil {
			return fmt.Errorf("%s: chart: %w", s.name, err)
		}
		d.str(c.cell)
		d.str(string(data))
	}
	return nil
}

func (d digester) sum() string {
	sum := sha256.Sum256(*d.b)
	return hex.EncodeToString(sum[:])
}
