package report

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	duckdb "github.com/duckdb/duckdb-go/v2"

	"grassroots/pipeline/internal/arrowcol"
	"grassroots/queries"
)

// arrowQuery runs queries/<name>.sql and calls scan for each batch of rows,
// as Arrow columns: for the summary's figures, a quarter of a million rows
// of 10,000 villages, which database/sql hands over one value at a time
// (two thirds of the query's time). The batch's memory is DuckDB's, freed
// after scan returns: a string kept from it must be cloned.
func arrowQuery(ctx context.Context, src source, name string, scan func(arrow.RecordBatch) error, args ...any) error {
	conn, release, err := src.borrow(ctx)
	if err != nil {
		return fmt.Errorf("queries/%s.sql: %w", name, err)
	}
	defer release()
	err = conn.Raw(func(dc any) error {
		dconn, ok := dc.(driver.Conn)
		if !ok {
			return fmt.Errorf("not a driver connection: %T", dc)
		}
		ar, err := duckdb.NewArrowFromConn(dconn)
		if err != nil {
			return err
		}
		rdr, err := ar.QueryContext(ctx, queries.SQL(name), args...)
		if err != nil {
			return err
		}
		return arrowcol.Read(rdr, scan)
	})
	if err != nil {
		return fmt.Errorf("queries/%s.sql: %w", name, err)
	}
	return nil
}

// scanFigures reads rows of (…, unit, ord, numerator, denominator, value)
// from column at on into m(row) (unit → figures), idx mapping a catalog ord
// to its index in d.metrics.
func (d *summaryData) scanFigures(rec arrow.RecordBatch, at int, idx map[int]int, m func(row int) map[string][]figure) error {
	unit, err := arrowcol.String(rec, at)
	if err != nil {
		return err
	}
	ord, err := arrowcol.Int(rec, at+1)
	if err != nil {
		return err
	}
	num, err := arrowcol.Float(rec, at+2)
	if err != nil {
		return err
	}
	den, err := arrowcol.Float(rec, at+3)
	if err != nil {
		return err
	}
	val, err := arrowcol.Float(rec, at+4)
	if err != nil {
		return err
	}
	for r := range int(rec.NumRows()) {
		i, ok := idx[ord(r)]
		if !ok {
			continue
		}
		into, u := m(r), unit(r)
		fs, ok := into[u]
		if !ok {
			fs = make([]figure, len(d.metrics))
			into[strings.Clone(u)] = fs // u is the batch's memory
		}
		fs[i] = figure{num: num(r), den: den(r), val: val(r)}
	}
	return nil
}
