// Package xlsx reads .xlsx packages that come from outside: it opens the
// zip within Limits checked before anything is decompressed, reads parts
// against an uncompressed budget, resolves relationships, reads the
// workbook's sheets, styles and shared strings, streams a worksheet's rows,
// and writes annotated copies (Annotate). It does not use excelize, whose
// XML decoding was too slow for the nightly batch (see xmlscan.go), and
// every failure is a *Problem whose code and Chinese message go to the clerk
// as they are.
package xlsx

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"unicode/utf16"
)

// Limits bound what reading a package may cost. Every field must be
// positive: the caller supplies the defaults (form.Limits.WithDefaults).
type Limits struct {
	MaxFileBytes     int64 // size of the .xlsx file
	MaxUnzippedBytes int64 // sum of the declared uncompressed sizes of all parts
	MaxCellChars     int   // characters in one cell
	MaxSharedStrings int   // entries of the shared-strings table
}

// Problem codes: the file-level issue codes a Problem carries (the form
// reader's issue codes of the same names).
const (
	CodeNotXLSX   = "not_xlsx"  // not a readable .xlsx: not a zip, damaged, a renamed .xls
	CodeEncrypted = "encrypted" // password-protected workbook
	CodeTooLarge  = "too_large" // over a limit (uncompressed size, cell size, shared strings)
)

// Workbook is an opened .xlsx package: the parts a reader needs, read from
// the zip one at a time.
type Workbook struct {
	files    map[string]*zip.File // by lower-case part name
	entries  []*zip.File          // in the package's order
	wbDir    string               // folder of the workbook part, lower case
	styles   string               // styles part name, lower case
	sst      string               // shared-strings part name, lower case
	sheets   []Sheet              // in workbook order
	date1904 bool
	strings  []string // the shared strings
	dateXF   []bool   // by cell style index: the style's number format is a date
	lim      Limits
	budget   int64 // uncompressed bytes still allowed
}

// Sheet is one worksheet of the workbook (chart sheets are left out).
type Sheet struct {
	Name string // as the clerk named it
	Part string // zip part name, lower case
}

// Sheets are the workbook's worksheets in workbook order.
func (wb *Workbook) Sheets() []Sheet { return wb.sheets }

// Problem is a reason the workbook cannot be read at all: Code is one of
// the Code constants, Msg the Chinese message for the clerk.
type Problem struct {
	Code, Msg string
}

func (p *Problem) Error() string { return p.Code + ": " + p.Msg }

var (
	oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
	saveAs   = "请用 Excel 或 WPS 打开后“另存为”Excel 工作簿（*.xlsx）格式再报送"
)

func problemDamaged(detail string) *Problem {
	return &Problem{CodeNotXLSX, "文件无法读取（" + detail + "），可能已损坏或不是 Excel 工作簿；" + saveAs}
}

// TooLarge is the too_large Problem of a limit, what says which one (in
// Chinese, for the clerk): a reader applying limits of its own (rows per
// sheet) says so as the package's limits do.
func TooLarge(what string) *Problem {
	return &Problem{CodeTooLarge, "文件超出读取上限（" + what + "），请只保留本月报表的四张工作表、删除多余的行和内容后再报送"}
}

// Open checks the package before anything is decompressed (size,
// zip structure, the OLE container of an encrypted workbook or an old .xls,
// the total uncompressed size), then reads its structure, styles and shared
// strings.
func Open(r io.ReaderAt, size int64, lim Limits) (*Workbook, *Problem) {
	wb, p := openPackage(r, size, lim)
	if p != nil {
		return nil, p
	}
	if p := wb.readStructure(); p != nil {
		return nil, p
	}
	if p := wb.readStyles(wb.styles); p != nil {
		return nil, p
	}
	if p := wb.readSharedStrings(wb.sst); p != nil {
		return nil, p
	}
	return wb, nil
}

// openPackage is Open's checks of the package, before any part is
// read.
func openPackage(r io.ReaderAt, size int64, lim Limits) (*Workbook, *Problem) {
	if size > lim.MaxFileBytes {
		return nil, TooLarge(fmt.Sprintf("文件大小超过 %d MB", lim.MaxFileBytes>>20))
	}
	head := make([]byte, 8)
	if n, _ := r.ReadAt(head, 0); n < len(head) {
		return nil, problemDamaged("文件为空或过短")
	}
	if bytes.Equal(head, oleMagic) {
		return nil, classifyOLE(r, size)
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, problemDamaged("不是 zip 格式的 .xlsx 文件")
	}
	zr.RegisterDecompressor(zip.Deflate, inflater)
	wb := &Workbook{files: make(map[string]*zip.File, len(zr.File)), lim: lim, budget: lim.MaxUnzippedBytes}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if total > uint64(lim.MaxUnzippedBytes) {
			return nil, TooLarge(fmt.Sprintf("解压后超过 %d MB", lim.MaxUnzippedBytes>>20))
		}
		name := strings.ToLower(strings.TrimPrefix(strings.ReplaceAll(f.Name, "\\", "/"), "/"))
		if _, dup := wb.files[name]; dup {
			// Two parts under one name: which one Excel, WPS or this reader
			// would show is anyone's guess, so the file is refused.
			return nil, problemDamaged("压缩包内有重名的部件 " + f.Name)
		}
		wb.files[name] = f
	}
	wb.entries = zr.File
	return wb, nil
}

// classifyOLE tells an encrypted .xlsx (an OLE container holding an
// EncryptionInfo stream) from an old binary .xls or anything else in that
// container, by looking for the stream names (UTF-16LE in the directory).
func classifyOLE(r io.ReaderAt, size int64) *Problem {
	enc := utf16le("EncryptionInfo")
	pkg := utf16le("EncryptedPackage")
	xls := [][]byte{utf16le("Workbook"), utf16le("Book")}
	isXLS := false
	const chunk = 64 << 10
	buf := make([]byte, chunk+64)
	for off := int64(0); off < size; off += chunk {
		n, _ := r.ReadAt(buf, off)
		if n <= 0 {
			break
		}
		b := buf[:n]
		if bytes.Contains(b, enc) || bytes.Contains(b, pkg) {
			return &Problem{CodeEncrypted, "文件设置了打开密码，无法读取；请在 Excel 或 WPS 中取消密码（文件→信息→保护工作簿→用密码进行加密，清空密码）后再报送"}
		}
		for _, x := range xls {
			if bytes.Contains(b, x) {
				isXLS = true
			}
		}
	}
	if isXLS {
		return &Problem{CodeNotXLSX, "文件是旧版 .xls 格式（只是改了扩展名），无法读取；" + saveAs}
	}
	return &Problem{CodeNotXLSX, "文件不是 .xlsx 工作簿（是其他 Office 格式）；" + saveAs}
}

func utf16le(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}

// Part reads one part of the package (name in any case), counting it
// against the uncompressed budget; a part whose content does not match its declared size or checksum
// is damage. A missing part is (nil, nil).
func (wb *Workbook) Part(name string) ([]byte, *Problem) {
	f, ok := wb.files[strings.ToLower(name)]
	if !ok {
		return nil, nil
	}
	declared := f.UncompressedSize64
	if declared > uint64(wb.budget) {
		return nil, TooLarge(fmt.Sprintf("解压后超过 %d MB", wb.lim.MaxUnzippedBytes>>20))
	}
	rc, err := f.Open()
	if err != nil {
		return nil, problemDamaged("压缩内容无法解开")
	}
	defer rc.Close()
	// The buffer is sized by the declared size, but never beyond what the
	// compressed bytes can inflate to (deflate's best ratio is 1032:1): a
	// part that declares 120 MB and holds 1 KB must not cost 120 MB.
	capacity := declared
	if f.Method == zip.Deflate {
		capacity = min(capacity, f.CompressedSize64*1032)
	} else {
		capacity = min(capacity, f.CompressedSize64)
	}
	buf := bytes.NewBuffer(getBuf(int(capacity) + 1))
	n, err := io.Copy(buf, io.LimitReader(rc, int64(declared)+1))
	if err != nil || uint64(n) != declared {
		if errors.Is(err, zip.ErrChecksum) {
			return nil, problemDamaged("压缩内容校验失败")
		}
		return nil, problemDamaged("压缩内容与声明的大小不符")
	}
	wb.budget -= n
	return buf.Bytes(), nil
}

type rel struct{ target, typ string }

// rels reads a relationships part: id → absolute part name and type.
func (wb *Workbook) rels(relsPart, baseDir string) (map[string]rel, *Problem) {
	data, p := wb.Part(relsPart)
	if p != nil || data == nil {
		return nil, p
	}
	out := map[string]rel{}
	s := Scanner{b: data}
	for {
		t, ok := s.Next()
		if !ok {
			break
		}
		if t.Kind != StartElement || string(t.Name) != "Relationship" {
			continue
		}
		id, _ := Attr(t.Attrs, "Id")
		target, _ := Attr(t.Attrs, "Target")
		typ, _ := Attr(t.Attrs, "Type")
		if mode, _ := Attr(t.Attrs, "TargetMode"); mode == "External" {
			continue
		}
		target = strings.ReplaceAll(target, "\\", "/")
		if strings.HasPrefix(target, "/") {
			target = strings.TrimPrefix(target, "/")
		} else {
			target = path.Join(baseDir, target)
		}
		out[id] = rel{strings.ToLower(target), typ}
	}
	if p := s.Problem(); p != nil {
		return nil, p
	}
	return out, nil
}

// readStructure finds the workbook part, its sheets, the date system and
// the names of the styles and shared-strings parts.
func (wb *Workbook) readStructure() *Problem {
	wbPart := "xl/workbook.xml"
	root, p := wb.rels("_rels/.rels", "")
	if p != nil {
		return p
	}
	for _, r := range root {
		if strings.HasSuffix(r.typ, "/officeDocument") {
			wbPart = r.target
			break
		}
	}
	data, p := wb.Part(wbPart)
	if p != nil {
		return p
	}
	if data == nil {
		return problemDamaged("缺少工作簿内容")
	}
	dir := path.Dir(wbPart)
	relsPart := path.Join(dir, "_rels", path.Base(wbPart)+".rels")
	rels, p := wb.rels(relsPart, dir)
	if p != nil {
		return p
	}
	s := Scanner{b: data}
	for {
		t, ok := s.Next()
		if !ok {
			break
		}
		if t.Kind != StartElement {
			continue
		}
		switch string(t.Name) {
		case "workbookPr":
			v, _ := Attr(t.Attrs, "date1904")
			wb.date1904 = v == "1" || strings.EqualFold(v, "true")
		case "sheet":
			name, _ := Attr(t.Attrs, "name")
			id, _ := Attr(t.Attrs, "id")
			r, ok := rels[id]
			if !ok || !strings.HasSuffix(r.typ, "/worksheet") {
				continue // a chart sheet or a dangling reference: never a form sheet
			}
			wb.sheets = append(wb.sheets, Sheet{Name: name, Part: r.target})
		}
	}
	if p := s.Problem(); p != nil {
		return p
	}
	wb.wbDir = dir
	wb.styles, wb.sst = path.Join(dir, "styles.xml"), path.Join(dir, "sharedstrings.xml")
	for _, r := range rels {
		switch {
		case strings.HasSuffix(r.typ, "/styles"):
			wb.styles = r.target
		case strings.HasSuffix(r.typ, "/sharedStrings"):
			wb.sst = r.target
		}
	}
	return nil
}

func (wb *Workbook) readStyles(name string) *Problem {
	data, p := wb.Part(name)
	if p != nil || data == nil {
		return p
	}
	custom := map[int]string{}
	s := Scanner{b: data}
	inXfs := false
	for {
		t, ok := s.Next()
		if !ok {
			break
		}
		switch t.Kind {
		case StartElement:
			switch string(t.Name) {
			case "numFmt":
				id, _ := attrInt(t.Attrs, "numFmtId")
				code, _ := Attr(t.Attrs, "formatCode")
				custom[id] = code
			case "cellXfs":
				inXfs = !t.Self
			case "xf":
				if inXfs {
					id, _ := attrInt(t.Attrs, "numFmtId")
					wb.dateXF = append(wb.dateXF, isDateFormat(id, custom[id]))
					if len(wb.dateXF) > 1<<16 {
						return TooLarge("单元格样式过多")
					}
				}
			}
		case EndElement:
			if string(t.Name) == "cellXfs" {
				inXfs = false
			}
		}
	}
	return s.Problem()
}

func (wb *Workbook) readSharedStrings(name string) *Problem {
	data, p := wb.Part(name)
	if p != nil || data == nil {
		return p
	}
	s := Scanner{b: data}
	for {
		t, ok := s.Next()
		if !ok {
			break
		}
		if t.Kind != StartElement || string(t.Name) != "si" {
			continue
		}
		if len(wb.strings) >= wb.lim.MaxSharedStrings {
			return TooLarge(fmt.Sprintf("共享字符串超过 %d 个", wb.lim.MaxSharedStrings))
		}
		text, long := s.richText(t, wb.lim.MaxCellChars*4)
		if long || (len(text) > wb.lim.MaxCellChars && utf8RuneCount(text) > wb.lim.MaxCellChars) {
			return TooLarge(fmt.Sprintf("单元格内容超过 %d 个字符", wb.lim.MaxCellChars))
		}
		wb.strings = append(wb.strings, text)
	}
	return s.Problem()
}

// RowCell is one non-empty cell of a row as streamed.
type RowCell struct {
	Col int // 1-based
	Cell
}

// ErrStop, returned by a Rows callback, ends the walk early without a
// problem. A *Problem the callback returns is the walk's problem; any other
// error is reported as damage.
var ErrStop = errors.New("stop")

// Rows streams a worksheet part row by row: fn gets the row number and its
// non-empty cells in column order (the slice is reused between calls).
// Cells beyond maxCol are dropped. Returns the merged ranges seen after the
// rows when wantMerges is set (the cover sheet's labels may be merged).
func (wb *Workbook) Rows(part string, maxCol int, wantMerges bool, fn func(row int, cells []RowCell) error) (merges []string, p *Problem) {
	data, p := wb.Part(part)
	if p != nil {
		return nil, p
	}
	if data == nil {
		return nil, problemDamaged("工作表内容缺失")
	}
	s := Scanner{b: data}
	rows, p := sheetData(&s)
	if p != nil {
		return nil, p
	}
	if rows {
		if p := wb.walkRows(&s, maxCol, fn); p != nil {
			return nil, p
		}
	}
	if !wantMerges {
		return nil, nil
	}
	return mergedRanges(&s)
}

// sheetData advances s past the <sheetData> start tag and says whether rows
// follow (false for <sheetData/> or a worksheet without one). The root must
// be <worksheet>: anything else is not a worksheet at all (binary garbage
// under the sheet's name).
func sheetData(s *Scanner) (rows bool, p *Problem) {
	root := true // no element seen yet
	for {
		t, ok := s.Next()
		if !ok {
			if p := s.Problem(); p != nil || root {
				return false, problemDamaged("工作表内容缺失或格式错误")
			}
			return false, nil // a worksheet without rows
		}
		switch {
		case t.Kind == CharData:
			continue
		case root && (t.Kind != StartElement || string(t.Name) != "worksheet"):
			return false, problemDamaged("工作表内容缺失或格式错误")
		}
		root = false
		if t.Kind == StartElement && string(t.Name) == "sheetData" {
			return !t.Self, nil
		}
	}
}

// walkRows reads the rows of <sheetData> up to its end tag, calling fn for
// each row with a non-empty cell, until fn returns ErrStop.
func (wb *Workbook) walkRows(s *Scanner, maxCol int, fn func(row int, cells []RowCell) error) *Problem {
	var cells []RowCell
	rowNum, col := 0, 0
	inRow := false
	for {
		t, ok := s.Next()
		if !ok {
			// The part ended inside <sheetData>: cut off or malformed, so the
			// rows read so far are not the sheet.
			return problemDamaged("工作表内容不完整或格式错误")
		}
		switch t.Kind {
		case StartElement:
			switch string(t.Name) {
			case "row":
				if r, ok := attrInt(t.Attrs, "r"); ok && r > rowNum && r <= 1<<20 {
					rowNum = r
				} else {
					rowNum++
				}
				// A self-closed row is empty: nothing to report.
				cells, col, inRow = cells[:0], 0, !t.Self
			case "c":
				col++
				c, ref, p := wb.cell(s, t)
				if ref > 0 {
					col = ref
				}
				if p != nil {
					return p
				}
				if c.Value != "" && col <= maxCol && inRow {
					cells = append(cells, RowCell{Col: col, Cell: c})
				}
			default:
				s.Skip(t)
			}
		case EndElement:
			switch string(t.Name) {
			case "row":
				inRow = false
				if len(cells) == 0 {
					continue
				}
				if err := fn(rowNum, cells); err != nil {
					return walkError(err)
				}
			case "sheetData":
				return nil
			}
		}
	}
}

// walkError is what a Rows callback's error ends the walk with: nil for
// ErrStop, the callback's *Problem, or damage.
func walkError(err error) *Problem {
	var fp *Problem
	switch {
	case errors.Is(err, ErrStop):
		return nil
	case errors.As(err, &fp):
		return fp
	}
	return problemDamaged(err.Error())
}

// mergedRanges collects the merged ranges (A3:B3) after the rows, at most
// 1000 of them.
func mergedRanges(s *Scanner) ([]string, *Problem) {
	var merges []string
	for {
		t, ok := s.Next()
		if !ok {
			break
		}
		if t.Kind == StartElement && string(t.Name) == "mergeCell" {
			if ref, ok := Attr(t.Attrs, "ref"); ok && len(merges) < 1000 {
				merges = append(merges, ref)
			}
		}
	}
	if p := s.Problem(); p != nil {
		return nil, p
	}
	return merges, nil
}

// cell reads one <c> element (its start tag just read) into a Cell.
func (wb *Workbook) cell(s *Scanner, start Token) (c Cell, col int, p *Problem) {
	var typ string
	style := 0
	for a := start.Attrs; ; {
		name, val, rest, ok := nextAttr(a)
		if !ok {
			break
		}
		a = rest
		switch string(name) {
		case "r":
			col = ColIndex(string(val))
		case "t":
			typ = string(val)
		case "s":
			style, _ = strconv.Atoi(string(val))
		}
	}
	var v, inline string
	hasInline := false
	if !start.Self {
	loop:
		for {
			t, ok := s.Next()
			if !ok {
				break
			}
			switch t.Kind {
			case StartElement:
				switch string(t.Name) {
				case "v":
					if t.Self {
						continue
					}
					var b []byte
					cdata := false
					for {
						x, ok := s.Next()
						if !ok || x.Kind == EndElement {
							break
						}
						if x.Kind == CharData {
							if len(b)+len(x.Text) > wb.lim.MaxCellChars*4 {
								return Cell{}, 0, TooLarge(fmt.Sprintf("单元格内容超过 %d 个字符", wb.lim.MaxCellChars))
							}
							b = append(b, x.Text...)
							cdata = cdata || x.CDATA
						}
					}
					v = unescape(b, cdata)
				case "is":
					var long bool
					inline, long = s.richText(t, wb.lim.MaxCellChars*4)
					if long {
						return Cell{}, 0, TooLarge(fmt.Sprintf("单元格内容超过 %d 个字符", wb.lim.MaxCellChars))
					}
					hasInline = true
				default:
					s.Skip(t) // <f>, <extLst>
				}
			case EndElement:
				if string(t.Name) == "c" {
					break loop
				}
			}
		}
	}
	c = Cell{Date1904: wb.date1904}
	switch typ {
	case "s":
		i, err := strconv.Atoi(strings.TrimSpace(v))
		if err == nil && i >= 0 && i < len(wb.strings) {
			c.Value = wb.strings[i]
		}
	case "inlineStr":
		c.Value = inline
	case "str":
		c.Value = v
	case "b":
		c.Value, c.Kind = strings.TrimSpace(v), KindBool
	case "d":
		c.Value, c.Kind = strings.TrimSpace(v), KindDate
	case "e":
		c.Value, c.Kind = v, KindError
	default:
		if hasInline && v == "" {
			c.Value = inline
			break
		}
		c.Value, c.Kind = strings.TrimSpace(v), KindNumber
		c.DateFormat = style >= 0 && style < len(wb.dateXF) && wb.dateXF[style]
	}
	if len(c.Value) > wb.lim.MaxCellChars && utf8RuneCount(c.Value) > wb.lim.MaxCellChars {
		return Cell{}, 0, TooLarge(fmt.Sprintf("单元格内容超过 %d 个字符", wb.lim.MaxCellChars))
	}
	return c, col, nil
}
