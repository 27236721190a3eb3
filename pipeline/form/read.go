package form

import (
	"grassroots/pipeline/xlsx"
	"io"
	"os"
	"strings"
	"time"

	"grassroots/pipeline/calendar"
)

// Limits bound what the reader accepts from an untrusted workbook. A zero
// field means its default; a workbook over any limit is rejected as
// too_large. The defaults are far above a real village's form (a 200-row
// form is about 20 KB on disk and 150 KB unzipped).
type Limits struct {
	MaxFileBytes     int64 // size of the .xlsx file; default 32 MiB
	MaxUnzippedBytes int64 // sum of the declared uncompressed sizes of all parts; default 128 MiB
	MaxRows          int   // non-empty rows per sheet; default 50,000
	MaxCellChars     int   // characters in one cell; default 32,767 (Excel's own limit)
	MaxSharedStrings int   // entries of the shared-strings table; default 1,000,000
}

// Default limits.
const (
	DefaultMaxFileBytes     = 32 << 20
	DefaultMaxUnzippedBytes = 128 << 20
	DefaultMaxRows          = 50_000
	DefaultMaxCellChars     = 32_767
	DefaultMaxSharedStrings = 1_000_000
)

// xlsx is the part of the limits that opening the package applies (MaxRows
// is the form reader's own).
func (l Limits) xlsx() xlsx.Limits {
	return xlsx.Limits{
		MaxFileBytes:     l.MaxFileBytes,
		MaxUnzippedBytes: l.MaxUnzippedBytes,
		MaxCellChars:     l.MaxCellChars,
		MaxSharedStrings: l.MaxSharedStrings,
	}
}

// fileProblem is a reason the workbook cannot be read at all: the package's
// own (xlsx.Open, xlsx.Workbook.Rows) or the form's (a row limit).
type fileProblem = xlsx.Problem

// maxColumns: columns examined per row; cells further right are ignored.
const maxColumns = 100

// WithDefaults returns the limits with every zero field set to its default:
// the limits Read applies.
func (l Limits) WithDefaults() Limits {
	if l.MaxFileBytes <= 0 {
		l.MaxFileBytes = DefaultMaxFileBytes
	}
	if l.MaxUnzippedBytes <= 0 {
		l.MaxUnzippedBytes = DefaultMaxUnzippedBytes
	}
	if l.MaxRows <= 0 {
		l.MaxRows = DefaultMaxRows
	}
	if l.MaxCellChars <= 0 {
		l.MaxCellChars = DefaultMaxCellChars
	}
	if l.MaxSharedStrings <= 0 {
		l.MaxSharedStrings = DefaultMaxSharedStrings
	}
	return l
}

// Options tune Read. The zero value reads with the default Limits in
// Asia/Shanghai.
type Options struct {
	Limits Limits
	// Location is where ISO date-times with a zone (t="d" cells) are turned
	// into calendar dates; nil means Asia/Shanghai.
	Location *time.Location
	// Definitions are the forms' layout and rules, as LoadDefinitions
	// returns them: the village form's, with the park form's in its Park;
	// nil means the embedded defaults (Default).
	Definitions *Definitions
}

// ReadFile reads the workbook at path; name goes into every Issue.Path (in
// the batch: the path relative to the inbox). A file that cannot be opened
// gives a rejected Form with a not_xlsx issue.
func ReadFile(path, name string, opt Options) *Form {
	fh, err := os.Open(path)
	if err != nil {
		f := &Form{Path: name}
		f.fileIssue("", "", CodeNotXLSX, "", "文件无法打开（"+err.Error()+"）")
		return f
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		f := &Form{Path: name}
		f.fileIssue("", "", CodeNotXLSX, "", "文件无法读取（"+err.Error()+"）")
		return f
	}
	return Read(fh, st.Size(), name, opt)
}

// Read reads and validates one workbook of size bytes. It always returns a
// Form: Rejected is set iff a file-level issue was found. It never panics
// (a panic inside is reported as a not_xlsx issue) and reads at most the
// configured Limits.
func Read(r io.ReaderAt, size int64, name string, opt Options) (f *Form) {
	f = &Form{Path: name}
	defer func() {
		if p := recover(); p != nil {
			f.fileIssue("", "", CodeNotXLSX, "", panicMessage)
		}
	}()
	rd := &reader{f: f, opt: opt}
	rd.opt.Limits = opt.Limits.WithDefaults()
	if rd.opt.Location == nil {
		rd.opt.Location = calendar.Shanghai
	}
	rd.defs = opt.Definitions
	if rd.defs == nil {
		rd.defs = Default()
	}
	rd.idx = rd.defs.idx
	rd.read(r, size)
	return f
}

// panicMessage is the last resort: a bug of the reader met this file.
const panicMessage = "文件内容异常，无法读取；请用 Excel 或 WPS 打开后另存为 .xlsx 再报送"

// Add appends an issue, setting Rejected for a file-level one. The
// warehouse and `validate --registry` use it for UnknownCodeIssue.
func (f *Form) Add(i Issue) {
	if i.Path == "" {
		i.Path = f.Path
	}
	f.Issues = append(f.Issues, i)
	if i.Severity == SeverityFile {
		f.Rejected = true
	}
}

func (f *Form) fileIssue(sheet, cell, code, value, msg string) {
	f.Add(Issue{Sheet: sheet, Cell: cell, Code: code, Severity: SeverityFile, Value: value, Message: msg})
}

// UnknownCodeIssue is the file-level issue for a code that the registry does
// not list as a reporting unit, addressed at the cover's code cell and
// worded for the form's kind.
// The reader does not know the registry: the warehouse and `validate
// --registry` add it with f.Add.
func UnknownCodeIssue(f *Form) Issue {
	return Issue{
		Path:     f.Path,
		Sheet:    f.Sheets.Cover,
		Cell:     f.Cover.CodeCell,
		Code:     CodeUnknownCode,
		Severity: SeverityFile,
		Value:    f.Cover.Code,
		Message:  msgUnknownCode(f.Kind, f.Cover.Code),
	}
}

// RegistryIssue is a file-level issue that the registry decides
// (unit_inactive, wrong_form), addressed at the cover's code cell.
func RegistryIssue(f *Form, code, message string) Issue {
	return Issue{Path: f.Path, Sheet: f.Sheets.Cover, Cell: f.Cover.CodeCell, Code: code,
		Severity: SeverityFile, Value: f.Cover.Code, Message: message}
}

type reader struct {
	f    *Form
	opt  Options
	defs *Definitions
	idx  *schemaIndex
	wb   *xlsx.Workbook
	// version evidence from headers: how many headers only one version uses
	votes map[string]int
}

// problem ends the read on a file-level problem. The rows read so far and
// their issues are an arbitrary part of the file (50,000 rows before the row
// limit, the rows before a cut): they are dropped, so that the clerk sees
// the one reason and the warehouse does not store thousands of issues of a
// file that does not count. File-level issues found before stay.
func (rd *reader) problem(p *fileProblem) {
	f := rd.f
	kept := f.Issues[:0]
	for _, i := range f.Issues {
		if i.Severity == SeverityFile {
			kept = append(kept, i)
		}
	}
	f.Issues = kept
	f.Orgs, f.Meetings, f.Requests, f.Rows = nil, nil, nil, RowCounts{}
	f.Enterprises, f.Visits = nil, nil
	f.fileIssue("", "", p.Code, "", p.Msg)
}

func (rd *reader) read(r io.ReaderAt, size int64) {
	wb, p := xlsx.Open(r, size, rd.opt.Limits.xlsx())
	if p != nil {
		rd.problem(p)
		return
	}
	rd.wb = wb
	rd.votes = map[string]int{}
	f := rd.f
	// A workbook with the park form's 企业名册 is a park form, any other a
	// village form; the sheet is found as every known sheet is.
	if park := rd.defs.Park; park != nil {
		if _, ok := rd.findSheet(park.SheetName(parkSheet)); ok {
			rd.defs, rd.idx = park, park.idx
		}
	}
	f.Kind = rd.defs.Form
	cover, ok := rd.findSheet(rd.defs.coverSheet)
	if !ok {
		f.fileIssue("", "", CodeMissingSheet, "", msgMissingSheet(rd.defs.coverSheet))
	} else {
		f.Sheets.Cover = cover.Name
		if p := rd.readCover(cover); p != nil {
			rd.problem(p)
			return
		}
	}
	for _, sd := range rd.defs.sheets {
		ref, ok := rd.findSheet(sd.name)
		if !ok {
			if sd.required {
				f.fileIssue("", "", CodeMissingSheet, "", msgMissingSheet(sd.name))
			}
			continue
		}
		switch sd.key {
		case "orgs":
			f.Sheets.Orgs = ref.Name
		case "meetings":
			f.Sheets.Meetings = ref.Name
		case "requests":
			f.Sheets.Requests = ref.Name
		case "enterprises":
			f.Sheets.Enterprises = ref.Name
		case "visits":
			f.Sheets.Visits = ref.Name
		}
		if p := rd.readDataSheet(sd, ref); p != nil {
			rd.problem(p)
			return
		}
	}
	f.Version = f.Cover.FormVersion
	if f.Version == "" {
		f.Version = rd.detectVersion()
	}
}

// detectVersion picks the version that the headers and cover labels found
// belong to most often: each spelling votes for every version that uses it
// (办理状态, 评单结果, 接单网格员… are 2022版 and later; a 2023版 cover label
// is 2023版 only). A tie goes to the oldest of the tied versions: a form
// with nothing newer than 2022版's headers is a 2022版 form.
func (rd *reader) detectVersion() string {
	best, n := rd.defs.Versions[0], 0
	for _, v := range rd.defs.Versions {
		if rd.votes[v] > n {
			best, n = v, rd.votes[v]
		}
	}
	return best
}

// sheetKey normalizes a sheet name: matchKey without any bracketed part.
func sheetKey(name string) string {
	k := matchKey(name)
	var b strings.Builder
	depth := 0
	for _, r := range k {
		switch r {
		case '(', '[', '【', '〔', '<', '《':
			depth++
		case ')', ']', '】', '〕', '>', '》':
			if depth > 0 {
				depth--
			}
		default:
			if depth == 0 {
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}

// findSheet finds a known sheet by name, whatever its brackets, spaces or
// suffix (点单台账（3月）, 点单台账3月). The plain name wins over a bracketed
// one, which wins over a suffixed one; then workbook order.
func (rd *reader) findSheet(canonical string) (xlsx.Sheet, bool) {
	best, bestRank := -1, 3
	for i, s := range rd.wb.Sheets() {
		rank := 3
		switch k := sheetKey(s.Name); {
		case strings.Join(strings.Fields(fold(s.Name)), "") == canonical:
			rank = 0
		case k == canonical:
			rank = 1
		case strings.HasPrefix(k, canonical):
			rank = 2
		}
		if rank < bestRank {
			best, bestRank = i, rank
		}
	}
	if best < 0 {
		return xlsx.Sheet{}, false
	}
	return rd.wb.Sheets()[best], true
}

func (rd *reader) issue(sheet string, cell string, code string, sev Severity, value, msg string) {
	rd.f.Add(Issue{Sheet: sheet, Cell: cell, Code: code, Severity: sev, Value: value, Message: msg})
}

func fmtDate(t time.Time) string { return t.Format("2006-01-02") }
