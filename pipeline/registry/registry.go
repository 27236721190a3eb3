// Package registry reads the analysts' list of administrative units (名册,
// docs/form.md) and gives the hierarchy city → district → township →
// village/community. It is the only source of the hierarchy: the warehouse
// asks it which units report and what lies above them.
//
// The entry point is Load (or Parse). A registry that breaks a rule is an
// error naming the file and line, never a partial Registry.
package registry

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"grassroots/pipeline/form"
)

// Level is a unit's place in the hierarchy, as written in the level column.
type Level string

// The levels the registry knows. Villages, communities and parks (a
// development zone's park party committees, registered under the zone as a
// district-level unit or under a township) are the reporting units: each
// sends one form per month, a park the park form.
const (
	LevelProvince  Level = "province"
	LevelCity      Level = "city"
	LevelDistrict  Level = "district"
	LevelTownship  Level = "township"
	LevelVillage   Level = "village"
	LevelCommunity Level = "community"
	LevelPark      Level = "park"
)

func (l Level) known() bool {
	switch l {
	case LevelProvince, LevelCity, LevelDistrict, LevelTownship, LevelVillage, LevelCommunity, LevelPark:
		return true
	}
	return false
}

// Unit is one row of the registry. ParentCode is "" for the top only. A
// code has several rows when the unit changed parent (or name, or level)
// over time: each row holds for the months ValidFrom to ValidTo ("YYYY-MM";
// "" for always, or still valid), and the rows of one code never overlap.
type Unit struct {
	Code       string // 12-digit statistical division code, e.g. "450109100201"
	Name       string // e.g. "龙象社区"
	Level      Level
	ParentCode string
	ValidFrom  string // first month of the row, "" for always
	ValidTo    string // last month of the row, "" for still valid
	// SuccessorCode is the unit that took over a unit whose row ends (a
	// merged village's new village), "" for none.
	SuccessorCode string
}

// ValidIn reports whether the row holds in month period ("YYYY-MM").
func (u Unit) ValidIn(period string) bool {
	return (u.ValidFrom == "" || u.ValidFrom <= period) && (u.ValidTo == "" || period <= u.ValidTo)
}

// from and to are the row's months with "" replaced by sentinels that sort
// before and after every month.
func (u Unit) from() string {
	if u.ValidFrom == "" {
		return minMonth
	}
	return u.ValidFrom
}

func (u Unit) to() string {
	if u.ValidTo == "" {
		return maxMonth
	}
	return u.ValidTo
}

const (
	minMonth = "0000-00"
	maxMonth = "9999-99"
)

// overlaps reports whether two rows share a month.
func overlaps(a, b Unit) bool { return a.from() <= b.to() && b.from() <= a.to() }

// IsReporting reports whether the row is a village, community or park.
func (u Unit) IsReporting() bool {
	return u.Level == LevelVillage || u.Level == LevelCommunity || u.Level == LevelPark
}

// Sentinel errors, matched with errors.Is on what Load and Parse return.
var (
	ErrBadHeader     = errors.New("header must name the columns code, name, level, parent_code")
	ErrBadRow        = errors.New("wrong number of fields")
	ErrBadCode       = errors.New("code is not 12 digits")
	ErrDuplicateCode = errors.New("code listed twice")
	ErrMissingName   = errors.New("name is empty")
	ErrBadLevel      = errors.New("level is not province, city, district, township, village, community or park")
	ErrUnknownParent = errors.New("parent_code is not a code of the registry")
	ErrCycle         = errors.New("parent chain loops back on itself")
	ErrNoTop         = errors.New("no unit without parent_code: the registry has no top")
	ErrManyTops      = errors.New("more than one unit without parent_code")

	// The hierarchy through time (docs/form.md): valid_from, valid_to and
	// successor_code.
	ErrBadMonth         = errors.New("valid_from or valid_to is not a month (YYYY-MM, YYYY-M, YYYY/MM, YYYYMM or a date)")
	ErrEndBeforeStart   = errors.New("valid_to is before valid_from")
	ErrOverlap          = errors.New("rows of one code overlap in time")
	ErrParentNotValid   = errors.New("parent is not valid in every month of its child")
	ErrUnknownSuccessor = errors.New("successor_code is not a code of the registry")
	ErrSuccessorNoEnd   = errors.New("successor_code on a row without valid_to")
	ErrSuccessorCycle   = errors.New("successor chain loops back on itself")
)

// Error is a registry that breaks a rule. Line is the 1-based line of the
// CSV file (0 when the problem is the file as a whole, such as no top).
type Error struct {
	Path string
	Line int
	Err  error
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("registry %s:%d: %v", e.Path, e.Line, e.Err)
	}
	return fmt.Sprintf("registry %s: %v", e.Path, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// maxErrors bounds how many problems one bad registry reports.
const maxErrors = 20

// Registry is a validated registry. The zero value is not usable: get one
// from Load or Parse.
type Registry struct {
	units  []Unit           // sorted by code, then valid_from
	byCode map[string][]int // code → its rows in units, oldest first
	top    int
	dated  bool // the file has valid_from, valid_to or successor_code
}

// Load reads and validates the registry CSV at path.
func Load(path string) (*Registry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("registry: %w", err)
	}
	defer f.Close()
	return Parse(f, path)
}

// Parse reads and validates a registry CSV from r; path only names the file
// in errors. The text may be UTF-8 (with or without a BOM) or GB18030, as
// WPS saves it: anything that is not valid UTF-8 is decoded as GB18030.
func Parse(r io.Reader, path string) (*Registry, error) {
	cr, col, err := openCSV(r, path)
	if err != nil {
		return nil, err
	}
	p := &parser{path: path, rows: map[string][]int{}}
	if err := p.readRows(cr, col); err != nil {
		return nil, err
	}
	// Each check runs only on what the ones before accepted: rows, then
	// parents and successors, the top, cycles, and the parents' months.
	for _, check := range []func() error{p.checkLinks, p.checkTops, p.checkCycles, p.checkParentsValid} {
		if err := check(); err != nil {
			return nil, err
		}
		if len(p.errs) > 0 {
			return nil, errors.Join(p.errs...)
		}
	}
	return p.registry(col.dated()), nil
}

// openCSV decodes the file (UTF-8 with or without a BOM, else GB18030) and
// reads its header.
func openCSV(r io.Reader, path string) (*csv.Reader, columnIndex, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, columnIndex{}, fmt.Errorf("registry %s: %w", path, err)
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if !utf8.Valid(data) {
		if data, err = simplifiedchinese.GB18030.NewDecoder().Bytes(data); err != nil {
			return nil, columnIndex{}, &Error{Path: path, Err: fmt.Errorf("neither UTF-8 nor GB18030: %w", err)}
		}
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, columnIndex{}, &Error{Path: path, Line: 1, Err: ErrBadHeader}
		}
		return nil, columnIndex{}, csvError(path, err)
	}
	col, ok := columns(header)
	if !ok {
		return nil, columnIndex{}, &Error{Path: path, Line: 1, Err: ErrBadHeader}
	}
	return cr, col, nil
}

// parser holds the rows read so far and the problems found, at most
// maxErrors of them.
type parser struct {
	path  string
	errs  []error
	units []Unit
	lines []int            // per row of units, its line
	rows  map[string][]int // code → its rows in units, file order
	tops  []int            // the rows without a parent
}

func (p *parser) fail(line int, err error) {
	if len(p.errs) < maxErrors {
		p.errs = append(p.errs, &Error{Path: p.path, Line: line, Err: err})
	}
}

// readRows reads every data line into a unit, reporting each line's own
// problems; a CSV syntax error ends the read.
func (p *parser) readRows(cr *csv.Reader, col columnIndex) error {
	field := func(rec []string, i int) string {
		if i < 0 {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return csvError(p.path, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) < col.width {
			if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
				continue // a line of spaces
			}
			p.fail(line, ErrBadRow)
			continue
		}
		u := Unit{
			Code:          field(rec, col.code),
			Name:          field(rec, col.name),
			Level:         Level(strings.ToLower(field(rec, col.level))),
			ParentCode:    field(rec, col.parent),
			SuccessorCode: field(rec, col.successor),
		}
		from, okFrom := month(field(rec, col.from))
		to, okTo := month(field(rec, col.to))
		u.ValidFrom, u.ValidTo = from, to
		switch {
		case !isCode(u.Code):
			p.fail(line, fmt.Errorf("%w: %q", ErrBadCode, u.Code))
			continue
		case !okFrom:
			p.fail(line, fmt.Errorf("%w: valid_from %q", ErrBadMonth, field(rec, col.from)))
			continue
		case !okTo:
			p.fail(line, fmt.Errorf("%w: valid_to %q", ErrBadMonth, field(rec, col.to)))
			continue
		case from != "" && to != "" && to < from:
			p.fail(line, fmt.Errorf("%w: %s to %s", ErrEndBeforeStart, from, to))
			continue
		}
		if p.overlapping(u, line) {
			continue
		}
		p.checkFields(u, line)
		p.rows[u.Code] = append(p.rows[u.Code], len(p.units))
		p.lines = append(p.lines, line)
		p.units = append(p.units, u)
	}
	if len(p.errs) > 0 {
		return errors.Join(p.errs...)
	}
	return nil
}

// overlapping reports (and fails) a row whose months overlap an earlier row
// of its code: a code listed twice without months, or overlapping months.
func (p *parser) overlapping(u Unit, line int) bool {
	prev := overlapping(p.units, p.rows[u.Code], u)
	if prev < 0 {
		return false
	}
	if !dated(p.units[prev]) && !dated(u) {
		p.fail(line, fmt.Errorf("%w: %s (first on line %d)", ErrDuplicateCode, u.Code, p.lines[prev]))
	} else {
		p.fail(line, fmt.Errorf("%w: %s %s–%s and line %d's %s–%s", ErrOverlap, u.Code,
			span(u.ValidFrom, "…"), span(u.ValidTo, "…"), p.lines[prev],
			span(p.units[prev].ValidFrom, "…"), span(p.units[prev].ValidTo, "…")))
	}
	return true
}

// checkFields reports the first problem of a row's own fields.
func (p *parser) checkFields(u Unit, line int) {
	switch {
	case u.Name == "":
		p.fail(line, fmt.Errorf("%w: %s", ErrMissingName, u.Code))
	case !u.Level.known():
		p.fail(line, fmt.Errorf("%w: %q", ErrBadLevel, string(u.Level)))
	case u.ParentCode != "" && !isCode(u.ParentCode):
		p.fail(line, fmt.Errorf("%w: parent_code %q", ErrBadCode, u.ParentCode))
	case u.SuccessorCode != "" && !isCode(u.SuccessorCode):
		p.fail(line, fmt.Errorf("%w: successor_code %q", ErrBadCode, u.SuccessorCode))
	case u.SuccessorCode != "" && u.ValidTo == "":
		p.fail(line, fmt.Errorf("%w: %s", ErrSuccessorNoEnd, u.SuccessorCode))
	}
}

// checkLinks: every parent and successor is a code of the registry, in file
// order; the rows without a parent are the tops.
func (p *parser) checkLinks() error {
	for i, u := range p.units {
		switch {
		case u.ParentCode == "":
			p.tops = append(p.tops, i)
		case p.rows[u.ParentCode] == nil:
			p.fail(p.lines[i], fmt.Errorf("%w: %s", ErrUnknownParent, u.ParentCode))
		}
		if u.SuccessorCode != "" && p.rows[u.SuccessorCode] == nil {
			p.fail(p.lines[i], fmt.Errorf("%w: %s", ErrUnknownSuccessor, u.SuccessorCode))
		}
	}
	return nil
}

// checkTops: a top exists, and no two are valid in one month (with no
// dates: there is one top at all).
func (p *parser) checkTops() error {
	if len(p.tops) == 0 {
		return &Error{Path: p.path, Err: ErrNoTop}
	}
	for k, i := range p.tops {
		for _, j := range p.tops[:k] {
			if overlaps(p.units[i], p.units[j]) {
				t, first := p.units[i], p.units[j]
				p.fail(p.lines[i], fmt.Errorf("%w: %s %s (the first is %s on line %d)",
					ErrManyTops, t.Code, t.Name, first.Code, p.lines[j]))
				break
			}
		}
	}
	return nil
}

// checkCycles: on the codes, a code's parents being the parents of all its
// rows, so that a chain that loops in any months loops here; walked in
// file order, so that a cycle is named by its first line. Then the same
// for successors.
func (p *parser) checkCycles() error {
	if cycles(p.units, p.lines, p.rows, func(u Unit) string { return u.ParentCode }, ErrCycle, p.fail) {
		return nil
	}
	cycles(p.units, p.lines, p.rows, func(u Unit) string { return u.SuccessorCode }, ErrSuccessorCycle, p.fail)
	return nil
}

// checkParentsValid: a child's months are covered by its parent's rows.
// With one top per month, known parents and no cycles, every month of a row
// then has a chain up to the top of that month.
func (p *parser) checkParentsValid() error {
	for i, u := range p.units {
		if u.ParentCode == "" {
			continue
		}
		if gap, ok := covered(p.units, p.rows[u.ParentCode], u.from(), u.to()); !ok {
			if gap == minMonth {
				gap = "the months before its first row"
			}
			p.fail(p.lines[i], fmt.Errorf("%w: %s is not valid in %s", ErrParentNotValid, u.ParentCode, gap))
		}
	}
	return nil
}

// registry builds the Registry of the rows read: sorted by code and month,
// its top the top of the latest months.
func (p *parser) registry(dated bool) *Registry {
	units := p.units
	reg := &Registry{units: slices.Clone(units), byCode: make(map[string][]int, len(p.rows)), dated: dated}
	slices.SortStableFunc(reg.units, func(a, b Unit) int {
		if c := strings.Compare(a.Code, b.Code); c != 0 {
			return c
		}
		return strings.Compare(a.from(), b.from())
	})
	for i, u := range reg.units {
		reg.byCode[u.Code] = append(reg.byCode[u.Code], i)
	}
	top := p.tops[0]
	for _, i := range p.tops[1:] {
		if units[i].from() > units[top].from() {
			top = i
		}
	}
	for _, i := range reg.byCode[units[top].Code] {
		if reg.units[i] == units[top] {
			reg.top = i
		}
	}
	return reg
}

// dated reports whether a row has a valid_from or valid_to.
func dated(u Unit) bool { return u.ValidFrom != "" || u.ValidTo != "" }

// overlapping returns the first of rows (indexes into units) that shares a
// month with u, or -1.
func overlapping(units []Unit, rows []int, u Unit) int {
	for _, i := range rows {
		if overlaps(units[i], u) {
			return i
		}
	}
	return -1
}

// covered reports whether the rows (of one code) hold in every month from
// from to to; when not, it returns the first month that is not covered.
func covered(units []Unit, rows []int, from, to string) (string, bool) {
	spans := make([]Unit, 0, len(rows))
	for _, i := range rows {
		spans = append(spans, units[i])
	}
	slices.SortFunc(spans, func(a, b Unit) int { return strings.Compare(a.from(), b.from()) })
	at := from // the first month not yet known covered
	for _, s := range spans {
		if s.to() < at {
			continue
		}
		if s.from() > at {
			return at, false
		}
		if s.to() >= to {
			return "", true
		}
		at = nextMonth(s.to())
	}
	return at, false
}

// nextMonth is the month after m ("YYYY-MM").
func nextMonth(m string) string {
	t, err := time.Parse("2006-01", m)
	if err != nil {
		return maxMonth
	}
	return t.AddDate(0, 1, 0).Format("2006-01")
}

// cycles reports (through fail) every code whose chain of next codes loops,
// walking in file order; it returns true when it found one.
func cycles(units []Unit, lines []int, rows map[string][]int, next func(Unit) string, sentinel error, fail func(int, error)) bool {
	state := map[string]int8{} // 0 unknown, 1 ends, 2 being walked, 3 reported
	found := false
	var walk func(code string) (loop string, ok bool)
	walk = func(code string) (string, bool) {
		switch state[code] {
		case 1, 3:
			return "", true
		case 2:
			return code, false
		}
		state[code] = 2
		for _, i := range rows[code] {
			if n := next(units[i]); n != "" {
				if loop, ok := walk(n); !ok {
					return loop, false
				}
			}
		}
		state[code] = 1
		return "", true
	}
	for i, u := range units {
		if state[u.Code] != 0 {
			continue
		}
		if loop, ok := walk(u.Code); !ok {
			fail(lines[i], fmt.Errorf("%w: %s → … → %s", sentinel, u.Code, loop))
			found = true
			for c, s := range state {
				if s == 2 {
					state[c] = 3 // reported: never again
				}
			}
		}
	}
	return found
}

// span shows a month of a row, or what "" stands for.
func span(m, empty string) string {
	if m == "" {
		return empty
	}
	return m
}

// month reads valid_from or valid_to as "YYYY-MM" in the cover's period
// spellings; "" stays "" (always, or still valid).
func month(s string) (string, bool) {
	if s == "" {
		return "", true
	}
	p, problem := form.ParsePeriod(form.Cell{Value: s, Kind: form.KindText})
	return p, problem == form.PeriodOK
}

type columnIndex struct{ code, name, level, parent, from, to, successor, width int }

func (c columnIndex) dated() bool { return c.from >= 0 || c.to >= 0 || c.successor >= 0 }

// columns finds the four required columns and the three optional ones by
// name in any order.
func columns(header []string) (columnIndex, bool) {
	c := columnIndex{code: -1, name: -1, level: -1, parent: -1, from: -1, to: -1, successor: -1}
	for i, h := range header {
		switch strings.ToLower(strings.TrimSpace(h)) {
		case "code":
			c.code = i
		case "name":
			c.name = i
		case "level":
			c.level = i
		case "parent_code":
			c.parent = i
		case "valid_from":
			c.from = i
		case "valid_to":
			c.to = i
		case "successor_code":
			c.successor = i
		}
	}
	c.width = max(c.code, c.name, c.level, c.parent) + 1
	return c, c.code >= 0 && c.name >= 0 && c.level >= 0 && c.parent >= 0
}

func csvError(path string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &Error{Path: path, Line: pe.StartLine, Err: pe.Err}
	}
	return &Error{Path: path, Err: err}
}

func isCode(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Units returns every row, sorted by code and, within a code, by month. The
// slice is a copy.
func (r *Registry) Units() []Unit { return slices.Clone(r.units) }

// Dated reports whether the file had any of the optional columns
// valid_from, valid_to and successor_code.
func (r *Registry) Dated() bool { return r.dated }

// Unit returns the latest row of the code, and whether there is one.
func (r *Registry) Unit(code string) (Unit, bool) {
	rows := r.byCode[code]
	if len(rows) == 0 {
		return Unit{}, false
	}
	return r.units[rows[len(rows)-1]], true
}

// UnitAt returns the row of the code valid in period ("YYYY-MM"), and
// whether there is one.
func (r *Registry) UnitAt(code, period string) (Unit, bool) {
	for _, i := range r.byCode[code] {
		if r.units[i].ValidIn(period) {
			return r.units[i], true
		}
	}
	return Unit{}, false
}

// Top returns the unit without a parent (normally the city): the row of the
// latest months when the top changed.
func (r *Registry) Top() Unit { return r.units[r.top] }

// IsReporting reports whether code is a village or community of the
// registry (in any of its rows): a unit that is expected to send a form
// every month in which it is valid.
func (r *Registry) IsReporting(code string) bool {
	for _, i := range r.byCode[code] {
		if r.units[i].IsReporting() {
			return true
		}
	}
	return false
}

// IsReportingAt reports whether code is a village or community valid in
// period: a form of that unit and month is not unit_inactive.
func (r *Registry) IsReportingAt(code, period string) bool {
	u, ok := r.UnitAt(code, period)
	return ok && u.IsReporting()
}

// Ancestors returns the units above code's latest row, its parent first and
// the top last; nil for the top or an unknown code.
func (r *Registry) Ancestors(code string) []Unit {
	u, ok := r.Unit(code)
	if !ok {
		return nil
	}
	return r.ancestors(u, func(code string) (Unit, bool) { return r.Unit(code) })
}

// AncestorsAt returns the units above code in the hierarchy of period.
func (r *Registry) AncestorsAt(code, period string) []Unit {
	u, ok := r.UnitAt(code, period)
	if !ok {
		return nil
	}
	return r.ancestors(u, func(code string) (Unit, bool) { return r.UnitAt(code, period) })
}

func (r *Registry) ancestors(u Unit, get func(string) (Unit, bool)) []Unit {
	var out []Unit
	for u.ParentCode != "" {
		p, ok := get(u.ParentCode)
		if !ok {
			break
		}
		u = p
		out = append(out, u)
	}
	return out
}
