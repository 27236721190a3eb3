package form

import (
	"bytes"
	"grassroots/pipeline/xlsx"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"
)

func TestTemplate(t *testing.T) {
	for _, version := range Versions {
		t.Run(version, func(t *testing.T) {
			var a, b bytes.Buffer
			if err := WriteTemplate(&a, version); err != nil {
				t.Fatal(err)
			}
			if err := WriteTemplate(&b, version); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Error("two templates of the same version differ")
			}
			x, err := excelize.OpenReader(bytes.NewReader(a.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			defer x.Close()
			wantSheets := []string{SheetCover, SheetOrgs, SheetMeetings, SheetRequests, SheetHelp}
			if diff := cmp.Diff(wantSheets, x.GetSheetList()); diff != "" {
				t.Error(diff)
			}
			for _, sd := range dataSheets {
				rows, err := x.GetRows(sd.name)
				if err != nil || len(rows) == 0 {
					t.Fatalf("%s: %v", sd.name, err)
				}
				if diff := cmp.Diff(TemplateHeaders(sd.name, version), rows[0]); diff != "" {
					t.Errorf("%s headers:\n%s", sd.name, diff)
				}
				dvs, err := x.GetDataValidations(sd.name)
				if err != nil {
					t.Fatal(err)
				}
				lists := map[string]string{} // column → list formula
				for _, dv := range dvs {
					lists[strings.TrimRight(strings.Split(dv.Sqref, ":")[0], "0123456789")] = dv.Formula1
				}
				for i, c := range templateColumns(sd, version) {
					col := xlsx.ColName(i + 1)
					switch c.kind {
					case kindEnum, kindYesNo:
						want := []string{"是", "否"}
						if c.kind == kindEnum {
							want = c.enum.labels()
						}
						for _, item := range want {
							if !strings.Contains(lists[col], item) {
								t.Errorf("%s %s (%s): list %q lacks %q", sd.name, col, c.name, lists[col], item)
							}
						}
					case kindDate:
						st, err := x.GetCellStyle(sd.name, col+"2")
						if err != nil {
							t.Fatal(err)
						}
						style, _ := x.GetStyle(st)
						if style == nil || style.CustomNumFmt == nil || !strings.Contains(*style.CustomNumFmt, "yy") {
							t.Errorf("%s %s (%s): no date format", sd.name, col, c.name)
						}
					}
				}
			}
			if v, _ := x.GetCellValue(SheetCover, "B16"); v != version {
				t.Errorf("模板版本 = %q", v)
			}

			// Typed in: name, code and period. Nothing else is required.
			for ref, v := range map[string]string{"B2": "龙象社区", "B3": "450109100201", "B4": "2021年3月"} {
				if err := x.SetCellStr(SheetCover, ref, v); err != nil {
					t.Fatal(err)
				}
			}
			var filled bytes.Buffer
			if err := x.Write(&filled); err != nil {
				t.Fatal(err)
			}
			f := readBytes(filled.Bytes())
			if f.Rejected || f.Rows != (RowCounts{}) || f.Version != version || f.Cover.Period != "2021-03" {
				t.Errorf("rejected=%v rows=%+v version=%q cover=%+v", f.Rejected, f.Rows, f.Version, f.Cover)
			}
			for _, i := range f.Issues {
				if i.Sheet != SheetCover || i.Code != CodeMissingValue || i.Severity != SeverityWarning {
					t.Errorf("unexpected issue %v", i.Error())
				}
			}
		})
	}
	if err := WriteTemplate(&bytes.Buffer{}, "2030版"); err == nil {
		t.Error("unknown version accepted")
	}
}

// A template filled with a row in every data sheet reads without issues:
// the headers and lists are the reader's own.
func TestTemplateRoundTrip(t *testing.T) {
	for _, version := range Versions {
		var buf bytes.Buffer
		if err := WriteTemplate(&buf, version); err != nil {
			t.Fatal(err)
		}
		x, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		for i, cf := range coverFields {
			ref := xlsx.CellRef(2, i+2)
			var v any
			switch cf.kind {
			case kindText:
				v = "450109100201"
				if cf.field == fCoverPeriod {
					v = "2021-03"
				}
			case kindDate:
				v = "2021-04-02"
			case kindYesNo:
				v = "是"
			case kindCount:
				v = 3
			case kindEnum:
				v = cf.enum.labels()[slices.IndexFunc(cf.enum, func(e enumValue) bool { return true })]
				if cf.field == fCoverVersion {
					v = version
				}
			}
			if err := x.SetCellValue(SheetCover, ref, v); err != nil {
				t.Fatal(err)
			}
		}
		for _, sd := range dataSheets {
			for i, c := range templateColumns(sd, version) {
				var v any
				switch c.kind {
				case kindText:
					v = "文本" + c.name
				case kindDate:
					v = "2021-03-05"
				case kindYesNo:
					v = "是"
				case kindCount:
					v = 2
				case kindEnum:
					v = c.enum.labels()[0]
				}
				if c.field == fOrgHowFormed || c.field == fReqMediation {
					v = c.enum.labels()[0]
				}
				if err := x.SetCellValue(sd.name, xlsx.CellRef(i+1, 2), v); err != nil {
					t.Fatal(err)
				}
			}
		}
		var filled bytes.Buffer
		if err := x.Write(&filled); err != nil {
			t.Fatal(err)
		}
		f := readBytes(filled.Bytes())
		for _, i := range f.Issues {
			t.Errorf("%s: %s", version, i.Error())
		}
		if len(f.Orgs) != 1 || len(f.Meetings) != 1 || len(f.Requests) != 1 {
			t.Errorf("%s: %d %d %d", version, len(f.Orgs), len(f.Meetings), len(f.Requests))
		}
	}
}
