package report

import (
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
)

// townshipFormat is part of every township workbook's digest. Bump it
// whenever the layout of the summary's and townships' workbooks changes in
// a way that the digest's inputs (the sheets as built, with their style ids,
// widths and charts) do not show, such as a style's number format or the
// page setup: every township workbook is then written again once.
const townshipFormat = 2

// townshipManifestVersion is the version of townships/manifest.json's own
// format; a manifest of another version is ignored (every township workbook
// is written again, none removed).
const townshipManifestVersion = 1

// townshipManifest is townships/manifest.json: for every township workbook
// that a run wrote or kept, its month and a digest of what it shows, so that
// the next run writes only those whose content changed and removes those of
// the same month that it no longer produces. Files it does not list are
// never removed.
type townshipManifest struct {
	Version   int                      `json:"version"`
	Townships map[string]townshipEntry `json:"townships"` // file name → entry
}

type townshipEntry struct {
	Period string `json:"period"` // YYYY-MM, the month the workbook is of
	Digest string `json:"digest"` // of its content (summaryDigest)
	// Inputs is the digest of what it was built from (scopeInputs); ""
	// in a manifest written before there were inputs.
	Inputs string `json:"inputs,omitempty"`
}

// townshipPlan is what writeSummaries leaves to do once the staged
// workbooks are in place: remove this month's township workbooks of earlier
// runs that no longer apply, then record the new manifest.
type townshipPlan struct {
	dir, period string
	old         *townshipManifest
	oldData     []byte          // the manifest file as read, to skip an unchanged one
	have        map[string]bool // the folder's files before this run
	manifest    *townshipManifest
	remove      []string // paths
}

// planTownships reads dir's manifest and lists its files. A missing or
// unreadable manifest (logged) lists nothing: every workbook is written and
// none removed. mkdir makes dir when missing.
func planTownships(dir, period string, mkdir bool, log *slog.Logger) (*townshipPlan, error) {
	p := &townshipPlan{dir: dir, period: period, have: map[string]bool{},
		old:      &townshipManifest{Version: townshipManifestVersion, Townships: map[string]townshipEntry{}},
		manifest: &townshipManifest{Version: townshipManifestVersion, Townships: map[string]townshipEntry{}}}
	if mkdir {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
	}
	data, err := readManifestFile(dir)
	if err != nil {
		return nil, err
	}
	p.oldData = data
	if data != nil {
		var old townshipManifest
		if err := json.Unmarshal(data, &old); err != nil || old.Version != townshipManifestVersion || old.Townships == nil {
			log.Warn("township manifest unreadable: every township workbook is written again",
				"file", filepath.Join(dir, manifestName), "err", err, "version", old.Version)
		} else {
			p.old = &old
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	for _, e := range entries {
		if e.Type().IsRegular() {
			p.have[e.Name()] = true
		}
	}
	return p, nil
}

// unchanged: the last run left name, of this month, with this digest, and
// it is still there. Safe for concurrent use.
func (p *townshipPlan) unchanged(name, digest string) bool {
	e, ok := p.old.Townships[name]
	return ok && e.Period == p.period && e.Digest == digest && p.have[name]
}

// sameInputs: the last run left name, of this month, built from these
// inputs, and it is still there; e is its entry. Safe for concurrent use.
func (p *townshipPlan) sameInputs(name, inputs string) (e townshipEntry, ok bool) {
	e, ok = p.old.Townships[name]
	return e, ok && e.Period == p.period && e.Inputs != "" && e.Inputs == inputs && p.have[name]
}

// produce records a township workbook of this run, written or kept, in the
// manifest and in res.
func (p *townshipPlan) produce(name, digest, inputs string, written bool, res *Result) {
	p.manifest.Townships[name] = townshipEntry{Period: p.period, Digest: digest, Inputs: inputs}
	path := filepath.Join(p.dir, name)
	if written {
		res.Townships = append(res.Townships, path)
	} else {
		res.TownshipsUnchanged = append(res.TownshipsUnchanged, path)
	}
}

// planRemovals, once every workbook of this run is produced, plans the
// removal of this month's workbooks the old manifest lists and this run
// does not produce, and keeps listing the other months' workbooks that are
// still there: they are the history officials keep, never removed.
func (p *townshipPlan) planRemovals() {
	for _, name := range slices.Sorted(maps.Keys(p.old.Townships)) {
		e := p.old.Townships[name]
		if _, ok := p.manifest.Townships[name]; ok || !p.have[name] {
			continue
		}
		if e.Period == p.period {
			p.remove = append(p.remove, filepath.Join(p.dir, name))
		} else {
			p.manifest.Townships[name] = e
		}
	}
}

// finish removes the workbooks that no longer apply, then records the
// manifest: a crash in between leaves them listed in the old manifest, and
// the next run removes them.
func (p *townshipPlan) finish(res *Result) error {
	if p == nil {
		return nil
	}
	for _, f := range p.remove {
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		res.TownshipsRemoved = append(res.TownshipsRemoved, f)
	}
	if len(p.manifest.Townships) == 0 && p.oldData == nil {
		return nil // nothing written, nothing written before
	}
	data, err := json.MarshalIndent(p.manifest, "", "\t")
	if err != nil {
		return err
	}
	return writeManifest(p.dir, data, p.oldData)
}
