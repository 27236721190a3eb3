package warehouse

import "testing"

// TestOlder: a rebuild replaces only warehouses of an earlier schema; a
// newer one (or a version that is not a number) is left to the grassroots
// that wrote it.
func TestOlder(t *testing.T) {
	for v, want := range map[string]bool{"1": true, "3": true, schemaVersion: false, "999": false, "x": false, "": false} {
		if got := Older(v); got != want {
			t.Errorf("Older(%q) = %v, want %v", v, got, want)
		}
	}
}
