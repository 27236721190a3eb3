package torture

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"strings"
)

// Small builders of workbooks, good and hostile. Everything is streamed into
// the zip so that a sheet of a million rows never sits in memory.

// xsheet is one worksheet. Rows are written as inline strings unless cell
// renders them; body, when set, writes the whole content of <sheetData>
// instead (a generator of a million rows); part, when set, writes the whole
// part (malformed XML).
type xsheet struct {
	name  string
	state string // "", "hidden" or "veryHidden"
	rows  [][]string
	cell  func(ref, v string) string
	body  func(w io.Writer) error
	part  func(w io.Writer) error
}

// xbook is a workbook. sst, when set, writes xl/sharedStrings.xml; raw parts
// are added as they are (their headers may lie).
type xbook struct {
	sheets []xsheet
	sst    func(w io.Writer) error
	raw    []rawPart
	// replace, when set, is a raw part written instead of the sheet part of
	// that index (1-based), so that its declared sizes can lie.
	replace map[int]rawPart
}

// rawPart is a zip entry written byte for byte: data is already compressed
// when method is Deflate, and the header's sizes and checksum are whatever
// the case needs.
type rawPart struct {
	hdr    zip.FileHeader
	pieces []piece
}

// piece is data written repeat times (0 means once): a bomb is one
// compressed chunk repeated.
type piece struct {
	data   []byte
	repeat int
}

func xmlEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&quot;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func colName(n int) string {
	s := ""
	for n > 0 {
		n--
		s = string(rune('A'+n%26)) + s
		n /= 26
	}
	return s
}

func inlineCell(ref, v string) string {
	return `<c r="` + ref + `" t="inlineStr"><is><t>` + xmlEscape(v) + `</t></is></c>`
}

// writeRows writes rows from A1 as inline strings (or through cell).
func writeRows(w io.Writer, rows [][]string, cell func(ref, v string) string) error {
	if cell == nil {
		cell = inlineCell
	}
	for r, row := range rows {
		fmt.Fprintf(w, `<row r="%d">`, r+1)
		for c, v := range row {
			if v == "" {
				continue
			}
			io.WriteString(w, cell(fmt.Sprintf("%s%d", colName(c+1), r+1), v))
		}
		if _, err := io.WriteString(w, `</row>`); err != nil {
			return err
		}
	}
	return nil
}

const (
	nsMain = `http://schemas.openxmlformats.org/spreadsheetml/2006/main`
	nsRel  = `http://schemas.openxmlformats.org/officeDocument/2006/relationships`
	relWS  = nsRel + `/worksheet`
)

// styles has two cell formats: 0 General, 1 a date (numFmtId 14).
const stylesXML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="` + nsMain + `"><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>`

// writeBook writes b to path.
func writeBook(path string, b xbook) error {
	fh, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(fh, 1<<16)
	zw := zip.NewWriter(bw)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestSpeed)
	})
	put := func(name, s string) error {
		w, err := zw.Create(name)
		if err != nil {
			return err
		}
		_, err = io.WriteString(w, s)
		return err
	}
	var ct, wb, rels strings.Builder
	ct.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>`)
	wb.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="` + nsMain + `" xmlns:r="` + nsRel + `"><sheets>`)
	rels.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`)
	for i, s := range b.sheets {
		n := i + 1
		fmt.Fprintf(&ct, `<Override PartName="/xl/worksheets/sheet%d.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`, n)
		state := ""
		if s.state != "" {
			state = ` state="` + s.state + `"`
		}
		fmt.Fprintf(&wb, `<sheet name="%s" sheetId="%d"%s r:id="rId%d"/>`, xmlEscape(s.name), n, state, n)
		fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="%s" Target="worksheets/sheet%d.xml"/>`, n, relWS, n)
	}
	wb.WriteString(`</sheets></workbook>`)
	fmt.Fprintf(&rels, `<Relationship Id="rIdS" Type="%s/styles" Target="styles.xml"/>`, nsRel)
	if b.sst != nil {
		fmt.Fprintf(&rels, `<Relationship Id="rIdT" Type="%s/sharedStrings" Target="sharedStrings.xml"/>`, nsRel)
	}
	rels.WriteString(`</Relationships>`)
	ct.WriteString(`</Types>`)
	for _, p := range [][2]string{
		{"[Content_Types].xml", ct.String()},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="` + nsRel + `/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", wb.String()},
		{"xl/_rels/workbook.xml.rels", rels.String()},
		{"xl/styles.xml", stylesXML},
	} {
		if err := put(p[0], p[1]); err != nil {
			return err
		}
	}
	if b.sst != nil {
		w, err := zw.Create("xl/sharedStrings.xml")
		if err != nil {
			return err
		}
		if err := b.sst(w); err != nil {
			return err
		}
	}
	for i, s := range b.sheets {
		name := fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1)
		if rp, ok := b.replace[i+1]; ok {
			rp.hdr.Name = name
			if err := writeRaw(zw, rp); err != nil {
				return err
			}
			continue
		}
		w, err := zw.Create(name)
		if err != nil {
			return err
		}
		if s.part != nil {
			err = s.part(w)
		} else {
			err = writeSheet(w, s)
		}
		if err != nil {
			return err
		}
	}
	for _, rp := range b.raw {
		if err := writeRaw(zw, rp); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return fh.Close()
}

func writeSheet(w io.Writer, s xsheet) error {
	io.WriteString(w, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="`+nsMain+`"><sheetData>`)
	var err error
	if s.body != nil {
		err = s.body(w)
	} else {
		err = writeRows(w, s.rows, s.cell)
	}
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, `</sheetData></worksheet>`)
	return err
}

func writeRaw(zw *zip.Writer, rp rawPart) error {
	hdr := rp.hdr
	w, err := zw.CreateRaw(&hdr)
	if err != nil {
		return err
	}
	for _, p := range rp.pieces {
		for range max(p.repeat, 1) {
			if _, err := w.Write(p.data); err != nil {
				return err
			}
		}
	}
	return nil
}

// sheetXML renders a whole sheet part in memory (small sheets only).
func sheetXML(s xsheet) []byte {
	var b bytes.Buffer
	writeSheet(&b, s)
	return b.Bytes()
}

// deflateChunk compresses data as a sequence of non-final blocks that
// ends on a byte boundary: such chunks can be concatenated, and a stream
// of them is ended with deflateEnd. This is how a bomb of any inflated size
// is built from one small compressed chunk.
func deflateChunk(data []byte) []byte {
	var b bytes.Buffer
	fw, _ := flate.NewWriter(&b, flate.BestCompression)
	fw.Write(data)
	fw.Flush()
	return b.Bytes()
}

// deflateEnd is an empty final block (fixed Huffman): the end of a stream.
var deflateEnd = []byte{0x03, 0x00}

// bomb is a raw deflated part: head, then chunk repeated n times, then tail,
// with the given declared uncompressed size (0: the true size).
func bomb(head, chunk, tail []byte, n int, declared uint64) rawPart {
	h := crc32.NewIEEE()
	h.Write(head)
	for range n {
		h.Write(chunk)
	}
	h.Write(tail)
	size := uint64(len(head)) + uint64(len(chunk))*uint64(n) + uint64(len(tail))
	if declared == 0 {
		declared = size
	}
	ch, hd, tl := deflateChunk(chunk), deflateChunk(head), deflateChunk(tail)
	comp := uint64(len(hd)) + uint64(len(ch))*uint64(n) + uint64(len(tl)) + uint64(len(deflateEnd))
	hdr := zip.FileHeader{Method: zip.Deflate, CRC32: h.Sum32(), CompressedSize64: comp, UncompressedSize64: declared}
	return rawPart{hdr: hdr, pieces: []piece{{data: hd}, {data: ch, repeat: n}, {data: append(tl, deflateEnd...)}}}
}
