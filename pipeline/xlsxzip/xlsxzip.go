// Package xlsxzip is the one deterministic zip writer of the workbooks the
// project writes (the generated fixture forms and the report's workbooks):
// the same workbook gives the same bytes, so that a regenerated sample or an
// unchanged township workbook can be compared byte for byte.
//
// excelize writes stream-written sheets in map order, and adds the image
// types of a workbook with charts to [Content_Types].xml in map order. A
// Writer therefore keeps every part in memory and writes the archive on
// Close: [Content_Types].xml first (as Office does; its Default elements
// sorted), then _rels/, then the other parts by name, each with a fixed
// timestamp. The deflate level and the timestamp are the Format's: the
// fixtures and the report have each kept theirs, so that neither the
// committed sample nor the report's golden files change.
package xlsxzip

import (
	"archive/zip"
	"bytes"
	"cmp"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"sync"

	kflate "github.com/klauspost/compress/flate"
	"github.com/xuri/excelize/v2"
)

// Format is how a Writer compresses and stamps the parts.
type Format struct {
	// Level is deflate's level (compress/flate's constants).
	Level int
	// Klauspost deflates with klauspost/compress's flate instead of the
	// standard library's: at level 1 it compresses the report's large
	// sheets in about half the time, to other bytes (a format that has
	// committed or compared bytes keeps the standard library's).
	Klauspost bool
	// DOSDate is the MS-DOS date field of every entry; 0x21 is 1980-01-01,
	// as Excel writes it, 0 an empty field. No extended-time field is
	// written (Excel writes none).
	DOSDate uint16
}

// Writer returns an excelize.ZipWriter of this format over w, for
// excelize.File.SetZipWriter or excelize.File.ZipWriter.
func (f Format) Writer(w io.Writer) excelize.ZipWriter {
	return f.Archive(w)
}

// Archive returns a Writer's archive itself, which AddPart has besides
// excelize.ZipWriter's methods.
func (f Format) Archive(w io.Writer) *Archive {
	return &Archive{w: w, format: f}
}

// Bytes serializes x as a workbook of this format.
func (f Format) Bytes(x *excelize.File) ([]byte, error) {
	x.ZipWriter = f.Writer
	buf, err := x.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Archive is a workbook's archive being written: every part kept until
// Close writes them in order.
type Archive struct {
	w      io.Writer
	format Format
	parts  []part
	names  map[string]bool
}

// part is a part's bytes: what was written to it (data), or the chunks
// AddPart was given.
type part struct {
	name   string
	data   *bytes.Buffer
	chunks [][]byte
}

func (z *Archive) Create(name string) (io.Writer, error) {
	if err := z.claim(name); err != nil {
		return nil, err
	}
	b := new(bytes.Buffer)
	z.parts = append(z.parts, part{name: name, data: b})
	return b, nil
}

// AddPart adds the part name made of chunks, one after the other, which
// are kept until Close and must not change meanwhile. A part of tens of
// megabytes (the summary's data rows) is then deflated from where it is,
// not copied into a buffer that grows by doubling: a night's summary
// copied 37 MB into 64 MB of fresh memory this way.
func (z *Archive) AddPart(name string, chunks ...[]byte) error {
	if err := z.claim(name); err != nil {
		return err
	}
	z.parts = append(z.parts, part{name: name, chunks: chunks})
	return nil
}

func (z *Archive) claim(name string) error {
	if z.names[name] {
		return fmt.Errorf("xlsxzip: part %s written twice", name)
	}
	if z.names == nil {
		z.names = map[string]bool{}
	}
	z.names[name] = true
	return nil
}

func (z *Archive) AddFS(fs.FS) error { return errors.New("xlsxzip: AddFS not supported") }

func (z *Archive) Close() error {
	slices.SortFunc(z.parts, func(a, b part) int {
		return cmp.Or(cmp.Compare(rank(a.name), rank(b.name)), strings.Compare(a.name, b.name))
	})
	zw := zip.NewWriter(z.w)
	release, err := z.format.RegisterCompressor(zw)
	if err != nil {
		return err
	}
	defer release()
	for _, p := range z.parts {
		chunks := p.chunks
		if p.data != nil {
			chunks = [][]byte{p.data.Bytes()}
		}
		if p.name == "[Content_Types].xml" {
			chunks = [][]byte{sortContentTypes(bytes.Join(chunks, nil))}
		}
		// The MS-DOS field alone: Modified would add an extended-time
		// field that Excel does not write.
		//lint:ignore SA1019 the MS-DOS field alone is the point
		w, err := zw.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Deflate, ModifiedDate: z.format.DOSDate})
		if err != nil {
			return err
		}
		for _, c := range chunks {
			if _, err := w.Write(c); err != nil {
				return err
			}
		}
	}
	return zw.Close()
}

// RegisterCompressor makes zw deflate every entry at the format's level
// with one flate.Writer, taken from a pool and given back by release (after
// zw.Close). A new flate.Writer (about 1 MB of state) per entry or per
// workbook costs more than compressing a sheet. For archives written by
// hand, such as the report's feedback workbooks spliced from a template.
func (f Format) RegisterCompressor(zw *zip.Writer) (release func(), err error) {
	pool := compressors(f)
	fw, _ := pool.Get().(deflater)
	if fw == nil {
		if f.Klauspost {
			fw, err = kflate.NewWriter(nil, f.Level)
		} else {
			fw, err = flate.NewWriter(nil, f.Level)
		}
		if err != nil {
			return nil, err
		}
	}
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		fw.Reset(w)
		return fw, nil
	})
	return func() { pool.Put(fw) }, nil
}

// rank puts [Content_Types].xml first, as Office itself does, then the
// package relationships.
func rank(name string) int {
	switch {
	case name == "[Content_Types].xml":
		return 0
	case strings.HasPrefix(name, "_rels/"):
		return 1
	}
	return 2
}

// deflater is a flate writer of either package.
type deflater interface {
	io.WriteCloser
	Reset(io.Writer)
}

var (
	poolsMu sync.Mutex
	pools   = map[Format]*sync.Pool{}
)

// compressors is the pool of flate writers of one package and level.
func compressors(f Format) *sync.Pool {
	f.DOSDate = 0
	poolsMu.Lock()
	defer poolsMu.Unlock()
	p := pools[f]
	if p == nil {
		p = new(sync.Pool)
		pools[f] = p
	}
	return p
}

var defaultContentType = regexp.MustCompile(`<Default [^>]*>(?:</Default>)?`)

// sortContentTypes sorts the Default elements of [Content_Types].xml:
// excelize adds the image types of a workbook with charts in map order.
func sortContentTypes(data []byte) []byte {
	locs := defaultContentType.FindAllIndex(data, -1)
	if len(locs) < 2 {
		return data
	}
	from, to := locs[0][0], locs[len(locs)-1][1]
	var parts [][]byte
	n := 0
	for _, l := range locs {
		parts = append(parts, data[l[0]:l[1]])
		n += l[1] - l[0]
	}
	if n != to-from { // not contiguous: not safe to reorder
		return data
	}
	slices.SortFunc(parts, bytes.Compare)
	return slices.Concat(data[:from], bytes.Join(parts, nil), data[to:])
}
