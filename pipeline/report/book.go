package report

import (
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"grassroots/pipeline/xlsxzip"
)

// Number formats. Rates are numbers shown as percentages, never text, so
// that officials can sort and compute with them.
const (
	fmtPct = "0.0%"
	// A rate's change is written in percentage points (the difference of the
	// two rates times 100) and says so: "-2.8%" for 97.2% → 94.4% read as a
	// relative change to officials.
	fmtChange = `+0.0"个百分点";-0.0"个百分点";0.0"个百分点"`
	// A rate over a small sample stays a number (sortable) and says so,
	// with its numerator and denominator when the denominator is below
	// maxSmallDen (fmtSmallFrac): "100.0%（2/2，样本不足）".
	fmtSmallPct  = `0.0%"（样本不足）"`
	fmtSmallFrac = `0.0%%"（%d/%d，样本不足）"` // for fmt.Sprintf
	fmtCount     = "#,##0"
	fmtCountChg  = "+#,##0;-#,##0;0"
	fmtMedian    = "0.0"
	fmtMedChg    = "+0.0;-0.0;0.0"
	fmtDateTime  = "yyyy-mm-dd hh:mm"
	fmtDate      = "yyyy-mm-dd"
)

// styles are one workbook's style ids.
type styles struct {
	title, header, pct, change, count, countChange, median, medianChange, dateTime, date int
	smallPct                                                                             int
	// smallFrac[den][num] is the small-sample style that shows num/den.
	smallFrac [maxSmallDen][maxSmallDen]int
}

// maxSmallDen bounds the denominators whose small-sample style shows the
// fraction: every workbook has the same styles, made before the data is
// known, so one style per fraction is made up front (190 of them). A
// minimum sample above 20 shows larger small samples as 样本不足 alone.
const maxSmallDen = 20

// small reports whether id is a small-sample style (the fractions' styles
// are made one after the other).
func (s *styles) small(id int) bool {
	first, last := s.smallFrac[1][0], s.smallFrac[maxSmallDen-1][maxSmallDen-1]
	return id == s.smallPct || (first != 0 && id >= first && id <= last)
}

// newStyles makes a workbook's styles; fractions adds the small-sample
// styles with a numerator and denominator (the summaries show them, the
// feedback workbooks do not).
func newStyles(f *excelize.File, fractions bool) (styles, error) {
	var s styles
	var errs []error
	add := func(st *excelize.Style) int {
		id, err := f.NewStyle(st)
		errs = append(errs, err)
		return id
	}
	custom := func(code string) *excelize.Style { return &excelize.Style{CustomNumFmt: &code} }
	s.title = add(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 13}})
	s.header = add(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Alignment: &excelize.Alignment{Vertical: "center", WrapText: true},
	})
	s.pct = add(custom(fmtPct))
	s.change = add(custom(fmtChange))
	s.count = add(custom(fmtCount))
	s.countChange = add(custom(fmtCountChg))
	s.median = add(custom(fmtMedian))
	s.medianChange = add(custom(fmtMedChg))
	s.dateTime = add(custom(fmtDateTime))
	s.date = add(custom(fmtDate))
	grey := &excelize.Font{Color: "808080"}
	s.smallPct = add(&excelize.Style{CustomNumFmt: new(fmtSmallPct), Font: grey})
	for den := 1; fractions && den < maxSmallDen; den++ {
		for num := 0; num <= den; num++ {
			s.smallFrac[den][num] = add(&excelize.Style{CustomNumFmt: new(fmt.Sprintf(fmtSmallFrac, num, den)), Font: grey})
		}
	}
	for _, err := range errs {
		if err != nil {
			return s, err
		}
	}
	return s, nil
}

// bookStyles are the style ids newBook gives every workbook, taken from a
// new file, so that sheets can be built (and their digests taken) before
// their workbook is.
func bookStyles(fractions bool) (styles, error) {
	t, err := stylesTemplate(fractions)
	return t.ids, err
}

// bookTemplate is the styles part every workbook of a kind shares: the
// ids newStyles gives and xl/styles.xml as excelize writes it after them.
// It is made once: adding the summaries' 200 styles through excelize, and
// writing them out again, cost each township workbook about as much as one
// of its sheets. newBook leaves a workbook's own styles as excelize made
// them, and bookBytes puts this part in their place.
type bookTemplate struct {
	ids        styles
	stylesPart []byte
}

var (
	templateOnce [2]sync.Once
	templates    [2]bookTemplate
	templateErrs [2]error
)

// stylesTemplate is the shared styles part of the workbooks with (the
// summaries) or without (the feedback workbooks) the fractions' styles.
func stylesTemplate(fractions bool) (bookTemplate, error) {
	i := 0
	if fractions {
		i = 1
	}
	templateOnce[i].Do(func() { templates[i], templateErrs[i] = makeTemplate(fractions) })
	return templates[i], templateErrs[i]
}

func makeTemplate(fractions bool) (bookTemplate, error) {
	f := excelize.NewFile()
	defer f.Close()
	ids, err := newStyles(f, fractions)
	if err != nil {
		return bookTemplate{}, err
	}
	parts := &partCapture{}
	f.ZipWriter = func(io.Writer) excelize.ZipWriter { return parts }
	if _, err := f.WriteToBuffer(); err != nil {
		return bookTemplate{}, err
	}
	b := parts.parts[stylesPart]
	if b == nil {
		return bookTemplate{}, fmt.Errorf("excelize wrote no %s", stylesPart)
	}
	return bookTemplate{ids: ids, stylesPart: b.Bytes()}, nil
}

// stylesPart is the styles part of a workbook package.
const stylesPart = "xl/styles.xml"

// partCapture is an excelize.ZipWriter that keeps the parts in memory.
type partCapture struct{ parts map[string]*bytes.Buffer }

func (c *partCapture) Create(name string) (io.Writer, error) {
	if c.parts == nil {
		c.parts = map[string]*bytes.Buffer{}
	}
	b := new(bytes.Buffer)
	c.parts[name] = b
	return b, nil
}

func (c *partCapture) AddFS(fs.FS) error { return errors.New("partCapture: AddFS not supported") }

func (c *partCapture) Close() error { return nil }

// bookZip is the excelize.ZipWriter of bookBytes: it writes the template's
// styles part in place of the workbook's own, and the rows of rowsXML in
// place of their marker rows (splices), then the package through xlsxzip.
type bookZip struct {
	*xlsxzip.Archive
	styles  []byte
	splices []splice
	sheets  []capturedPart
}

// splice is a sheet's data rows and the marker row they replace, and its
// columns, which go before its sheetData.
type splice struct{ marker, rows, cols []byte }

type capturedPart struct {
	name string
	data *bytes.Buffer
}

func (z *bookZip) Create(name string) (io.Writer, error) {
	if len(z.splices) > 0 && strings.HasPrefix(name, "xl/worksheets/") {
		b := new(bytes.Buffer)
		z.sheets = append(z.sheets, capturedPart{name, b})
		return b, nil
	}
	w, err := z.Archive.Create(name)
	if err != nil || name != stylesPart {
		return w, err
	}
	if _, err := w.Write(z.styles); err != nil {
		return nil, err
	}
	return io.Discard, nil
}

func (z *bookZip) Close() error {
	// A marker row follows the title and header rows, and its sheet's
	// number says which rows replace it: one search per sheet, stopping
	// early, where each marker searched in each part scanned megabytes.
	prefix := []byte(`<row r="3"><c r="A3" t="inlineStr"><is><t>` + spliceMarker(0))
	prefix = prefix[:len(prefix)-1]
	done := 0
	for _, p := range z.sheets {
		data := p.data.Bytes()
		var chunks [][]byte
		if i := bytes.Index(data, prefix); i >= 0 {
			end := bytes.IndexByte(data[i+len(prefix):], '<')
			n, err := strconv.Atoi(string(data[i+len(prefix) : i+len(prefix)+max(end, 0)]))
			if err != nil || n >= len(z.splices) || !bytes.HasPrefix(data[i:], z.splices[n].marker) {
				return fmt.Errorf("%s: a marker row of no sheet", p.name)
			}
			s := z.splices[n]
			j := bytes.LastIndex(data[:i], []byte("<sheetData>"))
			if j < 0 {
				return fmt.Errorf("%s: no sheetData before the marker row", p.name)
			}
			chunks = append(chunks, data[:j], s.cols, data[j:i], s.rows)
			data = data[i+len(s.marker):]
			done++
		}
		if err := z.AddPart(p.name, append(chunks, data)...); err != nil {
			return err
		}
	}
	if done != len(z.splices) {
		return fmt.Errorf("%d of %d sheets' rows found no place", len(z.splices)-done, len(z.splices))
	}
	return z.Archive.Close()
}

// sheet is one worksheet as rows of values: nil (an empty cell), string
// (always a text cell, never a formula), or excelize.Cell with a style.
// Row 1 is the title, row 2 the header (frozen), data from row 3.
type sheet struct {
	name  string
	title string
	// stamp follows the title in row 1: the batch's run time, which is in
	// no digest (an unchanged workbook keeps the one it was written with).
	stamp      string
	header     []string
	rows       [][]any
	freezeCols int // columns kept visible when scrolling right
	filterRows int // data rows under the auto-filter; -1 means all rows
	widths     map[int]float64
	charts     []placedChart
	// landscape prints the sheet on A4 landscape, scaled to one page wide
	// (as many pages tall as needed), with narrow margins.
	landscape bool
}

type placedChart struct {
	cell  string
	chart *excelize.Chart
}

// book is a workbook being made by newBook.
type book struct {
	*excelize.File
	tmpl    bookTemplate
	xfs     int      // the number of cell formats excelize's own styles have
	splices []splice // the sheets' data rows written by rowsXML
}

// newBook makes a workbook whose sheets are named names, in order, with
// fixed document properties and the styles of its kind (fractions: the
// summaries'), whose ids it returns.
func newBook(names []string, period, title string, fractions bool) (*book, styles, error) {
	tmpl, err := stylesTemplate(fractions)
	if err != nil {
		return nil, styles{}, err
	}
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", names[0]); err != nil {
		f.Close()
		return nil, styles{}, err
	}
	for _, n := range names[1:] {
		if _, err := f.NewSheet(n); err != nil {
			f.Close()
			return nil, styles{}, err
		}
	}
	ts := docTime(period)
	if err := f.SetDocProps(&excelize.DocProperties{
		Created: ts, Modified: ts, Creator: "grassroots", LastModifiedBy: "grassroots",
		Title: title, Language: "zh-CN",
	}); err != nil {
		f.Close()
		return nil, styles{}, err
	}
	return &book{File: f, tmpl: tmpl, xfs: cellFormats(f)}, tmpl.ids, nil
}

// cellFormats is the number of cell formats in f's own styles.
func cellFormats(f *excelize.File) int {
	if f.Styles == nil || f.Styles.CellXfs == nil {
		return 0
	}
	return len(f.Styles.CellXfs.Xf)
}

// writeSheet streams s into its (empty) worksheet of f. Charts and the
// auto-filter are set on the worksheet before the stream writer takes it
// over, which is the order excelize's stream writer keeps them in.
func writeSheet(f *book, st styles, s *sheet) error {
	ncols := len(s.header)
	for _, r := range s.rows {
		ncols = max(ncols, len(r))
	}
	for _, c := range s.charts {
		if err := f.AddChart(s.name, c.cell, c.chart); err != nil {
			return fmt.Errorf("%s: chart: %w", s.name, err)
		}
	}
	if len(s.header) > 0 {
		n := len(s.rows)
		if s.filterRows >= 0 {
			n = s.filterRows
		}
		ref := "A2:" + cellName(len(s.header), 2+n)
		if err := f.AutoFilter(s.name, ref, nil); err != nil {
			return fmt.Errorf("%s: auto-filter: %w", s.name, err)
		}
	}
	// After the auto-filter, which replaces the sheet's properties.
	if s.landscape {
		if err := setLandscape(f.File, s.name); err != nil {
			return fmt.Errorf("%s: page setup: %w", s.name, err)
		}
	}
	sw, err := f.NewStreamWriter(s.name)
	if err != nil {
		return err
	}
	widths := columnWidths(s, ncols)
	rows, fast := rowsXML(s.rows)
	fast = fast && len(rows) > 0
	for _, w := range widths {
		fast = fast && w <= excelize.MaxColumnWidth // else SetColWidth's error
	}
	// excelize puts each new column before those set already, and Excel
	// wants them in ascending order: set them from the last. A sheet whose
	// rows rowsXML wrote gets its columns the same way (colsXML): excelize
	// copied every column set already for each new one.
	for i := len(widths) - 1; i >= 0 && !fast; i-- {
		if err := sw.SetColWidth(i+1, i+1, widths[i]); err != nil {
			return err
		}
	}
	pane := "bottomLeft"
	if s.freezeCols > 0 {
		pane = "bottomRight"
	}
	top := cellName(s.freezeCols+1, 3)
	if err := sw.SetPanes(&excelize.Panes{
		Freeze: true, XSplit: s.freezeCols, YSplit: 2, TopLeftCell: top, ActivePane: pane,
		Selection: []excelize.Selection{{SQRef: top, ActiveCell: top, Pane: pane}},
	}); err != nil {
		return err
	}
	if err := sw.SetRow("A1", []any{excelize.Cell{StyleID: st.title, Value: s.title + s.stamp}}); err != nil {
		return err
	}
	if len(s.header) > 0 {
		h := make([]any, len(s.header))
		for i, t := range s.header {
			h[i] = excelize.Cell{StyleID: st.header, Value: t}
		}
		if err := sw.SetRow("A2", h, excelize.RowOpts{Height: 30}); err != nil {
			return err
		}
	}
	if fast {
		marker := spliceMarker(len(f.splices))
		if err := sw.SetRow("A3", []any{marker}); err != nil {
			return err
		}
		f.splices = append(f.splices, splice{markerRow(marker), rows, colsXML(widths)})
		return sw.Flush()
	}
	for i, r := range s.rows {
		if len(r) == 0 {
			continue
		}
		if err := sw.SetRow(cellName(1, 3+i), r); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// setLandscape sets sheet's page to A4 landscape, one page wide: without
// fitToPage in the sheet's properties, Excel and LibreOffice ignore
// fitToWidth, and LibreOffice's PDF export cut 总览's chart across pages.
// It must come before the stream writer takes the sheet over, which writes
// the properties first.
func setLandscape(f *excelize.File, sheet string) error {
	fit, a4, landscape, wide, tall := true, 9, "landscape", 1, 0
	if err := f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	if err := f.SetPageLayout(sheet, &excelize.PageLayoutOptions{
		Size: &a4, Orientation: &landscape, FitToWidth: &wide, FitToHeight: &tall,
	}); err != nil {
		return err
	}
	narrow, edge := 0.4, 0.3 // inches
	return f.SetPageMargins(sheet, &excelize.PageLayoutMarginsOptions{
		Left: &narrow, Right: &narrow, Top: &narrow, Bottom: &narrow, Header: &edge, Footer: &edge,
	})
}

// columnWidths: wide enough for the header and the longest value, counting
// a CJK character as two widths, within [6, 60].
func columnWidths(s *sheet, ncols int) []float64 {
	w := make([]float64, ncols)
	for i, h := range s.header {
		w[i] = max(w[i], displayWidth(h)/2+1) // headers wrap onto two lines
	}
	for _, r := range s.rows {
		for i, v := range r {
			w[i] = max(w[i], valueWidth(v))
		}
	}
	for i := range w {
		w[i] = min(max(w[i]+2, 6), 60)
		if x, ok := s.widths[i+1]; ok {
			w[i] = x
		}
	}
	return w
}

func valueWidth(v any) float64 {
	switch v := v.(type) {
	case nil:
		return 0
	case string:
		return displayWidth(v)
	case excelize.Cell:
		switch x := v.Value.(type) {
		case string:
			return displayWidth(x)
		case time.Time:
			return 16
		case float64: // at least "100.0%": a number too wide for its column shows as ###
			var buf [32]byte // the digits' count, without a string for each cell
			return max(float64(len(strconv.AppendFloat(buf[:0], x, 'f', 1, 64))+1), 6)
		case int:
			return float64(len(strconv.Itoa(x)) + 1)
		}
	}
	return 8
}

func displayWidth(s string) float64 {
	var w float64
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			w++
		case r >= 0x1100 && (r <= 0x115f || (r >= 0x2e80 && r <= 0xa4cf) || (r >= 0xac00 && r <= 0xd7a3) ||
			(r >= 0xf900 && r <= 0xfaff) || (r >= 0xfe30 && r <= 0xfe4f) || (r >= 0xff00 && r <= 0xff60) ||
			(r >= 0xffe0 && r <= 0xffe6) || (r >= 0x20000 && r <= 0x3fffd)):
			w += 2
		default:
			w++
		}
	}
	return w
}

func cellName(col, row int) string {
	n, _ := excelize.CoordinatesToCellName(col, row)
	return n
}

func colName(col int) string {
	n, _ := excelize.ColumnNumberToName(col)
	return n
}

// bookBytes serializes f through xlsxzip, with its kind's styles part: its
// parts in name order, so that the same workbook gives the same bytes,
// compressed at deflate's fastest level. The fastest level costs a third of
// the default level's time for files about 30% larger: the summary of 10,000
// villages spent a third of its time compressing.
func bookBytes(f *book) ([]byte, error) {
	f.ZipWriter = func(w io.Writer) excelize.ZipWriter {
		// The archive is written into excelize's buffer: sized once for
		// the data rows at a ratio deflate beats (6:1 against 7:1 for the
		// summary), it does not grow by doubling through fresh memory.
		if b, ok := w.(*bytes.Buffer); ok {
			n := 0
			for _, s := range f.splices {
				n += len(s.rows)
			}
			b.Grow(n / 6)
		}
		return &bookZip{Archive: bookFormat.Archive(w), styles: f.tmpl.stylesPart, splices: f.splices}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	// A style excelize added itself (a cell of a type it gives a default
	// format) would be missing from the template's part.
	if n := cellFormats(f.File); n != f.xfs {
		return nil, fmt.Errorf("excelize added %d cell formats of its own while writing", n-f.xfs)
	}
	return buf.Bytes(), nil
}

var bookFormat = xlsxzip.Format{Level: flate.BestSpeed, Klauspost: true}
