// Package form reads and validates one monthly report workbook, a village's
// (村（社区）党建引领基层治理月报表, see docs/form.md) or a park's
// (园区两新组织党建月报表, docs/definitions.md "The park form"), into a
// typed Form and a list of cell-addressed Issues. It never touches the database: the same
// reader serves `grassroots validate`, the nightly batch and the tests.
//
// The entry point is Read (or ReadFile). A Form is always returned, even for a
// rejected workbook, so that the caller can record what was found; Rejected
// says whether any of its rows may count.
package form

import (
	"database/sql"
	"fmt"
	"time"
)

// Severity says how much of a form an Issue costs.
type Severity string

const (
	// SeverityFile rejects the whole workbook: none of its rows count.
	SeverityFile Severity = "file"
	// SeverityRow rejects one row; the rest of the form counts.
	SeverityRow Severity = "row"
	// SeverityWarning keeps the row; the offending value is not used.
	SeverityWarning Severity = "warning"
)

// Issue is one rejection or warning, addressed so that a clerk can find the
// cell: Sheet is the sheet name as found in the workbook ("" for file-level
// problems such as a damaged zip), Cell an A1 reference ("" when the problem
// is a whole sheet or a missing column).
type Issue struct {
	Path     string   // as given to Read, relative to the inbox in the batch
	Sheet    string   // sheet name as it appears in the workbook
	Cell     string   // e.g. "F17"
	Code     string   // stable snake_case code, e.g. "bad_date"
	Severity Severity // file, row or warning
	Value    string   // the value found, as text ("" when absent)
	Message  string   // Chinese, tells the clerk what to change
}

// Error formats the issue as `grassroots validate` prints it:
// `file: sheet!cell: code: message`.
func (i Issue) Error() string {
	loc := i.Sheet
	if i.Cell != "" {
		loc += "!" + i.Cell
	}
	if loc == "" {
		loc = "-"
	}
	return fmt.Sprintf("%s: %s: %s: %s", i.Path, loc, i.Code, i.Message)
}

// Form is one workbook as read. Dates are calendar dates at midnight UTC
// (their meaning is Asia/Shanghai; a date has no time zone of its own); the
// zero time.Time means absent or invalid. Optional values use sql.Null so that
// "empty" and "0" stay different.
type Form struct {
	Path string
	// Kind is the form kind, Village or Park: a workbook with a sheet
	// 企业名册 is a park form, any other a village form. "" when the
	// workbook could not be opened. The registry-dependent check that the
	// code belongs to a unit of this kind is the warehouse's.
	Kind     string
	Version  string // "2021版", "2022版", "2023版" or "园区2023版", as detected from the headers or the cover
	Cover    Cover
	Orgs     []OrgRow   // accepted rows of 组织覆盖 only
	Meetings []Meeting  // accepted rows of 议事记录 dated in the form's period only
	Requests []Request  // accepted rows of 点单台账 only
	Issues   []Issue    // every rejection and warning, in sheet then row order
	Rejected bool       // a file-level issue was found: nothing of this form counts
	Rows     RowCounts  // rows read and rejected, for the run summary
	Sheets   SheetNames // the sheet names as found ("" when absent)
	// A park form's rows (a village form has none).
	Enterprises []Enterprise // accepted rows of 企业名册 only
	Visits      []Visit      // accepted rows of 走访服务 dated in the form's period only
}

// SheetNames are the known sheets' names as they appear in the workbook
// (with whatever suffix or brackets the clerk gave them). Enterprises and
// Visits are a park form's.
type SheetNames struct {
	Cover, Orgs, Meetings, Requests string
	Enterprises, Visits             string
}

// RowCounts counts data rows (header, empty and 合计 rows excluded).
type RowCounts struct {
	Read     int
	Rejected int
}

// Cover is the 基本信息 sheet. A park form's cover has the unit name, code,
// period, secretary (专职党委书记), assistant, filled by, phone, filled on
// and version; the village fields stay empty.
type Cover struct {
	UnitName     string
	Code         string // 12 digits, "" when missing or invalid (then the form is rejected)
	CodeCell     string // where the code's value was found, e.g. "B4" ("" when absent)
	Period       string // "YYYY-MM", "" when missing or invalid (then the form is rejected)
	PeriodCell   string // where the period's value was found
	Kind         string // "村" or "社区", "" when absent or invalid
	Secretary    string
	OneShoulder  sql.Null[bool]
	PartyMembers sql.Null[int64]
	Grids        sql.Null[int64]
	GridWorkers  sql.Null[int64]
	Council      sql.Null[bool]
	Groups       sql.Null[int64]
	FilledBy     string
	Phone        string
	FilledOn     time.Time
	FormVersion  string // the 模板版本 cell as normalized ("2021版", "2022版") or ""
	Assistant    string // a park form's 书记助理
	// Answers are the cover fields that the definitions add beyond the ones
	// above (a new version's question), in the definitions' order.
	Answers []Answer
}

// Answer is one cover field without a Cover field of its own. Asked is
// false when the form's cover lacks the label of a field that a later
// version introduced: the form was not asked the question. Valid is false
// when the answer is empty or invalid (then a warning says why). Only the
// value of the field's kind is set: Text for text and enum fields, Yes,
// Count (a star rating: its stars, 0 for 未评定) or Date.
type Answer struct {
	Key   string
	Kind  string // the field's kind: text, enum, yesno, count, stars or date
	Asked bool
	Valid bool
	Text  string
	Yes   bool
	Count int64
	Date  time.Time
}

// Unit types of 组织覆盖, normalized.
const (
	UnitResidential = "居民小区"
	UnitEnterprise  = "两新组织"
	UnitCooperative = "农民专业合作社"
	UnitFamilyFarm  = "家庭农场"
)

// Ways a party organization is formed, normalized.
const (
	FormedStandalone = "单独组建"
	FormedJoint      = "联合组建"
	// FormedIncubated is a park's enterprise without an organization of its
	// own yet, incubated by the park (企业名册 only).
	FormedIncubated = "孵化培育"
)

// OrgRow is one accepted row of 组织覆盖.
type OrgRow struct {
	Row       int    // 1-based sheet row
	Name      string // 单位名称
	Type      string // one of the Unit* constants
	HasOrg    bool
	HowFormed string // FormedStandalone, FormedJoint or "" (absent, invalid, or not applicable)
	OrgName   string // "" when absent
	Members   sql.Null[int64]
	Note      string
}

// Meeting is one accepted row of 议事记录 whose date lies in the form's period.
type Meeting struct {
	Row              int
	Date             time.Time
	Topic            string
	Category         string // normalized, "" when absent or invalid
	MembersPresent   sql.Null[int64]
	ResidentsPresent sql.Null[int64]
	FollowUp         string // "已落实", "推进中", "未落实" or ""
}

// Request states, normalized.
const (
	StateResolved   = "已办结"
	StateInProgress = "办理中"
	StateUnaccepted = "未受理"
)

// Request is one accepted row of 点单台账. Values that a warning dropped
// (an inconsistent date, a rating on an unresolved request) are absent here.
type Request struct {
	Row             int
	ID              string
	RequestedOn     time.Time
	RequestedOnCell string // e.g. "B7": warehouse-level warnings about the date point here
	Resident        string // personal data: stored, never published
	Phone           string // personal data: stored, never published
	Category        string // normalized, "" when absent or invalid
	Content         string
	DispatchedOn    time.Time
	GridWorker      string
	AcceptedOn      time.Time
	ResolvedOn      time.Time
	State           string // one of the State* constants
	Dispute         sql.Null[bool]
	Mediation       string // "调处成功", "调处失败", "调处中" or ""
	Rating          string // "满意", "基本满意", "不满意", "未评价" or ""
}

// Kinds of enterprise of 企业名册, normalized.
const (
	EnterprisePrivate   = "民营企业"
	EnterpriseForeign   = "外资企业"
	EnterpriseState     = "国有企业"
	EnterpriseSocialOrg = "社会组织"
)

// Enterprise is one accepted row of a park form's 企业名册: one enterprise
// or social organization in the park's care. Values that a warning dropped
// (an invalid credit code, a way of forming that contradicts 是否建立党组织)
// are absent here.
type Enterprise struct {
	Row          int
	Name         string
	CreditCode   string // 统一社会信用代码, 18 characters upper case with a valid check character; "" when absent or invalid
	Kind         string // one of the Enterprise* constants, "" when absent or invalid
	Workers      sql.Null[int64]
	PartyMembers sql.Null[int64]
	HasOrg       bool
	// HowFormed is FormedStandalone or FormedJoint on a row with an
	// organization, FormedIncubated on one without, else "".
	HowFormed  string
	OrgName    string // "" when absent or when HasOrg is false
	Paired     sql.Null[bool]
	ModelPosts sql.Null[int64]
}

// Visit is one accepted row of a park form's 走访服务 whose date lies in the
// form's period. Problems and Solved are both valid or both absent: solved
// more than raised, or either one empty or invalid, leaves out both (the
// visit still counts).
type Visit struct {
	Row        int
	Date       time.Time
	Enterprise string
	Matter     string // "政策落实", "融资对接", "用工招聘", "党建指导", "其他" or ""
	Problems   sql.Null[int64]
	Solved     sql.Null[int64]
}
