package form

import (
	"io"

	"grassroots/pipeline/xlsx"
)

// Note is what an annotated copy says about one cell: sheet name, A1
// reference, comment text.
type Note xlsx.Note

// NoteAuthor signs the comments of an annotated copy.
const NoteAuthor = "报表校验"

// Annotate writes to w the clerk's workbook in r (size bytes) with each
// note's cell filled red and commented, signed NoteAuthor: xlsx.Annotate,
// within the limits Read applies, so that a file Read rejects as damaged,
// too large or not a workbook is refused with the same *xlsx.Problem.
func Annotate(w io.Writer, r io.ReaderAt, size int64, lim Limits, notes []Note) error {
	xn := make([]xlsx.Note, len(notes))
	for i, n := range notes {
		xn[i] = xlsx.Note(n)
	}
	return xlsx.Annotate(w, r, size, lim.WithDefaults().xlsx(), NoteAuthor, xn)
}
