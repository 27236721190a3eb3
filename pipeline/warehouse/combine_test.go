package warehouse

import (
	"slices"
	"strings"
	"testing"

	"grassroots/queries"
)

// TestCombineSteps: a combine runs every refresh step but those that decide
// from forms, which the cities' decisions replace; a refresh step renamed or
// removed without combineInstead being told fails here rather than in a
// province's night.
func TestCombineSteps(t *testing.T) {
	steps, err := CombineSteps()
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range refreshSteps {
		instead, replaced := combineInstead[step]
		switch {
		case !replaced && !slices.Contains(steps, step):
			t.Errorf("refresh step %s does not run in a combine", step)
		case replaced && slices.Contains(steps, step) && !slices.Contains(instead, step):
			t.Errorf("refresh step %s runs in a combine, though replaced by %v", step, instead)
		}
	}
	for _, step := range append(slices.Clone(steps), combineLoad...) {
		if strings.HasPrefix(step, "combine_") && queries.SQL(step) == "" { // SQL panics on a missing file
			t.Errorf("queries/%s.sql is empty", step)
		}
	}
	// The lakes' facts replace the computed ones just before the roll-up.
	i := slices.Index(steps, "rollup_metric_values")
	if i < 2 || steps[i-2] != "combine_facts_delete" || steps[i-1] != "combine_facts" {
		t.Errorf("the roll-up is not preceded by the lakes' facts: %v", steps)
	}
}
