package nightly

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// sampleDir is the committed inbox that `make run` uses.
const sampleDir = "../../fixtures/sample"

// expectedReporting reads the "Expected reporting" table of the sample's
// README: month, district code, expected, reporting, on time.
func expectedReporting(t *testing.T) [][]string {
	t.Helper()
	f, err := os.Open(filepath.Join(sampleDir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][]string
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "## ") {
			in = line == "## Expected reporting"
			continue
		}
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		if !in || len(cells) != 7 || !strings.HasPrefix(cells[0], "20") {
			continue
		}
		code, _, _ := strings.Cut(cells[1], " ")
		out = append(out, []string{cells[0], code, cells[2], cells[3], cells[5]})
	}
	if len(out) == 0 {
		t.Fatal("no Expected reporting table in the sample's README")
	}
	return out
}

// The batch on the committed sample: the reporting rate of each district
// and month is what the sample's README says, the issues are exactly its
// manifest, and every metric has rows.
func TestSample(t *testing.T) {
	cfg := config(t.TempDir())
	cfg.Inbox = filepath.Join(sampleDir, "inbox")
	cfg.Registry = filepath.Join(sampleDir, "registry.csv")
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	want := expectedReporting(t)
	got := query(t, cfg.DB, `
		SELECT r.period, r.unit_code,
		       CAST(r.denominator AS INTEGER)::VARCHAR, CAST(r.numerator AS INTEGER)::VARCHAR, CAST(o.numerator AS INTEGER)::VARCHAR
		FROM metric_values r
		JOIN metric_values o ON o.period = r.period AND o.unit_code = r.unit_code AND o.metric = 'timely_rate'
		WHERE r.metric = 'reporting_rate' AND r.level IN ('district', 'city')`)
	key := func(a, b []string) int { return strings.Compare(a[0]+a[1], b[0]+b[1]) }
	slices.SortFunc(want, key)
	slices.SortFunc(got, key)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("reporting per district (-README +warehouse), columns month, code, expected, reporting, on time:\n%s", diff)
	}

	gotIssues := query(t, cfg.DB, `SELECT path, sheet, cell, code, severity FROM issues ORDER BY ALL`)
	slices.SortFunc(gotIssues, func(a, b []string) int { return strings.Compare(strings.Join(a, "\x00"), strings.Join(b, "\x00")) })
	if diff := cmp.Diff(expectedIssues(t, sampleDir), gotIssues); diff != "" {
		t.Errorf("issues (-manifest +warehouse):\n%s", diff)
	}
	// The sample is 2021-2022 village forms: the 2023版 assessment and the
	// parks' metrics have their own tests (warehouse TestAssessmentAndParks).
	if bad := query(t, cfg.DB, `SELECT metric FROM (FROM metric_catalog WHERE family NOT IN ('assessment', 'parks')) ANTI JOIN (SELECT DISTINCT metric FROM metric_values WHERE value IS NOT NULL) USING (metric)`); len(bad) > 0 {
		t.Errorf("metrics with no value anywhere in the sample: %v", bad)
	}
}
