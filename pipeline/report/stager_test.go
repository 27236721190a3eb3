package report

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// The stager's files appear under their names on commit and never before;
// committed or aborted, no staging folder is left in the output folder.
func TestStager(t *testing.T) {
	list := func(t *testing.T, dir string) []string {
		t.Helper()
		var names []string
		filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && p != dir {
				rel, _ := filepath.Rel(dir, p)
				names = append(names, rel)
			}
			return nil
		})
		slices.Sort(names)
		return names
	}
	stage := func(t *testing.T) (string, *stager) {
		t.Helper()
		out := t.TempDir()
		if err := os.MkdirAll(filepath.Join(out, "feedback", "annotated"), 0o755); err != nil {
			t.Fatal(err)
		}
		st := &stager{root: out}
		other := &stager{root: out} // the feedback's, adopted
		if err := st.write(filepath.Join(out, "summary-2021-03.xlsx"), []byte("summary")); err != nil {
			t.Fatal(err)
		}
		if err := other.write(filepath.Join(out, "feedback", "annotated", "a.xlsx"), []byte("copy")); err != nil {
			t.Fatal(err)
		}
		st.adopt(other)
		if got := list(t, out); slices.ContainsFunc(got, func(n string) bool {
			return n == "summary-2021-03.xlsx" || n == filepath.Join("feedback", "annotated", "a.xlsx")
		}) {
			t.Fatalf("staged files visible before the commit: %q", got)
		}
		return out, st
	}
	t.Run("commit", func(t *testing.T) {
		out, st := stage(t)
		if err := st.commit(); err != nil {
			t.Fatal(err)
		}
		want := []string{"feedback", filepath.Join("feedback", "annotated"), filepath.Join("feedback", "annotated", "a.xlsx"), "summary-2021-03.xlsx"}
		if got := list(t, out); !slices.Equal(got, want) {
			t.Errorf("after commit: %q, want %q", got, want)
		}
		if data, _ := os.ReadFile(filepath.Join(out, "summary-2021-03.xlsx")); string(data) != "summary" {
			t.Errorf("summary holds %q", data)
		}
	})
	t.Run("abort", func(t *testing.T) {
		out, st := stage(t)
		st.abort()
		want := []string{"feedback", filepath.Join("feedback", "annotated")}
		if got := list(t, out); !slices.Equal(got, want) {
			t.Errorf("after abort: %q, want %q", got, want)
		}
	})
}

// An output folder named as "./out" (as --out ./out gives it): the staging
// folder the run is still using is not taken for a killed run's when the
// report stage clears the folder, and its workbooks are committed.
func TestStagerRelativeRoot(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := os.MkdirAll(filepath.Join("out", "feedback"), 0o755); err != nil {
		t.Fatal(err)
	}
	st := &stager{root: "./out"}
	if err := st.write(filepath.Join("./out", "feedback", "a.xlsx"), []byte("feedback")); err != nil {
		t.Fatal(err)
	}
	removeStaleTemps("./out")
	if err := st.commit(); err != nil {
		t.Fatalf("commit after the output folder was cleared: %v", err)
	}
	if data, err := os.ReadFile(filepath.Join("out", "feedback", "a.xlsx")); string(data) != "feedback" {
		t.Errorf("feedback/a.xlsx holds %q (%v), want the staged bytes", data, err)
	}
}
