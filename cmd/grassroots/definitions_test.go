package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"
)

// grassroots runs the real program as a process (the test binary acting as
// grassroots, see TestMain) in dir and returns its stdout, stderr and exit
// code.
func grassroots(t *testing.T, dir string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GRASSROOTS_BE_MAIN=1")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.ExitCode()
	default:
		t.Fatal(err)
	}
	return out.String(), errOut.String(), code
}

// request is one row of a test form's 点单台账.
type request struct{ id, state, resolvedOn, rating string }

// writeMarchForm writes a 2022版 form for March 2021 from the blank template
// (grassroots template), with the cover filled in and the given requests,
// all requested on 2021-03-01.
func writeMarchForm(t *testing.T, blank, path, code, name string, reqs []request) {
	t.Helper()
	f, err := excelize.OpenFile(blank)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cover := map[string]string{
		"B2": name, "B3": code, "B4": "2021年3月", "B5": "社区", "B6": "张三", "B7": "是",
		"B8": "30", "B9": "3", "B10": "3", "B11": "是", "B12": "1", "B13": "李四",
		"B14": "13800000000", "B15": "2021-04-01",
	}
	for cell, v := range cover {
		if err := f.SetCellStr("基本信息", cell, v); err != nil {
			t.Fatal(err)
		}
	}
	for i, r := range reqs {
		row := []any{r.id, "2021-03-01", "王五", "", "其他", "修路灯", "2021-03-01", "赵六", "2021-03-01", r.resolvedOn, r.state, "否", "", r.rating}
		if err := f.SetSheetRow("点单台账", fmt.Sprintf("A%d", i+2), &row); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}

// TestMetricsSatisfiedOnly is the worked example of docs/metrics.md
// ("Definitions as data"): the shipped definitions/examples/satisfied-only.toml
// counts only 满意 as satisfied. Hand-worked, for 2021-03:
//
//	unit        resolved ratings                               default    satisfied only
//	龙象社区    满意 4, 基本满意 3, 不满意 1, 未评价 1 (+1 open)  7/8        4/8
//	那楼社区    满意 1, 基本满意 1                             2/2        1/2
//	那楼镇, 市  both                                           9/10       5/10
//
// A run with the example after a run with the built-in definitions
// recomputes every month and records each changed figure in metric_changes
// with the cause `definitions`; nothing else changes.
func TestMetricsSatisfiedOnly(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the program as a process")
	}
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	example := filepath.Join(repo, "definitions", "examples", "satisfied-only.toml")
	dir := t.TempDir()
	registry := filepath.Join(dir, "registry.csv")
	if err := os.WriteFile(registry, []byte("code,name,level,parent_code\n"+
		"450100000000,南宁市,city,\n"+
		"450109100000,那楼镇,township,450100000000\n"+
		"450109100201,龙象社区,community,450109100000\n"+
		"450109100202,那楼社区,community,450109100000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	blank := filepath.Join(dir, "blank.xlsx")
	if _, stderr, code := grassroots(t, dir, "template", "--out", blank); code != 0 {
		t.Fatalf("template: exit %d: %s", code, stderr)
	}
	inbox := filepath.Join(dir, "inbox")
	resolved := func(id, rating string) request { return request{id, "已办结", "2021-03-03", rating} }
	writeMarchForm(t, blank, filepath.Join(inbox, "龙象社区3月报表.xlsx"), "450109100201", "龙象社区", []request{
		resolved("L1", "满意"), resolved("L2", "满意"), resolved("L3", "满意"), resolved("L4", "满意"),
		resolved("L5", "基本满意"), resolved("L6", "基本满意"), resolved("L7", "基本满意"),
		resolved("L8", "不满意"), resolved("L9", "未评价"),
		{"L10", "办理中", "", ""},
	})
	writeMarchForm(t, blank, filepath.Join(inbox, "那楼社区3月报表.xlsx"), "450109100202", "那楼社区", []request{
		resolved("N1", "满意"), resolved("N2", "基本满意"),
	})

	db := filepath.Join(dir, "w.duckdb")
	run := func(extra ...string) {
		t.Helper()
		args := append([]string{"--log-level", "error", "run", "--inbox", inbox, "--registry", registry, "--db", db, "--out", filepath.Join(dir, "out")}, extra...)
		if _, stderr, code := grassroots(t, dir, args...); code != 0 {
			t.Fatalf("run %q: exit %d: %s", extra, code, stderr)
		}
	}
	query := func(q string) string {
		t.Helper()
		stdout, stderr, code := grassroots(t, dir, "query", "--db", db, "--format", "csv", q)
		if code != 0 {
			t.Fatalf("query: exit %d: %s", code, stderr)
		}
		return stdout
	}
	const satisfaction = `SELECT unit_code, numerator, denominator, value FROM metric_values
		WHERE period = '2021-03' AND metric = 'satisfaction_rate' ORDER BY unit_code`

	run()
	if d := cmp.Diff("unit_code,numerator,denominator,value\n"+
		"450100000000,9,10,0.9\n"+
		"450109100000,9,10,0.9\n"+
		"450109100201,7,8,0.875\n"+
		"450109100202,2,2,1\n", query(satisfaction)); d != "" {
		t.Errorf("built-in satisfaction_rate (-want +got):\n%s", d)
	}

	run("--metrics", example)
	if d := cmp.Diff("unit_code,numerator,denominator,value\n"+
		"450100000000,5,10,0.5\n"+
		"450109100000,5,10,0.5\n"+
		"450109100201,4,8,0.5\n"+
		"450109100202,1,2,0.5\n", query(satisfaction)); d != "" {
		t.Errorf("satisfied-only satisfaction_rate (-want +got):\n%s", d)
	}
	if d := cmp.Diff("run_id,period,unit_code,metric,old_numerator,old_denominator,new_numerator,new_denominator,cause\n"+
		"2,2021-03,450100000000,satisfaction_rate,9,10,5,10,definitions\n"+
		"2,2021-03,450109100000,satisfaction_rate,9,10,5,10,definitions\n"+
		"2,2021-03,450109100201,satisfaction_rate,7,8,4,8,definitions\n"+
		"2,2021-03,450109100202,satisfaction_rate,2,2,1,2,definitions\n",
		query(`SELECT * FROM metric_changes ORDER BY ALL`)); d != "" {
		t.Errorf("metric_changes (-want +got):\n%s", d)
	}
	// The 预警清单 rule of the built-in definition still applies.
	if d := cmp.Diff("threshold,direction,headline\n0.9,below,true\n",
		query(`SELECT threshold, direction, headline FROM metric_catalog WHERE metric = 'satisfaction_rate'`)); d != "" {
		t.Errorf("metric_catalog (-want +got):\n%s", d)
	}
}

// TestMetricsFlagErrors: broken definitions stop `run` with exit 2 before
// the warehouse is touched, naming the file, the line, the metric and the
// key; `definitions check` says the same without a run.
func TestMetricsFlagErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	column := write("column.toml", "[[metric]]\nname = \"satisfaction_rate\"\nnumerator = \"count(*) FILTER (WHERE rating = '满意' AND stat = '已办结')\"\n")
	kind := write("kind.toml", "[[metric]]\nname = \"resolution_rate\"\nkind = \"percent\"\n")
	good := write("good.toml", "[[metric]]\nname = \"satisfaction_rate\"\nnumerator = \"count(*) FILTER (WHERE state = '已办结' AND rating = '满意')\"\n")
	db := filepath.Join(dir, "w.duckdb")
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     string // in stdout+stderr
	}{
		{"run: unknown column", []string{"run", "--db", db, "--metrics", column}, exitFailed,
			column + `:3: metric satisfaction_rate: numerator: Binder Error: Referenced column "stat" not found`},
		{"run: unknown kind", []string{"run", "--db", db, "--metrics", kind}, exitFailed,
			kind + `:3: metric resolution_rate: kind: unknown kind "percent" (want ratio, count or median)`},
		{"run: missing file", []string{"run", "--db", db, "--metrics", filepath.Join(dir, "none.toml")}, exitFailed,
			"none.toml: no such file"},
		{"check: unknown column", []string{"definitions", "check", "--metrics", column}, exitFailed,
			column + `:3: metric satisfaction_rate: numerator: Binder Error`},
		{"check: a good file", []string{"definitions", "check", "--metrics", good}, exitOK,
			"metrics: 38 definitions, all valid (" + good + ")"},
		{"check: the built-in definitions", []string{"definitions", "check"}, exitOK,
			"metrics: 38 definitions, all valid (definitions/metrics.toml (built in))"},
		{"no subcommand", []string{"definitions"}, exitUsage, "definitions takes a subcommand: check"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, &stdout, &stderr)
			out := stdout.String() + stderr.String()
			if code != tt.wantCode || !strings.Contains(out, tt.want) {
				t.Errorf("exit %d, output:\n%s\nwant exit %d and %q", code, out, tt.wantCode, tt.want)
			}
		})
	}
	if _, err := os.Stat(db); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a run with broken definitions touched the warehouse: %v", err)
	}
}
