package warehouse

import (
	"cmp"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"slices"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"grassroots/pipeline/form"
)

// The tables the loader fills from what the batch read, each described once:
// every column's name, its Arrow type and how to take its value from the
// source. The Arrow batches are built from these descriptions and rows are
// appended by them; queries/schema.sql (and incoming_files.sql) create the
// tables, and TestLoadedTablesMatchSchema checks that every description
// matches its table, column for column.

// table is one loaded table: its columns, in the batch's order, filled from
// a source row of type T.
type loadedTable[T any] struct {
	name string
	cols []column[T]
}

// column is one column of a loaded table.
type column[T any] struct {
	name string
	typ  arrow.DataType
	put  func(b *batch, i int, r *T)
}

// batch is a new, empty Arrow batch for the table.
func (t *loadedTable[T]) batch() *batch {
	fields := make([]arrow.Field, len(t.cols))
	for i, c := range t.cols {
		fields[i] = col(c.name, c.typ)
	}
	return newBatch(t.name, fields...)
}

// add appends r as one row of b.
func (t *loadedTable[T]) add(b *batch, r *T) {
	for i := range t.cols {
		t.cols[i].put(b, i, r)
	}
	b.endRow()
}

// Column kinds, by how a value is written: text that must be there, text
// where "" is NULL, and so on (arrow.go's batch methods).
func text[T any](name string, get func(*T) string) column[T] {
	return column[T]{name, tString, func(b *batch, i int, r *T) { b.str(i, get(r)) }}
}

func optText[T any](name string, get func(*T) string) column[T] {
	return column[T]{name, tString, func(b *batch, i int, r *T) { b.optStr(i, get(r)) }}
}

func integer[T any](name string, get func(*T) int) column[T] {
	return column[T]{name, tInt32, func(b *batch, i int, r *T) { b.i32(i, get(r)) }}
}

func bigint[T any](name string, get func(*T) int64) column[T] {
	return column[T]{name, tInt64, func(b *batch, i int, r *T) { b.i64(i, get(r)) }}
}

func optBigint[T any](name string, get func(*T) sql.Null[int64]) column[T] {
	return column[T]{name, tInt64, func(b *batch, i int, r *T) { b.optI64(i, get(r)) }}
}

func boolean[T any](name string, get func(*T) bool) column[T] {
	return column[T]{name, tBool, func(b *batch, i int, r *T) { b.boolean(i, get(r)) }}
}

func optBoolean[T any](name string, get func(*T) sql.Null[bool]) column[T] {
	return column[T]{name, tBool, func(b *batch, i int, r *T) { b.optBool(i, get(r)) }}
}

// date: the zero time is NULL.
func date[T any](name string, get func(*T) time.Time) column[T] {
	return column[T]{name, tDate, func(b *batch, i int, r *T) { b.date(i, get(r)) }}
}

func timestamp[T any](name string, get func(*T) time.Time) column[T] {
	return column[T]{name, tTime, func(b *batch, i int, r *T) { b.timestamp(i, get(r)) }}
}

// of is a row of a form's: the form's content hash, the row's place among
// its kind (an issue's order) and the row.
type of[T any] struct {
	sha string
	seq int
	v   *T
}

func sha256Of[T any]() column[of[T]] { return text("sha256", func(r *of[T]) string { return r.sha }) }

// formRow is one read form with the run that loaded it.
type formRow struct {
	sha string
	f   *form.Form
	run int
}

var filesTable = loadedTable[File]{"incoming_files", []column[File]{
	text("path", func(f *File) string { return f.Path }),
	text("sha256", func(f *File) string { return f.SHA256 }),
	bigint("size", func(f *File) int64 { return f.Size }),
	timestamp("mtime", func(f *File) time.Time { return f.MTime }),
	timestamp("received_at", func(f *File) time.Time { return f.ReceivedAt }),
	optText("ignored", func(f *File) string { return f.Ignored }),
}}

var formsTable = loadedTable[formRow]{"forms", []column[formRow]{
	text("sha256", func(r *formRow) string { return r.sha }),
	boolean("rejected", func(r *formRow) bool { return r.f.Rejected }),
	optText("version", func(r *formRow) string { return r.f.Version }),
	optText("unit_code", func(r *formRow) string { return r.f.Cover.Code }),
	optText("unit_name", func(r *formRow) string { return r.f.Cover.UnitName }),
	optText("period", func(r *formRow) string { return r.f.Cover.Period }),
	optText("cover_sheet", func(r *formRow) string { return r.f.Sheets.Cover }),
	optText("requests_sheet", func(r *formRow) string { return r.f.Sheets.Requests }),
	optText("code_cell", func(r *formRow) string { return r.f.Cover.CodeCell }),
	optText("period_cell", func(r *formRow) string { return r.f.Cover.PeriodCell }),
	optText("kind", func(r *formRow) string { return r.f.Cover.Kind }),
	optText("secretary", func(r *formRow) string { return r.f.Cover.Secretary }),
	optBoolean("one_shoulder", func(r *formRow) sql.Null[bool] { return r.f.Cover.OneShoulder }),
	optBigint("party_members", func(r *formRow) sql.Null[int64] { return r.f.Cover.PartyMembers }),
	optBigint("grids", func(r *formRow) sql.Null[int64] { return r.f.Cover.Grids }),
	optBigint("grid_workers", func(r *formRow) sql.Null[int64] { return r.f.Cover.GridWorkers }),
	optBoolean("council", func(r *formRow) sql.Null[bool] { return r.f.Cover.Council }),
	optBigint("groups", func(r *formRow) sql.Null[int64] { return r.f.Cover.Groups }),
	optText("filled_by", func(r *formRow) string { return r.f.Cover.FilledBy }),
	optText("phone", func(r *formRow) string { return r.f.Cover.Phone }),
	date("filled_on", func(r *formRow) time.Time { return r.f.Cover.FilledOn }),
	optText("form_version", func(r *formRow) string { return r.f.Cover.FormVersion }),
	integer("rows_read", func(r *formRow) int { return r.f.Rows.Read }),
	integer("rows_rejected", func(r *formRow) int { return r.f.Rows.Rejected }),
	integer("loaded_run", func(r *formRow) int { return r.run }),
	optText("form_kind", func(r *formRow) string { return r.f.Kind }),
	optText("assistant", func(r *formRow) string { return r.f.Cover.Assistant }),
	optText("requests_digest", func(r *formRow) string { return requestLogDigest(r.f) }),
	date("requests_first_on", func(r *formRow) time.Time { return firstRequested(r.f) }),
}}

// firstRequested is the earliest 点单日期 of a form's requests, the zero
// time (NULL) for a form without any (or rejected: none are kept): the
// earliest month whose figures the form may change besides its own
// (refresh_scope.sql).
func firstRequested(f *form.Form) time.Time {
	var first time.Time
	var firstDay arrow.Date32 // as the date column stores it
	if f.Rejected {
		return first
	}
	for i := range f.Requests {
		on := f.Requests[i].RequestedOn
		if on.IsZero() {
			continue
		}
		if day := arrow.Date32FromTime(on); first.IsZero() || day < firstDay {
			first, firstDay = on, day
		}
	}
	return first
}

// requestLogDigest is the sha256 (hex) of what a form's request rows give
// the effective requests and their changed-date warnings, "" for a form
// without any (or rejected: none are kept): each row's request id, dates
// (and the cell of 点单日期), state, dispute, mediation, rating and
// category, joined by U+001F, the rows in sheet order joined by U+001E;
// not the residents' names, phones, the content or the grid worker. The
// text is what fill_forms_requests.sql makes of request_rows for the forms
// loaded before the digest existed (TestRequestLogDigestMatchesSQL).
func requestLogDigest(f *form.Form) string {
	if f.Rejected || len(f.Requests) == 0 {
		return ""
	}
	rows := make([]*form.Request, len(f.Requests))
	for i := range f.Requests {
		rows[i] = &f.Requests[i]
	}
	slices.SortStableFunc(rows, func(a, b *form.Request) int { return cmp.Compare(a.Row, b.Row) })
	h := sha256.New()
	var b []byte
	day := func(t time.Time) {
		if !t.IsZero() {
			b = append(b, arrow.Date32FromTime(t).FormattedString()...)
		}
		b = append(b, 0x1f)
	}
	text := func(s string) { b = append(append(b, s...), 0x1f) }
	for i, q := range rows {
		if i > 0 {
			b = append(b, 0x1e)
		}
		text(q.ID)
		day(q.RequestedOn)
		text(q.RequestedOnCell)
		day(q.DispatchedOn)
		day(q.AcceptedOn)
		day(q.ResolvedOn)
		text(q.State)
		if q.Dispute.Valid {
			b = strconv.AppendBool(b, q.Dispute.V)
		}
		b = append(b, 0x1f)
		text(q.Mediation)
		text(q.Rating)
		b = append(b, q.Category...) // the last field: no separator after it
		h.Write(b)
		b = b[:0]
	}
	return hex.EncodeToString(h.Sum(nil))
}

var issuesTable = loadedTable[of[form.Issue]]{"form_issues", []column[of[form.Issue]]{
	sha256Of[form.Issue](),
	integer("seq", func(r *of[form.Issue]) int { return r.seq }),
	text("sheet", func(r *of[form.Issue]) string { return r.v.Sheet }),
	text("cell", func(r *of[form.Issue]) string { return r.v.Cell }),
	text("code", func(r *of[form.Issue]) string { return r.v.Code }),
	text("severity", func(r *of[form.Issue]) string { return string(r.v.Severity) }),
	text("value", func(r *of[form.Issue]) string { return r.v.Value }),
	text("message", func(r *of[form.Issue]) string { return r.v.Message }),
}}

// answersTable: the value in the column of the field's kind; NULL when
// invalid.
var answersTable = loadedTable[of[form.Answer]]{"form_answers", []column[of[form.Answer]]{
	sha256Of[form.Answer](),
	text("key", func(r *of[form.Answer]) string { return r.v.Key }),
	boolean("asked", func(r *of[form.Answer]) bool { return r.v.Asked }),
	boolean("valid", func(r *of[form.Answer]) bool { return r.v.Valid }),
	optText("text", func(r *of[form.Answer]) string { return r.v.Text }),
	optBoolean("yes", func(r *of[form.Answer]) sql.Null[bool] {
		return sql.Null[bool]{V: r.v.Yes, Valid: r.v.Valid && r.v.Kind == "yesno"}
	}),
	optBigint("count", func(r *of[form.Answer]) sql.Null[int64] {
		return sql.Null[int64]{V: r.v.Count, Valid: r.v.Valid && (r.v.Kind == "count" || r.v.Kind == "stars")}
	}),
	date("date", func(r *of[form.Answer]) time.Time { return r.v.Date }),
}}

var orgsTable = loadedTable[of[form.OrgRow]]{"org_rows", []column[of[form.OrgRow]]{
	sha256Of[form.OrgRow](),
	integer("row", func(r *of[form.OrgRow]) int { return r.v.Row }),
	text("name", func(r *of[form.OrgRow]) string { return r.v.Name }),
	text("type", func(r *of[form.OrgRow]) string { return r.v.Type }),
	boolean("has_org", func(r *of[form.OrgRow]) bool { return r.v.HasOrg }),
	optText("how_formed", func(r *of[form.OrgRow]) string { return r.v.HowFormed }),
	optText("org_name", func(r *of[form.OrgRow]) string { return r.v.OrgName }),
	optBigint("members", func(r *of[form.OrgRow]) sql.Null[int64] { return r.v.Members }),
	optText("note", func(r *of[form.OrgRow]) string { return r.v.Note }),
}}

var meetingsTable = loadedTable[of[form.Meeting]]{"meeting_rows", []column[of[form.Meeting]]{
	sha256Of[form.Meeting](),
	integer("row", func(r *of[form.Meeting]) int { return r.v.Row }),
	date("date", func(r *of[form.Meeting]) time.Time { return r.v.Date }),
	text("topic", func(r *of[form.Meeting]) string { return r.v.Topic }),
	optText("category", func(r *of[form.Meeting]) string { return r.v.Category }),
	optBigint("members_present", func(r *of[form.Meeting]) sql.Null[int64] { return r.v.MembersPresent }),
	optBigint("residents_present", func(r *of[form.Meeting]) sql.Null[int64] { return r.v.ResidentsPresent }),
	optText("follow_up", func(r *of[form.Meeting]) string { return r.v.FollowUp }),
}}

// requestsTable keeps residents' names and phones: the clerk's own data,
// never in a public view or a summary.
var requestsTable = loadedTable[of[form.Request]]{"request_rows", []column[of[form.Request]]{
	sha256Of[form.Request](),
	integer("row", func(r *of[form.Request]) int { return r.v.Row }),
	text("request_id", func(r *of[form.Request]) string { return r.v.ID }),
	date("requested_on", func(r *of[form.Request]) time.Time { return r.v.RequestedOn }),
	optText("requested_on_cell", func(r *of[form.Request]) string { return r.v.RequestedOnCell }),
	optText("resident", func(r *of[form.Request]) string { return r.v.Resident }),
	optText("resident_phone", func(r *of[form.Request]) string { return r.v.Phone }),
	optText("category", func(r *of[form.Request]) string { return r.v.Category }),
	optText("content", func(r *of[form.Request]) string { return r.v.Content }),
	date("dispatched_on", func(r *of[form.Request]) time.Time { return r.v.DispatchedOn }),
	optText("grid_worker", func(r *of[form.Request]) string { return r.v.GridWorker }),
	date("accepted_on", func(r *of[form.Request]) time.Time { return r.v.AcceptedOn }),
	date("resolved_on", func(r *of[form.Request]) time.Time { return r.v.ResolvedOn }),
	text("state", func(r *of[form.Request]) string { return r.v.State }),
	optBoolean("dispute", func(r *of[form.Request]) sql.Null[bool] { return r.v.Dispute }),
	optText("mediation", func(r *of[form.Request]) string { return r.v.Mediation }),
	optText("rating", func(r *of[form.Request]) string { return r.v.Rating }),
}}

var enterprisesTable = loadedTable[of[form.Enterprise]]{"enterprise_rows", []column[of[form.Enterprise]]{
	sha256Of[form.Enterprise](),
	integer("row", func(r *of[form.Enterprise]) int { return r.v.Row }),
	text("name", func(r *of[form.Enterprise]) string { return r.v.Name }),
	optText("credit_code", func(r *of[form.Enterprise]) string { return r.v.CreditCode }),
	optText("kind", func(r *of[form.Enterprise]) string { return r.v.Kind }),
	optBigint("workers", func(r *of[form.Enterprise]) sql.Null[int64] { return r.v.Workers }),
	optBigint("party_members", func(r *of[form.Enterprise]) sql.Null[int64] { return r.v.PartyMembers }),
	boolean("has_org", func(r *of[form.Enterprise]) bool { return r.v.HasOrg }),
	optText("how_formed", func(r *of[form.Enterprise]) string { return r.v.HowFormed }),
	optText("org_name", func(r *of[form.Enterprise]) string { return r.v.OrgName }),
	optBoolean("paired", func(r *of[form.Enterprise]) sql.Null[bool] { return r.v.Paired }),
	optBigint("model_posts", func(r *of[form.Enterprise]) sql.Null[int64] { return r.v.ModelPosts }),
}}

var visitsTable = loadedTable[of[form.Visit]]{"visit_rows", []column[of[form.Visit]]{
	sha256Of[form.Visit](),
	integer("row", func(r *of[form.Visit]) int { return r.v.Row }),
	date("date", func(r *of[form.Visit]) time.Time { return r.v.Date }),
	text("enterprise", func(r *of[form.Visit]) string { return r.v.Enterprise }),
	optText("matter", func(r *of[form.Visit]) string { return r.v.Matter }),
	optBigint("problems", func(r *of[form.Visit]) sql.Null[int64] { return r.v.Problems }),
	optBigint("solved", func(r *of[form.Visit]) sql.Null[int64] { return r.v.Solved }),
}}

// addAll appends every row of rows, of the form with content sha, to b.
func addAll[T any](t *loadedTable[of[T]], b *batch, sha string, rows []T) {
	for i := range rows {
		t.add(b, &of[T]{sha: sha, seq: i, v: &rows[i]})
	}
}
