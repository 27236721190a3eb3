package form

// The form's layout as the reader uses it: sheets, their columns with the
// header spellings each form version uses, the cover's labels, and the enums
// with their variants, built from Definitions (definitions.go) and indexed
// once. A new form version is a definitions file, not new code.

// The versions of the default definitions (definitions/forms/village.toml),
// named here for the tests and the fixture generator, which write forms of
// exactly these versions. The reader knows versions only from its
// Definitions.
const (
	Version2021 = "2021版"
	Version2022 = "2022版"
)

// kind is how a column's cells are interpreted.
type kind uint8

const (
	kindText kind = iota
	kindDate
	kindYesNo
	kindCount
	kindEnum
	kindCode    // the cover's 区划代码 (ParseCode)
	kindPeriod  // the cover's 报告期 (ParsePeriod)
	kindVersion // the cover's 模板版本: one of the definitions' versions
	kindStars   // a star rating (ParseStars), for cover fields
)

// enumValue is one canonical value with the spellings accepted for it.
// label is what the template's drop-down list offers (default: canonical).
type enumValue struct {
	canonical string
	label     string
	variants  []string
}

type enum []enumValue

// field names: the keys by which row code finds a column's value.
type field uint8

const (
	_ field = iota // the zero field is no column
	// 组织覆盖
	fOrgUnitName
	fOrgUnitType
	fOrgHasOrg
	fOrgHowFormed
	fOrgOrgName
	fOrgMembers
	fOrgNote
	// 议事记录
	fMeetDate
	fMeetTopic
	fMeetCategory
	fMeetMembers
	fMeetResidents
	fMeetFollowUp
	// 点单台账
	fReqID
	fReqRequestedOn
	fReqResident
	fReqPhone
	fReqCategory
	fReqContent
	fReqDispatchedOn
	fReqGridWorker
	fReqAcceptedOn
	fReqResolvedOn
	fReqState
	fReqDispute
	fReqMediation
	fReqRating
	// 企业名册 (park form)
	fEntName
	fEntCreditCode
	fEntKind
	fEntWorkers
	fEntPartyMembers
	fEntHasOrg
	fEntHowFormed
	fEntOrgName
	fEntPaired
	fEntModelPosts
	// 走访服务 (park form)
	fVisitDate
	fVisitEnterprise
	fVisitMatter
	fVisitProblems
	fVisitSolved
	// 基本信息
	fCoverUnitName
	fCoverCode
	fCoverPeriod
	fCoverKind
	fCoverSecretary
	fCoverOneShoulder
	fCoverPartyMembers
	fCoverGrids
	fCoverGridWorkers
	fCoverCouncil
	fCoverGroups
	fCoverFilledBy
	fCoverPhone
	fCoverFilledOn
	fCoverVersion
	fCoverAssistant // the park form's 书记助理
	fCoverAnswer    // a cover field without a column of its own: an Answer
	numFields
)

// column is one column of a data sheet. Several columns may fill the same
// field (2021版 是否办结 and 2022版 办理状态 both give the state).
type column struct {
	field    field
	key      string              // the definitions' field key
	name     string              // what messages call it (default: the first header)
	headers  map[string][]string // version → accepted header spellings, first = the template's
	kind     kind
	enum     enum
	required bool // the column must exist (else missing_column)
	// rejectRow: an empty or invalid value rejects the row (rule reject_row);
	// otherwise an invalid value is a warning.
	rejectRow bool
	// conditional: a value needed only in some rows (办结日期: when the
	// request is resolved, rule when_resolved); the sheet's code decides.
	conditional bool
	personal    bool // residents' data: never echoed in issues
	textCells   bool // the template formats the column as text (ids, phones)
	// missingName: what missing_column calls the column when the versions
	// name it differently ("办理状态（2021版为“是否办结”）").
	missingName string
	// yesNo: a yes/no column that gives a value of another field (2021版
	// 是否办结: no → 办理中, yes → 已办结), as [no, yes].
	yesNo *[2]string
}

// sheetDef is one data sheet of the form.
type sheetDef struct {
	key      string // orgs, meetings, requests; enterprises, visits
	name     string // canonical name, as the template writes it
	required bool
	columns  []column
}

// Sheet names of the default definitions, for the tests and the fixture
// generator (the reader takes them from its Definitions;
// TestDefaultDefinitionsNames checks that they agree).
const (
	SheetCover    = "基本信息"
	SheetOrgs     = "组织覆盖"
	SheetMeetings = "议事记录"
	SheetRequests = "点单台账"
	SheetHelp     = "填表说明"
)

// The park form's sheets and version in the default definitions
// (definitions/forms/park.toml), for the tests and the fixture generator;
// TestDefaultParkDefinitions checks that they agree.
const (
	SheetEnterprises = "企业名册"
	SheetVisits      = "走访服务"
	VersionPark2023  = "园区2023版"
)

// coverField is one labelled value of 基本信息.
type coverField struct {
	field    field
	key      string
	labels   []string // first = the template's
	kind     kind
	enum     enum
	versions []string // the versions that ask it
	prompt   string   // the template's input prompt on the value cell
	required bool     // missing or invalid rejects the file
	// quiet: absence is normal (模板版本 is absent on most 2021 forms).
	quiet bool
	// atMost names another count field this one may not exceed (网格党小组数
	// ≤ 网格数); exceeding it is a warning with code atMostCode and the value
	// is not used.
	atMost, atMostCode string
	// emptyOK: the cover's 单位类型 for which an empty value is no warning
	// (双报到在职党员数 concerns communities).
	emptyOK string
}

// lookups built once from the tables above; never modified afterwards.
type enumIndex map[string]string // matchKey(variant) → canonical

func (e enum) index() enumIndex {
	m := enumIndex{}
	for _, v := range e {
		m[matchKey(v.canonical)] = v.canonical
		if v.label != "" {
			m[matchKey(v.label)] = v.canonical
		}
		for _, s := range v.variants {
			m[matchKey(s)] = v.canonical
		}
	}
	return m
}

// labels lists the template's drop-down entries.
func (e enum) labels() []string {
	out := make([]string, len(e))
	for i, v := range e {
		out[i] = v.canonical
		if v.label != "" {
			out[i] = v.label
		}
	}
	return out
}

// headerMatch: a header spelling found on a sheet, the column it names and
// the versions that use that spelling.
type headerMatch struct {
	col      *column
	versions []string
}

type schemaIndex struct {
	enums   map[*column]enumIndex
	headers map[*sheetDef]map[string][]headerMatch // matchKey(header) → columns
	cover   map[string]*coverField                 // matchKey(label) → field
	coverE  map[*coverField]enumIndex
}

func buildSchema(d *Definitions) *schemaIndex {
	x := &schemaIndex{
		enums:   map[*column]enumIndex{},
		headers: map[*sheetDef]map[string][]headerMatch{},
		cover:   map[string]*coverField{},
		coverE:  map[*coverField]enumIndex{},
	}
	for _, sd := range d.sheets {
		hm := map[string][]headerMatch{}
		for i := range sd.columns {
			c := &sd.columns[i]
			if c.kind == kindEnum {
				x.enums[c] = c.enum.index()
			}
			byKey := map[string][]string{}
			var keys []string
			for _, v := range d.Versions {
				for _, h := range c.headers[v] {
					k := matchKey(h)
					if _, seen := byKey[k]; !seen {
						keys = append(keys, k)
					}
					byKey[k] = append(byKey[k], v)
				}
			}
			for _, k := range keys {
				hm[k] = append(hm[k], headerMatch{col: c, versions: byKey[k]})
			}
		}
		x.headers[sd] = hm
	}
	for i := range d.cover {
		cf := &d.cover[i]
		for _, l := range cf.labels {
			x.cover[matchKey(l)] = cf
		}
		if cf.kind == kindEnum {
			x.coverE[cf] = cf.enum.index()
		}
	}
	return x
}
