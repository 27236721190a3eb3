package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"grassroots/pipeline/form"
)

// writeForm fills a blank 2022 template with the given cells (sheet → A1 →
// value; a nil map deletes the sheet) and saves it as dir/name.
func writeForm(t *testing.T, dir, name string, cells map[string]map[string]any) string {
	t.Helper()
	var buf bytes.Buffer
	if err := form.WriteTemplate(&buf, form.Version2022); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	for sheet, m := range cells {
		if m == nil { // a sheet the form lacks
			if err := x.DeleteSheet(sheet); err != nil {
				t.Fatal(err)
			}
			continue
		}
		for ref, v := range m {
			if err := x.SetCellValue(sheet, ref, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := x.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// goodCover fills every cover field of the template (labels in A2:A16).
func goodCover(code string) map[string]any {
	return map[string]any{
		"B2": "龙象社区", "B3": code, "B4": "2021年3月", "B5": "社区", "B6": "王书记", "B7": "是",
		"B8": 56, "B9": 4, "B10": 8, "B11": "是", "B12": 2, "B13": "李文书", "B14": "0771-1234567", "B15": "2021-04-02",
	}
}

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	good := writeForm(t, dir, "inbox/a/good.xlsx", map[string]map[string]any{
		"基本信息": goodCover("450109100201"),
		"点单台账": {"A2": "DD1", "B2": "2021-03-01", "J2": "2021-03-03", "K2": "已办结", "N2": "满意",
			"A3": "DD2", "B3": "2021-03-02", "K3": "办理中", "N3": "满意"},
	})
	bad := writeForm(t, dir, "inbox/b/bad.xlsx", map[string]map[string]any{
		"基本信息": goodCover("4.50109E+11"),
	})
	unknown := writeForm(t, dir, "other/unknown.xlsx", map[string]map[string]any{
		"基本信息": goodCover("450109100299"),
	})
	noLog := writeForm(t, dir, "other/no-log.xlsx", map[string]map[string]any{
		"基本信息": goodCover("450109100201"), "点单台账": nil,
	})
	os.WriteFile(filepath.Join(dir, "inbox", "~$good.xlsx"), []byte("lock"), 0o644)
	// The inbox's rule: hidden files and symbolic links are not forms either.
	if b, err := os.ReadFile(good); err == nil {
		os.WriteFile(filepath.Join(dir, "inbox", "a", ".good.xlsx"), b, 0o644)
	}
	os.Symlink(good, filepath.Join(dir, "inbox", "b", "link.xlsx"))
	reg := filepath.Join(dir, "registry.csv")
	os.WriteFile(reg, []byte("code,name,level,parent_code\n450100000000,南宁市,city,\n450109100201,龙象社区,community,450100000000\n"), 0o644)
	merged := filepath.Join(dir, "merged.csv") // 龙象社区 until February only
	os.WriteFile(merged, []byte("code,name,level,parent_code,valid_from,valid_to,successor_code\n450100000000,南宁市,city,,,,\n"+
		"450109100201,龙象社区,community,450100000000,,2021-02,450109100202\n450109100202,那楼社区,community,450100000000,,,\n"), 0o644)
	park := filepath.Join(dir, "park.csv") // 450109100201 is a park
	os.WriteFile(park, []byte("code,name,level,parent_code\n450100000000,南宁市,city,\n450109100201,第一园区,park,450100000000\n"), 0o644)

	cases := []struct {
		name string
		args []string
		code int
		out  []string
	}{
		{"accepted with warnings", []string{"validate", good}, 0, []string{
			good + ": 点单台账!N3: rating_unresolved: 尚未办结的点单不应有评单结果，评价未计入；请核实办理状态或清空评价",
			good + ": accepted: 2 rows read, 0 rows rejected, 1 warnings",
		}},
		{"rejected", []string{"validate", bad}, 1, []string{
			bad + ": 基本信息!B3: bad_code: 区划代码“4.50109E+11”是科学计数法，后几位数字已丢失；请先把单元格设为“文本”格式，再重新输入完整的12位代码",
			bad + ": rejected: 0 rows read, 0 rows rejected, 0 warnings",
		}},
		{"directory walk skips lock files, hidden files and links", []string{"validate", filepath.Join(dir, "inbox")}, 1, []string{
			good + ": 点单台账!N3: rating_unresolved: 尚未办结的点单不应有评单结果，评价未计入；请核实办理状态或清空评价",
			good + ": accepted: 2 rows read, 0 rows rejected, 1 warnings",
			bad + ": 基本信息!B3: bad_code: 区划代码“4.50109E+11”是科学计数法，后几位数字已丢失；请先把单元格设为“文本”格式，再重新输入完整的12位代码",
			bad + ": rejected: 0 rows read, 0 rows rejected, 0 warnings",
			"2 files: 1 accepted, 1 rejected",
		}},
		{"without registry an unknown code passes", []string{"validate", unknown}, 0, []string{
			unknown + ": accepted: 0 rows read, 0 rows rejected, 0 warnings",
		}},
		{"with registry an unknown code is rejected", []string{"validate", "--registry", reg, unknown}, 1, []string{
			unknown + ": 基本信息!B3: unknown_code: 区划代码“450109100299”不在名册的村（社区）中，请核对后填写本村（社区）的12位统计用区划代码",
			unknown + ": rejected: 0 rows read, 0 rows rejected, 0 warnings",
		}},
		{"with a registry where the unit has ended, unit_inactive", []string{"validate", "--registry", merged, good}, 1, []string{
			good + ": 点单台账!N3: rating_unresolved: 尚未办结的点单不应有评单结果，评价未计入；请核实办理状态或清空评价",
			good + ": 基本信息!B3: unit_inactive: 名册中“龙象社区”（450109100201）在报告期2021-03不是有效的村（社区），请核对区划代码和报告期",
			good + ": rejected: 2 rows read, 0 rows rejected, 1 warnings",
		}},
		{"a park's code on a village form, wrong_form", []string{"validate", "--registry", park, good}, 1, []string{
			good + ": 点单台账!N3: rating_unresolved: 尚未办结的点单不应有评单结果，评价未计入；请核实办理状态或清空评价",
			good + ": 基本信息!B3: wrong_form: “第一园区”（450109100201）是园区，应填报园区两新组织党建月报表，不是村（社区）月报表",
			good + ": rejected: 2 rows read, 0 rows rejected, 1 warnings",
		}},
		{"a missing sheet, and a park's code: only the code is reported", []string{"validate", "--registry", park, noLog}, 1, []string{
			noLog + ": 基本信息!B3: wrong_form: “第一园区”（450109100201）是园区，应填报园区两新组织党建月报表，不是村（社区）月报表",
			noLog + ": rejected: 0 rows read, 0 rows rejected, 0 warnings",
		}},
		{"a missing sheet, and a good code: the sheet is reported", []string{"validate", "--registry", reg, noLog}, 1, []string{
			noLog + ": -: missing_sheet: 缺少工作表“点单台账”，请使用模板中的“点单台账”工作表填写，不要删除或改名",
			noLog + ": rejected: 0 rows read, 0 rows rejected, 0 warnings",
		}},
		{"a missing file is a rejected file", []string{"validate", filepath.Join(dir, "nope.xlsx")}, 1, nil},
		{"no arguments", []string{"validate"}, 1, nil},
		{"unreadable registry", []string{"validate", "--registry", filepath.Join(dir, "nope.csv"), good}, 2, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tc.args, &stdout, &stderr)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr: %s", code, tc.code, stderr.String())
			}
			if tc.out == nil {
				return
			}
			got := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
			if diff := cmp.Diff(tc.out, got); diff != "" {
				t.Errorf("stdout (-want +got):\n%s", diff)
			}
		})
	}
}
