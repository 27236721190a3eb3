package torture

import (
	"fmt"
	"strings"
)

// Hand-built forms. Every value is text (numbers and dates stored as text
// are normal on real forms), in the 2022版 layout, for a unit code and a
// month YYYY-MM that the clean inbox does not use, so that a hostile form
// that is accepted supersedes no good one.

var requestHeaders = []string{"工单编号", "点单日期", "点单人", "联系电话", "诉求类别", "诉求内容", "派单日期", "接单网格员", "接单日期", "办结日期", "办理状态", "是否矛盾纠纷", "调处结果", "评单结果"}

func coverRows(code, period string) [][]string {
	return [][]string{
		{"村（社区）党建引领基层治理月报表"},
		{"单位名称", "测试村"},
		{"区划代码", code},
		{"报告期", period},
		{"单位类型", "村"},
		{"党组织书记", "王书记"},
		{"书记是否“一肩挑”", "是"},
		{"党员总数", "56"},
		{"网格数", "4"},
		{"网格员数", "8"},
		{"是否成立党群理事会", "是"},
		{"议事小组数", "2"},
		{"填报人", "李文书"},
		{"联系电话", "0771-1234567"},
		{"填报日期", "2021-01-02"},
		{"模板版本", "2022版"},
	}
}

func orgRows() [][]string {
	return [][]string{
		{"单位名称", "单位类型", "是否建立党组织", "组建方式", "党组织名称", "党员人数", "备注"},
		{"龙象小区", "居民小区", "是", "单独组建", "龙象小区党支部", "5", ""},
		{"那楼合作社", "合作社", "否", "", "", "", "筹建中"},
	}
}

// requestRow is a valid, resolved request of month period (YYYY-MM).
func requestRow(period string, i int) []string {
	day := fmt.Sprintf("%s-%02d", period, 1+i%27)
	next := fmt.Sprintf("%s-%02d", period, 2+i%27)
	return []string{fmt.Sprintf("T%06d", i), day, "张三", "13800001234", "设施维修", "路灯不亮", day, "赵网格", day, next, "已办结", "否", "", "满意"}
}

func requestRows(period string, n int) [][]string {
	rows := [][]string{{"点单台账"}, requestHeaders}
	for i := range n {
		rows = append(rows, requestRow(period, i))
	}
	return rows
}

// formSheets is a valid form: cover, coverage and n requests.
func formSheets(code, period string, n int) []xsheet {
	return []xsheet{
		{name: "基本信息", rows: coverRows(code, period)},
		{name: "组织覆盖", rows: orgRows()},
		{name: "点单台账", rows: requestRows(period, n)},
	}
}

// formulaCell renders every value as a formula whose cached value is the
// value: text as t="str", digits as a number; the formula itself is
// nonsense that must not be evaluated.
func formulaCell(ref, v string) string {
	f := "IF(1,&quot;公式&quot;,0)&amp;" + ref
	if v != "" && strings.Trim(v, "0123456789") == "" && len(v) < 6 {
		return `<c r="` + ref + `"><f>` + f + `</f><v>` + v + `</v></c>`
	}
	return `<c r="` + ref + `" t="str"><f>` + f + `</f><v>` + xmlEscape(v) + `</v></c>`
}
