package form

// The form's layout as data: sheets, their columns with the header spellings
// each form version uses, the cover's labels, and the enums with their
// variants. The reader and the template writer both work from these tables:
// a third form version is a new key in the headers maps (and in Versions),
// not new code.

// Form versions, newest last. The template's default is the last one.
const (
	Version2021 = "2021版"
	Version2022 = "2022版"
)

// Versions lists the form versions in circulation, oldest first.
var Versions = []string{Version2021, Version2022}

// kind is how a column's cells are interpreted.
type kind uint8

const (
	kindText kind = iota
	kindDate
	kindYesNo
	kindCount
	kindEnum
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
	numFields
)

// column is one column of a data sheet. Several columns may fill the same
// field (2021版 是否办结 and 2022版 办理状态 both give the state).
type column struct {
	field    field
	name     string              // what messages call it (the first header)
	headers  map[string][]string // version → accepted header spellings, first = the template's
	kind     kind
	enum     enum
	required bool // the column must exist (else missing_column) and a row must have a value
	// conditional: a required column whose value is needed only in some rows
	// (办结日期: when the request is resolved); the sheet's code decides.
	conditional bool
	personal    bool // residents' data: never echoed in issues
	// yesNo: a yes/no column that gives a value of another field (2021版
	// 是否办结: no → 办理中, yes → 已办结), as [no, yes].
	yesNo *[2]string
}

// sheetDef is one sheet of the form.
type sheetDef struct {
	name     string // canonical name, as the template writes it
	required bool
	columns  []column
}

// both gives the same header spellings to every version.
func both(h ...string) map[string][]string {
	return map[string][]string{Version2021: h, Version2022: h}
}

func v2022(h ...string) map[string][]string { return map[string][]string{Version2022: h} }
func v2021(h ...string) map[string][]string { return map[string][]string{Version2021: h} }

var (
	unitTypes = enum{
		{canonical: UnitResidential, variants: []string{"小区"}},
		{canonical: UnitEnterprise, variants: []string{"非公企业", "社会组织", "民营企业"}},
		{canonical: UnitCooperative, variants: []string{"合作社"}},
		{canonical: UnitFamilyFarm},
	}
	formations = enum{
		{canonical: FormedStandalone, variants: []string{"单独", "单建"}},
		{canonical: FormedJoint, variants: []string{"联合", "联建"}},
	}
	meetingCategories = enum{
		{canonical: "疫情防控"}, {canonical: "文明创建"}, {canonical: "集体经济"},
		{canonical: "环境整治"}, {canonical: "矛盾调解"}, {canonical: "其他"},
	}
	followUps = enum{
		{canonical: "已落实"}, {canonical: "推进中"}, {canonical: "未落实"},
	}
	requestCategories = enum{
		{canonical: "环境卫生"}, {canonical: "矛盾纠纷"}, {canonical: "设施维修"}, {canonical: "政策咨询"},
		{canonical: "困难帮扶"}, {canonical: "疫情防控"}, {canonical: "其他"},
	}
	states2022 = enum{
		{canonical: StateResolved, variants: []string{"办结", "已完成"}},
		{canonical: StateInProgress},
		{canonical: StateUnaccepted},
	}
	// 2021版 asks 是否办结: yes means 已办结, no means 办理中.
	states2021 = [2]string{StateInProgress, StateResolved}
	mediations = enum{
		{canonical: "调处成功", variants: []string{"成功"}},
		{canonical: "调处失败", variants: []string{"失败"}},
		{canonical: "调处中"},
	}
	ratings = enum{
		{canonical: "满意", variants: []string{"非常满意"}},
		{canonical: "基本满意"},
		{canonical: "不满意"},
		{canonical: "未评价"},
	}
	unitKinds = enum{
		{canonical: "村", variants: []string{"行政村"}},
		{canonical: "社区", variants: []string{"居委会", "社区居委会"}},
	}
	formVersions = enum{
		{canonical: Version2021, variants: []string{"2021", "2021年版", "2021版本"}},
		{canonical: Version2022, variants: []string{"2022", "2022年版", "2022版本"}},
	}
)

// Sheet names, canonical.
const (
	SheetCover    = "基本信息"
	SheetOrgs     = "组织覆盖"
	SheetMeetings = "议事记录"
	SheetRequests = "点单台账"
	SheetHelp     = "填表说明"
)

var orgSheet = sheetDef{name: SheetOrgs, required: true, columns: []column{
	{field: fOrgUnitName, name: "单位名称", headers: both("单位名称"), kind: kindText, required: true},
	{field: fOrgUnitType, name: "单位类型", headers: both("单位类型"), kind: kindEnum, enum: unitTypes, required: true},
	{field: fOrgHasOrg, name: "是否建立党组织", headers: both("是否建立党组织"), kind: kindYesNo, required: true},
	{field: fOrgHowFormed, name: "组建方式", headers: both("组建方式"), kind: kindEnum, enum: formations},
	{field: fOrgOrgName, name: "党组织名称", headers: both("党组织名称"), kind: kindText},
	{field: fOrgMembers, name: "党员人数", headers: v2022("党员人数"), kind: kindCount},
	{field: fOrgNote, name: "备注", headers: both("备注"), kind: kindText},
}}

var meetingSheet = sheetDef{name: SheetMeetings, columns: []column{
	{field: fMeetDate, name: "议事日期", headers: both("日期", "议事日期"), kind: kindDate, required: true},
	{field: fMeetTopic, name: "议题", headers: both("议题"), kind: kindText, required: true},
	{field: fMeetCategory, name: "议题类别", headers: both("议题类别"), kind: kindEnum, enum: meetingCategories},
	{field: fMeetMembers, name: "参会党员数", headers: both("参会党员数"), kind: kindCount},
	{field: fMeetResidents, name: "参会群众数", headers: both("参会群众数"), kind: kindCount},
	{field: fMeetFollowUp, name: "落实情况", headers: both("落实情况"), kind: kindEnum, enum: followUps},
}}

var requestSheet = sheetDef{name: SheetRequests, required: true, columns: []column{
	{field: fReqID, name: "单号", headers: map[string][]string{Version2021: {"单号"}, Version2022: {"工单编号", "单号"}}, kind: kindText, required: true},
	{field: fReqRequestedOn, name: "点单日期", headers: both("点单日期"), kind: kindDate, required: true},
	{field: fReqResident, name: "点单人", headers: both("点单人"), kind: kindText, personal: true},
	{field: fReqPhone, name: "联系电话", headers: both("联系电话"), kind: kindText, personal: true},
	{field: fReqCategory, name: "诉求类别", headers: both("诉求类别"), kind: kindEnum, enum: requestCategories},
	{field: fReqContent, name: "诉求内容", headers: both("诉求内容"), kind: kindText},
	{field: fReqDispatchedOn, name: "派单日期", headers: both("派单日期"), kind: kindDate},
	{field: fReqGridWorker, name: "接单网格员", headers: v2022("接单网格员"), kind: kindText},
	{field: fReqAcceptedOn, name: "接单日期", headers: v2022("接单日期"), kind: kindDate},
	// 办结日期 must exist as a column; its value is needed only when resolved.
	{field: fReqResolvedOn, name: "办结日期", headers: both("办结日期"), kind: kindDate, required: true, conditional: true},
	{field: fReqState, name: "是否办结", headers: v2021("是否办结"), kind: kindYesNo, yesNo: &states2021, required: true},
	{field: fReqState, name: "办理状态", headers: v2022("办理状态"), kind: kindEnum, enum: states2022, required: true},
	{field: fReqDispute, name: "是否矛盾纠纷", headers: both("是否矛盾纠纷"), kind: kindYesNo},
	{field: fReqMediation, name: "调处结果", headers: both("调处结果"), kind: kindEnum, enum: mediations},
	{field: fReqRating, name: "群众评价", headers: v2021("群众评价"), kind: kindEnum, enum: ratings},
	{field: fReqRating, name: "评单结果", headers: v2022("评单结果"), kind: kindEnum, enum: ratings},
}}

// dataSheets are the three row sheets, in the order issues are reported.
var dataSheets = []*sheetDef{&orgSheet, &meetingSheet, &requestSheet}

// coverField is one labelled value of 基本信息.
type coverField struct {
	field    field
	labels   []string // first = the template's
	kind     kind
	enum     enum
	required bool // missing or invalid rejects the file
	// quiet: absence is normal (模板版本 is absent on most 2021 forms).
	quiet bool
}

var coverFields = []coverField{
	{field: fCoverUnitName, labels: []string{"单位名称", "村（社区）名称"}, kind: kindText, required: true},
	{field: fCoverCode, labels: []string{"区划代码", "统计用区划代码", "行政区划代码"}, kind: kindText, required: true},
	{field: fCoverPeriod, labels: []string{"报告期", "填报月份", "所属月份"}, kind: kindText, required: true},
	{field: fCoverKind, labels: []string{"单位类型"}, kind: kindEnum, enum: unitKinds},
	{field: fCoverSecretary, labels: []string{"党组织书记"}, kind: kindText},
	{field: fCoverOneShoulder, labels: []string{"书记是否“一肩挑”", "是否一肩挑"}, kind: kindYesNo},
	{field: fCoverPartyMembers, labels: []string{"党员总数", "党员人数"}, kind: kindCount},
	{field: fCoverGrids, labels: []string{"网格数"}, kind: kindCount},
	{field: fCoverGridWorkers, labels: []string{"网格员数"}, kind: kindCount},
	{field: fCoverCouncil, labels: []string{"是否成立党群理事会", "党群理事会"}, kind: kindYesNo},
	{field: fCoverGroups, labels: []string{"议事小组数", "党群议事小组数"}, kind: kindCount},
	{field: fCoverFilledBy, labels: []string{"填报人"}, kind: kindText},
	{field: fCoverPhone, labels: []string{"联系电话"}, kind: kindText},
	{field: fCoverFilledOn, labels: []string{"填报日期"}, kind: kindDate},
	{field: fCoverVersion, labels: []string{"模板版本"}, kind: kindEnum, enum: formVersions, quiet: true},
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
	coverE  map[field]enumIndex
}

var schema = buildSchema()

func buildSchema() *schemaIndex {
	x := &schemaIndex{
		enums:   map[*column]enumIndex{},
		headers: map[*sheetDef]map[string][]headerMatch{},
		cover:   map[string]*coverField{},
		coverE:  map[field]enumIndex{},
	}
	for _, sd := range dataSheets {
		hm := map[string][]headerMatch{}
		for i := range sd.columns {
			c := &sd.columns[i]
			if c.kind == kindEnum {
				x.enums[c] = c.enum.index()
			}
			byKey := map[string][]string{}
			var keys []string
			for _, v := range Versions {
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
	for i := range coverFields {
		cf := &coverFields[i]
		for _, l := range cf.labels {
			x.cover[matchKey(l)] = cf
		}
		if cf.kind == kindEnum {
			x.coverE[cf.field] = cf.enum.index()
		}
	}
	return x
}
