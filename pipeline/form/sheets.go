package form

import (
	"database/sql"
	"fmt"
	"grassroots/pipeline/xlsx"
	"time"

	"grassroots/pipeline/calendar"
)

// headerRows: the header row is the first row within these that holds at
// least two known headers.
const headerRows = 10

// value is one parsed cell of a data row.
type value struct {
	col     *column // nil: the column is absent
	at      int     // sheet column
	row     int
	raw     Cell
	empty   bool
	ok      bool // present, non-empty and valid
	problem string
	text    string
	date    time.Time
	yes     bool
	count   int64
}

// ref is the cell's A1 reference ("" when the column is absent).
func (v *value) ref() string {
	if v.col == nil {
		return ""
	}
	return xlsx.CellRef(v.at, v.row)
}

// shown is the value as an issue may quote it: never residents' data.
func (v *value) shown() string {
	if v.col != nil && v.col.personal {
		return ""
	}
	return v.raw.Text()
}

// dataRow is one row of a data sheet as parsed.
type dataRow struct {
	num      int
	vals     [numFields]value
	rejected bool
}

type sheetState struct {
	def      *sheetDef
	ref      xlsx.Sheet
	header   int             // header row, 0 until found
	cols     map[int]*column // sheet column → table column
	fieldCol [numFields]*column
	dropped  bool              // missing column: the rows are not read
	rows     int               // non-empty rows seen, against MaxRows
	seenIDs  map[string]int    // request id → first row
	orgWay   map[string]orgWay // organization → its way of forming
	// enterprises: an enterprise's identity (credit code or name) → the
	// first row naming it (park form).
	enterprises map[string]int
}

type orgWay struct {
	way string
	row int
}

func (rd *reader) readDataSheet(sd *sheetDef, ref xlsx.Sheet) *fileProblem {
	st := &sheetState{def: sd, ref: ref, cols: map[int]*column{}, seenIDs: map[string]int{}, orgWay: map[string]orgWay{}}
	if sd.key == "enterprises" {
		st.enterprises = map[string]int{}
	}
	_, p := rd.wb.Rows(ref.Part, maxColumns, false, func(row int, cells []xlsx.RowCell) error {
		st.rows++
		if st.rows > rd.opt.Limits.MaxRows {
			return xlsx.TooLarge(fmt.Sprintf("工作表“%s”超过 %d 行", ref.Name, rd.opt.Limits.MaxRows))
		}
		if st.header == 0 {
			if row > headerRows {
				return xlsx.ErrStop
			}
			rd.tryHeader(st, row, cells)
			if st.dropped {
				return xlsx.ErrStop
			}
			return nil
		}
		rd.dataRow(st, row, cells)
		return nil
	})
	if p != nil {
		return p
	}
	if st.header == 0 {
		rd.missingColumns(st)
	}
	if sd.key == "orgs" {
		rd.settleOrgWays(st)
	}
	return nil
}

// tryHeader takes row as the header row if it holds two known headers.
func (rd *reader) tryHeader(st *sheetState, row int, cells []xlsx.RowCell) {
	idx := rd.idx.headers[st.def]
	type hit struct {
		col int
		m   headerMatch
	}
	var hits []hit
	for _, c := range cells {
		if c.Kind != KindText {
			continue
		}
		for _, m := range idx[matchKey(c.Value)] {
			hits = append(hits, hit{c.Col, m})
		}
	}
	distinct := map[field]bool{}
	for _, h := range hits {
		distinct[h.m.col.field] = true
	}
	if len(distinct) < 2 {
		return
	}
	st.header = row
	for _, h := range hits {
		if st.fieldCol[h.m.col.field] != nil || st.cols[h.col] != nil {
			continue // the first column for a field wins
		}
		st.cols[h.col] = h.m.col
		st.fieldCol[h.m.col.field] = h.m.col
		for _, v := range h.m.versions {
			rd.votes[v]++
		}
	}
	rd.missingColumns(st)
}

// missingColumns reports the required columns not found (Cell "": the whole
// column is absent): a rejection for a
// required sheet, a warning that drops an optional one.
func (rd *reader) missingColumns(st *sheetState) {
	reported := map[field]bool{}
	for i := range st.def.columns {
		c := &st.def.columns[i]
		if !c.required || st.fieldCol[c.field] != nil || reported[c.field] {
			continue
		}
		reported[c.field] = true
		name := c.name
		if c.missingName != "" {
			name = c.missingName
		}
		sev := SeverityFile
		if !st.def.required {
			sev = SeverityWarning
		}
		rd.issue(st.ref.Name, "", CodeMissingColumn, sev, "", msgMissingColumn(st.ref.Name, name, !st.def.required))
		st.dropped = true
	}
}

var totalWords = map[string]bool{"合计": true, "总计": true, "小计": true}

func (rd *reader) dataRow(st *sheetState, row int, cells []xlsx.RowCell) {
	// A row whose first non-empty cell says 合计/总计/小计 is a total.
	for _, c := range cells {
		if Cell(c.Cell).IsEmpty() {
			continue
		}
		if totalWords[matchKey(c.Value)] {
			return
		}
		break
	}
	dr := dataRow{num: row}
	filled := false
	for _, c := range cells {
		col := st.cols[c.Col]
		if col == nil {
			continue
		}
		v := &dr.vals[col.field]
		v.raw = Cell(c.Cell)
		if !Cell(c.Cell).IsEmpty() {
			filled = true
		}
	}
	if !filled {
		return // empty in every known column (a pre-numbered 序号 alone is no row)
	}
	// Columns present with empty cells, then parse.
	for col, c := range st.cols {
		v := &dr.vals[c.field]
		v.col, v.at, v.row = c, col, row
	}
	for f := range dr.vals {
		v := &dr.vals[f]
		if v.col != nil {
			rd.parse(v)
		}
	}
	rd.f.Rows.Read++
	sheet := st.ref.Name
	// Generic issues: missing and invalid values, in column order.
	for i := range st.def.columns {
		c := &st.def.columns[i]
		v := &dr.vals[c.field]
		if v.col != c || v.problem == "" || c.conditional {
			continue
		}
		if c.rejectRow {
			dr.rejected = true
			msg := msgMissingValue(c.name, true)
			if v.problem != CodeMissingValue {
				msg = msgBadValue(c.name, c.kind, c.enum, v.shown(), c.personal, true)
			}
			rd.issue(sheet, v.ref(), v.problem, SeverityRow, v.shown(), msg)
		} else if v.problem != CodeMissingValue {
			rd.issue(sheet, v.ref(), v.problem, SeverityWarning, v.shown(), msgBadValue(c.name, c.kind, c.enum, v.shown(), c.personal, false))
		}
	}
	switch st.def.key {
	case "orgs":
		rd.orgRow(st, &dr)
	case "meetings":
		rd.meetingRow(st, &dr)
	case "requests":
		rd.requestRow(st, &dr)
	case "enterprises":
		rd.enterpriseRow(st, &dr)
	case "visits":
		rd.visitRow(st, &dr)
	}
	if dr.rejected {
		rd.f.Rows.Rejected++
	}
}

// parse interprets a present column's cell by the column's kind.
func (rd *reader) parse(v *value) {
	c := v.col
	if v.raw.IsEmpty() {
		v.empty = true
		v.problem = CodeMissingValue
		return
	}
	switch c.kind {
	case kindText:
		v.text, v.ok = v.raw.Text(), true
	case kindDate:
		v.date, v.ok = ParseDateIn(v.raw, rd.opt.Location)
		if !v.ok {
			v.problem = CodeBadDate
		}
	case kindYesNo:
		v.yes, v.ok = ParseYesNo(v.raw)
		if !v.ok {
			v.problem = CodeBadYesNo
		} else if c.yesNo != nil {
			v.text = c.yesNo[0]
			if v.yes {
				v.text = c.yesNo[1]
			}
		}
	case kindCount:
		v.count, v.ok = ParseCount(v.raw)
		if !v.ok {
			v.problem = CodeBadNumber
		}
	case kindEnum:
		v.text, v.ok = rd.idx.enums[c][matchKey(v.raw.Value)]
		if !v.ok && v.raw.Kind == KindNumber {
			v.text, v.ok = rd.idx.enums[c][matchKey(numberText(v.raw.Value))]
		}
		if !v.ok {
			v.problem = CodeBadEnum
		}
	}
}

func nullCount(v *value) sql.Null[int64] {
	return sql.Null[int64]{V: v.count, Valid: v.ok}
}

func (rd *reader) orgRow(st *sheetState, dr *dataRow) {
	if dr.rejected {
		return
	}
	sheet := st.ref.Name
	v := &dr.vals
	o := OrgRow{
		Row:     dr.num,
		Name:    v[fOrgUnitName].text,
		Type:    v[fOrgUnitType].text,
		HasOrg:  v[fOrgHasOrg].yes,
		OrgName: v[fOrgOrgName].text,
		Members: nullCount(&v[fOrgMembers]),
		Note:    v[fOrgNote].text,
	}
	how := &v[fOrgHowFormed]
	if how.ok {
		o.HowFormed = how.text
	}
	if !o.HasOrg {
		if !how.raw.IsEmpty() {
			rd.issue(sheet, how.ref(), CodeFormationWithoutOrg, SeverityWarning, how.shown(), msgFormationWithout)
		}
		o.HowFormed, o.OrgName = "", ""
	} else if o.OrgName == "" {
		at := v[fOrgOrgName].ref()
		if at == "" {
			at = v[fOrgHasOrg].ref()
		}
		rd.issue(sheet, at, CodeMissingOrgName, SeverityWarning, "", msgMissingOrgName)
		o.HowFormed = ""
	} else {
		// docs/form.md: an organization's way of forming is taken from its first
		// row, even when that row leaves it empty (the organization is then
		// in neither count); a later row stating another way is a warning.
		// A later row that leaves it empty does not disagree.
		key := matchKey(o.OrgName)
		if first, seen := st.orgWay[key]; !seen {
			st.orgWay[key] = orgWay{o.HowFormed, dr.num}
		} else if o.HowFormed != "" && first.way != o.HowFormed {
			rd.issue(sheet, how.ref(), CodeFormationConflict, SeverityWarning, how.shown(), msgFormationConflict(o.OrgName, first.way, first.row))
		}
	}
	rd.f.Orgs = append(rd.f.Orgs, o)
}

// settleOrgWays gives every row of an organization the way of forming of
// its first row, so that each row tells the same story.
func (rd *reader) settleOrgWays(st *sheetState) {
	for i := range rd.f.Orgs {
		o := &rd.f.Orgs[i]
		if o.OrgName == "" {
			continue
		}
		o.HowFormed = st.orgWay[matchKey(o.OrgName)].way
	}
}

func (rd *reader) meetingRow(st *sheetState, dr *dataRow) {
	if dr.rejected {
		return
	}
	v := &dr.vals
	m := Meeting{
		Row:              dr.num,
		Date:             v[fMeetDate].date,
		Topic:            v[fMeetTopic].text,
		Category:         v[fMeetCategory].text,
		MembersPresent:   nullCount(&v[fMeetMembers]),
		ResidentsPresent: nullCount(&v[fMeetResidents]),
		FollowUp:         v[fMeetFollowUp].text,
	}
	if rd.outOfPeriod(st.ref.Name, &v[fMeetDate], CodeMeetingOutOfPeriod, msgMeetingOutOfPeriod) {
		return
	}
	rd.f.Meetings = append(rd.f.Meetings, m)
}

// outOfPeriod reports (as a warning with code) a row whose date lies outside
// the form's month: clerks copy last month's sheet, and a meeting or a
// visit counts on the form of its own month only.
func (rd *reader) outOfPeriod(sheet string, d *value, code string, msg func(date, period string) string) bool {
	p := rd.f.Cover.Period
	if p == "" || d.date.Format(calendar.PeriodLayout) == p {
		return false
	}
	rd.issue(sheet, d.ref(), code, SeverityWarning, fmtDate(d.date), msg(fmtDate(d.date), p))
	return true
}

func (rd *reader) requestRow(st *sheetState, dr *dataRow) {
	sheet := st.ref.Name
	v := &dr.vals
	state := &v[fReqState]
	resolved := &v[fReqResolvedOn]
	isResolved := state.ok && state.text == StateResolved
	// 办结日期: needed when resolved, optional otherwise.
	switch {
	case resolved.col == nil:
	case isResolved && resolved.empty:
		dr.rejected = true
		rd.issue(sheet, resolved.ref(), CodeMissingResolvedOn, SeverityRow, "", msgMissingResolvedOn)
	case resolved.problem == CodeBadDate && isResolved:
		dr.rejected = true
		rd.issue(sheet, resolved.ref(), CodeBadDate, SeverityRow, resolved.shown(), msgBadValue(resolved.col.name, kindDate, nil, resolved.shown(), false, true))
	case resolved.problem == CodeBadDate:
		rd.issue(sheet, resolved.ref(), CodeBadDate, SeverityWarning, resolved.shown(), msgBadValue(resolved.col.name, kindDate, nil, resolved.shown(), false, false))
	}
	id := &v[fReqID]
	if id.ok {
		if first, seen := st.seenIDs[id.text]; seen {
			dr.rejected = true
			rd.issue(sheet, id.ref(), CodeDuplicateRequest, SeverityRow, id.shown(), msgDuplicateID(id.text, first))
		} else {
			st.seenIDs[id.text] = dr.num
		}
	}
	if dr.rejected {
		return
	}
	r := Request{
		Row:             dr.num,
		ID:              id.text,
		RequestedOn:     v[fReqRequestedOn].date,
		RequestedOnCell: v[fReqRequestedOn].ref(),
		Resident:        v[fReqResident].text,
		Phone:           v[fReqPhone].text,
		Category:        v[fReqCategory].text,
		Content:         v[fReqContent].text,
		DispatchedOn:    v[fReqDispatchedOn].date,
		GridWorker:      v[fReqGridWorker].text,
		AcceptedOn:      v[fReqAcceptedOn].date,
		ResolvedOn:      resolved.date,
		State:           state.text,
		Mediation:       v[fReqMediation].text,
		Rating:          v[fReqRating].text,
	}
	if d := &v[fReqDispute]; d.ok {
		r.Dispute = sql.Null[bool]{V: d.yes, Valid: true}
	}
	if !r.DispatchedOn.IsZero() && r.DispatchedOn.Before(r.RequestedOn) {
		d := &v[fReqDispatchedOn]
		rd.issue(sheet, d.ref(), CodeDispatchedBeforeRequest, SeverityWarning, fmtDate(r.DispatchedOn), msgDispatchedBefore)
		r.DispatchedOn = time.Time{}
	}
	if !r.ResolvedOn.IsZero() && r.ResolvedOn.Before(r.RequestedOn) {
		rd.issue(sheet, resolved.ref(), CodeResolvedBeforeRequest, SeverityWarning, fmtDate(r.ResolvedOn), msgResolvedBefore)
		r.ResolvedOn = time.Time{}
	}
	if r.Rating != "" && r.Rating != "未评价" && r.State != StateResolved {
		rt := &v[fReqRating]
		rd.issue(sheet, rt.ref(), CodeRatingUnresolved, SeverityWarning, rt.shown(), msgRatingUnresolved)
		r.Rating = ""
	}
	if r.Mediation != "" && !(r.Dispute.Valid && r.Dispute.V) {
		md := &v[fReqMediation]
		rd.issue(sheet, md.ref(), CodeMediationNotDispute, SeverityWarning, md.shown(), msgMediationNotDisput)
		r.Mediation = ""
	}
	rd.f.Requests = append(rd.f.Requests, r)
}
