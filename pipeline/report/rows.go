package report

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// The data rows of the summaries' sheets are most of their workbooks'
// making, and excelize's stream writer spent more on each cell (its
// reference parsed and printed, its text matched against a regular
// expression) than the rest of a township's workbook. writeSheet therefore
// streams a marker row in place of a sheet's data rows, rowsXML writes
// them as the stream writer would, and bookBytes puts them in place of the
// marker (with the columns, colsXML, which excelize set one by one at a
// cost that grew with their number). Only values of the types the sheets
// hold are written so, each as excelize writes it (TestRowsXML compares
// the two); a sheet with any other value, or with a text excelize would
// change (one of Excel's _xHHHH_ escapes, one over Excel's limit), is
// streamed by excelize as before.

// spliceToken makes the marker rows of this process: a data cell cannot
// hold it by chance.
var spliceToken = func() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}()

// spliceMarker is the text of the marker cell of a book's sheet n.
func spliceMarker(n int) string { return "grassroots-rows-" + spliceToken + "-" + strconv.Itoa(n) }

// markerRow is the marker row as the stream writer writes it in row 3.
func markerRow(marker string) []byte {
	return []byte(`<row r="3"><c r="A3" t="inlineStr"><is><t>` + marker + `</t></is></c></row>`)
}

// rowsXML is the sheetData of rows from row 3 on as excelize's stream
// writer writes them (StreamWriter.SetRow; empty rows left out, as
// writeSheet leaves them); false when a value is not one it writes the
// same.
func rowsXML(rows [][]any) ([]byte, bool) {
	const sizeRows = 256
	var b bytes.Buffer
	b.Grow(1024 * min(len(rows), sizeRows))
	var cols []string
	for i, r := range rows {
		if i == sizeRows && len(rows) > 2*sizeRows {
			// The first rows' size says what the rest need, and a
			// quarter more (their row numbers are longer): the buffer
			// grows once, where doubling from a guess allocated and
			// copied twice the sheet's 17 MB.
			rest := b.Len() / sizeRows * (len(rows) - i)
			b.Grow(rest + rest/4)
		}
		if len(r) == 0 {
			continue
		}
		for len(cols) < len(r) {
			cols = append(cols, colName(len(cols)+1))
		}
		row := strconv.Itoa(3 + i)
		b.WriteString(`<row r="`)
		b.WriteString(row)
		b.WriteString(`">`)
		for j, v := range r {
			if v == nil {
				continue
			}
			style := 0
			if c, ok := v.(excelize.Cell); ok {
				if c.Formula != "" {
					return nil, false
				}
				style, v = c.StyleID, c.Value
			}
			var num string // a number's value
			typ := ""
			switch x := v.(type) {
			case string:
				// trimCellValue: a text within Excel's limit and without
				// "_x" (which bstrMarshal escapes) is escaped as XML, line
				// breaks kept.
				if len(x) > excelize.TotalCellChars || strings.Contains(x, "_x") {
					return nil, false
				}
				typ = "inlineStr"
			case float64:
				if math.IsNaN(x) || math.IsInf(x, 0) {
					return nil, false
				}
				num = formatCellFloat(x)
			case int:
				num = strconv.Itoa(x)
			case int64:
				num = strconv.FormatInt(x, 10)
			case time.Time:
				t, ok := excelTime(x)
				if !ok || style == 0 {
					return nil, false
				}
				num = strconv.FormatFloat(t, 'f', -1, 64)
			default:
				return nil, false
			}
			if typ != "" {
				inlineStrCell(&b, cols[j], row, style, v.(string))
				continue
			}
			cellStart(&b, cols[j], row, style)
			b.WriteString(`><v>`)
			b.WriteString(num)
			b.WriteString(`</v></c>`)
		}
		b.WriteString(`</row>`)
	}
	return b.Bytes(), true
}

// cellStart writes a cell's start tag up to its attributes: reference and
// style (none for style 0).
func cellStart(b *bytes.Buffer, col, row string, style int) {
	b.WriteString(`<c r="`)
	b.WriteString(col)
	b.WriteString(row)
	b.WriteByte('"')
	if style != 0 {
		b.WriteString(` s="`)
		b.WriteString(strconv.Itoa(style))
		b.WriteByte('"')
	}
}

// inlineStrCell writes the inline-string cell at col, row as excelize's
// stream writer does: text escaped as XML with its line breaks kept, and
// xml:space preserved when it starts or ends with white space. The text is
// within Excel's limit (excelize.TotalCellChars).
func inlineStrCell(b *bytes.Buffer, col, row string, style int, text string) {
	cellStart(b, col, row, style)
	b.WriteString(` t="inlineStr"><is><t`)
	if text != "" && (space(text[0]) || space(text[len(text)-1])) {
		b.WriteString(` xml:space="preserve"`)
	}
	b.WriteByte('>')
	if needsEscape(text) {
		var esc strings.Builder
		xml.EscapeText(&esc, []byte(text))
		b.WriteString(strings.ReplaceAll(esc.String(), "&#xA;", "\n"))
	} else {
		b.WriteString(text)
	}
	b.WriteString(`</t></is></c>`)
}

// needsEscape: xml.EscapeText would change s (a character it escapes, one
// XML does not allow, or bytes that are not UTF-8). Most texts of the
// sheets, names and codes, need nothing.
func needsEscape(s string) bool {
	for _, r := range s {
		switch {
		case r < 0x20, r == '"', r == '&', r == '\'', r == '<', r == '>',
			r == utf8.RuneError, r >= 0xD800 && r <= 0xDFFF, r == 0xFFFE, r == 0xFFFF:
			return true
		}
	}
	return false
}

// colsXML is the cols element the stream writer writes for columns 1…n
// of widths set from the last (StreamWriter.SetColWidth): one col each, in
// order; none for no column.
func colsXML(widths []float64) []byte {
	if len(widths) == 0 {
		return nil
	}
	var b bytes.Buffer
	b.WriteString("<cols>")
	for i, w := range widths {
		n := strconv.Itoa(i + 1)
		b.WriteString(`<col min="` + n + `" max="` + n + `" width="` + strconv.FormatFloat(w, 'f', -1, 64) + `" customWidth="1"/>`)
	}
	b.WriteString("</cols>")
	return b.Bytes()
}

// space: a text starting or ending with c keeps its white space.
func space(c byte) bool { return c == '\t' || c == '\n' || c == '\r' || c == ' ' }

// formatCellFloat is excelize's formatCellFloat(value, -1, 64): the
// shortest decimal, cut to Excel's 15 significant digits.
func formatCellFloat(value float64) string {
	str := strconv.FormatFloat(value, 'f', -1, 64)
	if math.Abs(value) == math.MaxFloat64 {
		return str
	}
	const maxPrec = 15
	decimal := strings.IndexByte(str, '.')
	significant := 0
	for idx := range str {
		if str[idx] < '0' || str[idx] > '9' || significant == 0 && str[idx] == '0' {
			continue
		}
		significant++
		if significant <= maxPrec {
			continue
		}
		if decimal >= 0 && idx > decimal {
			return strings.TrimSuffix(str[:idx], ".")
		}
		if decimal < 0 {
			decimal = len(str)
		}
		truncated := []byte(str[:decimal])
		for ; idx < len(truncated); idx++ {
			truncated[idx] = '0'
		}
		return string(truncated)
	}
	return str
}

// excelTime is the serial number excelize writes for t (its setCellTime in
// the 1900 date system: the wall clock of t's zone); false for a time it
// writes as text or one over 290 years after 1899.
func excelTime(t time.Time) (float64, bool) {
	const day = 24 * time.Hour
	min1900 := time.Date(1899, time.December, 31, 0, 0, 0, 0, time.UTC)
	buggy := time.Date(1900, time.March, 1, 0, 0, 0, 0, time.UTC).Add(-time.Nanosecond)
	_, offset := t.In(t.Location()).Zone()
	t = t.Add(time.Duration(offset) * time.Second)
	if t.Before(min1900) {
		return 0, false
	}
	diff := t.Sub(min1900)
	if diff >= 290*364*day {
		return 0, false
	}
	rem := diff % day
	result := float64(diff-rem)/float64(day) + float64(rem)/float64(day)
	if t.After(buggy) {
		result++
	}
	return result, result > 0
}
