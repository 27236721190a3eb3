package report

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"unicode/utf8"
)

// The feedback manifest lists every feedback workbook: 100,000 entries for a
// year of a 10,000-unit city, whose encoding/json round trip took 0.27 s of
// every night. It is read and written here by hand, in exactly the bytes
// json.MarshalIndent(m, "", "\t") gives (TestManifestCodec checks it on
// random manifests), so that the file stays the JSON it always was; a
// manifest in any other shape (edited by hand, written by another version)
// is read by encoding/json instead.

// encodeManifest is json.MarshalIndent(m, "", "\t").
func encodeManifest(m *manifest) []byte {
	b := make([]byte, 0, 64+len(m.Feedback)*140)
	b = append(b, "{\n\t\"version\": "...)
	b = strconv.AppendInt(b, int64(m.Version), 10)
	b = append(b, ",\n\t\"feedback\": "...)
	switch {
	case m.Feedback == nil:
		b = append(b, "null"...)
	case len(m.Feedback) == 0:
		b = append(b, "{}"...)
	default:
		b = appendEntries(b, m.Feedback)
	}
	if len(m.Buckets) > 0 {
		b = append(b, ",\n\t\"buckets\": {"...)
		for i, k := range slices.Sorted(maps.Keys(m.Buckets)) {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, "\n\t\t"...)
			b = appendJSONString(b, k)
			b = append(b, ": "...)
			b = appendJSONString(b, m.Buckets[k])
		}
		b = append(b, "\n\t}"...)
	}
	return append(b, "\n}"...)
}

// appendEntries is the manifest's "feedback" object, sorted by name.
func appendEntries(b []byte, feedback map[string]manifestEntry) []byte {
	b = append(b, '{')
	names := make([]string, 0, len(feedback))
	for name := range feedback {
		names = append(names, name)
	}
	slices.Sort(names)
	for i, name := range names {
		if i > 0 {
			b = append(b, ',')
		}
		e := feedback[name]
		b = append(b, "\n\t\t"...)
		b = appendJSONString(b, name)
		b = append(b, ": {\n\t\t\t\"digest\": "...)
		b = appendJSONString(b, e.Digest)
		if e.Annotated {
			b = append(b, ",\n\t\t\t\"annotated\": true"...)
		}
		if e.Retry != nil {
			b = appendStamp(b, e.Retry)
		}
		b = append(b, "\n\t\t}"...)
	}
	return append(b, "\n\t}"...)
}

func appendStamp(b []byte, s *fileStamp) []byte {
	b = append(b, ",\n\t\t\t\"retry\": "...)
	if !s.Exists && s.Size == 0 && s.MTime == 0 {
		return append(b, "{}"...)
	}
	b = append(b, '{')
	sep := "\n\t\t\t\t"
	if s.Exists {
		b = append(b, sep+"\"exists\": true"...)
		sep = ",\n\t\t\t\t"
	}
	if s.Size != 0 {
		b = append(b, sep+"\"size\": "...)
		b = strconv.AppendInt(b, s.Size, 10)
		sep = ",\n\t\t\t\t"
	}
	if s.MTime != 0 {
		b = append(b, sep+"\"mtime_ns\": "...)
		b = strconv.AppendInt(b, s.MTime, 10)
	}
	return append(b, "\n\t\t\t}"...)
}

// appendJSONString appends s quoted as encoding/json quotes it: a string of
// printable ASCII and valid UTF-8 without any character that encoding/json
// escapes is copied; any other goes through encoding/json.
func appendJSONString(b []byte, s string) []byte {
	if plainJSON(s) {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	q, _ := json.Marshal(s) // a string always marshals
	return append(b, q...)
}

// plainJSON: encoding/json writes s between quotes as it is.
func plainJSON(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			return false
		}
		i += size
	}
	return true
}

// decodeManifest reads what encodeManifest writes; ok is false for anything
// else (the caller then asks encoding/json).
func decodeManifest(data []byte) (m *manifest, ok bool) {
	d := manifestDecoder{data: data}
	if !d.lit("{\n\t\"version\": ") {
		return nil, false
	}
	version, ok := d.int()
	if !ok || !d.lit(",\n\t\"feedback\": {") {
		return nil, false
	}
	// Sized for its entries (one "digest" key each) instead of grown
	// through every size up to 100,000.
	m = &manifest{Version: int(version), Feedback: make(map[string]manifestEntry, bytes.Count(data, []byte(`"digest": `)))}
	if d.lit("}") {
		return m, d.buckets(m)
	}
	for first := true; ; first = false {
		if !first && !d.lit(",") {
			break
		}
		if !d.lit("\n\t\t") {
			return nil, false
		}
		name, ok := d.str()
		if !ok || !d.lit(": {\n\t\t\t\"digest\": ") {
			return nil, false
		}
		var e manifestEntry
		if e.Digest, ok = d.str(); !ok {
			return nil, false
		}
		e.Annotated = d.lit(",\n\t\t\t\"annotated\": true")
		if d.lit(",\n\t\t\t\"retry\": ") {
			if e.Retry, ok = d.stamp(); !ok {
				return nil, false
			}
		}
		if !d.lit("\n\t\t}") {
			return nil, false
		}
		if _, dup := m.Feedback[name]; dup {
			return nil, false
		}
		m.Feedback[name] = e
	}
	if !d.lit("\n\t}") {
		return nil, false
	}
	return m, d.buckets(m)
}

// buckets reads the manifest's end: its buckets, if any, then "}".
func (d *manifestDecoder) buckets(m *manifest) bool {
	if d.lit(",\n\t\"buckets\": {") {
		m.Buckets = map[string]string{}
		for first := true; ; first = false {
			if !first && !d.lit(",") {
				break
			}
			if !d.lit("\n\t\t") {
				return false
			}
			k, ok := d.str()
			if !ok || !d.lit(": ") {
				return false
			}
			v, ok := d.str()
			if !ok {
				return false
			}
			if _, dup := m.Buckets[k]; dup {
				return false
			}
			m.Buckets[k] = v
		}
		if !d.lit("\n\t}") {
			return false
		}
	}
	return d.lit("\n}") && d.end()
}

type manifestDecoder struct {
	data []byte
	pos  int
}

// lit consumes s if it comes next.
func (d *manifestDecoder) lit(s string) bool {
	if bytes.HasPrefix(d.data[d.pos:], []byte(s)) {
		d.pos += len(s)
		return true
	}
	return false
}

// end: nothing but a final newline (writeManifest adds one) is left.
func (d *manifestDecoder) end() bool {
	rest := d.data[d.pos:]
	return len(rest) == 0 || len(rest) == 1 && rest[0] == '\n'
}

func (d *manifestDecoder) int() (int64, bool) {
	start := d.pos
	if d.pos < len(d.data) && d.data[d.pos] == '-' {
		d.pos++
	}
	digits := d.pos
	for d.pos < len(d.data) && d.data[d.pos] >= '0' && d.data[d.pos] <= '9' {
		d.pos++
	}
	if d.pos-digits > 1 && d.data[digits] == '0' { // JSON has no leading zeros
		return 0, false
	}
	n, err := strconv.ParseInt(string(d.data[start:d.pos]), 10, 64)
	return n, err == nil
}

// str reads a quoted string: one without escapes as it is, one with them
// through encoding/json.
func (d *manifestDecoder) str() (string, bool) {
	if !d.lit(`"`) {
		return "", false
	}
	start := d.pos
	escaped := false
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case '\\':
			escaped = true
			d.pos += 2
			continue
		case '"':
			raw := d.data[start:d.pos]
			d.pos++
			if !escaped {
				if !utf8.Valid(raw) {
					return "", false
				}
				return string(raw), true
			}
			var s string
			if err := json.Unmarshal(d.data[start-1:d.pos], &s); err != nil {
				return "", false
			}
			return s, true
		}
		if d.data[d.pos] < 0x20 { // not allowed raw in JSON: encoding/json decides
			return "", false
		}
		d.pos++
	}
	return "", false
}

func (d *manifestDecoder) stamp() (*fileStamp, bool) {
	s := &fileStamp{}
	if d.lit("{}") {
		return s, true
	}
	if !d.lit("{") {
		return nil, false
	}
	sep := "\n\t\t\t\t"
	if d.lit(sep + `"exists": true`) {
		s.Exists = true
		sep = ",\n\t\t\t\t"
	}
	if d.lit(sep + `"size": `) {
		var ok bool
		if s.Size, ok = d.int(); !ok {
			return nil, false
		}
		sep = ",\n\t\t\t\t"
	}
	if d.lit(sep + `"mtime_ns": `) {
		var ok bool
		if s.MTime, ok = d.int(); !ok {
			return nil, false
		}
	}
	if !d.lit("\n\t\t\t}") {
		return nil, false
	}
	return s, true
}
