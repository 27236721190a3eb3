package report

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"maps"
	"math"
	"slices"

	"grassroots/pipeline/internal/parallel"
)

// A township workbook is a function of what summaryData holds of its units
// (the township, its villages and parks), of the month and of the metric
// catalog and rules. Its inputs digest (scopeInputs) hashes exactly those,
// so that a township whose inputs did not change since the workbook was
// written is left alone without its sheets being built: on a night that
// changes 1% of 10,000 villages, building and hashing the sheets of the 730
// townships that did not change took a quarter of a second of CPU, and the
// townships were the report stage's last work.
//
// What the inputs cannot show is a change of the layout itself (a new
// release builds the same inputs into other sheets). The content digest of
// townships/manifest.json still covers it: each run builds the sheets of a
// few townships whose inputs did not change (layoutCanaries) and compares
// their content digests with the manifest's; when one differs, every
// township is built and compared by content, as before there were inputs.
// townshipFormat still marks what neither digest sees (a number format).

// inputsVersion is part of every inputs digest: bump it when the encoding
// below changes.
const inputsVersion = 1

// prepareInputs computes each unit's inputs digest (unitInputs), on up to
// workers goroutines.
func (d *summaryData) prepareInputs(ctx context.Context, workers int) error {
	sums := make([][sha256.Size]byte, len(d.units))
	const chunk = 256
	err := parallel.Each(ctx, workers, (len(d.units)+chunk-1)/chunk, func(c int) error {
		buf := make([]byte, 0, 4096)
		for i := c * chunk; i < min((c+1)*chunk, len(d.units)); i++ {
			sums[i] = d.unitInputs(&buf, d.units[i])
		}
		return nil
	})
	if err != nil {
		return err
	}
	d.inputs = make(map[string][sha256.Size]byte, len(d.units))
	for i, u := range d.units {
		d.inputs[u.code] = sums[i]
	}
	return nil
}

// unitInputs hashes everything summaryData holds of u: its place, its
// figures of the month, their flags, its reporting status, and its figures
// of the trend's months.
func (d *summaryData) unitInputs(buf *[]byte, u *unitInfo) [sha256.Size]byte {
	dg := digesterOn(buf)
	for _, s := range []string{u.code, u.name, u.level, u.parent, u.township, u.townshipName, u.district, u.districtName} {
		dg.str(s)
	}
	cur, ok := d.cur[u.code]
	dg.bool(ok)
	dg.figures(cur)
	flags := d.flags[u.code]
	dg.int(len(flags))
	for _, m := range slices.Sorted(maps.Keys(flags)) {
		dg.str(m)
		dg.bool(flags[m].small)
		dg.str(flags[m].anomaly)
	}
	st, ok := d.status[u.code]
	dg.bool(ok)
	dg.str(st.status)
	dg.nullTime(st.receivedAt)
	dg.nullTime(st.deadline)
	dg.bool(st.onTime.Valid)
	dg.bool(st.onTime.Bool)
	for _, s := range []sql.NullString{st.path, st.reason, st.filledBy, st.phone} {
		dg.bool(s.Valid)
		dg.str(s.String)
	}
	dg.int(int(st.files))
	for _, month := range append([]string{d.prev}, d.months...) {
		fs, ok := d.trend[month][u.code]
		dg.str(month)
		dg.bool(ok)
		dg.figures(fs)
	}
	return sha256.Sum256(*buf)
}

// inputsBase hashes what every workbook's sheets depend on besides its
// units: the month, the trend's months, the catalog and the rules.
func (d *summaryData) inputsBase() []byte {
	dg := newDigester()
	dg.int(inputsVersion)
	dg.int(townshipFormat)
	dg.str(d.period)
	dg.str(d.prev)
	dg.int(len(d.months))
	for _, m := range d.months {
		dg.str(m)
	}
	dg.int(len(d.metrics))
	for _, m := range d.metrics {
		dg.int(m.ord)
		for _, s := range []string{m.name, m.kind, m.title, m.family} {
			dg.str(s)
		}
		dg.bool(m.rule != nil)
		if m.rule != nil {
			dg.rule(*m.rule)
		}
	}
	dg.int(len(d.rules))
	for _, r := range d.rules {
		dg.rule(r.rule)
		dg.str(r.label)
		dg.bool(r.coverage)
		dg.int(len(r.members))
		for _, i := range r.members {
			dg.int(i)
		}
	}
	return *dg.b
}

// scopeInputs is the inputs digest of the workbook of scope sc: base
// (inputsBase), the scope's units in the order of each of its lists, and
// each unit's inputs (prepareInputs).
func (d *summaryData) scopeInputs(base []byte, sc scope) string {
	dg := newDigester()
	*dg.b = append(*dg.b, base...)
	dg.bool(sc.summary)
	dg.str(sc.chartBy)
	for _, list := range [][]*unitInfo{{sc.head}, sc.chartUnits, sc.townships, sc.villages, sc.parks} {
		dg.int(len(list))
		for _, u := range list {
			dg.str(u.code)
			sum := d.inputs[u.code]
			*dg.b = append(*dg.b, sum[:]...)
		}
	}
	sum := sha256.Sum256(*dg.b)
	return hex.EncodeToString(sum[:])
}

func (d digester) bool(b bool) {
	if b {
		*d.b = append(*d.b, 'T')
	} else {
		*d.b = append(*d.b, 'F')
	}
}

// figures hashes fs with each value's bits: fixed width, so unambiguous.
func (d digester) figures(fs []figure) {
	d.int(len(fs))
	for _, f := range fs {
		for _, v := range []sql.NullFloat64{f.num, f.den, f.val} {
			d.bool(v.Valid)
			*d.b = binary.LittleEndian.AppendUint64(*d.b, math.Float64bits(v.Float64))
		}
	}
}

func (d digester) nullTime(t sql.NullTime) {
	d.bool(t.Valid)
	*d.b = binary.LittleEndian.AppendUint64(*d.b, uint64(t.Time.UnixNano()))
	d.str(t.Time.Location().String())
}

func (d digester) rule(r rule) {
	*d.b = binary.LittleEndian.AppendUint64(*d.b, math.Float64bits(r.threshold))
	d.bool(r.above)
}
