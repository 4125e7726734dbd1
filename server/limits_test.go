package server_test

import (
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/sendgate/sendgate/internal/testkit"
	"github.com/sendgate/sendgate/internal/validate"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// rawCodec sends bytes as they are, to put arbitrary bytes on the wire.
type rawCodec struct{}

func (rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	return mem.BufferSlice{mem.SliceBuffer(v.([]byte))}, nil
}
func (rawCodec) Unmarshal(data mem.BufferSlice, v any) error {
	*(v.(*[]byte)) = data.Materialize()
	return nil
}
func (rawCodec) Name() string { return "proto" }

func TestRequestsThatCannotBeDecodedAreInvalidArgument(t *testing.T) {
	h := start(t, false, nil)
	// Items in a request are at most validate.MaxItems; this one, within
	// the server's byte limit but beyond any valid request, is refused
	// undecoded.
	huge := testkit.Utility()
	for range 20000 {
		huge.Message.Items = append(huge.Message.Items, &sendgatev1.Item{Name: "thing", ProductType: "apparel"})
	}
	hugeBytes, err := proto.Marshal(huge)
	if err != nil {
		t.Fatal(err)
	}
	if len(hugeBytes) <= validate.MaxRequestBytes || len(hugeBytes) >= validate.MaxBatchBytes {
		t.Fatalf("test request is %d bytes; want between %d and %d", len(hugeBytes), validate.MaxRequestBytes, validate.MaxBatchBytes)
	}
	for name, tc := range map[string]struct {
		wire []byte
		code codes.Code
		msg  string
	}{
		"truncated_varint":      {[]byte{0x0a, 0xff}, codes.InvalidArgument, "not a valid protobuf message"},
		"wrong_wire_type":       {[]byte{0x0b, 0x01}, codes.InvalidArgument, "not a valid protobuf message"},
		"invalid_utf8_string":   {[]byte{0x0a, 0x02, 0xff, 0xfe}, codes.InvalidArgument, "not a valid protobuf message"},
		"larger_than_any_valid": {hugeBytes, codes.InvalidArgument, "no valid"},
		"larger_than_the_limit": {make([]byte, validate.MaxBatchBytes+1), codes.ResourceExhausted, "larger than max"},
	} {
		t.Run(name, func(t *testing.T) {
			var out []byte
			err := h.conn.Invoke(testkit.Context(t), "/sendgate.v1.DecisionService/Check", tc.wire, &out,
				grpc.ForceCodecV2(rawCodec{}), grpc.MaxCallSendMsgSize(64<<20))
			if status.Code(err) != tc.code || !strings.Contains(status.Convert(err).Message(), tc.msg) {
				t.Fatalf("got %v, want %v mentioning %q", err, tc.code, tc.msg)
			}
		})
	}
	// The server carries on.
	if _, err := h.client.Check(testkit.Context(t), testkit.Utility()); err != nil {
		t.Fatal(err)
	}
}
