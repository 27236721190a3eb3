package xlsx

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"
)

// Annotated copies: the clerk's own workbook, with each cell that has an
// issue filled red and commented, goes back to the clerk.
//
// The copy is made from the package itself, not through a workbook library:
// every part that does not change (shared strings, other sheets, images,
// themes, the clerk's macros-free extras) is copied as its compressed bytes,
// never inflated; only the styles part, the sheets that hold a flagged cell,
// their relationships and comments (with the legacy VML drawing that Excel
// needs to show a comment) and [Content_Types].xml are read, within the same
// Limits as reading the form, and rewritten by streaming through the
// scanner. A form with a few issues costs a fraction of a millisecond, and a
// hostile file costs no more than reading it did (excelize opened the
// original with its own, far larger limits: a zip bomb cost gigabytes).
//
// Annotate lives in this package rather than in pipeline/form because it is
// package surgery: it needs the raw zip entries (copied compressed), the
// part budget, the relationships and the scanner's byte offsets to splice
// tags, none of which a reader of cells should see. What it says and who
// signs it are the caller's (form.Annotate).

// Note is what an annotated copy says about one cell.
type Note struct {
	Sheet string // the sheet's name, as the clerk wrote it
	Cell  string // A1 reference
	Text  string // the comment; several issues of a cell on several lines
}

// maxComments bounds the comments of one copy (a form whose every cell is
// wrong would otherwise carry a drawing of tens of megabytes); further
// flagged cells are filled without a comment, and the issue list has them
// all.
const maxComments = 1000

// Annotate writes to w a copy of the workbook in r (size bytes) in which the
// cell of each note is filled red and carries the note as a comment signed
// by author, below any comment the clerk had there. Notes on a sheet the
// workbook does not have or with a malformed reference are left out. Every
// other cell, style, merge, sheet and part is as in the original. A
// workbook that Open would reject as damaged, too large or not a workbook
// returns a *Problem (code and message as Open gives them) and writes
// nothing.
func Annotate(w io.Writer, r io.ReaderAt, size int64, lim Limits, author string, notes []Note) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("annotating: %v", p)
		}
	}()
	wb, p := openPackage(r, size, lim)
	if p != nil {
		return p
	}
	if p := wb.readStructure(); p != nil {
		return p
	}
	a := &annotator{wb: wb, author: author, parts: map[string][]byte{}}
	defer func() {
		for _, b := range a.pooled {
			putBuf(b)
		}
	}()
	if p := a.build(notes); p != nil {
		return p
	}
	return a.write(w)
}

// annotator holds one copy's rewritten and new parts.
type annotator struct {
	wb     *Workbook
	author string            // signs the comments
	parts  map[string][]byte // lower-case part name → new content
	added  []string          // names of new parts, in order
	// names of the entries as the package spells them, by lower-case name
	ctOverrides []string // part names needing a comments content type
	needVML     bool
	styles      *styleSheet
	comments    int      // comments written so far
	pooled      [][]byte // rewritten sheets, given back once written
}

type cellNote struct {
	row, col int
	Text     string
	comment  bool // within maxComments
}

func (a *annotator) build(notes []Note) *Problem {
	bySheet := map[string][]cellNote{}
	seen := map[[2]string]int{} // (sheet, cell) → index in bySheet[sheet]
	for _, n := range notes {
		col, row := ColIndex(n.Cell), RefRow(n.Cell)
		if col == 0 || row == 0 || row > 1<<20 || CellRef(col, row) != strings.ToUpper(n.Cell) {
			continue
		}
		k := [2]string{n.Sheet, CellRef(col, row)}
		if i, ok := seen[k]; ok {
			bySheet[n.Sheet][i].Text += "\n" + n.Text
			continue
		}
		seen[k] = len(bySheet[n.Sheet])
		bySheet[n.Sheet] = append(bySheet[n.Sheet], cellNote{row: row, col: col, Text: n.Text})
	}
	if len(bySheet) == 0 {
		return nil
	}
	st, p := a.readStyles()
	if p != nil {
		return p
	}
	a.styles = st
	for i, ref := range a.wb.sheets {
		cells := bySheet[ref.Name]
		if len(cells) == 0 {
			continue
		}
		delete(bySheet, ref.Name) // two sheets of one name: the first
		slices.SortFunc(cells, func(x, y cellNote) int {
			if x.row != y.row {
				return x.row - y.row
			}
			return x.col - y.col
		})
		for j := range cells {
			cells[j].comment = a.comments < maxComments
			if cells[j].comment {
				a.comments++
			}
		}
		if p := a.sheet(i, ref, cells); p != nil {
			return p
		}
	}
	if a.styles.changed() {
		a.parts[a.wb.styles] = a.styles.bytes()
	}
	return a.contentTypes()
}

// --- styles ---

// styleSheet is the styles part with the red fill and the red copies of
// the flagged cells' styles to add.
type styleSheet struct {
	data               []byte
	prefix             string
	fillsTag, xfsTag   [2]int // the start tags of <fills> and <cellXfs>
	fillsEnd, xfsEnd   int    // where their end tags start
	fills              int
	xfs                [][]byte // the raw <xf> elements of cellXfs
	red                map[int]int
	added              [][]byte
	usable             bool
	fillsSelf, xfsSelf bool
}

func (a *annotator) readStyles() (*styleSheet, *Problem) {
	st := &styleSheet{red: map[int]int{}}
	data, p := a.wb.Part(a.wb.styles)
	if p != nil || data == nil {
		return st, p // no styles part: comments only
	}
	st.data = data
	s := Scanner{b: data}
	depth, in := 0, ""
	for {
		t, ok := s.Next()
		if !ok {
			break
		}
		start := s.start
		switch t.Kind {
		case StartElement:
			if depth == 0 {
				st.prefix = prefixOf(data[start:s.pos])
			}
			switch {
			case depth == 1 && string(t.Name) == "fills":
				st.fillsTag, st.fillsSelf, st.fillsEnd = [2]int{start, s.pos}, t.Self, s.pos
				in = "fills"
			case depth == 1 && string(t.Name) == "cellXfs":
				st.xfsTag, st.xfsSelf, st.xfsEnd = [2]int{start, s.pos}, t.Self, s.pos
				in = "cellXfs"
			case depth == 2 && in == "fills" && string(t.Name) == "fill":
				st.fills++
			case depth == 2 && in == "cellXfs" && string(t.Name) == "xf":
				s.Skip(t)
				st.xfs = append(st.xfs, data[start:s.pos])
				if len(st.xfs) > 1<<16 {
					return nil, TooLarge("单元格样式过多")
				}
				continue
			}
			if !t.Self {
				depth++
			} else if depth == 1 {
				in = ""
			}
		case EndElement:
			depth--
			if depth == 1 && in != "" {
				if in == "fills" {
					st.fillsEnd = start
				} else {
					st.xfsEnd = start
				}
				in = ""
			}
		}
	}
	if p := s.Problem(); p != nil {
		return nil, p
	}
	st.usable = st.fillsTag[1] > 0 && st.xfsTag[1] > 0 && st.fillsTag[0] < st.xfsTag[0]
	return st, nil
}

// redOf is the style index of style orig filled red, or orig when the
// styles part cannot take a new style.
func (st *styleSheet) redOf(orig int) int {
	if !st.usable {
		return orig
	}
	if id, ok := st.red[orig]; ok {
		return id
	}
	var xf []byte
	if orig >= 0 && orig < len(st.xfs) {
		xf = st.xfs[orig]
	} else if len(st.xfs) > 0 {
		xf = st.xfs[0]
	} else {
		xf = []byte(`<` + st.prefix + `xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>`)
	}
	end := tagEnd(xf)
	tag := setAttr(setAttr(xf[:end], "fillId", strconv.Itoa(st.fills)), "applyFill", "1")
	st.added = append(st.added, slices.Concat(tag, xf[end:]))
	id := len(st.xfs) + len(st.added) - 1
	st.red[orig] = id
	return id
}

func (st *styleSheet) changed() bool { return len(st.added) > 0 }

func (st *styleSheet) bytes() []byte {
	p := st.prefix
	fill := `<` + p + `fill><` + p + `patternFill patternType="solid"><` + p + `fgColor rgb="FFFFC7CE"/><` + p + `bgColor indexed="64"/></` + p + `patternFill></` + p + `fill>`
	var b bytes.Buffer
	b.Grow(len(st.data) + 512)
	d := st.data
	// <fills count> … fills … red fill </fills>
	b.Write(d[:st.fillsTag[0]])
	fillsTag := setAttr(d[st.fillsTag[0]:st.fillsTag[1]], "count", strconv.Itoa(st.fills+1))
	if st.fillsSelf {
		b.Write(unselfClose(fillsTag))
		b.WriteString(fill + `</` + p + `fills>`)
	} else {
		b.Write(fillsTag)
		b.Write(d[st.fillsTag[1]:st.fillsEnd])
		b.WriteString(fill)
	}
	from := st.fillsEnd
	if st.fillsSelf {
		from = st.fillsTag[1]
	}
	b.Write(d[from:st.xfsTag[0]])
	xfsTag := setAttr(d[st.xfsTag[0]:st.xfsTag[1]], "count", strconv.Itoa(len(st.xfs)+len(st.added)))
	if st.xfsSelf {
		b.Write(unselfClose(xfsTag))
	} else {
		b.Write(xfsTag)
		b.Write(d[st.xfsTag[1]:st.xfsEnd])
	}
	for _, x := range st.added {
		b.Write(x)
	}
	if st.xfsSelf {
		b.WriteString(`</` + p + `cellXfs>`)
		b.Write(d[st.xfsTag[1]:])
	} else {
		b.Write(d[st.xfsEnd:])
	}
	return b.Bytes()
}

// --- sheets ---

const (
	relComments = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments"
	relVML      = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/vmlDrawing"
	nsRels      = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	ctComments  = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
	ctVML       = "application/vnd.openxmlformats-officedocument.vmlDrawing"
)

// sheetRels is a sheet's relationships part as read.
type sheetRels struct {
	Name string // part name, lower case
	dir  string // the sheet's folder, which targets are relative to
	data []byte
	byID map[string]rel
	add  []string // new <Relationship> elements
}

func (r *sheetRels) freshID() string {
	for i := len(r.add) + 1; ; i++ {
		id := "rIdGr" + strconv.Itoa(i)
		if _, ok := r.byID[id]; !ok {
			r.byID[id] = rel{}
			return id
		}
	}
}

// sheet rewrites one sheet holding flagged cells and writes its comments.
func (a *annotator) sheet(index int, ref Sheet, cells []cellNote) *Problem {
	data, p := a.wb.Part(ref.Part)
	if p != nil {
		return p
	}
	if data == nil {
		return problemDamaged("工作表内容缺失")
	}
	rels, p := a.readSheetRels(ref.Part)
	if p != nil {
		return p
	}
	anyComment := cells[0].comment
	var newVMLID string
	if anyComment {
		newVMLID = rels.freshID() // used only if the sheet has no legacy drawing
	}
	out, legacyID, p := rewriteSheet(data, cells, a.styles, newVMLID)
	putBuf(data)
	if p != nil {
		return p
	}
	a.parts[ref.Part] = out
	a.pooled = append(a.pooled, out)
	if !anyComment {
		return nil
	}
	existing, p := a.sheetComments(&rels, cells)
	if p != nil {
		return p
	}
	if p := a.commentDrawing(index, &rels, cells, existing, legacyID, newVMLID); p != nil {
		return p
	}
	return a.extendRels(&rels)
}

// readSheetRels reads the relationships part of the sheet in part: the new
// comments and drawing are added to it, and its ids must not be reused.
// It returns the value, not a pointer, so that it stays on the stack.
func (a *annotator) readSheetRels(part string) (rels sheetRels, p *Problem) {
	dir := path.Dir(part)
	rels = sheetRels{Name: path.Join(dir, "_rels", path.Base(part)+".rels"), dir: dir, byID: map[string]rel{}}
	if rels.data, p = a.wb.Part(rels.Name); p != nil {
		return rels, p
	}
	if rels.data != nil {
		if rels.byID, p = a.wb.rels(rels.Name, dir); p != nil {
			return rels, p
		}
	}
	return rels, nil
}

// sheetComments writes the comments of the flagged cells into the sheet's
// own comments part, extended, or into a new one that rels gets to point
// at. It returns the cells that already had a comment: the clerk's comment
// already has a shape in the drawing.
func (a *annotator) sheetComments(rels *sheetRels, cells []cellNote) (existing map[[2]int]bool, p *Problem) {
	var commentsPart string
	for _, r := range rels.byID {
		if r.typ == relComments && a.wb.files[r.target] != nil {
			commentsPart = r.target
		}
	}
	if commentsPart == "" {
		commentsPart = a.freshPart(path.Join(a.wb.wbDir, "comments"), ".xml")
		a.parts[commentsPart] = newComments(a.author, cells)
		a.added = append(a.added, commentsPart)
		a.ctOverrides = append(a.ctOverrides, commentsPart)
		rels.add = append(rels.add, relationship(rels.freshID(), relComments, relTarget(rels.dir, commentsPart)))
		return nil, nil
	}
	old, p := a.wb.Part(commentsPart)
	if p != nil {
		return nil, p
	}
	merged, existing, p := extendComments(old, a.author, cells)
	if p != nil {
		return nil, p
	}
	a.parts[commentsPart] = merged
	return existing, nil
}

// commentDrawing adds a shape for each new comment to the legacy drawing
// that shows the sheet's comments (Excel shows none without it): the
// sheet's own drawing when it has one (legacyID), else a new one under
// newVMLID, the id rewriteSheet referred to.
func (a *annotator) commentDrawing(index int, rels *sheetRels, cells []cellNote, existing map[[2]int]bool, legacyID, newVMLID string) *Problem {
	var shapes []cellNote
	for _, c := range cells {
		if c.comment && !existing[[2]int{c.row, c.col}] {
			shapes = append(shapes, c)
		}
	}
	if vml, ok := rels.byID[legacyID]; ok && legacyID != "" && a.wb.files[vml.target] != nil {
		old, p := a.wb.Part(vml.target)
		if p != nil {
			return p
		}
		i := bytes.LastIndex(old, []byte("</xml>"))
		if i < 0 {
			return problemDamaged("批注绘图内容格式错误")
		}
		a.parts[vml.target] = slices.Concat(old[:i], vmlShapes(shapes, index), old[i:])
		return nil
	}
	vmlPart := a.freshPart(path.Join(a.wb.wbDir, "drawings", "vmlDrawing"), ".vml")
	var b bytes.Buffer
	fmt.Fprintf(&b, `<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:x="urn:schemas-microsoft-com:office:excel"><o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="%d"/></o:shapelayout>`, vmlBlock(index))
	b.Write(vmlShapes(shapes, index))
	b.WriteString(`</xml>`)
	a.parts[vmlPart] = b.Bytes()
	a.added = append(a.added, vmlPart)
	a.needVML = true
	rels.add = append(rels.add, relationship(newVMLID, relVML, relTarget(rels.dir, vmlPart)))
	return nil
}

// extendRels writes the sheet's relationships part with the relationships
// added to rels, or a new part when the sheet had none.
func (a *annotator) extendRels(rels *sheetRels) *Problem {
	if len(rels.add) == 0 {
		return nil
	}
	if rels.data == nil {
		a.parts[rels.Name] = []byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
			`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` + strings.Join(rels.add, "") + `</Relationships>`)
		a.added = append(a.added, rels.Name)
		return nil
	}
	i := bytes.LastIndex(rels.data, []byte("</"))
	if i < 0 {
		return problemDamaged("工作表关系内容格式错误")
	}
	a.parts[rels.Name] = slices.Concat(rels.data[:i], []byte(strings.Join(rels.add, "")), rels.data[i:])
	return nil
}

// rewriteSheet sets the red style on each flagged cell (adding the cells and
// rows the sheet does not have, in order) and, when the sheet has no legacy
// drawing and newVMLID is set, adds one that refers to newVMLID. It returns
// the legacy drawing's relationship id (the existing one, or newVMLID).
func rewriteSheet(data []byte, cells []cellNote, st *styleSheet, newVMLID string) (out []byte, legacyID string, p *Problem) {
	w := &sheetRewrite{data: data, cells: cells, st: st, newVMLID: newVMLID,
		b: bytes.NewBuffer(getBuf(len(data) + 64*len(cells) + 256)), s: Scanner{b: data}}
	for {
		t, ok := w.s.Next()
		if !ok {
			break
		}
		// &t: copying the token into every call cost a few percent on a
		// sheet with many flagged cells.
		switch t.Kind {
		case StartElement:
			w.startElement(&t)
		case EndElement:
			w.endElement(&t)
		}
	}
	if p := w.s.Problem(); p != nil {
		return nil, "", p
	}
	if w.next < len(cells) && w.depth == 0 {
		// No sheetData at all: an empty sheet's cells cannot be flagged.
		w.next = len(cells)
	}
	w.flush(len(data))
	return w.b.Bytes(), w.legacyID, nil
}

// sheetRewrite is one pass of rewriteSheet: the scan of the sheet, the copy
// being written and how far the flagged cells are placed. The copy lags
// the scan: the bytes between written and the scan are copied as they are
// when the next splice (or the end) flushes them.
type sheetRewrite struct {
	data     []byte
	cells    []cellNote // sorted by row, then column
	st       *styleSheet
	newVMLID string

	b        *bytes.Buffer
	s        Scanner
	prefix   string // the worksheet's namespace prefix ("x:" or "")
	depth    int
	written  int // data[:written] is in b
	next     int // cells[next:] are still to place
	row, col int // the row and cell the scan is in
	inRow    bool
	inData   bool
	// legacyDone is set once the sheet has a legacyDrawing, its own
	// (legacyID) or the one added.
	legacyDone bool
	legacyID   string
}

// startElement copies a start tag, splicing at sheetData, rows and cells
// with flagged cells, and at the first tag that must follow legacyDrawing.
func (w *sheetRewrite) startElement(t *Token) {
	start := w.s.start
	name := string(t.Name)
	if w.depth == 0 {
		w.prefix = prefixOf(w.data[start:w.s.pos])
	}
	switch {
	case w.depth == 1 && name == "sheetData":
		w.inData = true
		if !t.Self {
			w.depth++
			w.jump()
			return
		}
		w.flush(start)
		fmt.Fprintf(w.b, `<%ssheetData>`, w.prefix)
		w.rowsBefore(1 << 30)
		fmt.Fprintf(w.b, `</%ssheetData>`, w.prefix)
		w.written = w.s.pos
		w.inData = false
	case w.depth == 1 && name == "legacyDrawing":
		w.legacyDone = true
		w.legacyID, _ = Attr(t.Attrs, "id")
	case w.depth == 1 && !w.inData && slices.Contains(afterLegacy, name):
		w.flush(start)
		w.legacy()
	case w.inData && w.depth == 2 && name == "row":
		if w.rowStart(t, start) {
			return
		}
	case w.inRow && w.depth == 3 && name == "c":
		w.cellStart(t, start)
	}
	if !t.Self {
		w.depth++
	}
}

// rowStart handles the start tag of a row, at start. A row without a
// flagged cell is jumped past whole, and rowStart reports true: the scan
// is after its end tag. Otherwise the new rows above it are written first.
func (w *sheetRewrite) rowStart(t *Token, start int) (past bool) {
	r, ok := attrInt(t.Attrs, "r")
	if !ok || r <= w.row {
		r = w.row + 1
	}
	w.row, w.col = r, 0
	if !t.Self && (w.next >= len(w.cells) || w.cells[w.next].row > w.row) {
		// No flagged cell in this row: jump past it without scanning its
		// cells (most of the sheet's cost). Text cannot hold "</"
		// unescaped, except in CDATA.
		rest := w.data[w.s.pos:]
		if end := bytes.Index(rest, []byte("</"+w.prefix+"row>")); end >= 0 && !bytes.Contains(rest[:end], cdataStart) {
			w.s.pos += end + len("</"+w.prefix+"row>")
			w.jump()
			return true
		}
	}
	w.flush(start)
	w.rowsBefore(w.row)
	if t.Self && w.next < len(w.cells) && w.cells[w.next].row == w.row {
		w.b.Write(unselfClose(w.data[start:w.s.pos]))
		w.cellsBefore(1 << 30)
		fmt.Fprintf(w.b, `</%srow>`, w.prefix)
		w.written = w.s.pos
	} else {
		w.inRow = !t.Self
	}
	return false
}

// cellStart handles the start tag of a cell, at start, in a row with
// flagged cells: the new cells left of it are written first, and a flagged
// cell takes the red copy of its style.
func (w *sheetRewrite) cellStart(t *Token, start int) {
	ref, _ := Attr(t.Attrs, "r")
	c := ColIndex(ref)
	if c == 0 || c <= w.col {
		c = w.col + 1
	}
	w.col = c
	if w.next < len(w.cells) && w.cells[w.next].row == w.row && w.cells[w.next].col <= w.col {
		w.flush(start)
		w.cellsBefore(w.col)
		if w.next < len(w.cells) && w.cells[w.next].row == w.row && w.cells[w.next].col == w.col {
			orig, _ := attrInt(t.Attrs, "s")
			tag := w.data[start:w.s.pos]
			w.b.Write(setAttr(tag, "s", strconv.Itoa(w.st.redOf(orig))))
			w.written = w.s.pos
			w.next++
		}
	}
}

// endElement copies an end tag, writing first the new cells at the end of
// a row, the new rows at the end of sheetData, and the legacy drawing at
// the end of a worksheet that has none.
func (w *sheetRewrite) endElement(t *Token) {
	start := w.s.start
	name := string(t.Name)
	w.depth--
	switch {
	case w.inRow && w.depth == 2 && name == "row":
		w.inRow = false
		w.flush(start)
		w.cellsBefore(1 << 30)
		w.flush(w.s.pos)
		w.jump()
	case w.inData && w.depth == 1 && name == "sheetData":
		w.inData = false
		w.flush(start)
		w.rowsBefore(1 << 30)
	case w.depth == 0 && name == "worksheet":
		w.flush(start)
		w.legacy()
	}
}

// flush copies the scanned bytes up to upto as they are.
func (w *sheetRewrite) flush(upto int) {
	w.b.Write(w.data[w.written:upto])
	w.written = upto
}

// emptyCell writes a new, red, empty cell for c.
func (w *sheetRewrite) emptyCell(c cellNote) {
	fmt.Fprintf(w.b, `<%sc r="%s" s="%d"/>`, w.prefix, CellRef(c.col, c.row), w.st.redOf(0))
}

// rowsBefore writes new rows for the cells above row r.
func (w *sheetRewrite) rowsBefore(r int) {
	for w.next < len(w.cells) && w.cells[w.next].row < r {
		cr := w.cells[w.next].row
		fmt.Fprintf(w.b, `<%srow r="%d">`, w.prefix, cr)
		for w.next < len(w.cells) && w.cells[w.next].row == cr {
			w.emptyCell(w.cells[w.next])
			w.next++
		}
		fmt.Fprintf(w.b, `</%srow>`, w.prefix)
	}
}

// cellsBefore writes new cells of the current row left of column c.
func (w *sheetRewrite) cellsBefore(c int) {
	for w.next < len(w.cells) && w.cells[w.next].row == w.row && w.cells[w.next].col < c {
		w.emptyCell(w.cells[w.next])
		w.next++
	}
}

// jump moves the scan, between two rows, to the tag of the next row that
// has a flagged cell, when the sheet numbers its rows (Excel and WPS always
// do): the rows in between are copied without a look at them. Text cannot
// hold "<" unescaped, except in CDATA.
func (w *sheetRewrite) jump() {
	if w.next >= len(w.cells) {
		return
	}
	tag := []byte(`<` + w.prefix + `row r="` + strconv.Itoa(w.cells[w.next].row) + `"`)
	if i := bytes.Index(w.data[w.s.pos:], tag); i > 0 && !bytes.Contains(w.data[w.s.pos:w.s.pos+i], cdataStart) {
		w.s.pos += i
	}
}

// legacy writes the legacyDrawing tag that refers to newVMLID, once, when
// the sheet has none and comments are added.
func (w *sheetRewrite) legacy() {
	if w.legacyDone || w.newVMLID == "" {
		return
	}
	w.legacyDone, w.legacyID = true, w.newVMLID
	fmt.Fprintf(w.b, `<%slegacyDrawing xmlns:r="%s" r:id="%s"/>`, w.prefix, nsRels, w.newVMLID)
}

var cdataStart = []byte("<![CDATA[")

// afterLegacy are the worksheet's children that follow legacyDrawing.
var afterLegacy = []string{"legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls", "webPublishItems", "tableParts", "extLst"}

// --- comments ---

func commentRuns(author, text string) string {
	return `<r><rPr><b/><sz val="9"/><rFont val="宋体"/><family val="3"/><charset val="134"/></rPr><t>` + author + `：</t></r>` +
		`<r><rPr><sz val="9"/><rFont val="宋体"/><family val="3"/><charset val="134"/></rPr><t xml:space="preserve">` + "\n" + escapeXML(text) + `</t></r>`
}

func newComments(author string, cells []cellNote) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<comments xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><authors><author>` + author + `</author></authors><commentList>`)
	for _, c := range cells {
		if c.comment {
			fmt.Fprintf(&b, `<comment ref="%s" authorId="0"><text>%s</text></comment>`, CellRef(c.col, c.row), commentRuns(author, c.Text))
		}
	}
	b.WriteString(`</commentList></comments>`)
	return b.Bytes()
}

// extendComments adds the notes to a sheet's comments part: a cell that has
// a comment keeps it, with the note below; the others get a new one. It
// returns the cells that had a comment.
func extendComments(data []byte, author string, cells []cellNote) ([]byte, map[[2]int]bool, *Problem) {
	byCell := map[[2]int]int{}
	for i, c := range cells {
		if c.comment {
			byCell[[2]int{c.row, c.col}] = i
		}
	}
	type insert struct {
		at   int
		Text string
	}
	var inserts []insert
	existing := map[[2]int]bool{}
	s := Scanner{b: data}
	prefix, depth, authors := "", 0, 0
	authorsEnd, listEnd := -1, -1
	current := -1 // index of the flagged cell whose comment is open
	for {
		t, ok := s.Next()
		if !ok {
			break
		}
		start := s.start
		switch t.Kind {
		case StartElement:
			if depth == 0 {
				prefix = prefixOf(data[start:s.pos])
			}
			switch string(t.Name) {
			case "author":
				authors++
			case "comment":
				ref, _ := Attr(t.Attrs, "ref")
				k := [2]int{RefRow(ref), ColIndex(ref)}
				if i, ok := byCell[k]; ok && !t.Self && !existing[k] {
					current = i
					existing[k] = true
				}
			}
			if !t.Self {
				depth++
			}
		case EndElement:
			depth--
			switch string(t.Name) {
			case "authors":
				authorsEnd = start
			case "commentList":
				listEnd = start
			case "text":
				if current >= 0 {
					inserts = append(inserts, insert{start, withPrefix(`<r><t xml:space="preserve">`+"\n"+`</t></r>`+commentRuns(author, cells[current].Text), prefix)})
					current = -1
				}
			}
		}
	}
	if p := s.Problem(); p != nil {
		return nil, nil, p
	}
	if authorsEnd < 0 || listEnd < 0 || authorsEnd > listEnd {
		return nil, nil, problemDamaged("批注内容格式错误")
	}
	inserts = append(inserts, insert{authorsEnd, withPrefix(`<author>`+author+`</author>`, prefix)})
	var list strings.Builder
	for _, c := range cells {
		if c.comment && !existing[[2]int{c.row, c.col}] {
			fmt.Fprintf(&list, `<comment ref="%s" authorId="%d"><text>%s</text></comment>`, CellRef(c.col, c.row), authors, commentRuns(author, c.Text))
		}
	}
	inserts = append(inserts, insert{listEnd, withPrefix(list.String(), prefix)})
	slices.SortStableFunc(inserts, func(x, y insert) int { return x.at - y.at })
	var b bytes.Buffer
	b.Grow(len(data) + 256*len(byCell))
	written := 0
	for _, in := range inserts {
		b.Write(data[written:in.at])
		b.WriteString(in.Text)
		written = in.at
	}
	b.Write(data[written:])
	return b.Bytes(), existing, nil
}

// withPrefix puts prefix (as "x:") on every element of markup written
// without one, for a part whose elements carry it.
func withPrefix(markup, prefix string) string {
	if prefix == "" {
		return markup
	}
	return strings.NewReplacer("</", "</"+prefix, "<", "<"+prefix).Replace(markup)
}

// vmlBlock is the drawing-id block of the sheet's new shapes: far above the
// blocks Excel gives a workbook's own drawings (one per sheet, from 1).
func vmlBlock(sheetIndex int) int { return 1000 + sheetIndex }

// vmlShapes are the hidden note boxes that Excel shows on hover.
func vmlShapes(cells []cellNote, sheetIndex int) []byte {
	var b bytes.Buffer
	if len(cells) == 0 {
		return nil
	}
	b.WriteString(`<v:shapetype id="_x0000_t202gr" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>`)
	for i, c := range cells {
		lines := 2 + strings.Count(c.Text, "\n")
		fmt.Fprintf(&b, `<v:shape id="_x0000_s%d" type="#_x0000_t202gr" style="position:absolute;margin-left:80pt;margin-top:2pt;width:240pt;height:%dpt;z-index:%d;visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto">`+
			`<v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/><v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>`+
			`<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/><x:Anchor>%d, 15, %d, 2, %d, 15, %d, 16</x:Anchor><x:AutoFill>False</x:AutoFill><x:Row>%d</x:Row><x:Column>%d</x:Column></x:ClientData></v:shape>`,
			vmlBlock(sheetIndex)*1024+1+i, 15+15*lines, i+1, c.col, c.row-1, c.col+4, c.row+lines, c.row-1, c.col-1)
	}
	return b.Bytes()
}

// --- package ---

// freshPart is a part name base+N+ext not in the package.
func (a *annotator) freshPart(base, ext string) string {
	for i := 1; ; i++ {
		name := base + strconv.Itoa(i) + ext
		if _, ok := a.wb.files[strings.ToLower(name)]; ok {
			continue
		}
		if _, ok := a.parts[name]; ok {
			continue
		}
		return name
	}
}

func (a *annotator) contentTypes() *Problem {
	if len(a.ctOverrides) == 0 && !a.needVML {
		return nil
	}
	const name = "[content_types].xml"
	data, p := a.wb.Part(name)
	if p != nil {
		return p
	}
	i := bytes.LastIndex(data, []byte("</"))
	if data == nil || i < 0 {
		return problemDamaged("缺少内容类型说明")
	}
	var add strings.Builder
	if a.needVML && !bytes.Contains(bytes.ToLower(data), []byte(`extension="vml"`)) {
		add.WriteString(`<Default Extension="vml" ContentType="` + ctVML + `"/>`)
	}
	for _, part := range a.ctOverrides {
		add.WriteString(`<Override PartName="/` + part + `" ContentType="` + ctComments + `"/>`)
	}
	a.parts[name] = slices.Concat(data[:i], []byte(add.String()), data[i:])
	return nil
}

// write writes the package: every original entry in its order, unchanged
// ones as their compressed bytes, then the new parts.
func (a *annotator) write(w io.Writer) error {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, deflater)
	put := func(name string, modified *zip.FileHeader, data []byte) error {
		h := &zip.FileHeader{Name: name, Method: zip.Deflate}
		if len(data) < storeBelow {
			h.Method = zip.Store
		}
		if modified != nil {
			h.Modified = modified.Modified
		}
		dst, err := zw.CreateHeader(h)
		if err == nil {
			_, err = dst.Write(data)
		}
		return err
	}
	for _, f := range a.wb.entries {
		key := strings.ToLower(strings.TrimPrefix(strings.ReplaceAll(f.Name, "\\", "/"), "/"))
		if data, ok := a.parts[key]; ok {
			if err := put(f.Name, &f.FileHeader, data); err != nil {
				return err
			}
			continue
		}
		h := f.FileHeader
		dst, err := zw.CreateRaw(&h)
		if err != nil {
			return err
		}
		src, err := f.OpenRaw()
		if err != nil {
			return err
		}
		buf := copyBufs.Get().(*[]byte)
		_, err = io.CopyBuffer(dst, src, *buf)
		copyBufs.Put(buf)
		if err != nil {
			return err
		}
	}
	for _, name := range a.added {
		if err := put(name, nil, a.parts[name]); err != nil {
			return err
		}
	}
	return zw.Close()
}

// storeBelow: rewritten parts smaller than this are stored, not deflated.
// Deflating a part costs a fixed ~30 µs of Huffman tables besides its bytes,
// and a form with issues on four sheets rewrites eight parts or so: storing
// the small ones halved the cost of a copy for a few kilobytes more.
const storeBelow = 16 << 10

// --- small XML helpers ---

// prefixOf is the namespace prefix of a raw start tag ("x:" for <x:row>).
func prefixOf(tag []byte) string {
	end := 1
	for end < len(tag) && !isXMLSpace(tag[end]) && tag[end] != '>' && tag[end] != '/' {
		end++
	}
	name := tag[1:end]
	if i := bytes.IndexByte(name, ':'); i >= 0 {
		return string(name[:i+1])
	}
	return ""
}

// tagEnd is the length of the start tag at the front of el.
func tagEnd(el []byte) int {
	var quote byte
	for i, c := range el {
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return i + 1
		}
	}
	return len(el)
}

// setAttr returns the raw start tag with attribute name (unprefixed) set to
// value, replacing it or adding it before the tag's end.
func setAttr(tag []byte, name, value string) []byte {
	inner := tag[1:]
	off := 1
	// skip the element name
	n := 0
	for n < len(inner) && !isXMLSpace(inner[n]) && inner[n] != '>' && inner[n] != '/' {
		n++
	}
	attrs := inner[n:]
	off += n
	for {
		i := 0
		for i < len(attrs) && isXMLSpace(attrs[i]) {
			i++
		}
		an, val, rest, ok := nextAttr(attrs)
		if !ok {
			break
		}
		if string(an) == name && !bytes.Contains(attrs[i:i+bytes.IndexByte(attrs[i:], '=')], []byte(":")) {
			vstart := off + (len(attrs) - len(rest)) - 1 - len(val)
			return slices.Concat(tag[:vstart], []byte(value), tag[vstart+len(val):])
		}
		off += len(attrs) - len(rest)
		attrs = rest
	}
	end := len(tag) - 1
	if end > 0 && tag[end-1] == '/' {
		end--
	}
	return slices.Concat(tag[:end], []byte(` `+name+`="`+value+`"`), tag[end:])
}

// unselfClose turns <x .../> into <x ...>.
func unselfClose(tag []byte) []byte {
	if n := len(tag); n >= 2 && tag[n-2] == '/' {
		return slices.Concat(tag[:n-2], []byte(">"))
	}
	return tag
}

func relationship(id, typ, target string) string {
	return `<Relationship Id="` + id + `" Type="` + typ + `" Target="` + escapeXML(target) + `"/>`
}

// relTarget is part `to` relative to folder `from` (both lower-case part
// names without a leading slash).
func relTarget(from, to string) string {
	f := strings.Split(from, "/")
	t := strings.Split(to, "/")
	i := 0
	for i < len(f) && i < len(t)-1 && f[i] == t[i] {
		i++
	}
	return strings.Repeat("../", len(f)-i) + strings.Join(t[i:], "/")
}

var xmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

// escapeXML escapes text for an element or a double-quoted attribute, and
// drops what XML 1.0 cannot hold (see xmlText).
func escapeXML(s string) string { return xmlEscaper.Replace(xmlText(s)) }
