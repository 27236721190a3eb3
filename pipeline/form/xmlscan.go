package form

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A minimal pull scanner for the SpreadsheetML parts the reader needs. It is
// several times faster than encoding/xml (which made excelize's row iterator
// take about 11 ms for a 200-row form) and tolerates what matters in
// practice: namespace prefixes (x:c), attributes in any order with either
// quote, self-closing tags, entities, CDATA, comments and processing
// instructions. Malformed input (an unterminated tag, comment or CDATA
// section) and a DOCTYPE end the scan and set bad: the reader rejects such
// a part as damaged instead of reading what came before it as if it were
// all. OOXML forbids DTDs and Excel refuses them; refusing them here also
// refuses every entity-expansion attack. Nesting depth costs nothing (no
// recursion). It never panics and never allocates beyond the part.

type tokKind uint8

const (
	tokStart tokKind = iota + 1 // <name ...> or <name .../> (self set)
	tokEnd                      // </name>
	tokText                     // character data between tags
)

type token struct {
	kind  tokKind
	name  []byte // local name, prefix removed
	attrs []byte // the raw attribute text of a start tag
	self  bool   // a self-closing start tag
	text  []byte // raw character data (entities not yet decoded)
	cdata bool   // text came from a CDATA section: no entities
}

type xmlScanner struct {
	b   []byte
	pos int
	// bad is set when the scan ended on malformed input or a DOCTYPE
	// rather than at the end of the part.
	bad bool
}

// problem is the damage the scan met, or nil.
func (s *xmlScanner) problem() *fileProblem {
	if s.bad {
		return problemDamaged("XML 内容格式错误")
	}
	return nil
}

// fail ends the scan on malformed input.
func (s *xmlScanner) fail() (token, bool) {
	s.bad = true
	s.pos = len(s.b)
	return token{}, false
}

func localName(n []byte) []byte {
	if i := bytes.LastIndexByte(n, ':'); i >= 0 {
		return n[i+1:]
	}
	return n
}

// next returns the next token; ok is false at the end or on malformed input.
func (s *xmlScanner) next() (t token, ok bool) {
	for s.pos < len(s.b) {
		b := s.b[s.pos:]
		if b[0] != '<' {
			i := bytes.IndexByte(b, '<')
			if i < 0 {
				i = len(b)
			}
			s.pos += i
			return token{kind: tokText, text: b[:i]}, true
		}
		switch {
		case len(b) > 1 && b[1] != '?' && b[1] != '!' && b[1] != '/':
			// the common case: a start tag, below
		case bytes.HasPrefix(b, []byte("<?")):
			i := bytes.Index(b, []byte("?>"))
			if i < 0 {
				return s.fail()
			}
			s.pos += i + 2
			continue
		case bytes.HasPrefix(b, []byte("<!--")):
			i := bytes.Index(b[4:], []byte("-->"))
			if i < 0 {
				return s.fail()
			}
			s.pos += 4 + i + 3
			continue
		case bytes.HasPrefix(b, []byte("<![CDATA[")):
			i := bytes.Index(b[9:], []byte("]]>"))
			if i < 0 {
				return s.fail()
			}
			s.pos += 9 + i + 3
			return token{kind: tokText, text: b[9 : 9+i], cdata: true}, true
		case bytes.HasPrefix(b, []byte("<!")):
			// A DOCTYPE (the only other <! construct) is refused.
			return s.fail()
		case len(b) > 1 && b[1] == '/':
			i := bytes.IndexByte(b, '>')
			if i < 0 {
				return s.fail()
			}
			s.pos += i + 1
			return token{kind: tokEnd, name: localName(bytes.TrimSpace(b[2:i]))}, true
		}
		// A start tag: find its '>' outside quoted attribute values.
		var quote byte
		end := -1
		for i := 1; i < len(b); i++ {
			c := b[i]
			if quote != 0 {
				if c == quote {
					quote = 0
				}
				continue
			}
			if c == '"' || c == '\'' {
				quote = c
			} else if c == '>' {
				end = i
				break
			}
		}
		if end < 0 {
			return s.fail()
		}
		s.pos += end + 1
		inner := b[1:end]
		self := len(inner) > 0 && inner[len(inner)-1] == '/'
		if self {
			inner = inner[:len(inner)-1]
		}
		n := 0
		for n < len(inner) && !isXMLSpace(inner[n]) {
			n++
		}
		return token{kind: tokStart, name: localName(inner[:n]), attrs: inner[n:], self: self}, true
	}
	return token{}, false
}

func isXMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// skip consumes tokens up to the end of the element whose start tag was just
// read (nothing for a self-closing one).
func (s *xmlScanner) skip(start token) {
	if start.self {
		return
	}
	depth := 1
	for depth > 0 {
		t, ok := s.next()
		if !ok {
			return
		}
		switch t.kind {
		case tokStart:
			if !t.self {
				depth++
			}
		case tokEnd:
			depth--
		}
	}
}

// nextAttr splits the first attribute off an attribute text: its local
// name, its raw (still escaped) value and the rest.
func nextAttr(attrs []byte) (name, val, rest []byte, ok bool) {
	i := 0
	for i < len(attrs) && isXMLSpace(attrs[i]) {
		i++
	}
	attrs = attrs[i:]
	eq := bytes.IndexByte(attrs, '=')
	if eq < 0 {
		return nil, nil, nil, false
	}
	name = localName(bytes.TrimSpace(attrs[:eq]))
	j := eq + 1
	for j < len(attrs) && isXMLSpace(attrs[j]) {
		j++
	}
	if j >= len(attrs) || (attrs[j] != '"' && attrs[j] != '\'') {
		return nil, nil, nil, false
	}
	q := attrs[j]
	end := bytes.IndexByte(attrs[j+1:], q)
	if end < 0 {
		return nil, nil, nil, false
	}
	return name, attrs[j+1 : j+1+end], attrs[j+2+end:], true
}

// attr returns the value of the attribute with the given local name.
func attr(attrs []byte, local string) (string, bool) {
	for {
		name, val, rest, ok := nextAttr(attrs)
		if !ok {
			return "", false
		}
		if string(name) == local {
			return unescape(val, false), true
		}
		attrs = rest
	}
}

func attrInt(attrs []byte, local string) (int, bool) {
	v, ok := attr(attrs, local)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	return n, err == nil
}

// unescape decodes the five XML entities and character references; an
// unknown entity stays as written. The result is always text that the
// warehouse and a workbook can hold (see xmlText).
func unescape(b []byte, cdata bool) string {
	if cdata || bytes.IndexByte(b, '&') < 0 {
		if needsClean(b) {
			return xmlText(string(b))
		}
		return string(b)
	}
	return xmlText(decodeEntities(b))
}

// needsClean reports whether b holds anything xmlText would change.
func needsClean(b []byte) bool {
	for i, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			return true
		}
		// U+FFFE, U+FFFF: EF BF BE, EF BF BF (other EF… are full-width forms)
		if c == 0xEF && i+2 < len(b) && b[i+1] == 0xBF && b[i+2] >= 0xBE {
			return true
		}
	}
	return !utf8.Valid(b)
}

// xmlText makes s valid UTF-8 holding only characters XML 1.0 allows: bytes
// that are not UTF-8 (a GBK string pasted into a part that says UTF-8)
// become U+FFFD, and control characters other than tab and line breaks,
// U+FFFE and U+FFFF (typed as &#1; or raw) are dropped. DuckDB refuses
// invalid UTF-8, which would fail the whole night's batch for one cell, and
// a control character would make the feedback workbook unreadable.
func xmlText(s string) string {
	if !needsClean([]byte(s)) {
		return s
	}
	var out strings.Builder
	out.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size <= 1:
			out.WriteRune(utf8.RuneError)
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r', r == 0xFFFE, r == 0xFFFF:
		default:
			out.WriteRune(r)
		}
	}
	return out.String()
}

func decodeEntities(b []byte) string {
	var out strings.Builder
	out.Grow(len(b))
	for len(b) > 0 {
		i := bytes.IndexByte(b, '&')
		if i < 0 {
			out.Write(b)
			break
		}
		out.Write(b[:i])
		b = b[i:]
		semi := bytes.IndexByte(b, ';')
		if semi < 0 || semi > 12 {
			out.WriteByte('&')
			b = b[1:]
			continue
		}
		ent := string(b[1:semi])
		switch ent {
		case "lt":
			out.WriteByte('<')
		case "gt":
			out.WriteByte('>')
		case "amp":
			out.WriteByte('&')
		case "quot":
			out.WriteByte('"')
		case "apos":
			out.WriteByte('\'')
		default:
			r, ok := charRef(ent)
			if !ok {
				out.WriteByte('&')
				b = b[1:]
				continue
			}
			out.WriteRune(r)
		}
		b = b[semi+1:]
	}
	return out.String()
}

func charRef(ent string) (rune, bool) {
	if len(ent) < 2 || ent[0] != '#' {
		return 0, false
	}
	var n uint64
	var err error
	if ent[1] == 'x' || ent[1] == 'X' {
		n, err = strconv.ParseUint(ent[2:], 16, 32)
	} else {
		n, err = strconv.ParseUint(ent[1:], 10, 32)
	}
	if err != nil || !utf8.ValidRune(rune(n)) {
		return 0, false
	}
	return rune(n), true
}

// richText collects the text of an <si> or <is> element (the start tag just
// read): its <t> elements, directly or inside runs <r>, skipping phonetic
// runs <rPh>, as Excel shows the string.
func (s *xmlScanner) richText(start token, limit int) (text string, tooLong bool) {
	if start.self {
		return "", false
	}
	var b strings.Builder
	depth, inT, inPh := 1, false, 0
	for depth > 0 {
		t, ok := s.next()
		if !ok {
			break
		}
		switch t.kind {
		case tokStart:
			if t.self {
				continue
			}
			depth++
			switch string(t.name) {
			case "t":
				inT = true
			case "rPh":
				inPh++
			}
		case tokEnd:
			depth--
			switch string(t.name) {
			case "t":
				inT = false
			case "rPh":
				inPh--
			}
		case tokText:
			if inT && inPh == 0 {
				if b.Len()+len(t.text) > limit {
					tooLong = true
					continue
				}
				b.WriteString(unescape(t.text, t.cdata))
			}
		}
	}
	return b.String(), tooLong
}

// colIndex converts the letters of an A1 reference to a 1-based column
// number (0 when there are none or too many).
func colIndex(ref string) int {
	n := 0
	for i := 0; i < len(ref); i++ {
		c := ref[i] | 0x20
		if c < 'a' || c > 'z' {
			break
		}
		n = n*26 + int(c-'a'+1)
		if n > 16384 {
			return 0
		}
	}
	return n
}

// refRow is the row number of an A1 reference (0 when absent).
func refRow(ref string) int {
	i := 0
	for i < len(ref) && (ref[i]|0x20) >= 'a' && (ref[i]|0x20) <= 'z' {
		i++
	}
	n, err := strconv.Atoi(ref[i:])
	if err != nil || n < 1 {
		return 0
	}
	return n
}

// colName converts a 1-based column number to letters (1 → A, 27 → AA).
func colName(n int) string {
	var buf [4]byte
	i := len(buf)
	for n > 0 && i > 0 {
		n--
		i--
		buf[i] = byte('A' + n%26)
		n /= 26
	}
	return string(buf[i:])
}

func cellRef(col, row int) string { return colName(col) + strconv.Itoa(row) }
