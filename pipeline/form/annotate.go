package form

import (
	"io"

	"grassroots/pipeline/xlsx"
)

// Note is what an annotated copy says about one cell (an xlsx.Note).
type Note struct {
	Sheet string // the sheet's name, as the clerk wrote it
	Cell  string // A1 reference
	Text  string // the comment; several issues of a cell on several lines
}

// NoteAuthor signs the comments of an annotated copy.
const NoteAuthor = "报表校验"

// Annotate writes to w a copy of the workbook in r (size bytes) in which the
// cell of each note is filled red and carries the note as a comment, below
// any comment the clerk had there. Notes on a sheet the workbook does not
// have or with a malformed reference are left out. Every other cell, style,
// merge, sheet and part is as in the original. A workbook that Read would
// reject as damaged, too large or not a workbook returns a *xlsx.Problem
// (code and message as Read gives them) and writes nothing. The copy is
// made by xlsx.Annotate, within the same limits as Read.
func Annotate(w io.Writer, r io.ReaderAt, size int64, lim Limits, notes []Note) error {
	xn := make([]xlsx.Note, len(notes))
	for i, n := range notes {
		xn[i] = xlsx.Note(n)
	}
	return xlsx.Annotate(w, r, size, lim.WithDefaults().xlsx(), NoteAuthor, xn)
}
