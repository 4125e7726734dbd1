package validate

import (
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// undecodableField is the field number that marks a request whose bytes
// could not be decoded: the largest a message may have, which no sendgate
// message defines.
const undecodableField protowire.Number = protowire.MaxValidNumber

// MarkUndecodable empties m and records why its bytes could not be decoded,
// so that validation refuses it with a field violation: gRPC reports a
// failed decode as INTERNAL before any handler or interceptor sees it,
// while a request that is not a valid message is the caller's error.
func MarkUndecodable(m proto.Message, why string) {
	proto.Reset(m)
	var b []byte
	b = protowire.AppendTag(b, undecodableField, protowire.BytesType)
	b = protowire.AppendString(b, why)
	m.ProtoReflect().SetUnknown(protoreflect.RawFields(b))
}

// undecodable returns why m was marked undecodable, if it was.
func undecodable(m proto.Message) (string, bool) {
	raw := m.ProtoReflect().GetUnknown()
	for len(raw) > 0 {
		num, typ, n := protowire.ConsumeTag(raw)
		if n < 0 {
			return "", false
		}
		raw = raw[n:]
		if num == undecodableField && typ == protowire.BytesType {
			why, m := protowire.ConsumeString(raw)
			if m < 0 {
				return "", false
			}
			return why, true
		}
		m := protowire.ConsumeFieldValue(num, typ, raw)
		if m < 0 {
			return "", false
		}
		raw = raw[m:]
	}
	return "", false
}
