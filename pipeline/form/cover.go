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

func (rd *reader) readCover(ref xlsx.Sheet) *fileProblem {
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
		return p
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
	type found struct {
		cell Cell
		ref  string
	}
	idx := rd.idx
	got := map[*coverField]found{}
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
			got[cf] = found{v, xlsx.CellRef(vc, r)}
		}
	}
	f, sheet := rd.f, ref.Name
	cv := &f.Cover
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
		// A field that a later version introduced is a question older forms
		// were not asked: without its label there is no answer and no warning.
		introduced := len(cf.versions) > 0 && cf.versions[0] != rd.defs.Versions[0]
		var ans *Answer
		if cf.field == fCoverAnswer {
			cv.Answers = append(cv.Answers, Answer{Key: cf.key, Asked: present || !introduced})
			ans = &cv.Answers[len(cv.Answers)-1]
		}
		switch cf.field {
		case fCoverCode:
			cv.CodeCell = at
			code, prob := ParseCode(cell)
			switch prob {
			case CodeOK:
				cv.Code = code
			case CodeEmpty:
				f.fileIssue(sheet, at, CodeMissingCode, "", msgMissingCode(f.Kind))
			case CodeScientific:
				f.fileIssue(sheet, at, CodeBadCode, cell.Text(), msgScientificCode(f.Kind, cell.Text()))
			default:
				f.fileIssue(sheet, at, CodeBadCode, cell.Text(), msgBadCode(f.Kind, cell.Text()))
			}
			continue
		case fCoverPeriod:
			cv.PeriodCell = at
			period, prob := ParsePeriod(cell)
			switch prob {
			case PeriodOK:
				cv.Period = period
			case PeriodEmpty:
				f.fileIssue(sheet, at, CodeMissingPeriod, "", msgMissingPeriod)
			case PeriodAmbiguous:
				f.fileIssue(sheet, at, CodeAmbiguousPeriod, cell.Text(), msgAmbiguousPeriod(cell.Text()))
			default:
				f.fileIssue(sheet, at, CodeBadPeriod, cell.Text(), msgBadPeriod(cell.Text()))
			}
			continue
		}
		name := strings.NewReplacer("“", "", "”", "").Replace(cf.labels[0])
		if cell.IsEmpty() {
			switch {
			case cf.required:
				f.fileIssue(sheet, at, CodeMissingValue, "", msgMissingUnitName(f.Kind))
			case (cf.quiet || introduced) && !present:
			case cf.emptyOK != "" && cv.Kind == cf.emptyOK:
			default:
				rd.issue(sheet, at, CodeMissingValue, SeverityWarning, "", msgMissingValue(name, false))
			}
			continue
		}
		bad := func(code string) {
			rd.issue(sheet, at, code, SeverityWarning, cell.Text(), msgBadValue(name, cf.kind, cf.enum, cell.Text(), false, false))
		}
		switch cf.kind {
		case kindText:
			s := cell.Text()
			if ans != nil {
				ans.Valid, ans.Text = true, s
			}
			switch cf.field {
			case fCoverUnitName:
				cv.UnitName = s
			case fCoverSecretary:
				cv.Secretary = s
			case fCoverFilledBy:
				cv.FilledBy = s
			case fCoverPhone:
				cv.Phone = s
			case fCoverAssistant:
				cv.Assistant = s
			}
		case kindEnum:
			v, ok := idx.coverE[cf][matchKey(cell.Value)]
			if !ok {
				bad(CodeBadEnum)
				continue
			}
			if ans != nil {
				ans.Valid, ans.Text = true, v
			}
			switch cf.field {
			case fCoverKind:
				cv.Kind = v
			case fCoverVersion:
				cv.FormVersion = v
			}
		case kindYesNo:
			b, ok := ParseYesNo(cell)
			if !ok {
				bad(CodeBadYesNo)
				continue
			}
			v := sql.Null[bool]{V: b, Valid: true}
			if ans != nil {
				ans.Valid, ans.Yes = true, b
			}
			switch cf.field {
			case fCoverOneShoulder:
				cv.OneShoulder = v
			case fCoverCouncil:
				cv.Council = v
			}
		case kindCount:
			n, ok := ParseCount(cell)
			if !ok {
				bad(CodeBadNumber)
				continue
			}
			v := sql.Null[int64]{V: n, Valid: true}
			counts[cf.key] = n
			if ans != nil {
				ans.Valid, ans.Count = true, n
			}
			switch cf.field {
			case fCoverPartyMembers:
				cv.PartyMembers = v
			case fCoverGrids:
				cv.Grids = v
			case fCoverGridWorkers:
				cv.GridWorkers = v
			case fCoverGroups:
				cv.Groups = v
			}
		case kindDate:
			d, ok := ParseDateIn(cell, rd.opt.Location)
			if !ok {
				bad(CodeBadDate)
				continue
			}
			if ans != nil {
				ans.Valid, ans.Date = true, d
				continue
			}
			cv.FilledOn = d
		case kindStars:
			n, ok := ParseStars(cell)
			if !ok {
				rd.issue(sheet, at, CodeBadEnum, SeverityWarning, cell.Text(), msgBadStars(name, cell.Text()))
				continue
			}
			if ans != nil {
				ans.Valid, ans.Count, ans.Text = true, int64(n), StarNames[n]
			}
		}
		if cf.atMost != "" && ans != nil && ans.Valid {
			if limit, ok := counts[cf.atMost]; ok && ans.Count > limit {
				ans.Valid = false
				rd.issue(sheet, at, cf.atMostCode, SeverityWarning, cell.Text(), msgExceeds(name, cell.Text(), rd.defs.label(cf.atMost), limit))
			}
		}
	}
	return nil
}
