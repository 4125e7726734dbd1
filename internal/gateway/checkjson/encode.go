package checkjson

import (
	"bytes"
	"math/bits"
	"strconv"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protojson"

	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// Marshal is how the answers are written: every field, as "sendgate
// check" prints them.
var Marshal = protojson.MarshalOptions{EmitUnpopulated: true}

// comma is what protojson puts between two members or elements on one
// line: "," or, in some binaries, ", " (protojson adds a space by a hash of
// the binary, to keep callers from depending on its bytes). It is read
// from protojson itself.
var comma = func() string {
	b, err := Marshal.Marshal(&sendgatev1.Reason{})
	if err == nil && bytes.Contains(b, []byte(", ")) {
		return ", "
	}
	return ","
}()

// AppendCheckResponse appends m as protojson writes it with Marshal and
// reports whether it could; when it could not (a string that is not UTF-8,
// a nil element), the caller uses protojson, which also says why.
func AppendCheckResponse(b []byte, m *sendgatev1.CheckResponse) ([]byte, bool) {
	b = append(b, `{"decision":`...)
	b = appendEnum(b, int32(m.GetDecision()), sendgatev1.Decision_name)
	b = append(b, comma...)
	b = append(b, `"reasons":`...)
	b, ok := appendReasons(b, m.GetReasons())
	if !ok {
		return b, false
	}
	b = append(b, comma...)
	b = append(b, `"advice":`...)
	if b, ok = appendReasons(b, m.GetAdvice()); !ok {
		return b, false
	}
	b = append(b, comma...)
	b = append(b, `"decisionId":`...)
	b, ok1 := appendString(b, m.GetDecisionId())
	b = append(b, comma...)
	b = append(b, `"bundleRevision":`...)
	b, ok2 := appendString(b, m.GetBundleRevision())
	b = append(b, comma...)
	b = append(b, `"requestId":`...)
	b, ok3 := appendString(b, m.GetRequestId())
	return append(b, '}'), ok1 && ok2 && ok3
}

// SizeHint is about the length of m's JSON, a little more unless its
// strings have many characters to escape, for sizing the buffer once.
func SizeHint(m *sendgatev1.CheckResponse) int {
	n := 128 + len(m.GetDecisionId()) + len(m.GetBundleRevision()) + len(m.GetRequestId())
	for _, rs := range [][]*sendgatev1.Reason{m.GetReasons(), m.GetAdvice()} {
		for _, r := range rs {
			n += 64 + len(r.GetCode()) + len(r.GetMessage()) + len(r.GetPolicy()) + len(r.GetEvidence())
		}
	}
	return n + n/16
}

// AppendCheckBatchResponse is AppendCheckResponse for a batch. An item's
// error, a google.rpc.Status with Any details, is written by protojson.
func AppendCheckBatchResponse(b []byte, m *sendgatev1.CheckBatchResponse) ([]byte, bool) {
	b = append(b, `{"results":[`...)
	for i, r := range m.GetResults() {
		if r == nil {
			return b, false
		}
		if i > 0 {
			b = append(b, comma...)
		}
		switch x := r.GetResult().(type) {
		case nil:
			b = append(b, "{}"...)
		case *sendgatev1.CheckBatchResult_Response:
			if x.Response == nil {
				return b, false
			}
			b = append(b, `{"response":`...)
			var ok bool
			if b, ok = AppendCheckResponse(b, x.Response); !ok {
				return b, false
			}
			b = append(b, '}')
		case *sendgatev1.CheckBatchResult_Error:
			if x.Error == nil {
				return b, false
			}
			st, err := Marshal.Marshal(x.Error)
			if err != nil {
				return b, false
			}
			b = append(b, `{"error":`...)
			b = append(b, st...)
			b = append(b, '}')
		default:
			return b, false
		}
	}
	return append(b, "]}"...), true
}

func appendReasons(b []byte, rs []*sendgatev1.Reason) ([]byte, bool) {
	b = append(b, '[')
	for i, r := range rs {
		if r == nil {
			return b, false
		}
		if i > 0 {
			b = append(b, comma...)
		}
		var ok1, ok2, ok3, ok4 bool
		b = append(b, `{"code":`...)
		b, ok1 = appendString(b, r.GetCode())
		b = append(b, comma...)
		b = append(b, `"message":`...)
		b, ok2 = appendString(b, r.GetMessage())
		b = append(b, comma...)
		b = append(b, `"policy":`...)
		b, ok3 = appendString(b, r.GetPolicy())
		b = append(b, comma...)
		b = append(b, `"evidence":`...)
		b, ok4 = appendString(b, r.GetEvidence())
		if !ok1 || !ok2 || !ok3 || !ok4 {
			return b, false
		}
		b = append(b, '}')
	}
	return append(b, ']'), true
}

// appendEnum writes an enum value by name, or its number when it has none,
// as protojson does.
func appendEnum(b []byte, v int32, names map[int32]string) []byte {
	if name, ok := names[v]; ok {
		b = append(b, '"')
		b = append(b, name...)
		return append(b, '"')
	}
	return strconv.AppendInt(b, int64(v), 10)
}

// appendString quotes s as protojson does: only '"', '\\' and control
// characters escaped (\b \f \n \r \t or \u00XX), the rest as is; false
// for a string that is not UTF-8, which protojson refuses.
func appendString(b []byte, s string) ([]byte, bool) {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				return b, false
			}
			i += n
			continue
		}
		if c >= ' ' && c != '"' && c != '\\' {
			i++
			continue
		}
		b = append(b, s[start:i]...)
		b = append(b, '\\')
		switch c {
		case '"', '\\':
			b = append(b, c)
		case '\b':
			b = append(b, 'b')
		case '\f':
			b = append(b, 'f')
		case '\n':
			b = append(b, 'n')
		case '\r':
			b = append(b, 'r')
		case '\t':
			b = append(b, 't')
		default:
			b = append(b, 'u')
			b = append(b, "0000"[1+(bits.Len32(uint32(c))-1)/4:]...)
			b = strconv.AppendUint(b, uint64(c), 16)
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"'), true
}
