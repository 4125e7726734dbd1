package server

import (
	"strconv"

	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/proto"

	"github.com/sendgate/sendgate/internal/validate"

	// The proto codec, which Codec wraps, registers itself.
	_ "google.golang.org/grpc/encoding/proto"
)

// Codec is gRPC's proto codec, except for the requests sendgate decides:
// one whose bytes are not a valid message, or are more than any valid one
// takes, is handed to the service marked undecodable (see
// validate.MarkUndecodable) instead of failing in gRPC, which would answer
// INTERNAL; validation then refuses it with INVALID_ARGUMENT. A request
// that is too large is refused without being decoded.
func Codec() encoding.CodecV2 { return codec{encoding.GetCodecV2("proto")} }

type codec struct{ encoding.CodecV2 }

func (c codec) Unmarshal(data mem.BufferSlice, v any) error {
	limit := validate.MaxEncodedBytes(v)
	if limit == 0 {
		return c.CodecV2.Unmarshal(data, v)
	}
	m := v.(proto.Message)
	if n := data.Len(); n > limit {
		validate.MarkUndecodable(m, "is "+strconv.Itoa(n)+" bytes; no valid "+string(m.ProtoReflect().Descriptor().Name())+" is larger than "+strconv.Itoa(limit))
		return nil
	}
	if err := c.CodecV2.Unmarshal(data, v); err != nil {
		validate.MarkUndecodable(m, "is not a valid protobuf message: "+err.Error())
	}
	return nil
}
