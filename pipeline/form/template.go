package form

import (
	"fmt"
	"grassroots/pipeline/xlsx"
	"io"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"
)

// templateRows is how far down the template's drop-down lists and date
// formats reach.
const templateRows = 1000

// templateTime fixes the document properties' timestamps so that the same
// version always gives the same bytes.
const templateTime = "2021-01-01T00:00:00Z"

// TemplateHeaders returns the headers of a data sheet of the default
// definitions for a version (Definitions.TemplateHeaders).
func TemplateHeaders(sheet, version string) []string {
	return Default().TemplateHeaders(sheet, version)
}

// TemplateHeaders returns the headers of a data sheet for a version, in the order
// the template writes them: the first accepted spelling of every column the
// version has. sheet is a data sheet's name (组织覆盖, 议事记录, 点单台账).
func (d *Definitions) TemplateHeaders(sheet, version string) []string {
	for _, sd := range d.sheets {
		if sd.name != sheet {
			continue
		}
		var out []string
		for _, c := range templateColumns(sd, version) {
			out = append(out, c.headers[version][0])
		}
		return out
	}
	return nil
}

func templateColumns(sd *sheetDef, version string) []*column {
	var out []*column
	for i := range sd.columns {
		if c := &sd.columns[i]; len(c.headers[version]) > 0 {
			out = append(out, c)
		}
	}
	return out
}

// WriteTemplate writes a blank form of the default definitions
// (Definitions.WriteTemplate).
func WriteTemplate(w io.Writer, version string) error {
	return Default().WriteTemplate(w, version)
}

// WriteTemplate writes a blank form of the given version: the cover with
// the labels that version asks and empty value cells (模板版本 filled in),
// the data sheets with their headers, drop-down lists on every enum and
// yes/no column and date formats on date columns, and the definitions'
// 填表说明. It is built from the same definitions as the reader, and its
// bytes depend only on them and the version.
func (d *Definitions) WriteTemplate(w io.Writer, version string) error {
	if !slices.Contains(d.Versions, version) {
		return fmt.Errorf("form: unknown template version %q (want one of %v)", version, d.Versions)
	}
	f := excelize.NewFile()
	defer f.Close()
	t := &templateWriter{f: f, d: d}
	t.styles()
	t.cover(version)
	for _, sd := range d.sheets {
		t.dataSheet(sd, version)
	}
	t.help(version)
	if t.err == nil {
		t.err = f.SetDocProps(&excelize.DocProperties{
			Title:   d.Title + "（" + version + "）",
			Creator: "grassroots", LastModifiedBy: "grassroots",
			Created: templateTime, Modified: templateTime,
		})
	}
	if t.err == nil {
		f.SetActiveSheet(0)
		t.err = f.Write(w)
	}
	return t.err
}

type templateWriter struct {
	f                         *excelize.File
	d                         *Definitions
	err                       error
	header, date, text, title int
}

func (t *templateWriter) do(err error) {
	if t.err == nil && err != nil {
		t.err = err
	}
}

func (t *templateWriter) style(s *excelize.Style) int {
	id, err := t.f.NewStyle(s)
	t.do(err)
	return id
}

func (t *templateWriter) styles() {
	border := []excelize.Border{{Type: "left", Color: "999999", Style: 1}, {Type: "right", Color: "999999", Style: 1},
		{Type: "top", Color: "999999", Style: 1}, {Type: "bottom", Color: "999999", Style: 1}}
	t.header = t.style(&excelize.Style{Font: &excelize.Font{Bold: true}, Border: border,
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}})
	dateFmt := "yyyy-mm-dd"
	t.date = t.style(&excelize.Style{CustomNumFmt: &dateFmt})
	t.text = t.style(&excelize.Style{NumFmt: 49}) // "@": codes and phones stay text
	t.title = t.style(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
}

// list adds a drop-down list on sqref.
func (t *templateWriter) list(sheet, sqref string, items []string, name string) {
	dv := excelize.NewDataValidation(true)
	dv.SetSqref(sqref)
	t.do(dv.SetDropList(items))
	dv.SetError(excelize.DataValidationErrorStyleWarning, "请从下拉列表中选择", name+"只能填写："+joinList(items))
	t.do(t.f.AddDataValidation(sheet, dv))
}

func joinList(items []string) string {
	s := ""
	for i, it := range items {
		if i > 0 {
			s += "、"
		}
		s += it
	}
	return s
}

func (t *templateWriter) cover(version string) {
	f, s := t.f, t.d.coverSheet
	t.do(f.SetSheetName("Sheet1", s))
	t.do(f.SetCellStr(s, "A1", t.d.Title))
	t.do(f.SetCellStyle(s, "A1", "A1", t.title))
	t.do(f.SetColWidth(s, "A", "A", 24))
	t.do(f.SetColWidth(s, "B", "B", 30))
	row := 1
	for _, cf := range t.d.cover {
		if !slices.Contains(cf.versions, version) {
			continue
		}
		row++
		label, value := xlsx.CellRef(1, row), xlsx.CellRef(2, row)
		t.do(f.SetCellStr(s, label, cf.labels[0]))
		t.do(f.SetCellStyle(s, label, label, t.header))
		switch cf.kind {
		case kindDate:
			t.do(f.SetCellStyle(s, value, value, t.date))
		case kindYesNo:
			t.list(s, value, []string{"是", "否"}, cf.labels[0])
		case kindEnum:
			t.list(s, value, cf.enum.labels(), cf.labels[0])
		case kindStars:
			t.list(s, value, []string{StarNames[5], StarNames[4], StarNames[3], StarNames[2], StarNames[1], StarNames[0]}, cf.labels[0])
		default:
			t.do(f.SetCellStyle(s, value, value, t.text))
		}
		if cf.field == fCoverVersion {
			t.do(f.SetCellStr(s, value, version))
		}
		if cf.prompt != "" {
			t.prompt(s, value, cf.labels[0], cf.prompt)
		}
	}
}

func (t *templateWriter) prompt(sheet, ref, title, msg string) {
	dv := excelize.NewDataValidation(true)
	dv.SetSqref(ref)
	dv.SetInput(title, msg)
	t.do(t.f.AddDataValidation(sheet, dv))
}

func (t *templateWriter) dataSheet(sd *sheetDef, version string) {
	f, s := t.f, sd.name
	_, err := f.NewSheet(s)
	t.do(err)
	cols := templateColumns(sd, version)
	for i, c := range cols {
		col := xlsx.ColName(i + 1)
		ref := col + "1"
		t.do(f.SetCellStr(s, ref, c.headers[version][0]))
		t.do(f.SetCellStyle(s, ref, ref, t.header))
		t.do(f.SetColWidth(s, col, col, 14))
		body := fmt.Sprintf("%s2:%s%d", col, col, templateRows)
		switch c.kind {
		case kindDate:
			t.do(f.SetColStyle(s, col, t.date))
			t.do(f.SetCellStyle(s, ref, ref, t.header))
		case kindYesNo:
			t.list(s, body, []string{"是", "否"}, c.name)
		case kindEnum:
			t.list(s, body, c.enum.labels(), c.name)
		case kindText:
			if c.textCells {
				t.do(f.SetColStyle(s, col, t.text))
				t.do(f.SetCellStyle(s, ref, ref, t.header))
			}
		}
	}
	t.do(f.SetPanes(s, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}))
}

func (t *templateWriter) help(version string) {
	f, s := t.f, t.d.helpSheet
	_, err := f.NewSheet(s)
	t.do(err)
	for i, l := range t.d.help {
		t.do(f.SetCellStr(s, xlsx.CellRef(1, i+1), strings.ReplaceAll(l, "{version}", version)))
	}
	t.do(f.SetCellStyle(s, "A1", "A1", t.title))
	t.do(f.SetColWidth(s, "A", "A", 110))
}
