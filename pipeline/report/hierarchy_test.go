package report

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"grassroots/pipeline/registry"
	"grassroots/pipeline/warehouse"
	"grassroots/pipeline/warehouse/warehousetest"
)

// hierarchyRegistry: 平安镇 (450109300000) is merged into 那楼镇 from April
// 2021, its 平安村 moving with it; 新村 moves from 蒲庙镇 to 那楼镇 in April;
// 新区社区 is founded in 蒲庙镇 in April.
const hierarchyRegistry = `code,name,level,parent_code,valid_from,valid_to,successor_code
450100000000,南宁市,city,,,,
450109000000,邕宁区,district,450100000000,,,
450109100000,那楼镇,township,450109000000,,,
450109100201,龙象社区,community,450109100000,,,
450109200000,蒲庙镇,township,450109000000,,,
450109200201,新村,village,450109200000,,2021-03,
450109200201,新村,village,450109100000,2021-04,,
450109200401,新区社区,community,450109200000,2021-04,,
450109300000,平安镇,township,450109000000,,2021-03,450109100000
450109300201,平安村,village,450109300000,,2021-03,
450109300201,平安村,village,450109100000,2021-04,,
`

// The summary and township workbooks of a month use the hierarchy of that
// month: a township that no longer exists gets no workbook, 报送情况 lists
// the units expected that month only, and a moved village is placed under
// the township it had that month.
func TestWorkbooksFollowTheMonthsHierarchy(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	inbox := filepath.Join(dir, "inbox")
	reg, err := registry.Parse(strings.NewReader(hierarchyRegistry), "registry.csv")
	if err != nil {
		t.Fatal(err)
	}
	w, err := warehouse.Open(ctx, filepath.Join(dir, "w.duckdb"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var files []warehousetest.Upload
	for _, u := range []struct{ code, months string }{
		{"450109100201", "03 04"}, {"450109200201", "03 04"}, {"450109300201", "03 04"}, {"450109200401", "04"},
	} {
		for _, m := range strings.Fields(u.months) {
			f := newForm(u.code, "2021-"+m, "张三", "13700001111")
			f.Requests = requests(u.code+m, "2021-"+m, 4, 2, 2)
			files = append(files, warehousetest.Upload{Path: u.code + "-" + m + ".xlsx", Received: at("2021-" + m + "-28 09:00"), Form: f})
		}
	}
	warehousetest.Load(t, w, reg, inbox, at("2021-05-10 02:00"), files...)

	for _, tt := range []struct {
		period    string
		townships []string
		expected  []string // 报送情况's codes, by township
		places    []string // 村社区明细: township, code
	}{
		{"2021-03",
			[]string{"450109100000-2021-03.xlsx", "450109200000-2021-03.xlsx", "450109300000-2021-03.xlsx"},
			[]string{"450109100201", "450109200201", "450109300201"},
			[]string{"那楼镇 450109100201", "蒲庙镇 450109200201", "平安镇 450109300201"}},
		{"2021-04",
			[]string{"450109100000-2021-04.xlsx", "450109200000-2021-04.xlsx"},
			[]string{"450109100201", "450109200201", "450109300201", "450109200401"},
			[]string{"那楼镇 450109100201", "那楼镇 450109200201", "那楼镇 450109300201", "蒲庙镇 450109200401"}},
	} {
		t.Run(tt.period, func(t *testing.T) {
			out := t.TempDir()
			res, err := Write(ctx, w.DB(), Options{OutDir: out, Period: tt.period, Now: at("2021-05-10 02:00"), InboxDir: inbox,
				Log: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			var townships []string
			for _, p := range res.Townships {
				townships = append(townships, filepath.Base(p))
			}
			if diff := cmp.Diff(tt.townships, townships); diff != "" {
				t.Errorf("township workbooks (-want +got):\n%s", diff)
			}
			var expected, places []string
			cells := map[[2]int]string{}
			for _, c := range allCells(t, res.Summary) {
				switch {
				case c.sheet == sheetReporting && c.col == 3 && c.row > 2:
					expected = append(expected, c.value)
				case c.sheet == sheetVillages && c.row > 2 && (c.col == 2 || c.col == 3):
					cells[[2]int{c.row, c.col}] = c.value
				}
			}
			for r := 3; cells[[2]int{r, 3}] != ""; r++ {
				places = append(places, cells[[2]int{r, 2}]+" "+cells[[2]int{r, 3}])
			}
			if diff := cmp.Diff(tt.expected, expected); diff != "" {
				t.Errorf("units of 报送情况 (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.places, places); diff != "" {
				t.Errorf("村社区明细's townships (-want +got):\n%s", diff)
			}
		})
	}
}
