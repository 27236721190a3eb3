// Package warehousetest loads hand-made forms into a warehouse the way one
// nightly run does, for the tests of packages that read the warehouse
// (report, the CLI). The warehouse's own tests keep an internal twin, since
// they cannot import this package without a cycle.
package warehousetest

import (
	"context"
	"testing"
	"time"

	"grassroots/pipeline/form"
	"grassroots/pipeline/registry"
	"grassroots/pipeline/warehouse"
)

// Upload is one file of a test inbox.
type Upload struct {
	Path     string
	SHA256   string // "" means "sha-"+Path
	Received time.Time
	Form     *form.Form // the form as read; nil for an ignored file
	Ignored  string     // why the file is not a form, "" for a form
}

// Load is one run over uploads, started and committed at the given time:
// every file recorded, each content's form added once, metrics refreshed.
func Load(t testing.TB, w *warehouse.Warehouse, reg *registry.Registry, inbox string, at time.Time, uploads ...Upload) {
	t.Helper()
	ctx := context.Background()
	r, err := w.Begin(ctx, inbox, at)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Rollback()
	for _, u := range uploads {
		sha := u.SHA256
		if sha == "" {
			sha = "sha-" + u.Path
		}
		if err := r.AddFile(ctx, warehouse.File{Path: u.Path, SHA256: sha, Size: 1, MTime: u.Received, ReceivedAt: u.Received, Ignored: u.Ignored}); err != nil {
			t.Fatal(err)
		}
		if u.Form != nil && !r.Loaded(sha) {
			if err := r.AddForm(ctx, sha, u.Form); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := r.Refresh(ctx, reg, warehouse.Settings{}); err != nil {
		t.Fatal(err)
	}
	if err := r.Commit(ctx, at.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
}
