package warehouse

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

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
// at, a corrected form whose organizations change and whose requests do
// not, today's month moving on (metric_values_current follows it), a
// registry change and a changed deadline day (every figure recomputed), and
// a night with nothing new. It also checks that the partial nights did
// recompute only part of the figures.
//
// It runs twice: as a night runs, with this run's organization rows read
// from run_org_rows, and as a run that reads more forms than runRowsForms
// does, from org_rows.
func TestIncrementalEqualsFresh(t *testing.T) {
	t.Run("run_org_rows", incrementalEqualsFresh)
	t.Run("beyond runRowsForms", func(t *testing.T) {
		defer func(n int) { runRowsForms = n }(runRowsForms)
		runRowsForms = 0
		incrementalEqualsFresh(t)
	})
}

func incrementalEqualsFresh(t *testing.T) {
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
	// X's April sent once more, its request log as the correction's (a
	// January request among them): the requests come out as they were, and
	// only the figures of April on are recomputed.
	xApr2Again := newForm(unitX, "2021-04")
	xApr2Again.Cover.UnitName = unitX + "村"
	xApr2Again.Requests = xApr2.Requests
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
	// P's organizations: in January 2 of 3 compounds covered, then every
	// one (its correction, the request log as it was); in February 1 of 2,
	// which the correction of January must leave as it was.
	orgRows := func(n, covered int) []form.OrgRow {
		var out []form.OrgRow
		for i := range n {
			out = append(out, form.OrgRow{Row: i + 3, Name: fmt.Sprintf("小区%d", i+1), Type: form.UnitResidential,
				HasOrg: i < covered, HowFormed: form.FormedStandalone, OrgName: fmt.Sprintf("支部%d", i+1)})
		}
		return out
	}
	withOrgs := func(f *form.Form, n, covered int) *form.Form {
		c := *f
		c.Orgs = orgRows(n, covered)
		return &c
	}
	var pJan *form.Form
	jan := relabel(byMonth("01"), func(u *upload) {
		if strings.HasPrefix(u.path, unitQ) {
			u.form = qJan(true)
		}
		if strings.HasPrefix(u.path, unitP) {
			u.form = withOrgs(u.form, 3, 2)
			pJan = u.form
		}
	})
	feb := relabel(byMonth("02"), func(u *upload) {
		if strings.HasPrefix(u.path, unitP) {
			u.form = withOrgs(u.form, 2, 1)
		}
	})
	// P's first January form received again after its correction: the
	// latest received, it is accepted again, and its 2 of 3 count again
	// (organizations of a form an earlier run loaded).
	var pJanAgain []upload
	for _, u := range jan {
		if strings.HasPrefix(u.path, unitP) {
			u.received = received("2021-04-22 09:00")
			pJanAgain = append(pJanAgain, u)
		}
	}
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
		// computed again, those of them written again, and those whose
		// changed forms all had their predecessor's request log (Scope).
		requests *[3]int
		// unitMonths, when set: the (month, unit)s recomputed (Scope).
		unitMonths int
	}
	nights := []night{
		{name: "January", add: jan},
		{name: "February", add: feb},
		{name: "March, with a request of February before N was founded", add: mar},
		{name: "L's March corrected: March's figures need N's request of February", partial: true,
			add: []upload{{path: unitL + "/2021-03 更正.xlsx", received: received("2021-04-02 09:00"), form: lMar}}},
		{name: "L's February corrected", partial: true, requests: &[3]int{1, 1, 0},
			add: []upload{{path: unitL + "/2021-02 更正.xlsx", received: received("2021-04-03 09:00"), form: lFeb}}},
		{name: "L's March sent again with the same requests", partial: true, requests: &[3]int{0, 0, 1},
			add: []upload{{path: unitL + "/2021-03 再次更正.xlsx", received: received("2021-04-03 10:00"), form: lMarAgain}}},
		{name: "Q's January assessment corrected: March's 晋位升级 goes", partial: true,
			add: []upload{{path: unitQ + "/2021-01 更正.xlsx", received: received("2021-04-04 09:00"), form: qJan(false)}}},
		{name: "X's January form received again, later", partial: true,
			add: relabel(byMonth("01"), func(u *upload) {
				if strings.HasPrefix(u.path, unitX) {
					u.received = received("2021-04-20 10:00")
				}
			})[2:3]},
		{name: "P's January organizations corrected: every compound covered", partial: true, requests: &[3]int{0, 0, 1},
			add: []upload{{path: unitP + "/2021-01 更正.xlsx", received: received("2021-04-21 09:00"), form: withOrgs(pJan, 3, 3)}}},
		{name: "P's first January form received again, later: accepted again", partial: true, add: pJanAgain},
		{name: "a night with nothing new", partial: true},
		{name: "April and May: today's month moves", add: relabel(byMonth("04", "05"), func(u *upload) {
			if u.path == unitX+"/2021-04.xlsx" {
				u.form = xApr
			}
		})},
		{name: "X's April corrected: a relisted request and one of its own dropped", partial: true,
			add: []upload{{path: unitX + "/2021-04 更正.xlsx", received: received("2021-06-05 09:00"), form: xApr2}}},
		{name: "X's April sent again with the same requests: April's figures on", partial: true, requests: &[3]int{0, 0, 1}, unitMonths: 8,
			add: []upload{{path: unitX + "/2021-04 再次更正.xlsx", received: received("2021-06-06 09:00"), form: xApr2Again}}},
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
		kept, scope := keptAndFresh(t, n.name, keptPath, reg, at, n.settings, inbox,
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
		)
		if n.partial && (scope.Full || scope.UnitMonths >= scope.Of) {
			t.Errorf("after %q: recomputed %+v, want only some figures", n.name, scope)
		}
		if n.requests != nil {
			wantRequests(t, n.name, scope, *n.requests)
		}
		if n.unitMonths != 0 && scope.UnitMonths != n.unitMonths {
			t.Errorf("after %q: recomputed %d (month, unit)s, want %d", n.name, scope.UnitMonths, n.unitMonths)
		}
		if !n.partial && scope.UnitMonths == 0 {
			t.Errorf("after %q: recomputed %+v, want some figures", n.name, scope)
		}
		t.Logf("%s: %+v", n.name, scope)
		kept.Close()
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
		{"2021-01 " + unitP + " coverage_all", "2/3"},
		{"2021-02 " + unitP + " coverage_all", "1/2"},
	} {
		if got := figures(t, kept, "metric_values", strings.Fields(c.key)[2])[c.key]; got != c.want {
			t.Errorf("%s = %q, want %q", c.key, got, c.want)
		}
	}
}

// wantRequests checks the villages whose effective requests the night
// computed again, wrote again, and whose changed forms all had their
// predecessor's request log (Scope).
func wantRequests(t *testing.T, night string, s Scope, want [3]int) {
	t.Helper()
	if got := [3]int{s.RequestVillages, s.RequestsRewritten, s.RequestSwaps}; got != want {
		t.Errorf("after %q: requests computed again, written again, swapped: %v villages, want %v", night, got, want)
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

// A form that takes the place of an accepted one of the same month with the
// same request log (its cover fixed) leaves the village's requests as they
// were without computing them again, and the changed-date warning of the
// form it replaces passes to it; one whose rows moved is computed again
// (the warning's cell moves) but writes no request. After each night the
// warehouse holds what one that loads everything at once does.
func TestRequestLogSwaps(t *testing.T) {
	jan := newForm(unitL, "2021-01")
	jan.Requests = requests(unitL+"2021-01-", "2021-01", 4, 2, 0)
	feb := newForm(unitL, "2021-02")
	feb.Requests = requests(unitL+"2021-02-", "2021-02", 3, 1, 0)
	// February relists January's first request with another date.
	relisted := jan.Requests[0]
	relisted.Row, relisted.RequestedOnCell, relisted.RequestedOn = 9, "B9", day("2021-01-15")
	feb.Requests = append(feb.Requests, relisted)
	febAgain := *feb
	febAgain.Cover.UnitName = unitL + "社区"
	febMoved := *feb
	febMoved.Requests = slices.Clone(feb.Requests)
	slices.Reverse(febMoved.Requests)
	for i := range febMoved.Requests {
		q := &febMoved.Requests[i]
		q.Row, q.RequestedOnCell = i+2, fmt.Sprintf("B%d", i+2)
	}
	nights := []struct {
		name     string
		add      upload
		requests [3]int // computed again, written again, swapped (Scope)
		warning  []string
	}{
		{"January", upload{path: unitL + "/2021-01.xlsx", received: received("2021-02-02 09:00"), form: jan}, [3]int{1, 1, 0}, nil},
		{"February", upload{path: unitL + "/2021-02.xlsx", received: received("2021-03-02 09:00"), form: feb}, [3]int{1, 1, 0},
			[]string{unitL + "/2021-02.xlsx", "B9"}},
		{"February again, its 点单台账 as it was", upload{path: unitL + "/2021-02 更正.xlsx", received: received("2021-03-03 09:00"), form: &febAgain}, [3]int{0, 0, 1},
			[]string{unitL + "/2021-02 更正.xlsx", "B9"}},
		{"February again, its rows in another order", upload{path: unitL + "/2021-02 更正2.xlsx", received: received("2021-03-04 09:00"), form: &febMoved}, [3]int{1, 0, 0},
			[]string{unitL + "/2021-02 更正2.xlsx", "B2"}},
	}
	keptPath := filepath.Join(t.TempDir(), "kept.duckdb")
	reg := hierarchyRegistry("2021-03")
	var inbox []upload
	for i, n := range nights {
		sum := sha256.Sum256([]byte("sha-" + n.add.path))
		n.add.sha = hex.EncodeToString(sum[:])
		inbox = replaceUpload(inbox, n.add)
		at := day(fmt.Sprintf("2021-03-%02d", 10+i)).In(shanghai)
		kept, scope := keptAndFresh(t, n.name, keptPath, reg, at, Settings{}, inbox,
			`SELECT * FROM requests ORDER BY ALL`,
			`SELECT * FROM request_days ORDER BY ALL`,
			`SELECT * FROM request_months ORDER BY ALL`,
			`SELECT * FROM issues ORDER BY ALL`,
			`SELECT * FROM submissions ORDER BY ALL`,
			`SELECT * FROM metric_values ORDER BY ALL`,
		)
		wantRequests(t, n.name, scope, n.requests)
		want := [][]string{}
		if n.warning != nil {
			want = [][]string{n.warning}
		}
		got := table(t, kept.DB(), `SELECT path, cell FROM issues WHERE code = 'request_changed_date' ORDER BY ALL`)
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("after %q: the changed-date warning (-want +got):\n%s", n.name, d)
		}
		kept.Close()
	}
}

// The request log digest and earliest 点单日期 a form gets as it is loaded
// (requestLogDigest, firstRequested, in Go) are those fill_forms_requests.sql
// computes from its stored rows for a warehouse from before them: rows with every optional field empty
// or set, a dispute yes, no and unknown, out of sheet order.
func TestRequestLogDigestMatchesSQL(t *testing.T) {
	f := newForm(unitL, "2021-02")
	f.Requests = requests(unitL+"2021-02-", "2021-02", 6, 3, 2)
	f.Requests[0].Dispute = sql.Null[bool]{V: false, Valid: true}
	f.Requests[1].Category, f.Requests[1].Mediation = "矛盾纠纷", "调处中"
	f.Requests[2].DispatchedOn, f.Requests[2].AcceptedOn = day("2021-02-03"), day("2021-02-04")
	f.Requests[3].RequestedOnCell = ""
	f.Requests[4].Rating = "未评价"
	f.Requests[0], f.Requests[5] = f.Requests[5], f.Requests[0]
	noRequests := newForm(unitX, "2021-02")
	w := openTemp(t)
	reg := mustRegistry(t, hierarchyRegistry("2021-03"))
	inbox := []upload{
		{path: unitL + "/2021-02.xlsx", received: received("2021-03-02 09:00"), form: f},
		{path: unitX + "/2021-02.xlsx", received: received("2021-03-02 09:00"), form: noRequests},
	}
	runAt(t, w, reg, day("2021-03-10").In(shanghai), Settings{}, inbox...)
	const q = `SELECT sha256, requests_digest, requests_first_on FROM forms ORDER BY ALL`
	loaded := table(t, w.DB(), q)
	if len(loaded) != 2 || len(loaded[0][1]) != 64 || loaded[0][2] != "2021-02-01T00:00:00Z" || loaded[1][1] != "NULL" || loaded[1][2] != "NULL" {
		t.Fatalf("digests as loaded: %v, want one for the form with requests only", loaded)
	}
	// As a warehouse from before the digest: none, and not yet filled.
	for _, s := range []string{`UPDATE forms SET requests_digest = NULL, requests_first_on = NULL`, `DELETE FROM meta WHERE key = 'forms_requests_filled'`} {
		if _, err := w.DB().Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	runAt(t, w, reg, day("2021-03-11").In(shanghai), Settings{}, inbox...)
	if d := cmp.Diff(loaded, table(t, w.DB(), q)); d != "" {
		t.Errorf("digests filled from request_rows (-as loaded +filled):\n%s", d)
	}
}

// keptAndFresh runs a night on the warehouse kept at keptPath, opened again
// as the command does, and on a fresh one that loads the whole inbox at
// once, and reports every query whose rows differ between the two. It
// returns the kept warehouse, open, and what its refresh recomputed.
func keptAndFresh(t *testing.T, night, keptPath, reg string, at time.Time, s Settings, inbox []upload, queries ...string) (*Warehouse, Scope) {
	t.Helper()
	kept, err := Open(context.Background(), keptPath, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	scope := runScope(t, kept, mustRegistry(t, reg), at, s, inbox...)
	fresh := openTemp(t)
	defer fresh.Close()
	runAt(t, fresh, mustRegistry(t, reg), at, s, inbox...)
	for _, q := range queries {
		if d := cmp.Diff(table(t, fresh.DB(), q), table(t, kept.DB(), q)); d != "" {
			t.Errorf("after %q: %s (-fresh +kept between runs):\n%s", night, q, d)
		}
	}
	return kept, scope
}
