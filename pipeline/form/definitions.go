package form

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"

	"grassroots/definitions"
)

// Definitions are a form kind as data (definitions/forms/*.toml, explained
// in docs/definitions.md): its versions, its cover's labelled fields and
// its data sheets with their header spellings per version, value lists and
// rules. The reader, the template and `grassroots definitions check` all
// work from one *Definitions; it is never modified after Load.
//
// What stays in Go is what a row means, not how it is laid out: each column
// names a field key (request_id, state, …) that the row code stores in a
// typed record, and a few rules that relate two cells (a rating on an
// unresolved request, a meeting of another month) are code. A data column
// must therefore use a key that grassroots knows; a cover field may use any
// key, and one that grassroots has no column for is kept as an Answer.
type Definitions struct {
	// Source is the file the definitions came from, as errors name it.
	Source string
	// Form is the form kind: Village or Park.
	Form string
	// Title is the form's Chinese title, as the template writes it.
	Title string
	// Versions are the version names, oldest first.
	Versions []string
	// TemplateVersion is the template's default version (template.
	// default_version; the newest when unset).
	TemplateVersion string
	// Park is the park form's definitions (park.toml), set on the village
	// form's definitions that LoadDefinitions returns, so that one
	// *Definitions is everything Read needs: a workbook with the park
	// form's 企业名册 is read with Park. nil when the directory has no
	// park.toml (every workbook is then read as a village form), and on
	// the park form's own definitions.
	Park *Definitions

	versionEnum enum
	coverSheet  string
	cover       []coverField
	sheets      []*sheetDef
	helpSheet   string
	help        []string
	enums       map[string]enum
	answers     int // how many cover fields are kept as Answers
	idx         *schemaIndex
}

// The TOML file's shape. Keys not listed here are an error (a misspelt
// key would otherwise be silently ignored).
type defFile struct {
	Form     string                `toml:"form"`
	Title    string                `toml:"title"`
	Versions []defVersion          `toml:"versions"`
	Cover    defCover              `toml:"cover"`
	Sheets   []defSheet            `toml:"sheets"`
	Enums    map[string][]defValue `toml:"enums"`
	Template defTemplate           `toml:"template"`
}

type defVersion struct {
	Name     string   `toml:"name"`
	Variants []string `toml:"variants"`
}

type defCover struct {
	Sheet  string     `toml:"sheet"`
	Fields []defField `toml:"fields"`
}

type defField struct {
	Key    string   `toml:"key"`
	Labels []string `toml:"labels"`
	Kind   string   `toml:"kind"`
	Enum   string   `toml:"enum"`
	Rule   string   `toml:"rule"`
	Prompt string   `toml:"prompt"`
	Since  string   `toml:"since"`
	Until  string   `toml:"until"`
	// AtMost and AtMostCode: see coverField.
	AtMost     string `toml:"at_most"`
	AtMostCode string `toml:"at_most_code"`
	EmptyOK    string `toml:"empty_ok_for"`
}

type defSheet struct {
	Key      string      `toml:"key"`
	Name     string      `toml:"name"`
	Required bool        `toml:"required"`
	Columns  []defColumn `toml:"columns"`
}

type defColumn struct {
	Key         string              `toml:"key"`
	Name        string              `toml:"name"`
	Headers     []string            `toml:"headers"`
	HeadersIn   map[string][]string `toml:"headers_in"`
	Kind        string              `toml:"kind"`
	Enum        string              `toml:"enum"`
	YesNo       []string            `toml:"yes_no"`
	Since       string              `toml:"since"`
	Until       string              `toml:"until"`
	Required    bool                `toml:"required"`
	Rule        string              `toml:"rule"`
	Personal    bool                `toml:"personal"`
	TextCells   bool                `toml:"text_cells"`
	MissingName string              `toml:"missing_name"`
}

type defValue struct {
	Value    string   `toml:"value"`
	Label    string   `toml:"label"`
	Variants []string `toml:"variants"`
}

type defTemplate struct {
	HelpSheet      string   `toml:"help_sheet"`
	Help           []string `toml:"help"`
	DefaultVersion string   `toml:"default_version"`
}

// Rules: what an empty or invalid value does (docs/definitions.md).
const (
	ruleRejectFile   = "reject_file"   // cover: missing or invalid rejects the file
	ruleWarn         = "warn"          // invalid (cover: or empty) is a warning
	ruleQuiet        = "quiet"         // cover: like warn, but an absent label is normal
	ruleRejectRow    = "reject_row"    // data: empty or invalid rejects the row
	ruleWhenResolved = "when_resolved" // data: needed only when the request is resolved
)

var kinds = map[string]kind{
	"text": kindText, "date": kindDate, "yesno": kindYesNo, "count": kindCount, "enum": kindEnum,
	"code": kindCode, "period": kindPeriod, "version": kindVersion, "stars": kindStars,
}

// The form kinds grassroots reads (Definitions.Form, Form.Kind).
const (
	Village = "village" // 村（社区）党建引领基层治理月报表
	Park    = "park"    // 园区两新组织党建月报表
)

// formSheets are each form kind's data sheets, in the order the row code
// reads and reports them, and which of them the definitions must have.
var formSheets = map[string]struct{ keys, needed []string }{
	Village: {keys: []string{"orgs", "meetings", "requests"}, needed: []string{"orgs", "requests"}},
	Park:    {keys: []string{"enterprises", "visits"}, needed: []string{"enterprises"}},
}

// parkSheet is the park form's data sheet whose presence makes a workbook
// a park form (企业名册 in the default definitions).
const parkSheet = "enterprises"

// dataFields are the data columns grassroots can store, by sheet key and
// field key: the row code turns them into OrgRow, Meeting, Request,
// Enterprise and Visit.
var dataFields = map[string]map[string]field{
	"orgs": {
		"unit_name": fOrgUnitName, "unit_type": fOrgUnitType, "has_org": fOrgHasOrg,
		"how_formed": fOrgHowFormed, "org_name": fOrgOrgName, "members": fOrgMembers, "note": fOrgNote,
	},
	"meetings": {
		"date": fMeetDate, "topic": fMeetTopic, "category": fMeetCategory,
		"members_present": fMeetMembers, "residents_present": fMeetResidents, "follow_up": fMeetFollowUp,
	},
	"requests": {
		"request_id": fReqID, "requested_on": fReqRequestedOn, "resident": fReqResident, "phone": fReqPhone,
		"category": fReqCategory, "content": fReqContent, "dispatched_on": fReqDispatchedOn,
		"grid_worker": fReqGridWorker, "accepted_on": fReqAcceptedOn, "resolved_on": fReqResolvedOn,
		"state": fReqState, "dispute": fReqDispute, "mediation": fReqMediation, "rating": fReqRating,
	},
	"enterprises": {
		"name": fEntName, "credit_code": fEntCreditCode, "kind": fEntKind, "workers": fEntWorkers,
		"party_members": fEntPartyMembers, "has_org": fEntHasOrg, "how_formed": fEntHowFormed,
		"org_name": fEntOrgName, "paired": fEntPaired, "model_posts": fEntModelPosts,
	},
	"visits": {
		"date": fVisitDate, "enterprise": fVisitEnterprise, "matter": fVisitMatter,
		"problems": fVisitProblems, "solved": fVisitSolved,
	},
}

// coverKeys are the cover fields with a column of their own in the
// warehouse; any other key is kept as an Answer.
var coverKeys = map[string]field{
	"unit_name": fCoverUnitName, "code": fCoverCode, "period": fCoverPeriod, "kind": fCoverKind,
	"secretary": fCoverSecretary, "one_shoulder": fCoverOneShoulder, "party_members": fCoverPartyMembers,
	"grids": fCoverGrids, "grid_workers": fCoverGridWorkers, "council": fCoverCouncil, "groups": fCoverGroups,
	"filled_by": fCoverFilledBy, "phone": fCoverPhone, "filled_on": fCoverFilledOn, "form_version": fCoverVersion,
	"assistant": fCoverAssistant,
}

// A DefinitionError is a broken definition, named by its file and key path
// (sheets[2].columns[10] "state": …). `run` stops on it before reading any
// form (exit 2).
type DefinitionError struct {
	File string
	Key  string // a key path, or "line N" for a syntax error
	Msg  string
}

func (e *DefinitionError) Error() string {
	if e.Key == "" {
		return e.File + ": " + e.Msg
	}
	return e.File + ": " + e.Key + ": " + e.Msg
}

// DefinitionErrors are all the problems found in a set of definitions, so
// that an analyst fixes them in one go.
type DefinitionErrors []*DefinitionError

func (es DefinitionErrors) Error() string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// Default returns the definitions embedded in the binary: the village
// form's, with the park form's in Park. They are checked by the tests; a
// broken embedded file is a programming error.
var Default = sync.OnceValue(func() *Definitions {
	d, err := LoadDefinitions(definitions.Forms(), "definitions/forms")
	if err != nil {
		panic("form: embedded definitions: " + err.Error())
	}
	return d
})

// LoadDefinitions reads the form definitions of fsys, one file per form
// kind (village.toml, park.toml), and returns the village form's with the
// park form's in its Park field: the one value that Read, the template and
// the generator take. village.toml is required; without park.toml every
// workbook is read as a village form. dir is how errors name the directory.
func LoadDefinitions(fsys fs.FS, dir string) (*Definitions, error) {
	names, err := fs.Glob(fsys, "*.toml")
	if err != nil {
		return nil, err
	}
	var errs DefinitionErrors
	byKind := map[string]*Definitions{}
	for _, name := range names {
		file := path.Join(dir, name)
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		d, err := ParseDefinitions(file, data)
		if err != nil {
			var de DefinitionErrors
			if errors.As(err, &de) {
				errs = append(errs, de...)
				continue
			}
			return nil, err
		}
		if other := byKind[d.Form]; other != nil {
			errs = append(errs, &DefinitionError{file, "form", "the " + d.Form + " form is defined twice (also in " + other.Source + ")"})
			continue
		}
		byKind[d.Form] = d
	}
	if len(errs) > 0 {
		return nil, errs
	}
	village := byKind[Village]
	if village == nil {
		return nil, DefinitionErrors{{dir, "", "no village.toml: the village form is not defined"}}
	}
	village.Park = byKind[Park]
	return village, nil
}

// ForForm returns the definitions of a form kind (Village or Park) from
// the ones LoadDefinitions returned: d itself or its Park. ok is false for
// a kind the definitions do not have, such as park when the directory had
// no park.toml.
func (d *Definitions) ForForm(kind string) (defs *Definitions, ok bool) {
	switch {
	case d.Form == kind:
		return d, true
	case kind == Park && d.Park != nil:
		return d.Park, true
	}
	return nil, false
}

// ParseDefinitions parses and checks one definitions file. Every problem
// is reported, each with its key path.
func ParseDefinitions(file string, data []byte) (*Definitions, error) {
	var df defFile
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&df)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, DefinitionErrors{{file, fmt.Sprintf("line %d", pe.Position.Line), pe.Message}}
		}
		return nil, DefinitionErrors{{file, "", err.Error()}}
	}
	c := &checker{file: file}
	for _, k := range md.Undecoded() {
		c.fail(k.String(), "unknown key (misspelt?)")
	}
	d := c.build(&df)
	if len(c.errs) > 0 {
		return nil, c.errs
	}
	return d, nil
}

type checker struct {
	file string
	errs DefinitionErrors
}

func (c *checker) fail(key, format string, args ...any) {
	c.errs = append(c.errs, &DefinitionError{c.file, key, fmt.Sprintf(format, args...)})
}

func (c *checker) build(df *defFile) *Definitions {
	d := &Definitions{Source: c.file, Form: df.Form, Title: df.Title, coverSheet: df.Cover.Sheet,
		helpSheet: df.Template.HelpSheet, help: df.Template.Help}
	if _, ok := formSheets[d.Form]; !ok {
		// The other checks assume a known kind's sheets.
		c.fail("form", "form kind %q is not one grassroots reads (want village or park)", d.Form)
		return d
	}
	if d.coverSheet == "" {
		c.fail("cover.sheet", "missing: the cover sheet's name")
	}
	if d.helpSheet == "" {
		d.helpSheet = "填表说明"
	}
	// Versions, and the spellings of each in 模板版本: no spelling may name
	// two versions.
	spelt := map[string]string{}
	for i, v := range df.Versions {
		key := fmt.Sprintf("versions[%d]", i)
		if v.Name == "" {
			c.fail(key+".name", "missing")
			continue
		}
		ev := enumValue{canonical: v.Name, variants: v.Variants}
		for _, s := range append([]string{v.Name}, v.Variants...) {
			if other, dup := spelt[matchKey(s)]; dup && other != v.Name {
				c.fail(key, "version %q: %q already names version %q", v.Name, s, other)
			} else if dup {
				c.fail(key, "version %q is listed twice", v.Name)
			}
			spelt[matchKey(s)] = v.Name
		}
		d.Versions = append(d.Versions, v.Name)
		d.versionEnum = append(d.versionEnum, ev)
	}
	if len(d.Versions) == 0 {
		c.fail("versions", "missing: at least one version")
	}
	enums := map[string]enum{}
	for name, vals := range df.Enums {
		var e enum
		seen := map[string]string{}
		for i, v := range vals {
			key := fmt.Sprintf("enums.%s[%d]", name, i)
			if v.Value == "" {
				c.fail(key+".value", "missing")
				continue
			}
			for _, s := range append([]string{v.Value, v.Label}, v.Variants...) {
				if s == "" {
					continue
				}
				if other, dup := seen[matchKey(s)]; dup && other != v.Value {
					c.fail(key, "%q already means %q", s, other)
				}
				seen[matchKey(s)] = v.Value
			}
			e = append(e, enumValue{canonical: v.Value, label: v.Label, variants: v.Variants})
		}
		enums[name] = e
	}
	d.enums = enums
	d.cover = c.coverFields(df.Cover.Fields, d, enums)
	c.sheetDefs(df.Sheets, d, enums)
	if len(d.Versions) > 0 {
		d.TemplateVersion = d.Versions[len(d.Versions)-1]
	}
	if v := df.Template.DefaultVersion; v != "" {
		if !slices.Contains(d.Versions, v) {
			c.fail("template.default_version", "unknown version %q (want one of %v)", v, d.Versions)
		}
		d.TemplateVersion = v
	}
	if len(c.errs) == 0 {
		d.idx = buildSchema(d)
		d.answers = len(d.AnswerKeys())
	}
	return d
}

// span turns since/until into the versions a column or field is in.
func (c *checker) span(key string, d *Definitions, since, until string) []string {
	from, to := 0, len(d.Versions)-1
	if since != "" {
		if from = slices.Index(d.Versions, since); from < 0 {
			c.fail(key+".since", "unknown version %q (want one of %v)", since, d.Versions)
			return nil
		}
	}
	if until != "" {
		if to = slices.Index(d.Versions, until); to < 0 {
			c.fail(key+".until", "unknown version %q (want one of %v)", until, d.Versions)
			return nil
		}
	}
	if from > to {
		c.fail(key, "since %q is after until %q", since, until)
		return nil
	}
	return d.Versions[from : to+1]
}

func (c *checker) kindOf(key, name, enumName string, enums map[string]enum, allowed ...kind) (kind, enum) {
	k, ok := kinds[name]
	if !ok || !slices.Contains(allowed, k) {
		var want []string
		for n, kk := range kinds {
			if slices.Contains(allowed, kk) {
				want = append(want, n)
			}
		}
		sort.Strings(want)
		c.fail(key+".kind", "%q is not a kind here (want one of %v)", name, want)
		return kindText, nil
	}
	if k != kindEnum {
		if enumName != "" {
			c.fail(key+".enum", "only an enum column names a value list")
		}
		return k, nil
	}
	e, ok := enums[enumName]
	if !ok {
		c.fail(key+".enum", "unknown value list %q (define it under [enums])", enumName)
	}
	return k, e
}

func (c *checker) coverFields(fields []defField, d *Definitions, enums map[string]enum) []coverField {
	var out []coverField
	labelOf := map[string]string{} // matchKey(label) → the field that claims it
	seen := map[string]bool{}
	for i, f := range fields {
		key := fmt.Sprintf("cover.fields[%d]", i)
		if f.Key == "" {
			c.fail(key+".key", "missing")
			continue
		}
		key += fmt.Sprintf(" %q", f.Key)
		if seen[f.Key] {
			c.fail(key, "the field is defined twice")
		}
		seen[f.Key] = true
		if len(f.Labels) == 0 {
			c.fail(key+".labels", "missing: at least one label")
			continue
		}
		for _, l := range f.Labels {
			if other, dup := labelOf[matchKey(l)]; dup && other != f.Key {
				c.fail(key+".labels", "label %q is claimed by two fields (%s and %s)", l, other, f.Key)
			}
			labelOf[matchKey(l)] = f.Key
		}
		cf := coverField{key: f.Key, labels: f.Labels, prompt: f.Prompt, versions: c.span(key, d, f.Since, f.Until)}
		fld, known := coverKeys[f.Key]
		if known {
			cf.field = fld
		} else {
			cf.field = fCoverAnswer
		}
		cf.kind, cf.enum = c.kindOf(key, f.Kind, f.Enum, enums,
			kindText, kindDate, kindYesNo, kindCount, kindEnum, kindCode, kindPeriod, kindVersion, kindStars)
		cf.atMost, cf.atMostCode, cf.emptyOK = f.AtMost, f.AtMostCode, f.EmptyOK
		if cf.atMost != "" && (cf.kind != kindCount || cf.atMostCode == "") {
			c.fail(key+".at_most", "at_most is for count fields, with at_most_code naming the warning")
		}
		if cf.kind == kindVersion {
			cf.enum = d.versionEnum
		}

		switch want := map[field]kind{fCoverCode: kindCode, fCoverPeriod: kindPeriod, fCoverVersion: kindVersion}[cf.field]; {
		case want != 0 && cf.kind != want:
			c.fail(key+".kind", "the %s field must be of kind %s", f.Key, kindName(want))
		case want == 0 && (cf.kind == kindCode || cf.kind == kindPeriod || cf.kind == kindVersion):
			c.fail(key+".kind", "kind %s is only for the %s field", f.Kind, map[kind]string{kindCode: "code", kindPeriod: "period", kindVersion: "form_version"}[cf.kind])
		}
		switch f.Rule {
		case "", ruleWarn:
		case ruleQuiet:
			cf.quiet = true
		case ruleRejectFile:
			cf.required = true
		default:
			c.fail(key+".rule", "unknown rule %q (want reject_file, warn or quiet)", f.Rule)
		}
		if (cf.field == fCoverCode || cf.field == fCoverPeriod || cf.field == fCoverUnitName) && !cf.required {
			c.fail(key+".rule", "the %s field identifies the form: its rule must be reject_file", f.Key)
		}
		// The reader parses the code and the period by their field, and the
		// version as an enum of the versions.
		switch cf.kind {
		case kindCode, kindPeriod:
			cf.kind = kindText
		case kindVersion:
			cf.kind = kindEnum
		}
		out = append(out, cf)
	}
	for _, k := range []string{"unit_name", "code", "period"} {
		if !seen[k] {
			c.fail("cover.fields", "the %s field is missing: a form cannot be placed without it", k)
		}
	}
	for i, cf := range out {
		if cf.atMost != "" && !slices.ContainsFunc(out, func(o coverField) bool { return o.key == cf.atMost && o.kind == kindCount }) {
			c.fail(fmt.Sprintf("cover.fields[%d] %q.at_most", i, cf.key), "no count field %q", cf.atMost)
		}
	}
	return out
}

func (c *checker) sheetDefs(sheets []defSheet, d *Definitions, enums map[string]enum) {
	kindSheets := formSheets[d.Form]
	seen := map[string]bool{}
	for si, s := range sheets {
		skey := fmt.Sprintf("sheets[%d]", si)
		fields, ok := dataFields[s.Key]
		if !ok || !slices.Contains(kindSheets.keys, s.Key) {
			c.fail(skey+".key", "unknown sheet %q (want %s: a new data sheet needs a release)", s.Key, orList(kindSheets.keys))
			continue
		}
		if seen[s.Key] {
			c.fail(skey, "sheet %q is defined twice", s.Key)
		}
		seen[s.Key] = true
		if s.Name == "" {
			c.fail(skey+".name", "missing: the sheet's name")
		}
		sd := &sheetDef{key: s.Key, name: s.Name, required: s.Required}
		// header spelling → (column, version) that claims it
		claimed := map[[2]string]string{}
		for ci, col := range s.Columns {
			key := fmt.Sprintf("%s.columns[%d]", skey, ci)
			fld, ok := fields[col.Key]
			if !ok {
				var want []string
				for k := range fields {
					want = append(want, k)
				}
				sort.Strings(want)
				c.fail(key+".key", "%q is not a column of %s grassroots can store (want one of %v)", col.Key, s.Key, want)
				continue
			}
			key += fmt.Sprintf(" %q", col.Key)
			if cl, ok := c.columnDef(key, col, fld, d, enums, claimed); ok {
				sd.columns = append(sd.columns, cl)
			}
		}
		d.sheets = append(d.sheets, sd)
	}
	for _, k := range kindSheets.needed {
		if !seen[k] {
			c.fail("sheets", "sheet %s is missing", k)
		}
	}
	// The row code expects the sheets in a fixed order of reporting.
	sort.SliceStable(d.sheets, func(i, j int) bool {
		return slices.Index(kindSheets.keys, d.sheets[i].key) < slices.Index(kindSheets.keys, d.sheets[j].key)
	})
}

// columnDef checks the definition of one column, of field fld, and builds
// it; key names it in errors. claimed holds the header spellings of the
// sheet's columns so far, by (matchKey, version): a spelling that two
// columns claim in one version is an error, since the reader could not
// tell them apart. A column with no header in any version is left out (ok
// false).
func (c *checker) columnDef(key string, col defColumn, fld field, d *Definitions, enums map[string]enum, claimed map[[2]string]string) (cl column, ok bool) {
	cl = column{field: fld, key: col.Key, name: col.Name, kind: kindText, required: col.Required,
		personal: col.Personal, textCells: col.TextCells, missingName: col.MissingName,
		headers: map[string][]string{}}
	cl.kind, cl.enum = c.kindOf(key, col.Kind, col.Enum, enums, kindText, kindDate, kindYesNo, kindCount, kindEnum)
	if len(col.YesNo) > 0 {
		if cl.kind != kindYesNo || len(col.YesNo) != 2 {
			c.fail(key+".yes_no", "a yes/no column's two meanings, [no, yes]")
		} else {
			cl.yesNo = &[2]string{col.YesNo[0], col.YesNo[1]}
		}
	}
	c.columnHeaders(key, col, d, &cl)
	if len(cl.headers) == 0 {
		c.fail(key+".headers", "missing: no header in any version")
		return cl, false
	}
	if cl.name == "" {
		cl.name = cl.headers[d.Versions[slices.IndexFunc(d.Versions, func(v string) bool { return len(cl.headers[v]) > 0 })]][0]
	}
	for _, v := range d.Versions {
		for _, h := range cl.headers[v] {
			k := [2]string{matchKey(h), v}
			if other, dup := claimed[k]; dup && other != col.Key {
				c.fail(key+".headers", "header %q is claimed by two columns in %s (%s and %s)", h, v, other, col.Key)
			}
			claimed[k] = col.Key
		}
	}
	c.columnRule(key, col, fld, &cl)
	return cl, true
}

// columnHeaders sets the headers of cl in each version the column is in:
// its headers_in for the version, else its headers.
func (c *checker) columnHeaders(key string, col defColumn, d *Definitions, cl *column) {
	for _, v := range c.span(key, d, col.Since, col.Until) {
		h := col.Headers
		if o, ok := col.HeadersIn[v]; ok {
			h = o
		}
		if len(h) > 0 {
			cl.headers[v] = h
		}
	}
	for v := range col.HeadersIn {
		if !slices.Contains(d.Versions, v) {
			c.fail(key+".headers_in", "unknown version %q", v)
		}
	}
}

// columnRule sets what an empty or invalid value of the column does to the
// row, from its rule.
func (c *checker) columnRule(key string, col defColumn, fld field, cl *column) {
	switch col.Rule {
	case ruleRejectRow:
		cl.rejectRow = true
	case ruleWhenResolved:
		if fld != fReqResolvedOn {
			c.fail(key+".rule", "when_resolved is only for requests' resolved_on")
		}
		cl.conditional = true
	case ruleWarn:
	case "":
		if col.Required {
			c.fail(key+".rule", "a required column needs a rule (reject_row, warn or when_resolved)")
		}
	default:
		c.fail(key+".rule", "unknown rule %q (want reject_row, warn or when_resolved)", col.Rule)
	}
}

// orList joins keys as "a, b or c".
func orList(keys []string) string {
	if len(keys) < 2 {
		return strings.Join(keys, "")
	}
	return strings.Join(keys[:len(keys)-1], ", ") + " or " + keys[len(keys)-1]
}

func kindName(k kind) string {
	for n, kk := range kinds {
		if kk == k {
			return n
		}
	}
	return "?"
}

// sheet returns the data sheet of a key, nil when the definitions have none.
func (d *Definitions) sheet(key string) *sheetDef {
	for _, sd := range d.sheets {
		if sd.key == key {
			return sd
		}
	}
	return nil
}

// Version returns the version a spelling names ("2022", "2022年版" →
// "2022版"), as 模板版本 accepts it.
func (d *Definitions) Version(s string) (string, bool) {
	for _, v := range d.versionEnum {
		for _, sp := range append([]string{v.canonical}, v.variants...) {
			if matchKey(sp) == matchKey(s) {
				return v.canonical, true
			}
		}
	}
	return "", false
}

// ColumnHeaders is one column of a data sheet in one version: its field key
// and the header spellings that version accepts, the template's first.
type ColumnHeaders struct {
	Key     string
	Headers []string
}

// Columns lists the columns a data sheet (orgs, meetings, requests; a
// park form's enterprises, visits) has in a version, in the definitions'
// order.
func (d *Definitions) Columns(sheet, version string) []ColumnHeaders {
	var out []ColumnHeaders
	if sd := d.sheet(sheet); sd != nil {
		for _, c := range sd.columns {
			if h := c.headers[version]; len(h) > 0 {
				out = append(out, ColumnHeaders{Key: c.key, Headers: h})
			}
		}
	}
	return out
}

// Labels returns the accepted labels of a cover field, the template's
// first; nil for an unknown key.
func (d *Definitions) Labels(key string) []string {
	for _, cf := range d.cover {
		if cf.key == key {
			return cf.labels
		}
	}
	return nil
}

// label is the first label of a cover field, as messages name it.
func (d *Definitions) label(key string) string {
	if l := d.Labels(key); len(l) > 0 {
		return unquote.Replace(l[0])
	}
	return key
}

// CoverSheet is the cover's sheet name (基本信息).
func (d *Definitions) CoverSheet() string { return d.coverSheet }

// SheetName is the name of the data sheet with the given key (orgs,
// meetings, requests; enterprises, visits), "" when it has none.
func (d *Definitions) SheetName(key string) string {
	if sd := d.sheet(key); sd != nil {
		return sd.name
	}
	return ""
}

// HelpSheet is the template's 填表说明 sheet name.
func (d *Definitions) HelpSheet() string { return d.helpSheet }

// AnswerKeys lists the cover fields that are kept as Answers (no column of
// their own), with their kinds, in the cover's order: the warehouse adds a
// column for each to the cover facts.
func (d *Definitions) AnswerKeys() []AnswerKey {
	var out []AnswerKey
	for _, cf := range d.cover {
		if cf.field == fCoverAnswer {
			out = append(out, AnswerKey{Key: cf.key, Kind: kindName(cf.kind)})
		}
	}
	return out
}

// AllAnswerKeys are AnswerKeys of every form kind (village, then park),
// each key once.
func (d *Definitions) AllAnswerKeys() []AnswerKey {
	out := d.AnswerKeys()
	if d.Park != nil {
		for _, k := range d.Park.AnswerKeys() {
			if !slices.ContainsFunc(out, func(o AnswerKey) bool { return o.Key == k.Key }) {
				out = append(out, k)
			}
		}
	}
	return out
}

// AnswerKey names a cover field kept as an Answer and its kind (text, date,
// yesno, count, enum).
type AnswerKey struct{ Key, Kind string }
