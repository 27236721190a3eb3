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
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// Level is a unit's place in the hierarchy, as written in the level column.
type Level string

// The levels the registry knows. Villages and communities are the reporting
// units: each sends one form per month.
const (
	LevelCity      Level = "city"
	LevelDistrict  Level = "district"
	LevelTownship  Level = "township"
	LevelVillage   Level = "village"
	LevelCommunity Level = "community"
)

func (l Level) known() bool {
	switch l {
	case LevelCity, LevelDistrict, LevelTownship, LevelVillage, LevelCommunity:
		return true
	}
	return false
}

// Unit is one row of the registry. ParentCode is "" for the top only.
type Unit struct {
	Code       string // 12-digit statistical division code, e.g. "450109100201"
	Name       string // e.g. "龙象社区"
	Level      Level
	ParentCode string
}

// Sentinel errors, matched with errors.Is on what Load and Parse return.
var (
	ErrBadHeader     = errors.New("header must name the columns code, name, level, parent_code")
	ErrBadRow        = errors.New("wrong number of fields")
	ErrBadCode       = errors.New("code is not 12 digits")
	ErrDuplicateCode = errors.New("code listed twice")
	ErrMissingName   = errors.New("name is empty")
	ErrBadLevel      = errors.New("level is not city, district, township, village or community")
	ErrUnknownParent = errors.New("parent_code is not a code of the registry")
	ErrCycle         = errors.New("parent chain loops back on itself")
	ErrNoTop         = errors.New("no unit without parent_code: the registry has no top")
	ErrManyTops      = errors.New("more than one unit without parent_code")
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
	units  []Unit // sorted by code
	byCode map[string]int
	top    int
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
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("registry %s: %w", path, err)
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if !utf8.Valid(data) {
		if data, err = simplifiedchinese.GB18030.NewDecoder().Bytes(data); err != nil {
			return nil, &Error{Path: path, Err: fmt.Errorf("neither UTF-8 nor GB18030: %w", err)}
		}
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true

	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{Path: path, Line: 1, Err: ErrBadHeader}
		}
		return nil, csvError(path, err)
	}
	col, ok := columns(header)
	if !ok {
		return nil, &Error{Path: path, Line: 1, Err: ErrBadHeader}
	}

	var (
		errs  []error
		units []Unit
		lines = map[string]int{} // code → line, for errors about a unit
	)
	fail := func(line int, err error) {
		if len(errs) < maxErrors {
			errs = append(errs, &Error{Path: path, Line: line, Err: err})
		}
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvError(path, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) < col.width {
			if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
				continue // a line of spaces
			}
			fail(line, ErrBadRow)
			continue
		}
		u := Unit{
			Code:       strings.TrimSpace(rec[col.code]),
			Name:       strings.TrimSpace(rec[col.name]),
			Level:      Level(strings.ToLower(strings.TrimSpace(rec[col.level]))),
			ParentCode: strings.TrimSpace(rec[col.parent]),
		}
		switch {
		case !isCode(u.Code):
			fail(line, fmt.Errorf("%w: %q", ErrBadCode, u.Code))
			continue
		case lines[u.Code] != 0:
			fail(line, fmt.Errorf("%w: %s (first on line %d)", ErrDuplicateCode, u.Code, lines[u.Code]))
			continue
		case u.Name == "":
			fail(line, fmt.Errorf("%w: %s", ErrMissingName, u.Code))
		case !u.Level.known():
			fail(line, fmt.Errorf("%w: %q", ErrBadLevel, string(u.Level)))
		case u.ParentCode != "" && !isCode(u.ParentCode):
			fail(line, fmt.Errorf("%w: parent_code %q", ErrBadCode, u.ParentCode))
		}
		lines[u.Code] = line
		units = append(units, u)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}

	// Parents, then the top, then cycles, in file order.
	var tops []Unit
	for _, u := range units {
		switch {
		case u.ParentCode == "":
			tops = append(tops, u)
		case lines[u.ParentCode] == 0:
			fail(lines[u.Code], fmt.Errorf("%w: %s", ErrUnknownParent, u.ParentCode))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	switch {
	case len(tops) == 0:
		return nil, &Error{Path: path, Err: ErrNoTop}
	case len(tops) > 1:
		for _, t := range tops[1:] {
			fail(lines[t.Code], fmt.Errorf("%w: %s %s (the first is %s on line %d)",
				ErrManyTops, t.Code, t.Name, tops[0].Code, lines[tops[0].Code]))
		}
		return nil, errors.Join(errs...)
	}

	// Sorted on a copy: units stays in file order for the cycle check below.
	reg := &Registry{units: slices.Clone(units), byCode: make(map[string]int, len(units))}
	slices.SortFunc(reg.units, func(a, b Unit) int { return strings.Compare(a.Code, b.Code) })
	for i, u := range reg.units {
		reg.byCode[u.Code] = i
	}
	reg.top = reg.byCode[tops[0].Code]

	// Every unit must reach the top; with one top and known parents, a unit
	// that does not is on or below a cycle.
	reaches := make([]int8, len(reg.units)) // 0 unknown, 1 reaches the top, 2 being walked
	reaches[reg.top] = 1
	for _, u := range units { // file order, so the cycle is named by its first line
		var path []int
		i := reg.byCode[u.Code]
		for reaches[i] == 0 {
			reaches[i] = 2
			path = append(path, i)
			i = reg.byCode[reg.units[i].ParentCode]
		}
		if reaches[i] == 2 {
			fail(lines[u.Code], fmt.Errorf("%w: %s → … → %s", ErrCycle, u.Code, reg.units[i].Code))
			for _, j := range path {
				reaches[j] = 3 // reported: never again
			}
			continue
		}
		for _, j := range path {
			reaches[j] = reaches[i]
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return reg, nil
}

type columnIndex struct{ code, name, level, parent, width int }

// columns finds the four columns by name in any order.
func columns(header []string) (columnIndex, bool) {
	c := columnIndex{code: -1, name: -1, level: -1, parent: -1}
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

// Units returns all units, sorted by code. The slice is a copy.
func (r *Registry) Units() []Unit { return slices.Clone(r.units) }

// Unit returns the unit with the code, and whether there is one.
func (r *Registry) Unit(code string) (Unit, bool) {
	i, ok := r.byCode[code]
	if !ok {
		return Unit{}, false
	}
	return r.units[i], true
}

// Top returns the one unit without a parent (normally the city).
func (r *Registry) Top() Unit { return r.units[r.top] }

// IsReporting reports whether code is a village or community of the
// registry: a unit that is expected to send a form every month.
func (r *Registry) IsReporting(code string) bool {
	u, ok := r.Unit(code)
	return ok && (u.Level == LevelVillage || u.Level == LevelCommunity)
}

// Ancestors returns the units above code, its parent first and the top
// last; nil for the top or an unknown code.
func (r *Registry) Ancestors(code string) []Unit {
	u, ok := r.Unit(code)
	if !ok {
		return nil
	}
	var out []Unit
	for u.ParentCode != "" {
		u = r.units[r.byCode[u.ParentCode]]
		out = append(out, u)
	}
	return out
}
