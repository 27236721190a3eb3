package warehouse

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"grassroots/pipeline/form"
)

// TestIncrementalEqualsFresh: a run recomputes only the figures whose inputs
// changed (refresh_scope.sql), yet after every night the warehouse kept
// between runs holds the same figures, in both views, the same flags,
// reporting statuses, submissions, requests, histograms of days to resolve
// (request_days), registry and digests of each form's issues
// (issue_digests, a registry change moves them) and their buckets
// (feedback_buckets) as a fresh warehouse that loads the whole
// inbox at once. The nights take every way a figure of an earlier month changes: a
// new month, a corrected form, a late form, a form of a later month that
// relists an earlier month's request with new values (and its correction,
// which relists fewer and drops one), a receipt time that
// moves, a changed 2023版 answer that a later month's 晋位升级 looks back
// at, today's month moving on (metric_values_current follows it), a
// registry change and a changed deadline day (every figure recomputed), and
// a night with nothing new. It also checks that the partial nights did
// recompute only part of the figures.
func TestIncrementalEqualsFresh(t *testing.T) {
	base := hierarchyUploads()
	byMonth := func(months ...string) []upload {
		var out []upload
		for _, u := range base {
			for _, m := range months {
				if strings.HasSuffix(u.path, "/2021-"+m+".xlsx") {
					out = append(out, u)
				}
			}
		}
		return out
	}
	// L's corrected February form: fewer resolved requests.
	lFeb := newForm(unitL, "2021-02")
	lFeb.Requests = requests(unitL+"2021-02-", "2021-02", 10, 3, 0)
	lMar := newForm(unitL, "2021-03")
	lMar.Requests = requests(unitL+"2021-03-", "2021-03", 10, 9, 0)
	// L's March sent once more, its request log as it was (the unit's name
	// on the cover fixed): the requests come out as they were.
	lMarAgain := newForm(unitL, "2021-03")
	lMarAgain.Cover.UnitName = unitL + "村"
	lMarAgain.Requests = lMar.Requests
	// X's April form, relisting two of its January requests, now unresolved.
	xApr := newForm(unitX, "2021-04")
	xApr.Requests = append(requests(unitX+"2021-04-", "2021-04", 6, 6, 0),
		requests(unitX+"2021-01-", "2021-01", 2, 0, 0)...)
	// X's April form corrected: it relists one January request, not two,
	// and drops one of its own; the other January request goes back to
	// January's values, the dropped one is gone.
	xApr2 := newForm(unitX, "2021-04")
	xApr2.Requests = append(requests(unitX+"2021-04-", "2021-04", 5, 5, 0),
		requests(unitX+"2021-01-", "2021-01", 1, 0, 0)...)
	// Q's assessment: weak in January, not in March (rectified in March),
	// then January corrected to not weak (nothing to rectify).
	qJan := func(weak bool) *form.Form {
		f := newForm(unitQ, "2021-01")
		f.Version, f.Cover.Answers = "2023版", assessment(3, true, weak, true, 1, 5)
		f.Requests = requests(unitQ+"2021-01-", "2021-01", 5, 1, 0)
		return f
	}
	qMar := newForm(unitQ, "2021-03")
	qMar.Version, qMar.Cover.Answers = "2023版", assessment(3, true, false, true, 1, 5)
	qMar.Requests = requests(unitQ+"2021-03-", "2021-03", 5, 1, 0)
	relabel := func(ups []upload, f func(*upload)) []upload {
		out := make([]upload, len(ups))
		copy(out, ups)
		for i := range out {
			f(&out[i])
		}
		return out
	}
	jan := relabel(byMonth("01"), func(u *upload) {
		if strings.HasPrefix(u.path, unitQ) {
			u.form = qJan(true)
		}
	})
	mar := relabel(byMonth("03"), func(u *upload) {
		if strings.HasPrefix(u.path, unitQ) {
			u.form = qMar
		}
	})
	type night struct {
		name     string
		add      []upload
		registry string
		settings Settings
		partial  bool // only some figures recomputed
		// requests, when set: the villages whose effective requests were
		// computed again, and those of them written again (Scope).
		requests *[2]int
	}
	nights := []night{
		{name: "January", add: jan},
		{name: "February", add: byMonth("02")},
		{name: "March, with a request of February before N was founded", add: mar},
		{name: "L's March corrected: March's figures need N's request of February", partial: true,
			add: []upload{{path: unitL + "/2021-03 更正.xlsx", received: received("2021-04-02 09:00"), form: lMar}}},
		{name: "L's February corrected", partial: true, requests: &[2]int{1, 1},
			add: []upload{{path: unitL + "/2021-02 更正.xlsx", received: received("2021-04-03 09:00"), form: lFeb}}},
		{name: "L's March sent again with the same requests", partial: true, requests: &[2]int{1, 0},
			add: []upload{{path: unitL + "/2021-03 再次更正.xlsx", received: received("2021-04-03 10:00"), form: lMarAgain}}},
		{name: "Q's January assessment corrected: March's 晋位升级 goes", partial: true,
			add: []upload{{path: unitQ + "/2021-01 更正.xlsx", received: received("2021-04-04 09:00"), form: qJan(false)}}},
		{name: "X's January form received again, later", partial: true,
			add: relabel(byMonth("01"), func(u *upload) {
				if strings.HasPrefix(u.path, unitX) {
					u.received = received("2021-04-20 10:00")
				}
			})[2:3]},
		{name: "a night with nothing new", partial: true},
		{name: "April and May: today's month moves", add: relabel(byMonth("04", "05"), func(u *upload) {
			if u.path == unitX+"/2021-04.xlsx" {
				u.form = xApr
			}
		})},
		{name: "X's April corrected: a relisted request and one of its own dropped", partial: true,
			add: []upload{{path: unitX + "/2021-04 更正.xlsx", received: received("2021-06-05 09:00"), form: xApr2}}},
		{name: "P's validity extended to May", registry: hierarchyRegistry("2021-05")},
		{name: "deadline day 10", registry: hierarchyRegistry("2021-05"), settings: Settings{DeadlineDay: 10}},
		{name: "nothing new again", registry: hierarchyRegistry("2021-05"), settings: Settings{DeadlineDay: 10}, partial: true},
	}
	if nights[7].add[0].path != unitX+"/2021-01.xlsx" {
		t.Fatalf("the receipt-time night re-adds %s", nights[7].add[0].path)
	}
	// Kept between runs in a file, opened again for every night as the
	// command does: what a run keeps must survive the opening.
	keptPath := filepath.Join(t.TempDir(), "kept.duckdb")
	var inbox []upload
	for i, n := range nights {
		// A file added again replaces its earlier entry (a new receipt time).
		for _, a := range n.add {
			if a.sha == "" {
				// A content hash of hex digits, as a real one: the forms
				// spread over the buckets of feedback_buckets.
				sum := sha256.Sum256([]byte("sha-" + a.path))
				a.sha = hex.EncodeToString(sum[:])
			}
			inbox = replaceUpload(inbox, a)
		}
		reg := n.registry
		if reg == "" {
			reg = hierarchyRegistry("2021-03")
		}
		at := day("2021-06-10").AddDate(0, 0, i).In(shanghai)
		if i < 3 {
			at = day(fmt.Sprintf("2021-%02d-10", i+2)).In(shanghai)
		}
		kept, err := Open(context.Background(), keptPath, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		scope := runScope(t, kept, mustRegistry(t, reg), at, n.settings, inbox...)
		fresh := openTemp(t)
		runAt(t, fresh, mustRegistry(t, reg), at, n.settings, inbox...)
		for _, q := range []string{
			`SELECT * FROM metric_values ORDER BY ALL`,
			`SELECT * FROM metric_values_current ORDER BY ALL`,
			`SELECT * FROM metric_flags ORDER BY ALL`,
			`SELECT * FROM reporting_status ORDER BY ALL`,
			`SELECT * FROM issue_digests ORDER BY ALL`,
			`SELECT * FROM feedback_buckets ORDER BY ALL`,
			`SELECT * FROM submissions ORDER BY ALL`,
			`SELECT * FROM requests ORDER BY ALL`,
			`SELECT * FROM request_days ORDER BY ALL`,
			`SELECT * FROM request_months ORDER BY ALL`,
			`SELECT * FROM request_days_up ORDER BY ALL`,
			`SELECT * FROM units ORDER BY ALL`,
		} {
			if d := cmp.Diff(table(t, fresh.DB(), q), table(t, kept.DB(), q)); d != "" {
				t.Errorf("after %q: %s (-fresh +kept between runs):\n%s", n.name, q, d)
			}
		}
		if n.partial && (scope.Full || scope.UnitMonths >= scope.Of) {
			t.Errorf("after %q: recomputed %+v, want only some figures", n.name, scope)
		}
		if n.requests != nil && [2]int{scope.RequestVillages, scope.RequestsRewritten} != *n.requests {
			t.Errorf("after %q: requests computed again for %d villages, written again for %d; want %v",
				n.name, scope.RequestVillages, scope.RequestsRewritten, *n.requests)
		}
		if !n.partial && scope.UnitMonths == 0 {
			t.Errorf("after %q: recomputed %+v, want some figures", n.name, scope)
		}
		t.Logf("%s: %+v", n.name, scope)
		kept.Close()
		fresh.Close()
	}
	// The nights did what they are about.
	kept, err := Open(context.Background(), keptPath, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer kept.Close()
	for _, c := range []struct{ key, want string }{
		{"2021-02 " + unitL + " resolution_rate", "3/10"},
		// April relisted two of January's 6 resolved requests as unresolved,
		// its correction one; and it dropped one of its own 6.
		{"2021-01 " + unitX + " resolution_rate", "5/6"},
		{"2021-04 " + unitX + " requests_total", "5"},
		{"2021-03 " + unitQ + " weak_orgs_rectified", "0"},
		{"2021-03 " + unitN + " requests_total", "3"},
		{"2021-05 " + unitP + " requests_total", "3"},
	} {
		if got := figures(t, kept, "metric_values", strings.Fields(c.key)[2])[c.key]; got != c.want {
			t.Errorf("%s = %q, want %q", c.key, got, c.want)
		}
	}
}

// replaceUpload adds u to inbox, in place of an entry of the same path.
func replaceUpload(inbox []upload, u upload) []upload {
	for i := range inbox {
		if inbox[i].path == u.path {
			inbox[i] = u
			return inbox
		}
	}
	return append(inbox, u)
}
