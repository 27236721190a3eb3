package definitions

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
)

//go:embed metrics.toml
var defaultMetrics []byte

// DefaultMetricsFile is how errors and logs name the built-in metrics.
const DefaultMetricsFile = "definitions/metrics.toml (built in)"

// Metric kinds (metric_catalog.kind).
const (
	KindRatio  = "ratio"  // numerator ÷ denominator, NULL when the denominator is 0
	KindCount  = "count"  // the numerator; denominator NULL
	KindMedian = "median" // built in (BuiltinMedian): computed afresh per unit, never summed
)

// Directions of a 预警清单 rule: a value below (or above) the threshold breaks it.
const (
	DirectionBelow = "below"
	DirectionAbove = "above"
)

// BuiltinMedian is the one median: rollup_metric_values.sql computes it from
// a per-day histogram of the resolved requests, so that a unit's median is
// exact without sorting every request under it. A definition may change its
// title, family, place and headline, not its computation.
const BuiltinMedian = "days_to_resolve_median"

// Sources are the fact sources a metric counts over, each the view
// facts_<source> (queries/facts_<source>.sql): one row per thing counted,
// with the period and unit_code of the reporting village or community.
var sources = []string{"reporting", "orgs", "orgs_distinct", "cover", "meetings", "requests", "rectification", "enterprises", "visits"}

// Sources returns the names of the fact sources, in the order their
// metrics are computed.
func Sources() []string { return slices.Clone(sources) }

// Metric is one metric's definition, after an override file was applied.
type Metric struct {
	Name   string // metric_values.metric: lower case letters, digits and _
	Title  string // the Chinese title the workbooks show
	Kind   string // KindRatio, KindCount or KindMedian
	Family string // a group of metrics (metric_catalog.family)
	Source string // one of Sources()
	// Numerator and Denominator are SQL aggregate expressions over the
	// source's rows of one unit and month; Denominator is "" for a count
	// and both are "" for the median.
	Numerator, Denominator string
	// Threshold and Direction are the 预警清单 rule: a value below (or
	// above) Threshold breaks it. nil and "" when the metric has none.
	Threshold *float64
	Direction string
	Headline  bool // one of the summary's headline rates (总览, 趋势)

	// Where the definition (or its last change) was written: the file, the
	// line of its [[metric]] and of each key the file gives.
	File     string
	Line     int
	keyLines map[string]int
}

// KeyLine is the line of key in the definition's file, else of its
// [[metric]] (a key the file did not give, kept from the built-in one).
func (m Metric) KeyLine(key string) int {
	if l, ok := m.keyLines[key]; ok {
		return l
	}
	return m.Line
}

// Metrics are the metric definitions a run computes, in the order of the
// workbooks' columns.
type Metrics struct {
	File string // the analyst's file, or DefaultMetricsFile
	List []Metric
}

// FigureDigest identifies what the metric's figures depend on (kind, source,
// numerator, denominator): a run records it per metric, so that the next
// one can name `definitions` as the cause of the figures it changed.
func (m Metric) FigureDigest() string {
	h := sha256.Sum256([]byte(m.Kind + "\x00" + m.Source + "\x00" + m.Numerator + "\x00" + m.Denominator))
	return hex.EncodeToString(h[:8])
}

// Digest identifies every definition (titles, order, thresholds … too):
// the flags' details quote titles, so a changed digest recomputes every flag.
func (ms *Metrics) Digest() string {
	h := sha256.New()
	for _, m := range ms.List {
		threshold := "-"
		if m.Threshold != nil {
			threshold = fmt.Sprint(*m.Threshold)
		}
		fmt.Fprintf(h, "%q %q %q %q %q %q %q %s %q %v\n", m.Name, m.Title, m.Kind, m.Family, m.Source,
			m.Numerator, m.Denominator, threshold, m.Direction, m.Headline)
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// DefaultMetrics returns the built-in definitions (definitions/metrics.toml):
// a copy of its own for each caller, parsed once (every run asks).
func DefaultMetrics() *Metrics {
	ms := parsedDefaults()
	return &Metrics{File: ms.File, List: slices.Clone(ms.List)}
}

var parsedDefaults = sync.OnceValue(func() *Metrics {
	ms, err := ParseMetrics(defaultMetrics, DefaultMetricsFile, nil)
	if err != nil {
		panic(err) // the embedded file is checked by TestDefaultMetrics
	}
	return ms
})

// LoadMetrics reads an analyst's metrics file (`--metrics FILE`) and applies
// it to the built-in definitions (ParseMetrics).
func LoadMetrics(path string) (*Metrics, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("metrics definitions: %w", err)
	}
	return ParseMetrics(b, path, DefaultMetrics())
}

// MetricError is a problem with one definition: the file, the line of its
// [[metric]] table or key, the metric's name (or its number when it has
// none) and the key.
type MetricError struct {
	File   string
	Line   int    // 0 when unknown
	Metric string // "" for a problem of the whole file
	Key    string // "" for a problem of the whole definition
	Err    error
}

func (e *MetricError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Metric != "" {
		fmt.Fprintf(&b, ": metric %s", e.Metric)
	}
	if e.Key != "" {
		fmt.Fprintf(&b, ": %s", e.Key)
	}
	fmt.Fprintf(&b, ": %v", e.Err)
	return b.String()
}

func (e *MetricError) Unwrap() error { return e.Err }

// metricsFile is the TOML file as written. Pointers tell a key that is
// absent (keep the default's value) from one set to "".
type metricsFile struct {
	Complete bool         `toml:"complete"`
	Metric   []metricKeys `toml:"metric"`
}

type metricKeys struct {
	Name        *string  `toml:"name"`
	Title       *string  `toml:"title"`
	Kind        *string  `toml:"kind"`
	Family      *string  `toml:"family"`
	Source      *string  `toml:"source"`
	Numerator   *string  `toml:"numerator"`
	Denominator *string  `toml:"denominator"`
	Threshold   *float64 `toml:"threshold"`
	Direction   *string  `toml:"direction"`
	Headline    *bool    `toml:"headline"`
}

var (
	metricName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	typeError  = regexp.MustCompile(`^toml: line (\d+) \(last key "([^"]*)"\): (.*)$`)
)

// ParseMetrics reads a metrics file named file. With base nil, or when the
// file says `complete = true`, the file is every metric, in its order.
// Otherwise it changes base: a [[metric]] whose name base has replaces the
// keys it gives (`denominator = ""` and `direction = ""` remove one), in
// base's place; another is a new metric, after base's, in the file's
// order. Every problem is reported, each a *MetricError, joined.
func ParseMetrics(data []byte, file string, base *Metrics) (*Metrics, error) {
	var f metricsFile
	pos := newPositions(data)
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&f)
	if err != nil {
		return nil, decodeError(err, file, pos)
	}
	var errs []error
	fail := func(i int, name, key string, err error) {
		line := pos.table(i)
		if key != "" {
			line = pos.key(i, key)
		}
		if name == "" {
			name = fmt.Sprintf("#%d", i+1)
		}
		errs = append(errs, &MetricError{File: file, Line: line, Metric: name, Key: key, Err: err})
	}
	errs = append(errs, unknownKeys(md, &f, file, pos, fail)...)

	out := &Metrics{File: file}
	index := map[string]int{}
	if base != nil && !f.Complete {
		out.List = append(out.List, base.List...)
		for j, m := range out.List {
			index[m.Name] = j
		}
	}
	seen := map[string]bool{}
	for i, k := range f.Metric {
		if k.Name == nil || *k.Name == "" {
			fail(i, "", "name", errors.New("missing"))
			continue
		}
		name := *k.Name
		if !metricName.MatchString(name) {
			fail(i, name, "name", errors.New("want lower case letters, digits and _, starting with a letter"))
			continue
		}
		if seen[name] {
			fail(i, name, "name", errors.New("defined twice in this file"))
			continue
		}
		seen[name] = true
		m := Metric{Name: name}
		j, changed := index[name]
		if changed {
			m = out.List[j]
		}
		k.applyTo(&m, file, i, pos)
		for _, p := range checkMetric(&m, k) {
			fail(i, name, p.key, p.err)
		}
		if changed {
			out.List[j] = m
		} else {
			index[name] = len(out.List)
			out.List = append(out.List, m)
		}
	}
	if len(errs) == 0 && len(out.List) == 0 {
		errs = append(errs, &MetricError{File: file, Err: errors.New("no [[metric]]: a complete file needs at least one")})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// decodeError is a file that TOML could not decode, with its line.
func decodeError(err error, file string, pos positions) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		return &MetricError{File: file, Line: pe.Position.Line, Err: errors.New(pe.Message)}
	}
	// A value of the wrong type: the decoder says where only in its text.
	if m := typeError.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		key := m[2][strings.LastIndex(m[2], ".")+1:]
		return &MetricError{File: file, Line: line, Metric: pos.metricAt(line), Key: key, Err: errors.New(m[3])}
	}
	return &MetricError{File: file, Err: err}
}

// unknownKeys reports the keys that are no key of the format: a misspelt
// key would otherwise be silently ignored and the default kept. Keys()
// lists every key in the file's order, a [[metric]] header before its keys,
// so each belongs to the last header. A key of a [[metric]] goes to fail;
// the returned errors are the top-level ones.
func unknownKeys(md toml.MetaData, f *metricsFile, file string, pos positions, fail func(int, string, string, error)) []error {
	undecoded := map[string]bool{}
	for _, k := range md.Undecoded() {
		undecoded[k.String()] = true
	}
	var errs []error
	i := -1
	for _, k := range md.Keys() {
		switch {
		case len(k) == 1 && k[0] == "metric":
			i++
		case !undecoded[k.String()]:
		case len(k) == 2 && k[0] == "metric" && i >= 0:
			name := ""
			if f.Metric[i].Name != nil {
				name = *f.Metric[i].Name
			}
			fail(i, name, k[1], fmt.Errorf("unknown key (want name, title, kind, family, source, numerator, denominator, threshold, direction or headline)"))
		case len(k) == 1:
			errs = append(errs, &MetricError{File: file, Line: pos.top(k[0]), Key: k[0], Err: errors.New("unknown key (want complete or [[metric]] tables)")})
		}
	}
	return errs
}

// applyTo gives m the keys that the i-th [[metric]] of file sets, and
// where they were written.
func (k metricKeys) applyTo(m *Metric, file string, i int, pos positions) {
	m.File, m.Line, m.keyLines = file, pos.table(i), map[string]int{}
	if k.Numerator != nil {
		m.keyLines["numerator"] = pos.key(i, "numerator")
	}
	if k.Denominator != nil {
		m.keyLines["denominator"] = pos.key(i, "denominator")
	}
	set(&m.Title, k.Title)
	set(&m.Kind, k.Kind)
	set(&m.Family, k.Family)
	set(&m.Source, k.Source)
	set(&m.Numerator, k.Numerator)
	set(&m.Denominator, k.Denominator)
	set(&m.Direction, k.Direction)
	if k.Threshold != nil {
		t := *k.Threshold
		m.Threshold = &t
	} else if k.Direction != nil && *k.Direction == "" {
		m.Threshold = nil // `direction = ""` removes the rule
	}
	if k.Headline != nil {
		m.Headline = *k.Headline
	}
	if m.Kind == "rate" {
		m.Kind = KindRatio // the word metrics.md uses
	}
}

func set(dst *string, v *string) {
	if v != nil {
		*dst = strings.TrimSpace(*v)
	}
}

type problem struct {
	key string
	err error
}

// checkMetric checks a definition after the file was applied; k says which
// keys the file wrote, so that a problem names a key the analyst can see.
func checkMetric(m *Metric, k metricKeys) []problem {
	var ps []problem
	bad := func(key, format string, args ...any) { ps = append(ps, problem{key, fmt.Errorf(format, args...)}) }
	if m.Title == "" {
		bad("title", "missing")
	}
	if m.Family == "" {
		bad("family", "missing")
	}
	switch m.Kind {
	case KindRatio, KindCount:
		if m.Source == "" {
			bad("source", "missing (want one of %s)", strings.Join(sources, ", "))
		} else if !slices.Contains(sources, m.Source) {
			bad("source", "unknown source %q (want one of %s)", m.Source, strings.Join(sources, ", "))
		}
		if m.Numerator == "" {
			bad("numerator", "missing")
		}
		if m.Kind == KindRatio && m.Denominator == "" {
			bad("denominator", "missing: a ratio needs one")
		}
		if m.Kind == KindCount && m.Denominator != "" {
			bad("denominator", "a count has no denominator (remove it, or write denominator = \"\" to remove the built-in one)")
		}
		for _, e := range []struct{ key, sql string }{{"numerator", m.Numerator}, {"denominator", m.Denominator}} {
			// The expression goes into a generated statement: a ';' would
			// end it and run what follows.
			if strings.Contains(e.sql, ";") {
				bad(e.key, "contains ';': want one SQL expression")
			}
		}
	case KindMedian:
		if m.Name != BuiltinMedian {
			bad("kind", "the only median is the built-in %s", BuiltinMedian)
		}
		if m.Source != "" && m.Source != "requests" {
			bad("source", "the median %s is over requests", BuiltinMedian)
		}
		m.Source = "requests"
		if m.Numerator != "" || m.Denominator != "" {
			key := "numerator"
			if m.Numerator == "" {
				key = "denominator"
			}
			bad(key, "the median is built in: it takes no numerator or denominator")
		}
	case "":
		bad("kind", "missing (want ratio, count or median)")
	default:
		bad("kind", "unknown kind %q (want ratio, count or median)", m.Kind)
	}
	switch m.Direction {
	case "":
		if m.Threshold != nil {
			bad("threshold", "a threshold needs direction = \"below\" or \"above\"")
		}
	case DirectionBelow, DirectionAbove:
		if m.Threshold == nil {
			bad("direction", "a direction needs a threshold")
		} else if math.IsNaN(*m.Threshold) || math.IsInf(*m.Threshold, 0) {
			bad("threshold", "want a finite number, such as 0.9 for 90%%")
		}
	default:
		bad("direction", "unknown direction %q (want below or above)", m.Direction)
	}
	return ps
}

// positions finds lines in the file for errors: the TOML decoder gives
// positions only for syntax errors.
type positions struct {
	lines  []string
	tables []int // 0-based line index of each [[metric]] header
}

var metricHeader = regexp.MustCompile(`^\s*\[\[\s*metric\s*\]\]`)

func newPositions(data []byte) positions {
	p := positions{lines: strings.Split(string(data), "\n")}
	for i, l := range p.lines {
		if metricHeader.MatchString(l) {
			p.tables = append(p.tables, i)
		}
	}
	return p
}

// table is the 1-based line of the i-th [[metric]], 0 when not found.
func (p positions) table(i int) int {
	if i < len(p.tables) {
		return p.tables[i] + 1
	}
	return 0
}

// key is the 1-based line of key in the i-th [[metric]] table, else the
// table's line.
func (p positions) key(i int, key string) int {
	if i >= len(p.tables) {
		return 0
	}
	end := len(p.lines)
	if i+1 < len(p.tables) {
		end = p.tables[i+1]
	}
	re := regexp.MustCompile(`^\s*"?` + regexp.QuoteMeta(key) + `"?\s*=`)
	for l := p.tables[i] + 1; l < end; l++ {
		if re.MatchString(p.lines[l]) {
			return l + 1
		}
	}
	return p.tables[i] + 1
}

// metricAt names the [[metric]] table holding a 1-based line: its name
// when the table has a plain name = "…" line, else its number ("#2"); ""
// before the first table.
func (p positions) metricAt(line int) string {
	i := -1
	for j, l := range p.tables {
		if l+1 <= line {
			i = j
		}
	}
	if i < 0 {
		return ""
	}
	if m := nameLine.FindStringSubmatch(p.lines[p.key(i, "name")-1]); m != nil {
		return m[1]
	}
	return fmt.Sprintf("#%d", i+1)
}

var nameLine = regexp.MustCompile(`^\s*name\s*=\s*"([^"]*)"`)

// top is the 1-based line of a top-level key (before any table), 0 when not found.
func (p positions) top(key string) int {
	re := regexp.MustCompile(`^\s*"?` + regexp.QuoteMeta(key) + `"?\s*=`)
	for l, line := range p.lines {
		if strings.HasPrefix(strings.TrimSpace(line), "[") {
			break
		}
		if re.MatchString(line) {
			return l + 1
		}
	}
	return 0
}
