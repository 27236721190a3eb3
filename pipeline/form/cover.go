package form

import (
	"database/sql"
	"grassroots/pipeline/xlsx"
	"strings"
)

// The cover's labels are searched in the first coverRows rows and
// coverLabelCols columns; the value may sit one column further right (or
// right of a merged label).
const (
	coverRows      = 30
	coverLabelCols = 6
	coverCols      = 10
)

// unquote drops the curly quotes of a label (书记是否“一肩挑”) where a
// message quotes it.
var unquote = strings.NewReplacer("“", "", "”", "")

// coverCell is a cover field's value cell as found, and where.
type coverCell struct {
	cell Cell
	ref  string
}

func (rd *reader) readCover(ref xlsx.Sheet) *fileProblem {
	got, p := rd.coverCells(ref)
	if p != nil {
		return p
	}
	f, sheet := rd.f, ref.Name
	cv := &f.Cover
	if rd.defs.answers > 0 {
		cv.Answers = make([]Answer, 0, rd.defs.answers)
	}
	counts := map[string]int64{} // valid counts by field key, for at_most
	for i := range rd.defs.cover {
		cf := &rd.defs.cover[i]
		fd, present := got[cf]
		cell, at := fd.cell, fd.ref
		if present {
			for _, v := range cf.versions {
				rd.votes[v]++
			}
		}
		switch cf.field {
		case fCoverCode:
			cv.CodeCell = at
			cv.Code = rd.coverCode(sheet, at, cell)
			continue
		case fCoverPeriod:
			cv.PeriodCell = at
			cv.Period = rd.coverPeriod(sheet, at, cell)
			continue
		}
		// A field that a later version introduced is a question older forms
		// were not asked: without its label there is no answer and no warning.
		introduced := len(cf.versions) > 0 && cf.versions[0] != rd.defs.Versions[0]
		name := unquote.Replace(cf.labels[0])
		a := Answer{Key: cf.key, Kind: kindName(cf.kind), Asked: present || !introduced}
		switch {
		case !cell.IsEmpty():
			a = rd.coverValue(sheet, at, cf, name, cell, a)
		case cf.required:
			f.fileIssue(sheet, at, CodeMissingValue, "", msgMissingUnitName(f.Kind))
		case (cf.quiet || introduced) && !present:
		case cf.emptyOK != "" && cv.Kind == cf.emptyOK:
		default:
			rd.issue(sheet, at, CodeMissingValue, SeverityWarning, "", msgMissingValue(name, false))
		}
		if a.Valid && cf.kind == kindCount {
			counts[cf.key] = a.Count
			if limit, ok := counts[cf.atMost]; ok && cf.atMost != "" && a.Count > limit {
				a.Valid = false
				rd.issue(sheet, at, cf.atMostCode, SeverityWarning, cell.Text(), msgExceeds(name, cell.Text(), rd.defs.label(cf.atMost), limit))
			}
		}
		if cf.field == fCoverAnswer {
			cv.Answers = append(cv.Answers, a)
		} else if a.Valid {
			cv.set(cf.field, a)
		}
	}
	return nil
}

// coverCells finds each cover field's label in the first coverRows rows and
// coverLabelCols columns and takes the cell to its right (right of the
// merge, for a merged label) as its value; the first label of a field wins.
func (rd *reader) coverCells(ref xlsx.Sheet) (map[*coverField]coverCell, *fileProblem) {
	var grid [coverRows + 1][coverCols + 1]Cell
	merges, p := rd.wb.Rows(ref.Part, coverCols, true, func(row int, cells []xlsx.RowCell) error {
		if row > coverRows {
			return xlsx.ErrStop
		}
		for _, c := range cells {
			grid[row][c.Col] = Cell(c.Cell)
		}
		return nil
	})
	if p != nil {
		return nil, p
	}
	// A merged label (A3:B3) has its value right of the merge.
	mergeEnd := map[[2]int]int{}
	for _, m := range merges {
		a, b, ok := strings.Cut(m, ":")
		if !ok {
			continue
		}
		r, c := xlsx.RefRow(a), xlsx.ColIndex(a)
		if r > 0 && r <= coverRows && c > 0 && c <= coverLabelCols {
			mergeEnd[[2]int{r, c}] = xlsx.ColIndex(b)
		}
	}
	idx := rd.idx
	got := map[*coverField]coverCell{}
	for r := 1; r <= coverRows; r++ {
		for c := 1; c <= coverLabelCols; c++ {
			if grid[r][c].Value == "" {
				continue
			}
			cf, ok := idx.cover[matchKey(grid[r][c].Value)]
			if !ok {
				continue
			}
			if _, dup := got[cf]; dup {
				continue
			}
			vc := c + 1
			if end, ok := mergeEnd[[2]int{r, c}]; ok && end >= c && end < coverCols {
				vc = end + 1
			}
			v := grid[r][vc]
			if _, isLabel := idx.cover[matchKey(v.Value)]; isLabel && !v.IsEmpty() {
				v = Cell{} // the next cell is another label: this one's value is empty
			}
			got[cf] = coverCell{v, xlsx.CellRef(vc, r)}
		}
	}
	return got, nil
}

// coverCode parses 区划代码; a missing or invalid code rejects the file.
func (rd *reader) coverCode(sheet, at string, cell Cell) string {
	f := rd.f
	code, prob := ParseCode(cell)
	switch prob {
	case CodeOK:
		return code
	case CodeEmpty:
		f.fileIssue(sheet, at, CodeMissingCode, "", msgMissingCode(f.Kind))
	case CodeScientific:
		f.fileIssue(sheet, at, CodeBadCode, cell.Text(), msgScientificCode(f.Kind, cell.Text()))
	default:
		f.fileIssue(sheet, at, CodeBadCode, cell.Text(), msgBadCode(f.Kind, cell.Text()))
	}
	return ""
}

// coverPeriod parses 报告期; a missing or invalid period rejects the file.
func (rd *reader) coverPeriod(sheet, at string, cell Cell) string {
	f := rd.f
	period, prob := ParsePeriod(cell)
	switch prob {
	case PeriodOK:
		return period
	case PeriodEmpty:
		f.fileIssue(sheet, at, CodeMissingPeriod, "", msgMissingPeriod)
	case PeriodAmbiguous:
		f.fileIssue(sheet, at, CodeAmbiguousPeriod, cell.Text(), msgAmbiguousPeriod(cell.Text()))
	default:
		f.fileIssue(sheet, at, CodeBadPeriod, cell.Text(), msgBadPeriod(cell.Text()))
	}
	return ""
}

// coverValue parses a non-empty cover value by its field's kind into a; an
// invalid value is a warning and leaves a invalid.
func (rd *reader) coverValue(sheet, at string, cf *coverField, name string, cell Cell, a Answer) Answer {
	bad := func(code string) Answer {
		rd.issue(sheet, at, code, SeverityWarning, cell.Text(), msgBadValue(name, cf.kind, cf.enum, cell.Text(), false, false))
		return a
	}
	var ok bool
	switch cf.kind {
	case kindText:
		a.Text, ok = cell.Text(), true
	case kindEnum:
		if a.Text, ok = rd.idx.coverE[cf][matchKey(cell.Value)]; !ok {
			return bad(CodeBadEnum)
		}
	case kindYesNo:
		if a.Yes, ok = ParseYesNo(cell); !ok {
			return bad(CodeBadYesNo)
		}
	case kindCount:
		if a.Count, ok = ParseCount(cell); !ok {
			return bad(CodeBadNumber)
		}
	case kindDate:
		if a.Date, ok = ParseDateIn(cell, rd.opt.Location); !ok {
			return bad(CodeBadDate)
		}
	case kindStars:
		n, isStars := ParseStars(cell)
		if !isStars {
			rd.issue(sheet, at, CodeBadEnum, SeverityWarning, cell.Text(), msgBadStars(name, cell.Text()))
			return a
		}
		a.Count, a.Text, ok = int64(n), StarNames[n], true
	}
	a.Valid = ok
	return a
}

// set stores a valid value of one of the cover's own fields.
func (cv *Cover) set(f field, a Answer) {
	yes := sql.Null[bool]{V: a.Yes, Valid: true}
	n := sql.Null[int64]{V: a.Count, Valid: true}
	switch f {
	case fCoverUnitName:
		cv.UnitName = a.Text
	case fCoverSecretary:
		cv.Secretary = a.Text
	case fCoverFilledBy:
		cv.FilledBy = a.Text
	case fCoverPhone:
		cv.Phone = a.Text
	case fCoverAssistant:
		cv.Assistant = a.Text
	case fCoverKind:
		cv.Kind = a.Text
	case fCoverVersion:
		cv.FormVersion = a.Text
	case fCoverOneShoulder:
		cv.OneShoulder = yes
	case fCoverCouncil:
		cv.Council = yes
	case fCoverPartyMembers:
		cv.PartyMembers = n
	case fCoverGrids:
		cv.Grids = n
	case fCoverGridWorkers:
		cv.GridWorkers = n
	case fCoverGroups:
		cv.Groups = n
	case fCoverFilledOn:
		cv.FilledOn = a.Date
	}
}
