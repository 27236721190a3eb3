package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"grassroots/pipeline/calendar"
	"grassroots/pipeline/inbox"
	"grassroots/pipeline/warehouse"
)

// rebuildAside prepares `run --rebuild`: a warehouse written by an older
// grassroots (another schema version) is moved aside, never deleted, so
// that the run loads the inbox into a new one. The inbox holds every file
// the old warehouse read (files are never removed from it), so the new
// warehouse has the same forms, statuses and figures; what it does not have
// is the old runs' history (runs, metric_changes), which stays in the file
// kept aside. Before anything moves, every content the old warehouse read
// must still be in the inbox: a missing one is an error naming it (exit 2),
// since rebuilding would lose its data.
//
// It returns "" when there is nothing to rebuild (no warehouse yet, or one
// of the current version), else the path the old warehouse was kept at.
func rebuildAside(ctx context.Context, e *env, db, inboxDir string) (string, error) {
	if _, err := os.Stat(db); errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	inv, err := warehouse.Inspect(ctx, db)
	if err != nil {
		return "", err
	}
	if inv.Version == warehouse.SchemaVersion() {
		e.log.Info("warehouse is current: nothing to rebuild", "db", db, "schema", inv.Version)
		return "", nil
	}
	if !warehouse.Older(inv.Version) {
		return "", fmt.Errorf("rebuild: %s has schema %s, newer than this grassroots' %s: %w; use the grassroots that wrote it",
			db, inv.Version, warehouse.SchemaVersion(), warehouse.ErrIncompatible)
	}
	files, err := inbox.Scan(inboxDir, calendar.Shanghai, e.log)
	if err != nil {
		return "", err
	}
	have := map[string]bool{}
	for _, f := range files {
		sha, err := fileSHA(f.Abs)
		if err != nil {
			return "", err
		}
		have[sha] = true
	}
	var missing []string
	for sha, p := range inv.Files {
		if !have[sha] {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		shown := missing[:min(len(missing), 10)]
		return "", fmt.Errorf("rebuild: %s (schema %s) has read %d files that %s no longer holds, e.g. %s: restore them to the inbox first, or the new warehouse would lose their data",
			db, inv.Version, len(missing), inboxDir, strings.Join(shown, ", "))
	}
	kept := fmt.Sprintf("%s.schema%s-%s.bak", db, inv.Version, time.Now().In(calendar.Shanghai).Format("20060102-150405"))
	if err := os.Rename(db, kept); err != nil {
		return "", err
	}
	if _, err := os.Stat(db + ".wal"); err == nil {
		if err := os.Rename(db+".wal", kept+".wal"); err != nil {
			return "", err
		}
	}
	e.log.Info("old warehouse kept aside for the rebuild", "schema", inv.Version, "kept", kept, "files", len(inv.Files))
	return kept, nil
}

func fileSHA(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
