package form

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

// workbook is an opened .xlsx package: the parts the reader needs, read from
// the zip one at a time, without excelize (whose XML decoding was too slow for
// the batch; see xmlscan.go).
type workbook struct {
	files    map[string]*zip.File // by lower-case part name
	entries  []*zip.File          // in the package's order
	wbDir    string               // folder of the workbook part, lower case
	styles   string               // styles part name, lower case
	sst      string               // shared-strings part name, lower case
	sheets   []sheetRef           // in workbook order
	date1904 bool
	strings  []string // the shared strings
	dateXF   []bool   // by cell style index: the style's number format is a date
	lim      Limits
	budget   int64 // uncompressed bytes still allowed
}

type sheetRef struct {
	name string // as the clerk named it
	part string // zip part name, lower case
}

// fileProblem is a reason the workbook cannot be read at all.
type fileProblem struct {
	code, msg string
}

func (p *fileProblem) Error() string { return p.code + ": " + p.msg }

var (
	oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
	saveAs   = "请用 Excel 或 WPS 打开后“另存为”Excel 工作簿（*.xlsx）格式再报送"
)

func problemDamaged(detail string) *fileProblem {
	return &fileProblem{CodeNotXLSX, "文件无法读取（" + detail + "），可能已损坏或不是 Excel 工作簿；" + saveAs}
}

func problemTooLarge(what string) *fileProblem {
	return &fileProblem{CodeTooLarge, "文件超出读取上限（" + what + "），请只保留本月报表的四张工作表、删除多余的行和内容后再报送"}
}

// openWorkbook checks the package before anything is decompressed (size,
// zip structure, the OLE container of an encrypted workbook or an old .xls,
// the total uncompressed size), then reads its structure, styles and shared
// strings.
func openWorkbook(r io.ReaderAt, size int64, lim Limits) (*workbook, *fileProblem) {
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

// openPackage is openWorkbook's checks of the package, before any part is
// read.
func openPackage(r io.ReaderAt, size int64, lim Limits) (*workbook, *fileProblem) {
	if size > lim.MaxFileBytes {
		return nil, problemTooLarge(fmt.Sprintf("文件大小超过 %d MB", lim.MaxFileBytes>>20))
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
	wb := &workbook{files: make(map[string]*zip.File, len(zr.File)), lim: lim, budget: lim.MaxUnzippedBytes}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if total > uint64(lim.MaxUnzippedBytes) {
			return nil, problemTooLarge(fmt.Sprintf("解压后超过 %d MB", lim.MaxUnzippedBytes>>20))
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
func classifyOLE(r io.ReaderAt, size int64) *fileProblem {
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
			return &fileProblem{CodeEncrypted, "文件设置了打开密码，无法读取；请在 Excel 或 WPS 中取消密码（文件→信息→保护工作簿→用密码进行加密，清空密码）后再报送"}
		}
		for _, x := range xls {
			if bytes.Contains(b, x) {
				isXLS = true
			}
		}
	}
	if isXLS {
		return &fileProblem{CodeNotXLSX, "文件是旧版 .xls 格式（只是改了扩展名），无法读取；" + saveAs}
	}
	return &fileProblem{CodeNotXLSX, "文件不是 .xlsx 工作簿（是其他 Office 格式）；" + saveAs}
}

func utf16le(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}

// part reads one part of the package, counting it against the uncompressed
// budget; a part whose content does not match its declared size or checksum
// is damage. A missing part is (nil, nil).
func (wb *workbook) part(name string) ([]byte, *fileProblem) {
	f, ok := wb.files[strings.ToLower(name)]
	if !ok {
		return nil, nil
	}
	declared := f.UncompressedSize64
	if declared > uint64(wb.budget) {
		return nil, problemTooLarge(fmt.Sprintf("解压后超过 %d MB", wb.lim.MaxUnzippedBytes>>20))
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
func (wb *workbook) rels(relsPart, baseDir string) (map[string]rel, *fileProblem) {
	data, p := wb.part(relsPart)
	if p != nil || data == nil {
		return nil, p
	}
	out := map[string]rel{}
	s := xmlScanner{b: data}
	for {
		t, ok := s.next()
		if !ok {
			break
		}
		if t.kind != tokStart || string(t.name) != "Relationship" {
			continue
		}
		id, _ := attr(t.attrs, "Id")
		target, _ := attr(t.attrs, "Target")
		typ, _ := attr(t.attrs, "Type")
		if mode, _ := attr(t.attrs, "TargetMode"); mode == "External" {
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
	if p := s.problem(); p != nil {
		return nil, p
	}
	return out, nil
}

// readStructure finds the workbook part, its sheets, the date system and
// the names of the styles and shared-strings parts.
func (wb *workbook) readStructure() *fileProblem {
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
	data, p := wb.part(wbPart)
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
	s := xmlScanner{b: data}
	for {
		t, ok := s.next()
		if !ok {
			break
		}
		if t.kind != tokStart {
			continue
		}
		switch string(t.name) {
		case "workbookPr":
			v, _ := attr(t.attrs, "date1904")
			wb.date1904 = v == "1" || strings.EqualFold(v, "true")
		case "sheet":
			name, _ := attr(t.attrs, "name")
			id, _ := attr(t.attrs, "id")
			r, ok := rels[id]
			if !ok || !strings.HasSuffix(r.typ, "/worksheet") {
				continue // a chart sheet or a dangling reference: never a form sheet
			}
			wb.sheets = append(wb.sheets, sheetRef{name: name, part: r.target})
		}
	}
	if p := s.problem(); p != nil {
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

func (wb *workbook) readStyles(name string) *fileProblem {
	data, p := wb.part(name)
	if p != nil || data == nil {
		return p
	}
	custom := map[int]string{}
	s := xmlScanner{b: data}
	inXfs := false
	for {
		t, ok := s.next()
		if !ok {
			break
		}
		switch t.kind {
		case tokStart:
			switch string(t.name) {
			case "numFmt":
				id, _ := attrInt(t.attrs, "numFmtId")
				code, _ := attr(t.attrs, "formatCode")
				custom[id] = code
			case "cellXfs":
				inXfs = !t.self
			case "xf":
				if inXfs {
					id, _ := attrInt(t.attrs, "numFmtId")
					wb.dateXF = append(wb.dateXF, isDateFormat(id, custom[id]))
					if len(wb.dateXF) > 1<<16 {
						return problemTooLarge("单元格样式过多")
					}
				}
			}
		case tokEnd:
			if string(t.name) == "cellXfs" {
				inXfs = false
			}
		}
	}
	return s.problem()
}

func (wb *workbook) readSharedStrings(name string) *fileProblem {
	data, p := wb.part(name)
	if p != nil || data == nil {
		return p
	}
	s := xmlScanner{b: data}
	for {
		t, ok := s.next()
		if !ok {
			break
		}
		if t.kind != tokStart || string(t.name) != "si" {
			continue
		}
		if len(wb.strings) >= wb.lim.MaxSharedStrings {
			return problemTooLarge(fmt.Sprintf("共享字符串超过 %d 个", wb.lim.MaxSharedStrings))
		}
		text, long := s.richText(t, wb.lim.MaxCellChars*4)
		if long || (len(text) > wb.lim.MaxCellChars && utf8RuneCount(text) > wb.lim.MaxCellChars) {
			return problemTooLarge(fmt.Sprintf("单元格内容超过 %d 个字符", wb.lim.MaxCellChars))
		}
		wb.strings = append(wb.strings, text)
	}
	return s.problem()
}

// rawCell is one non-empty cell as streamed.
type rawCell struct {
	col int // 1-based
	Cell
}

// errStop ends a row walk early without a problem.
var errStop = errors.New("stop")

// rows streams a worksheet part row by row: fn gets the row number and its
// non-empty cells in column order (the slice is reused between calls).
// Cells beyond maxCol are dropped. Returns the merged ranges seen after the
// rows when wantMerges is set (the cover sheet's labels may be merged).
func (wb *workbook) rows(part string, maxCol int, wantMerges bool, fn func(row int, cells []rawCell) error) (merges []string, p *fileProblem) {
	data, p := wb.part(part)
	if p != nil {
		return nil, p
	}
	if data == nil {
		return nil, problemDamaged("工作表内容缺失")
	}
	s := xmlScanner{b: data}
	// Find <sheetData>. The root must be <worksheet>: anything else is not
	// a worksheet at all (binary garbage under the sheet's name).
	root := true // no element seen yet
	for {
		t, ok := s.next()
		if !ok {
			if p := s.problem(); p != nil || root {
				return nil, problemDamaged("工作表内容缺失或格式错误")
			}
			return nil, nil // a worksheet without rows
		}
		switch {
		case t.kind == tokText:
			continue
		case root && (t.kind != tokStart || string(t.name) != "worksheet"):
			return nil, problemDamaged("工作表内容缺失或格式错误")
		}
		root = false
		if t.kind != tokStart {
			continue
		}
		if string(t.name) == "sheetData" {
			if t.self {
				goto tail
			}
			break
		}
	}
	{
		var cells []rawCell
		rowNum, col := 0, 0
		inRow := false
	scan:
		for {
			t, ok := s.next()
			if !ok {
				// The part ended inside <sheetData>: cut off or malformed,
				// so the rows read so far are not the sheet.
				return nil, problemDamaged("工作表内容不完整或格式错误")
			}
			switch t.kind {
			case tokStart:
				switch string(t.name) {
				case "row":
					if r, ok := attrInt(t.attrs, "r"); ok && r > rowNum && r <= 1<<20 {
						rowNum = r
					} else {
						rowNum++
					}
					cells, col, inRow = cells[:0], 0, !t.self
					if t.self {
						// An empty row: nothing to report.
						continue
					}
				case "c":
					col++
					c, ref, p := wb.cell(&s, t)
					if ref > 0 {
						col = ref
					}
					if p != nil {
						return nil, p
					}
					if c.Value != "" && col <= maxCol && inRow {
						cells = append(cells, rawCell{col: col, Cell: c})
					}
				default:
					s.skip(t)
				}
			case tokEnd:
				switch string(t.name) {
				case "row":
					inRow = false
					if len(cells) > 0 {
						if err := fn(rowNum, cells); err != nil {
							if err == errStop {
								break scan
							}
							var fp *fileProblem
							if errors.As(err, &fp) {
								return nil, fp
							}
							return nil, problemDamaged(err.Error())
						}
					}
				case "sheetData":
					break scan
				}
			}
		}
	}
tail:
	if !wantMerges {
		return nil, nil
	}
	for {
		t, ok := s.next()
		if !ok {
			break
		}
		if t.kind == tokStart && string(t.name) == "mergeCell" {
			if ref, ok := attr(t.attrs, "ref"); ok && len(merges) < 1000 {
				merges = append(merges, ref)
			}
		}
	}
	if p := s.problem(); p != nil {
		return nil, p
	}
	return merges, nil
}

// cell reads one <c> element (its start tag just read) into a Cell.
func (wb *workbook) cell(s *xmlScanner, start token) (c Cell, col int, p *fileProblem) {
	var typ string
	style := 0
	for a := start.attrs; ; {
		name, val, rest, ok := nextAttr(a)
		if !ok {
			break
		}
		a = rest
		switch string(name) {
		case "r":
			col = colIndex(string(val))
		case "t":
			typ = string(val)
		case "s":
			style, _ = strconv.Atoi(string(val))
		}
	}
	var v, inline string
	hasInline := false
	if !start.self {
	loop:
		for {
			t, ok := s.next()
			if !ok {
				break
			}
			switch t.kind {
			case tokStart:
				switch string(t.name) {
				case "v":
					if t.self {
						continue
					}
					var b []byte
					cdata := false
					for {
						x, ok := s.next()
						if !ok || x.kind == tokEnd {
							break
						}
						if x.kind == tokText {
							if len(b)+len(x.text) > wb.lim.MaxCellChars*4 {
								return Cell{}, 0, problemTooLarge(fmt.Sprintf("单元格内容超过 %d 个字符", wb.lim.MaxCellChars))
							}
							b = append(b, x.text...)
							cdata = cdata || x.cdata
						}
					}
					v = unescape(b, cdata)
				case "is":
					var long bool
					inline, long = s.richText(t, wb.lim.MaxCellChars*4)
					if long {
						return Cell{}, 0, problemTooLarge(fmt.Sprintf("单元格内容超过 %d 个字符", wb.lim.MaxCellChars))
					}
					hasInline = true
				default:
					s.skip(t) // <f>, <extLst>
				}
			case tokEnd:
				if string(t.name) == "c" {
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
		return Cell{}, 0, problemTooLarge(fmt.Sprintf("单元格内容超过 %d 个字符", wb.lim.MaxCellChars))
	}
	return c, col, nil
}
