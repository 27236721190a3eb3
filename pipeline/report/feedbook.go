package report

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// A feedback workbook is written for nearly every form of a real inbox (most
// carry a warning), so it must cost little next to reading the form: built
// through excelize, each took about 1.8 ms of CPU. Every feedback workbook
// of a month is the same package but for two parts: the sheet and, for its
// auto-filter's last row, workbook.xml. So excelize builds the package once
// per month (a frame, with a sheet of no data rows), its constant parts are
// kept compressed, and each workbook writes only the two parts that differ,
// in the very markup excelize's stream writer gives them.

// feedbackFrame is the package of a month's feedback workbooks, with the
// parts that differ cut out.
type feedbackFrame struct {
	entries []frameEntry // in package order; sheet and workbook have data == nil
	// sheetHead is the sheet part up to its column widths.
	sheetHead []byte
	// workbookHead and workbookTail surround the auto-filter's last row in
	// workbook.xml's _FilterDatabase name.
	workbookHead, workbookTail []byte
}

type frameEntry struct {
	hdr  zip.FileHeader
	raw  []byte // the compressed bytes
	part string // "sheet", "workbook" or "" for a constant part
}

const (
	frameSheetPart    = "xl/worksheets/sheet1.xml"
	frameWorkbookPart = "xl/workbook.xml"
)

var (
	framesMu sync.Mutex
	frames   = map[string]*feedbackFrame{} // by period
)

// frameFor is the frame of period's feedback workbooks, built once.
func frameFor(period string) (*feedbackFrame, error) {
	framesMu.Lock()
	defer framesMu.Unlock()
	if fr, ok := frames[period]; ok {
		return fr, nil
	}
	fr, err := buildFrame(period)
	if err != nil {
		return nil, err
	}
	frames[period] = fr
	return fr, nil
}

func buildFrame(period string) (*feedbackFrame, error) {
	f, st, err := newBook([]string{feedbackSheet}, period, "报表问题清单", false)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sh := &sheet{name: feedbackSheet, filterRows: -1, title: "-", header: feedbackHeader}
	if err := writeSheet(f, st, sh); err != nil {
		return nil, err
	}
	data, err := bookBytes(f)
	if err != nil {
		return nil, err
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	fr := &feedbackFrame{}
	for _, zf := range zr.File {
		e := frameEntry{hdr: zf.FileHeader}
		switch zf.Name {
		case frameSheetPart, frameWorkbookPart:
			rc, err := zf.Open()
			if err != nil {
				return nil, err
			}
			part, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				return nil, err
			}
			if zf.Name == frameSheetPart {
				e.part = "sheet"
				i := bytes.Index(part, []byte("<cols>"))
				want := fmt.Sprintf(`<row r="1"><c r="A1" s="%d" t="inlineStr"><is><t>-</t></is></c></row>`, st.title)
				if i < 0 || !bytes.Contains(part, []byte(want)) || !bytes.HasSuffix(part, []byte(`</sheetData><autoFilter ref="$A$2:$F$2"></autoFilter></worksheet>`)) {
					return nil, fmt.Errorf("feedback frame: the sheet excelize wrote has an unexpected layout")
				}
				fr.sheetHead = part[:i]
			} else {
				e.part = "workbook"
				const ref = `!$A$2:$F$2</definedName>`
				i := bytes.Index(part, []byte(ref))
				if i < 0 {
					return nil, fmt.Errorf("feedback frame: workbook.xml has no auto-filter name")
				}
				fr.workbookHead = part[:i+len(`!$A$2:$F$`)]
				fr.workbookTail = part[i+len(`!$A$2:$F$2`):]
			}
		default:
			r, err := zf.OpenRaw()
			if err != nil {
				return nil, err
			}
			if e.raw, err = io.ReadAll(r); err != nil {
				return nil, err
			}
		}
		fr.entries = append(fr.entries, e)
	}
	if fr.sheetHead == nil || fr.workbookHead == nil {
		return nil, fmt.Errorf("feedback frame: sheet or workbook part missing")
	}
	return fr, nil
}

var feedbackHeader = []string{"工作表", "单元格", "填写的值", "问题代码", "说明", "严重程度"}

// feedbackBook is the feedback workbook showing sh, for period.
func feedbackBook(period string, sh *sheet) ([]byte, error) {
	fr, err := frameFor(period)
	if err != nil {
		return nil, err
	}
	st, err := feedbackStyles()
	if err != nil {
		return nil, err
	}
	lastRow := strconv.Itoa(2 + len(sh.rows))
	var out bytes.Buffer
	out.Grow(4096 + 200*len(sh.rows))
	zw := zip.NewWriter(&out)
	release, err := bookFormat.RegisterCompressor(zw)
	if err != nil {
		return nil, err
	}
	defer release()
	for _, e := range fr.entries {
		if e.part == "" {
			h := e.hdr
			w, err := zw.CreateRaw(&h)
			if err != nil {
				return nil, err
			}
			if _, err := w.Write(e.raw); err != nil {
				return nil, err
			}
			continue
		}
		var b bytes.Buffer
		if e.part == "workbook" {
			b.Write(fr.workbookHead)
			b.WriteString(lastRow)
			b.Write(fr.workbookTail)
		} else {
			writeFeedbackSheet(&b, fr.sheetHead, st, sh, lastRow)
		}
		// A small part is stored: deflate's fixed cost (its Huffman
		// tables) is most of a short issue list's.
		method := zip.Deflate
		if b.Len() < 16<<10 {
			method = zip.Store
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.hdr.Name, Method: method})
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(b.Bytes()); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

var (
	fbStylesOnce sync.Once
	fbStyles     styles
	fbStylesErr  error
)

func feedbackStyles() (styles, error) {
	fbStylesOnce.Do(func() { fbStyles, fbStylesErr = bookStyles(false) })
	return fbStyles, fbStylesErr
}

// writeFeedbackSheet writes the sheet part as excelize's stream writer
// would: column widths, the title and header rows, then one text cell per
// value.
func writeFeedbackSheet(b *bytes.Buffer, head []byte, st styles, sh *sheet, lastRow string) {
	b.Write(head)
	ncols := len(sh.header)
	for _, r := range sh.rows {
		ncols = max(ncols, len(r))
	}
	b.Write(colsXML(columnWidths(sh, ncols)))
	b.WriteString("<sheetData>")
	b.WriteString(`<row r="1">`)
	textCell(b, "A", "1", st.title, sh.title+sh.stamp)
	b.WriteString(`</row><row r="2" ht="30" customHeight="1">`)
	for i, h := range sh.header {
		textCell(b, colName(i+1), "2", st.header, h)
	}
	b.WriteString(`</row>`)
	for i, r := range sh.rows {
		if len(r) == 0 {
			continue
		}
		row := strconv.Itoa(3 + i)
		b.WriteString(`<row r="` + row + `">`)
		for j, v := range r {
			s, _ := v.(string) // feedback rows hold text only
			textCell(b, colName(j+1), row, 0, s)
		}
		b.WriteString(`</row>`)
	}
	b.WriteString(`</sheetData><autoFilter ref="$A$2:$F$` + lastRow + `"></autoFilter></worksheet>`)
}

// textCell writes an inline-string cell (inlineStrCell), its text cut at
// Excel's limit.
func textCell(b *bytes.Buffer, col, row string, style int, text string) {
	if len(text) > excelize.TotalCellChars && utf8.RuneCountInString(text) > excelize.TotalCellChars {
		text = string([]rune(text)[:excelize.TotalCellChars])
	}
	inlineStrCell(b, col, row, style, text)
}
