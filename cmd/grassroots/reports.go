package main

import (
	"context"
	"fmt"
	"time"

	"grassroots/pipeline/nightly"
	"grassroots/pipeline/report"
	"grassroots/pipeline/warehouse"
)

// writeReports is the batch's last stage: the workbooks for officials and
// villages, from the committed warehouse.
func writeReports(out, period, inboxDir string, e *env) func(context.Context, *warehouse.Warehouse, *nightly.Summary) error {
	return func(ctx context.Context, w *warehouse.Warehouse, s *nightly.Summary) error {
		res, err := report.Write(ctx, w.DB(), report.Options{
			OutDir: out, Period: period, Now: time.Now(), InboxDir: inboxDir, Log: e.log,
		})
		if err != nil {
			// The warehouse already holds this run: the next run reads no
			// form again and only writes the workbooks.
			return fmt.Errorf("writing workbooks to %s: %w (the warehouse holds this run; make --out a writable folder with free space and run again)", out, err)
		}
		if res.Summary == "" {
			e.log.Warn("no month to summarize: no accepted form yet")
		}
		s.Workbooks = len(res.Townships) + len(res.Feedback) + len(res.Annotated)
		s.FeedbackUnchanged, s.FeedbackRemoved = len(res.Unchanged), len(res.Removed)
		s.TownshipsUnchanged = len(res.TownshipsUnchanged)
		if res.Summary != "" {
			s.Workbooks++
		}
		s.SummaryFile, s.Period = res.Summary, res.Period
		return nil
	}
}
