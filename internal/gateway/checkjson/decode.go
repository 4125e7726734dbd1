// Package checkjson reads CheckRequest and CheckBatchRequest from JSON and
// writes CheckResponse and CheckBatchResponse to JSON without protojson's
// reflection, for the HTTP/JSON gateway's hot path.
//
// It is a fast path, not a second parser: the decoder takes only what it
// can read exactly as protojson would (field names in lowerCamelCase or as
// in the proto, enums by name or number, null for a field, RFC 3339
// timestamps, every string escape) and gives up on anything else — an
// unknown or repeated field, a token out of place, invalid UTF-8, a number
// it does not read — so that the caller hands the body to protojson, whose
// message and refusals stay the API's. The encoder writes the bytes
// protojson.MarshalOptions{EmitUnpopulated: true} writes. The fuzz tests
// hold both to protojson.
package checkjson

import (
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"

	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// fieldNames maps a message's JSON and proto field names to field numbers,
// as protojson looks them up (ByJSONName, then ByTextName).
type fieldNames map[string]protoreflect.FieldNumber

func namesOf(m protoreflect.ProtoMessage) fieldNames {
	fields := m.ProtoReflect().Descriptor().Fields()
	out := make(fieldNames, 2*fields.Len())
	for i := range fields.Len() {
		fd := fields.Get(i)
		out[fd.TextName()] = fd.Number()
		out[fd.JSONName()] = fd.Number() // the JSON name wins, as in protojson
	}
	return out
}

var (
	checkRequestNames      = namesOf(&sendgatev1.CheckRequest{})
	businessNames          = namesOf(&sendgatev1.Business{})
	governmentProgramNames = namesOf(&sendgatev1.GovernmentProgram{})
	recipientNames         = namesOf(&sendgatev1.Recipient{})
	messageNames           = namesOf(&sendgatev1.Message{})
	templateNames          = namesOf(&sendgatev1.Template{})
	buttonNames            = namesOf(&sendgatev1.Button{})
	itemNames              = namesOf(&sendgatev1.Item{})
	consentNames           = namesOf(&sendgatev1.Consent{})
	conversationNames      = namesOf(&sendgatev1.Conversation{})
	batchRequestNames      = namesOf(&sendgatev1.CheckBatchRequest{})
)

// DecodeCheckRequest reads data into m (reset first) and reports whether
// it could; when it could not, m is to be read with protojson instead.
func DecodeCheckRequest(data []byte, m *sendgatev1.CheckRequest) bool {
	m.Reset()
	s := scanner{b: data}
	return s.checkRequest(m) && s.end()
}

// DecodeCheckBatchRequest is DecodeCheckRequest for a batch.
func DecodeCheckBatchRequest(data []byte, m *sendgatev1.CheckBatchRequest) bool {
	m.Reset()
	s := scanner{b: data}
	ok := s.object(batchRequestNames, func(n protoreflect.FieldNumber) bool {
		// Field 1, requests, is the only one.
		return s.list(func() bool {
			r := &sendgatev1.CheckRequest{}
			m.Requests = append(m.Requests, r)
			return s.checkRequest(r)
		})
	})
	return ok && s.end()
}

// scanner reads JSON from b; every method reports false on anything it
// does not take, leaving the whole body to protojson.
type scanner struct {
	b   []byte
	i   int
	buf []byte // unescaped strings
}

func (s *scanner) skipSpace() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek returns the next byte after white space, 0 at the end.
func (s *scanner) peek() byte {
	s.skipSpace()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *scanner) consume(c byte) bool {
	if s.peek() == c {
		s.i++
		return true
	}
	return false
}

// end reports whether nothing but white space is left.
func (s *scanner) end() bool {
	s.skipSpace()
	return s.i == len(s.b)
}

// null consumes a null, if that is next.
func (s *scanner) null() bool {
	if s.peek() == 'n' && len(s.b)-s.i >= 4 && string(s.b[s.i:s.i+4]) == "null" {
		s.i += 4
		return true
	}
	return false
}

// object reads an object whose members names knows: field is called with
// each member's number, the scanner before its value, which field reads. A
// field named twice, an unknown name and a null value (which protojson
// skips, so field is not called) follow protojson.
func (s *scanner) object(names fieldNames, field func(protoreflect.FieldNumber) bool) bool {
	if !s.consume('{') {
		return false
	}
	if s.consume('}') {
		return true
	}
	var seen uint64
	for {
		name, ok := s.rawString()
		if !ok {
			return false
		}
		n := names[string(name)]
		if n <= 0 || n >= 64 || seen&(1<<n) != 0 {
			return false // unknown or duplicate: protojson says which
		}
		seen |= 1 << n
		if !s.consume(':') {
			return false
		}
		if !s.null() && !field(n) {
			return false
		}
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			return true
		default:
			return false
		}
	}
}

// list reads an array, calling elem before each element, which elem reads.
func (s *scanner) list(elem func() bool) bool {
	if !s.consume('[') {
		return false
	}
	if s.consume(']') {
		return true
	}
	for {
		if s.peek() == 'n' || !elem() { // null elements are protojson's to refuse
			return false
		}
		switch s.peek() {
		case ',':
			s.i++
		case ']':
			s.i++
			return true
		default:
			return false
		}
	}
}

// rawString reads a string; the bytes are the input's or s.buf's, valid
// until the next call.
func (s *scanner) rawString() ([]byte, bool) {
	if !s.consume('"') {
		return nil, false
	}
	start := s.i
	if !s.plain() {
		return nil, false
	}
	if s.b[s.i] == '"' {
		s.i++
		return s.b[start : s.i-1], true
	}
	return s.escaped(start)
}

// plain moves past characters that stand for themselves, to the next '"'
// or '\\', and reports false at a control character, at invalid UTF-8 or
// at the end of the input.
func (s *scanner) plain() bool {
	start, ascii := s.i, true
	for ; s.i < len(s.b); s.i++ {
		c := s.b[s.i]
		if c == '"' || c == '\\' {
			return ascii || utf8.Valid(s.b[start:s.i])
		}
		if c < ' ' {
			return false
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	return false
}

// escaped finishes a string that has escapes, from start, as protojson's
// decoder reads them.
func (s *scanner) escaped(start int) ([]byte, bool) {
	out := append(s.buf[:0], s.b[start:s.i]...)
	for {
		// At a '"' or a '\\'.
		if s.b[s.i] == '"' {
			s.i++
			s.buf = out
			return out, true
		}
		if len(s.b)-s.i < 2 {
			return nil, false
		}
		switch e := s.b[s.i+1]; e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := s.hex4(s.i + 2)
			if !ok {
				return nil, false
			}
			if utf16.IsSurrogate(r) {
				// A surrogate must be followed by its pair.
				if len(s.b)-s.i < 12 || s.b[s.i+6] != '\\' || s.b[s.i+7] != 'u' {
					return nil, false
				}
				r2, ok := s.hex4(s.i + 8)
				if !ok {
					return nil, false
				}
				if r = utf16.DecodeRune(r, r2); r == utf8.RuneError {
					return nil, false
				}
				s.i += 6
			}
			out = utf8.AppendRune(out, r)
			s.i += 4
		default:
			return nil, false
		}
		s.i += 2
		from := s.i
		if !s.plain() {
			return nil, false
		}
		out = append(out, s.b[from:s.i]...)
	}
}

// hex4 reads the four hex digits at i.
func (s *scanner) hex4(i int) (rune, bool) {
	if len(s.b)-i < 4 {
		return 0, false
	}
	var r rune
	for _, c := range s.b[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			r = r<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

func (s *scanner) str(dst *string) bool {
	b, ok := s.rawString()
	if ok {
		*dst = string(b)
	}
	return ok
}

func (s *scanner) boolean(dst *bool) bool {
	switch {
	case s.peek() == 't' && len(s.b)-s.i >= 4 && string(s.b[s.i:s.i+4]) == "true":
		*dst = true
		s.i += 4
	case s.peek() == 'f' && len(s.b)-s.i >= 5 && string(s.b[s.i:s.i+5]) == "false":
		*dst = false
		s.i += 5
	default:
		return false
	}
	return true
}

// enum reads an enum value by name (of values) or as a plain integer in
// int32's range, which protojson takes even when no value has it.
func (s *scanner) enum(values map[string]int32) (int32, bool) {
	switch c := s.peek(); {
	case c == '"':
		name, ok := s.rawString()
		if !ok {
			return 0, false
		}
		v, ok := values[string(name)]
		return v, ok
	case c == '-' || '0' <= c && c <= '9':
		neg := c == '-'
		if neg {
			s.i++
		}
		start := s.i
		var n int64
		for s.i < len(s.b) && '0' <= s.b[s.i] && s.b[s.i] <= '9' {
			n = n*10 + int64(s.b[s.i]-'0')
			if n > 1<<31 {
				return 0, false
			}
			s.i++
		}
		digits := s.i - start
		if digits == 0 || digits > 1 && s.b[start] == '0' {
			return 0, false
		}
		if s.i < len(s.b) {
			if c := s.b[s.i]; c == '.' || c == 'e' || c == 'E' {
				return 0, false // protojson's to read
			}
		}
		if neg {
			n = -n
		}
		if n < -1<<31 || n > 1<<31-1 {
			return 0, false
		}
		return int32(n), true
	}
	return 0, false
}

// Bounds of google.protobuf.Timestamp, as protojson checks them.
const (
	minTimestampSeconds = -62135596800
	maxTimestampSeconds = 253402300799
)

// timestamp reads a google.protobuf.Timestamp exactly as protojson does.
func (s *scanner) timestamp(dst **timestamppb.Timestamp) bool {
	b, ok := s.rawString()
	if !ok {
		return false
	}
	str := string(b)
	t, err := time.Parse(time.RFC3339Nano, str)
	if err != nil {
		return false
	}
	secs := t.Unix()
	if secs < minTimestampSeconds || secs > maxTimestampSeconds {
		return false
	}
	i := strings.LastIndexByte(str, '.')
	j := strings.LastIndexAny(str, "Z-+")
	if i >= 0 && j >= i && j-i > len(".999999999") {
		return false
	}
	*dst = &timestamppb.Timestamp{Seconds: secs, Nanos: int32(t.Nanosecond())}
	return true
}

func (s *scanner) checkRequest(m *sendgatev1.CheckRequest) bool {
	return s.object(checkRequestNames, func(n protoreflect.FieldNumber) bool {
		switch n {
		case 1:
			return s.str(&m.RequestId)
		case 2:
			return s.timestamp(&m.SendTime)
		case 3:
			m.Business = &sendgatev1.Business{}
			return s.business(m.Business)
		case 4:
			m.Recipient = &sendgatev1.Recipient{}
			return s.recipient(m.Recipient)
		case 5:
			m.Message = &sendgatev1.Message{}
			return s.message(m.Message)
		case 6:
			m.Consent = &sendgatev1.Consent{}
			return s.consent(m.Consent)
		case 7:
			m.Conversation = &sendgatev1.Conversation{}
			return s.object(conversationNames, func(protoreflect.FieldNumber) bool {
				return s.timestamp(&m.Conversation.LastInboundAt)
			})
		}
		return false
	})
}

func (s *scanner) business(m *sendgatev1.Business) bool {
	return s.object(businessNames, func(n protoreflect.FieldNumber) bool {
		switch n {
		case 1:
			return s.str(&m.Id)
		case 2:
			return s.str(&m.DisplayName)
		case 3:
			return s.str(&m.Vertical)
		case 4:
			g := &sendgatev1.GovernmentProgram{}
			m.GovernmentProgram = g
			return s.object(governmentProgramNames, func(n protoreflect.FieldNumber) bool {
				if n == 1 {
					return s.boolean(&g.Enrolled)
				}
				return s.str(&g.Area)
			})
		case 5:
			return s.str(&m.Country)
		}
		return false
	})
}

func (s *scanner) recipient(m *sendgatev1.Recipient) bool {
	return s.object(recipientNames, func(n protoreflect.FieldNumber) bool {
		switch n {
		case 1:
			return s.str(&m.Phone)
		case 2:
			return s.str(&m.Country)
		case 3:
			return s.str(&m.Locale)
		}
		return false
	})
}

func (s *scanner) message(m *sendgatev1.Message) bool {
	return s.object(messageNames, func(n protoreflect.FieldNumber) bool {
		var ok bool
		switch n {
		case 1:
			var v int32
			v, ok = s.enum(sendgatev1.Category_value)
			m.Category = sendgatev1.Category(v)
		case 2:
			var v int32
			v, ok = s.enum(sendgatev1.MessageType_value)
			m.Type = sendgatev1.MessageType(v)
		case 3:
			ok = s.str(&m.Text)
		case 4:
			m.Template = &sendgatev1.Template{}
			ok = s.template(m.Template)
		case 5:
			ok = s.list(func() bool {
				b := &sendgatev1.Button{}
				m.Buttons = append(m.Buttons, b)
				return s.button(b)
			})
		case 6:
			ok = s.list(func() bool {
				it := &sendgatev1.Item{}
				m.Items = append(m.Items, it)
				return s.item(it)
			})
		}
		return ok
	})
}

func (s *scanner) template(m *sendgatev1.Template) bool {
	return s.object(templateNames, func(n protoreflect.FieldNumber) bool {
		var ok bool
		switch n {
		case 1:
			ok = s.str(&m.Name)
		case 2:
			ok = s.str(&m.Language)
		case 3:
			var v int32
			v, ok = s.enum(sendgatev1.TemplateStatus_value)
			m.Status = sendgatev1.TemplateStatus(v)
		case 4:
			var v int32
			v, ok = s.enum(sendgatev1.Category_value)
			m.Category = sendgatev1.Category(v)
		}
		return ok
	})
}

func (s *scanner) button(m *sendgatev1.Button) bool {
	return s.object(buttonNames, func(n protoreflect.FieldNumber) bool {
		switch n {
		case 1:
			v, ok := s.enum(sendgatev1.ButtonType_value)
			m.Type = sendgatev1.ButtonType(v)
			return ok
		case 2:
			return s.str(&m.Text)
		case 3:
			return s.str(&m.Url)
		}
		return false
	})
}

func (s *scanner) item(m *sendgatev1.Item) bool {
	return s.object(itemNames, func(n protoreflect.FieldNumber) bool {
		switch n {
		case 1:
			return s.str(&m.Name)
		case 2:
			v, ok := s.enum(sendgatev1.ItemKind_value)
			m.Kind = sendgatev1.ItemKind(v)
			return ok
		case 3:
			return s.str(&m.ProductType)
		}
		return false
	})
}

func (s *scanner) consent(m *sendgatev1.Consent) bool {
	return s.object(consentNames, func(n protoreflect.FieldNumber) bool {
		switch n {
		case 1:
			return s.timestamp(&m.OptedInAt)
		case 2:
			return s.str(&m.Channel)
		case 3:
			return s.str(&m.Wording)
		case 4:
			return s.list(func() bool {
				v, ok := s.enum(sendgatev1.Category_value)
				m.Scopes = append(m.Scopes, sendgatev1.Category(v))
				return ok
			})
		case 5:
			return s.timestamp(&m.OptedOutAt)
		}
		return false
	})
}
