package form

import (
	"fmt"
	"strings"
)

// Chinese messages that tell a clerk what to change. Values are quoted with
// “” as the clerk typed them; residents' data is never quoted.

func q(s string) string { return "“" + s + "”" }

func msgMissingSheet(name string) string {
	return fmt.Sprintf("缺少工作表%s，请使用模板中的%s工作表填写，不要删除或改名", q(name), q(name))
}

func msgMissingColumn(sheet, col string, dropped bool) string {
	m := fmt.Sprintf("工作表%s缺少%s列（表头须在前10行内），请按模板补上该列表头", q(sheet), q(col))
	if dropped {
		m += "；本表本月不计入"
	}
	return m
}

func msgMissingValue(name string, row bool) string {
	if row {
		return fmt.Sprintf("%s不能为空，请填写；本行未计入", q(name))
	}
	return fmt.Sprintf("未填写%s，请在%s右侧的单元格补充填写", q(name), q(name))
}

func msgExample(k kind, e enum) string {
	switch k {
	case kindDate:
		return "请按“2021-03-05”格式填写"
	case kindYesNo:
		return "请填写“是”或“否”"
	case kindCount:
		return "请填写不小于0的整数，如“12”"
	case kindEnum:
		return "请从下拉列表中选择：" + strings.Join(e.labels(), "、")
	}
	return "请按模板填写"
}

func msgBadValue(name string, k kind, e enum, value string, personal, row bool) string {
	what := "无效"
	switch k {
	case kindDate:
		what = "不是有效日期"
	case kindYesNo:
		what = "不是“是”或“否”"
	case kindCount:
		what = "不是不小于0的整数"
	case kindEnum:
		what = "不是可选的值"
	}
	shown := ""
	if !personal {
		shown = q(value)
	}
	m := fmt.Sprintf("%s%s%s，%s", q(name), shown, what, msgExample(k, e))
	if row {
		m += "；本行未计入"
	} else {
		m += "；该项未计入"
	}
	return m
}

const msgMissingPeriod = "未填写报告期，请在“报告期”右侧的单元格按“2021年3月”格式填写"

// unitWords are how the cover's messages name the reporting unit, its code
// and the registry's units of a form kind (Form.Kind).
type unitWords struct {
	unit      string // the clerk's own unit
	codeLabel string // the code's label on the template
	code      string // what to write as the code
	units     string // the registry's units of this kind
}

func wordsFor(kind string) unitWords {
	if kind == Park {
		return unitWords{unit: "本单位", codeLabel: "单位代码", code: "12位单位代码（与名册一致）", units: "园区"}
	}
	return unitWords{unit: "本村（社区）", codeLabel: "区划代码", code: "12位统计用区划代码", units: "村（社区）"}
}

func msgMissingCode(kind string) string {
	w := wordsFor(kind)
	return fmt.Sprintf("未填写%s，请在%s右侧的单元格填写%s的%s，如“450109100201”", w.codeLabel, q(w.codeLabel), w.unit, w.code)
}

func msgMissingUnitName(kind string) string {
	return fmt.Sprintf("未填写单位名称，请在“单位名称”右侧的单元格填写%s名称", wordsFor(kind).unit)
}

func msgBadCode(kind, value string) string {
	w := wordsFor(kind)
	return fmt.Sprintf("%s%s不是12位数字，请填写%s，如“450109100201”", w.codeLabel, q(value), w.code)
}

func msgScientificCode(kind, value string) string {
	return fmt.Sprintf("%s%s是科学计数法，后几位数字已丢失；请先把单元格设为“文本”格式，再重新输入完整的12位代码", wordsFor(kind).codeLabel, q(value))
}

func msgBadPeriod(value string) string {
	return fmt.Sprintf("报告期%s无效，请按“2021年3月”格式填写", q(value))
}

func msgAmbiguousPeriod(value string) string {
	return fmt.Sprintf("报告期%s是带小数点的数字，无法判断是几月（2021.1 可能是 2021.10），请写成文字，如“2021年1月”或“2021-10”", q(value))
}

func msgUnknownCode(kind, code string) string {
	w := wordsFor(kind)
	return fmt.Sprintf("%s%s不在名册的%s中，请核对后填写%s的%s", w.codeLabel, q(code), w.units, w.unit, w.code)
}

func msgDuplicateID(id string, firstRow int) string {
	return fmt.Sprintf("单号%s与第%d行重复，同一单号只能填写一行；本行未计入，请删除重复行或改正单号", q(id), firstRow)
}

const (
	msgMissingResolvedOn  = "办理状态为“已办结”，但未填写办结日期；本行未计入，请补填办结日期（格式如“2021-03-05”）"
	msgMissingOrgName     = "已建立党组织但未填写党组织名称，请补填党组织名称（联合组建的，各单位填写同一名称）"
	msgFormationWithout   = "未建立党组织的单位不应填写组建方式，该项未计入；请清空组建方式或核实“是否建立党组织”"
	msgDispatchedBefore   = "派单日期早于点单日期，派单日期未计入；请核实两个日期"
	msgResolvedBefore     = "办结日期早于点单日期，办结日期未计入（仍按已办结统计）；请核实两个日期"
	msgRatingUnresolved   = "尚未办结的点单不应有评单结果，评价未计入；请核实办理状态或清空评价"
	msgMediationNotDisput = "未标记为矛盾纠纷的点单不应填写调处结果，该项未计入；请核实“是否矛盾纠纷”"
)

func msgFormationConflict(org, way string, firstRow int) string {
	if way == "" {
		return fmt.Sprintf("党组织%s的组建方式以第%d行为准，而第%d行未填写组建方式，该党组织不计入单独或联合组建数；请在第%d行填写组建方式", q(org), firstRow, firstRow, firstRow)
	}
	return fmt.Sprintf("党组织%s的组建方式与第%d行（%s）不一致，以第%d行为准；请统一填写", q(org), firstRow, way, firstRow)
}

func msgMeetingOutOfPeriod(date, period string) string {
	return fmt.Sprintf("议事日期%s不在报告期%s内，本条不计入本月；上月的记录请删除，只填本月召开的会议", q(date), q(periodLabel(period)))
}

// periodLabel shows "2021-03" as 2021年3月.
func periodLabel(p string) string {
	if len(p) != 7 {
		return p
	}
	m := strings.TrimPrefix(p[5:], "0")
	return p[:4] + "年" + m + "月"
}

func msgBadStars(name, value string) string {
	return fmt.Sprintf("%s%s不是有效的星级，请填写“五星”“四星”“三星”“二星”“一星”或“未评定”；该项未计入", q(name), q(value))
}

func msgExceeds(name, value, other string, limit int64) string {
	return fmt.Sprintf("%s%s大于%s（%d），请核对；该项未计入", q(name), q(value), q(other), limit)
}

// The park form's messages.

func msgBadCreditCode(value string, p creditProblem) string {
	what := "的校验位（第18位）不对，可能有字符抄错"
	switch p {
	case creditLength:
		what = "不是18位"
	case creditChars:
		what = "含有不能使用的字符（只有数字和除I、O、S、V、Z以外的大写字母）"
	}
	return fmt.Sprintf("统一社会信用代码%s%s，请照营业执照或登记证书核对后填写；该项未计入", q(value), what)
}

func msgDuplicateEnterprise(byCode bool, value string, firstRow int) string {
	what, fix := "企业名称", "名称"
	if byCode {
		what, fix = "统一社会信用代码", "代码"
	}
	return fmt.Sprintf("%s%s与第%d行重复，同一企业只能填写一行；本行未计入，请删除重复行或改正%s", what, q(value), firstRow, fix)
}

const (
	msgIncubatedWithOrg    = "已建立党组织的企业，组建方式不应填“孵化培育”（孵化培育指尚未建立党组织、由园区孵化培育），该项未计入；请改填“单独组建”或“联合组建”，或核实“是否建立党组织”"
	msgFormationWithoutOrg = "未建立党组织的企业，组建方式只能填“孵化培育”或不填，该项未计入；请改正组建方式或核实“是否建立党组织”"
)

func msgVisitOutOfPeriod(date, period string) string {
	return fmt.Sprintf("走访日期%s不在报告期%s内，本条不计入本月；上月的记录请删除，只填本月的走访", q(date), q(periodLabel(period)))
}

func msgSolvedExceeds(solved string, problems int64) string {
	return fmt.Sprintf("“已解决问题数”%s大于“协调问题数”（%d），请核对；这两个数均未计入，本次走访仍计入", q(solved), problems)
}
