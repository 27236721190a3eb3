package xlsx

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

// TokenKind is what a Token is.
type TokenKind uint8

const (
	StartElement TokenKind = iota + 1 // <name ...> or <name .../> (self set)
	EndElement                        // </name>
	CharData                          // character data between tags
)

// Token is one step of a Scanner. Its byte slices point into the scanned
// part.
type Token struct {
	Kind  TokenKind
	Name  []byte // local name, prefix removed
	Attrs []byte // the raw attribute text of a start tag
	Self  bool   // a self-closing start tag
	Text  []byte // raw character data (entities not yet decoded)
	CDATA bool   // text came from a CDATA section: no entities
}

// Scanner is the pull scanner over one part's bytes.
type Scanner struct {
	b   []byte
	pos int
	// start is where the token Next returned last begins (after any
	// comment or processing instruction it skipped): annotated copies
	// splice at token boundaries.
	start int
	// bad is set when the scan ended on malformed input or a DOCTYPE
	// rather than at the end of the part.
	bad bool
}

// NewScanner scans b from its start.
func NewScanner(b []byte) *Scanner { return &Scanner{b: b} }

// Problem is the damage the scan met (a not_xlsx Problem), or nil.
func (s *Scanner) Problem() *Problem {
	if s.bad {
		return problemDamaged("XML 内容格式错误")
	}
	return nil
}

// fail ends the scan on malformed input.
func (s *Scanner) fail() (Token, bool) {
	s.bad = true
	s.pos = len(s.b)
	return Token{}, false
}

func localName(n []byte) []byte {
	if i := bytes.LastIndexByte(n, ':'); i >= 0 {
		return n[i+1:]
	}
	return n
}

// Next returns the next token; ok is false at the end or on malformed input.
func (s *Scanner) Next() (t Token, ok bool) {
	for s.pos < len(s.b) {
		s.start = s.pos
		b := s.b[s.pos:]
		if b[0] != '<' {
			i := bytes.IndexByte(b, '<')
			if i < 0 {
				i = len(b)
			}
			s.pos += i
			return Token{Kind: CharData, Text: b[:i]}, true
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
			return Token{Kind: CharData, Text: b[9 : 9+i], CDATA: true}, true
		case bytes.HasPrefix(b, []byte("<!")):
			// A DOCTYPE (the only other <! construct) is refused.
			return s.fail()
		case len(b) > 1 && b[1] == '/':
			i := bytes.IndexByte(b, '>')
			if i < 0 {
				return s.fail()
			}
			s.pos += i + 1
			return Token{Kind: EndElement, Name: localName(bytes.TrimSpace(b[2:i]))}, true
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
		return Token{Kind: StartElement, Name: localName(inner[:n]), Attrs: inner[n:], Self: self}, true
	}
	return Token{}, false
}

func isXMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// Skip consumes tokens up to the end of the element whose start tag was just
// read (nothing for a self-closing one).
func (s *Scanner) Skip(start Token) {
	if start.Self {
		return
	}
	depth := 1
	for depth > 0 {
		t, ok := s.Next()
		if !ok {
			return
		}
		switch t.Kind {
		case StartElement:
			if !t.Self {
				depth++
			}
		case EndElement:
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

// Attr returns the value of the attribute with the given local name in a
// start tag's Attrs, entities decoded.
func Attr(attrs []byte, local string) (string, bool) {
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
	v, ok := Attr(attrs, local)
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
func (s *Scanner) richText(start Token, limit int) (text string, tooLong bool) {
	if start.Self {
		return "", false
	}
	var b strings.Builder
	depth, inT, inPh := 1, false, 0
	for depth > 0 {
		t, ok := s.Next()
		if !ok {
			break
		}
		switch t.Kind {
		case StartElement:
			if t.Self {
				continue
			}
			depth++
			switch string(t.Name) {
			case "t":
				inT = true
			case "rPh":
				inPh++
			}
		case EndElement:
			depth--
			switch string(t.Name) {
			case "t":
				inT = false
			case "rPh":
				inPh--
			}
		case CharData:
			if inT && inPh == 0 {
				if b.Len()+len(t.Text) > limit {
					tooLong = true
					continue
				}
				b.WriteString(unescape(t.Text, t.CDATA))
			}
		}
	}
	return b.String(), tooLong
}

// ColIndex converts the letters of an A1 reference to a 1-based column
// number (0 when there are none or too many).
func ColIndex(ref string) int {
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

// RefRow is the row number of an A1 reference (0 when absent).
func RefRow(ref string) int {
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

// ColName converts a 1-based column number to letters (1 → A, 27 → AA).
func ColName(n int) string {
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

// CellRef is the A1 reference of a cell (1-based column and row).
func CellRef(col, row int) string { return ColName(col) + strconv.Itoa(row) }
