package form

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestIssueError(t *testing.T) {
	got := Issue{Path: "a.xlsx", Sheet: "点单台账", Cell: "F17", Code: "bad_date", Message: "m"}.Error()
	if diff := cmp.Diff("a.xlsx: 点单台账!F17: bad_date: m", got); diff != "" {
		t.Error(diff)
	}
}
