package checkjson

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	spb "google.golang.org/genproto/googleapis/rpc/status"

	"github.com/sendgate/sendgate/internal/workload"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// agree decodes body with the fast path and with protojson: when the fast
// path takes the body, protojson must take it too and give the same
// message. It reports whether the fast path took it.
func agree(t *testing.T, body []byte) bool {
	t.Helper()
	fast := &sendgatev1.CheckRequest{RequestId: "left over"}
	ok := DecodeCheckRequest(body, fast)
	ref := &sendgatev1.CheckRequest{}
	refErr := protojson.Unmarshal(body, ref)
	if ok && refErr != nil {
		t.Fatalf("the fast path took %q, which protojson refuses: %v", body, refErr)
	}
	if ok && !proto.Equal(fast, ref) {
		t.Fatalf("%q:\nfast      %v\nprotojson %v", body, fast, ref)
	}
	batch := append(append([]byte(`{"requests": [`), body...), "]}"...)
	fastBatch := &sendgatev1.CheckBatchRequest{}
	okBatch := DecodeCheckBatchRequest(batch, fastBatch)
	refBatch := &sendgatev1.CheckBatchRequest{}
	refBatchErr := protojson.Unmarshal(batch, refBatch)
	if okBatch && (refBatchErr != nil || !proto.Equal(fastBatch, refBatch)) {
		t.Fatalf("batch %q:\nfast      %v\nprotojson %v (%v)", batch, fastBatch, refBatch, refBatchErr)
	}
	if ok && !okBatch {
		t.Fatalf("%q: taken alone, not in a batch", body)
	}
	return ok
}

const full = `{"requestId": "r-1", "sendTime": "2026-11-20T10:00:00Z",
 "business": {"id": "biz-acme", "displayName": "Acme Shoes", "vertical": "government", "country": "NL",
  "governmentProgram": {"enrolled": true, "area": "public_health"}},
 "recipient": {"phone": "+31612345678", "country": "NL", "locale": "nl_NL"},
 "message": {"category": "CATEGORY_MARKETING", "type": "MESSAGE_TYPE_INTERACTIVE", "text": "Winter sale",
  "template": {"name": "t", "language": "en", "status": "TEMPLATE_STATUS_APPROVED", "category": "CATEGORY_MARKETING"},
  "buttons": [{"type": "BUTTON_TYPE_URL", "text": "Shop", "url": "https://example.com/"}, {"type": 1, "text": "Stop"}],
  "items": [{"name": "boots", "kind": "ITEM_KIND_GOOD", "productType": "footwear"}, {}]},
 "consent": {"optedInAt": "2026-01-05T09:00:00.5+01:00", "channel": "web", "wording": "Yes, offers from Acme Shoes on WhatsApp.",
  "scopes": ["CATEGORY_MARKETING", 2], "optedOutAt": "2026-01-04T09:00:00.123456789Z"},
 "conversation": {"lastInboundAt": "2026-11-20T09:00:00.000001-00:30"}}`

func TestDecodeTable(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		fast       bool // the fast path takes it (else protojson reads it)
	}{
		{"empty", `{}`, true},
		{"white_space", " \t\r\n{ \"requestId\" : \"x\" } \n", true},
		{"full", full, true},
		{"proto_names", `{"request_id": "r", "send_time": "2026-11-20T10:00:00Z", "business": {"display_name": "A", "government_program": {}},
		  "message": {"items": [{"product_type": "p"}]}, "consent": {"opted_in_at": "2026-01-05T09:00:00Z", "opted_out_at": null},
		  "conversation": {"last_inbound_at": "2026-11-20T09:00:00Z"}}`, true},
		{"nulls", `{"requestId": null, "sendTime": null, "business": null, "message": {"buttons": null, "category": null, "template": null}, "consent": {"scopes": null}}`, true},
		{"empty_messages_are_set", `{"business": {}, "recipient": {}, "message": {}, "consent": {}, "conversation": {}}`, true},
		{"enum_numbers", `{"message": {"category": 99, "type": -3, "template": {"status": 0, "category": 2147483647}}, "consent": {"scopes": [-2147483648, 0]}}`, true},
		{"escapes", `{"requestId": "a\"b\\c\/d\b\f\n\r\t\u00e9\u0000\uffff\ud83d\ude00 \u2028<>&"}`, true},
		{"utf8", `{"message": {"text": "Hé 😀 \u00e9 — ٱلسلام"}}`, true},
		{"escaped_name", `{"request\u0049d": "x", "recipient": {"pho\u006ee": "+31"}}`, true},
		{"timestamp_offsets", `{"sendTime": "2026-11-20T10:00:00.1-11:59", "consent": {"optedInAt": "0001-01-01T00:00:00Z", "optedOutAt": "9999-12-31T23:59:59.999999999Z"}}`, true},
		{"timestamp_lower_case", `{"sendTime": "2026-11-20t10:00:00z"}`, false},

		{"duplicate_field", `{"requestId": "a", "requestId": "b"}`, false},
		{"duplicate_by_both_names", `{"requestId": "a", "request_id": "b"}`, false},
		{"duplicate_after_null", `{"business": null, "business": {}}`, false},
		{"unknown_field", `{"recipent": {}}`, false},
		{"unknown_enum_name", `{"message": {"category": "CATEGORY_NOPE"}}`, false},
		{"enum_as_numeric_string", `{"message": {"category": "1"}}`, false},
		{"enum_fraction", `{"message": {"category": 1.0}}`, false},
		{"enum_exponent", `{"message": {"category": 1e0}}`, false},
		{"enum_leading_zero", `{"message": {"category": 01}}`, false},
		{"enum_too_big", `{"message": {"category": 2147483648}}`, false},
		{"enum_huge", `{"message": {"category": 99999999999999999999999}}`, false},
		{"string_as_number", `{"requestId": 1}`, false},
		{"null_in_list", `{"consent": {"scopes": [null]}}`, false},
		{"null_message_in_list", `{"message": {"buttons": [null]}}`, false},
		{"bool_as_string", `{"business": {"governmentProgram": {"enrolled": "true"}}}`, false},
		{"timestamp_no_zone", `{"sendTime": "2026-11-20T10:00:00"}`, false},
		{"timestamp_ten_digits", `{"sendTime": "2026-11-20T10:00:00.1234567891Z"}`, false},
		{"timestamp_out_of_range", `{"sendTime": "0000-12-31T23:59:59Z"}`, false},
		{"timestamp_object", `{"sendTime": {"seconds": 1}}`, false},
		{"lone_surrogate", `{"requestId": "\ud83d"}`, false},
		{"reversed_surrogates", `{"requestId": "\ude00\ud83d"}`, false},
		{"bad_escape", `{"requestId": "\x"}`, false},
		{"control_character", "{\"requestId\": \"a\tb\"}", false},
		{"invalid_utf8", "{\"requestId\": \"\xff\"}", false},
		{"trailing_comma", `{"requestId": "a",}`, false},
		{"trailing_data", `{} {}`, false},
		{"not_an_object", `[]`, false},
		{"null", `null`, false},
		{"unterminated", `{"requestId": "a`, false},
		{"missing_colon", `{"requestId" "a"}`, false},
		{"single_quotes", `{'requestId': 'a'}`, false},
		{"nullx", `{"business": nullx}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := agree(t, []byte(tc.body)); got != tc.fast {
				t.Errorf("fast path took it: %v, want %v", got, tc.fast)
			}
		})
	}
}

// TestDecodeExamplesAndMix: every request of examples/ and of the bench
// mix goes the fast way and reads as protojson reads it.
func TestDecodeExamplesAndMix(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "..", "examples", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(f, "batch.json") {
			fast := &sendgatev1.CheckBatchRequest{}
			ref := &sendgatev1.CheckBatchRequest{}
			if !DecodeCheckBatchRequest(body, fast) || protojson.Unmarshal(body, ref) != nil || !proto.Equal(fast, ref) {
				t.Errorf("%s: fast %v, protojson %v", f, fast, ref)
			}
			continue
		}
		if !agree(t, body) {
			t.Errorf("%s did not take the fast path", f)
		}
	}
	for _, m := range workload.DefaultMix() {
		for _, opts := range []protojson.MarshalOptions{{}, {UseProtoNames: true}, {UseEnumNumbers: true, Multiline: true}, {EmitUnpopulated: true}} {
			body, err := opts.Marshal(m.Request)
			if err != nil {
				t.Fatal(err)
			}
			if !agree(t, body) {
				t.Errorf("%s (%+v) did not take the fast path", m.Name, opts)
			}
		}
	}
}

func FuzzDecodeCheckRequest(f *testing.F) {
	f.Add([]byte(full))
	f.Add([]byte(`{"requestId": "a\u00e9\ud83d\ude00", "message": {"category": 3, "buttons": [{}]}, "consent": {"scopes": [1, "CATEGORY_UTILITY"]}}`))
	f.Add([]byte(`{"request_id": null, "sendTime": "2026-11-20T10:00:00.5+01:00"}`))
	for _, m := range workload.DefaultMix() {
		b, _ := protojson.Marshal(m.Request)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		agree(t, body)
	})
}

// encodeAgrees checks the encoder's bytes against protojson's.
func encodeAgrees(t *testing.T, m *sendgatev1.CheckResponse) {
	t.Helper()
	want, wantErr := Marshal.Marshal(m)
	got, ok := AppendCheckResponse(nil, m)
	if ok != (wantErr == nil) {
		t.Fatalf("%v: fast ok %v, protojson %v", m, ok, wantErr)
	}
	if ok && !bytes.Equal(got, want) {
		t.Fatalf("fast      %s\nprotojson %s", got, want)
	}
	batch := &sendgatev1.CheckBatchResponse{Results: []*sendgatev1.CheckBatchResult{
		{Result: &sendgatev1.CheckBatchResult_Response{Response: m}},
		{},
		{Result: &sendgatev1.CheckBatchResult_Error{Error: badRequest(t, m.GetRequestId())}},
		{Result: &sendgatev1.CheckBatchResult_Error{Error: status.New(codes.Unavailable, m.GetDecisionId()).Proto()}},
	}}
	want, wantErr = Marshal.Marshal(batch)
	got, ok = AppendCheckBatchResponse(nil, batch)
	if ok != (wantErr == nil) {
		t.Fatalf("batch: fast ok %v, protojson %v", ok, wantErr)
	}
	if ok && !bytes.Equal(got, want) {
		t.Fatalf("batch:\nfast      %s\nprotojson %s", got, want)
	}
}

func badRequest(t *testing.T, field string) *spb.Status {
	field = strings.ToValidUTF8(field, "?") // or it cannot be packed in an Any
	st, err := status.New(codes.InvalidArgument, "invalid request: "+field).WithDetails(&errdetails.BadRequest{
		FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: field, Description: "is required"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return st.Proto()
}

func TestEncodeTable(t *testing.T) {
	for _, m := range []*sendgatev1.CheckResponse{
		{},
		{Decision: sendgatev1.Decision_DECISION_ALLOW, DecisionId: "01a22c3a-5bd2-73be-a3f8-10dc961386ec", BundleRevision: "default-1", RequestId: "r-1"},
		{Decision: sendgatev1.Decision_DECISION_DENY, Reasons: []*sendgatev1.Reason{
			{Code: "consent.opted_out", Message: "The recipient opted out at 2026-11-30T11:32:31Z.", Policy: "sendgate.rules.consent"},
			{Code: "identifier.requested", Evidence: "your ****** number", Message: "\"quoted\" \\ back\nslash\t\x00\x01\x1f\x7f é 😀 \u2028 <>&"},
		}, Advice: []*sendgatev1.Reason{{Code: "advice.opt_out_instructions"}}},
		{Decision: 42},
		{Decision: -1, RequestId: "\xff"},
		{Reasons: []*sendgatev1.Reason{{Code: "ok", Evidence: "bad \xc3"}}},
	} {
		encodeAgrees(t, m)
	}
}

func FuzzEncodeCheckResponse(f *testing.F) {
	f.Add(int32(1), "consent.missing", "a \"message\"\n", "sendgate.rules.consent", "", "id", "rev", "req", uint8(2))
	f.Add(int32(7), "\x00", "\xff", "é", "😀", "", "", "", uint8(0))
	f.Fuzz(func(t *testing.T, decision int32, code, message, policy, evidence, id, rev, req string, n uint8) {
		m := &sendgatev1.CheckResponse{Decision: sendgatev1.Decision(decision), DecisionId: id, BundleRevision: rev, RequestId: req}
		for i := range int(n % 4) {
			r := &sendgatev1.Reason{Code: code, Message: message, Policy: policy, Evidence: evidence}
			if i%2 == 0 {
				m.Reasons = append(m.Reasons, r)
			} else {
				m.Advice = append(m.Advice, r)
			}
		}
		encodeAgrees(t, m)
	})
}

// TestSizeHint: an answer without characters to escape fits the hint, so
// its buffer is allocated once.
func TestSizeHint(t *testing.T) {
	m := &sendgatev1.CheckResponse{Decision: sendgatev1.Decision_DECISION_DENY, DecisionId: "01a22c3a-5bd2-73be-a3f8-10dc961386ec", BundleRevision: "default-1", RequestId: "r-1"}
	for i := range 5 {
		m.Reasons = append(m.Reasons, &sendgatev1.Reason{Code: "consent.opted_out", Message: strings.Repeat("é and more ", i*40), Policy: "sendgate.rules.consent", Evidence: "x"})
		m.Advice = append(m.Advice, &sendgatev1.Reason{Code: "a"})
		b, ok := AppendCheckResponse(nil, m)
		if !ok || len(b) > SizeHint(m) {
			t.Errorf("%d reasons: %d bytes, hint %d", i+1, len(b), SizeHint(m))
		}
	}
	if b, _ := AppendCheckResponse(nil, &sendgatev1.CheckResponse{}); len(b) > SizeHint(&sendgatev1.CheckResponse{}) {
		t.Errorf("empty answer: %d bytes, hint %d", len(b), SizeHint(&sendgatev1.CheckResponse{}))
	}
}

// BenchmarkDecode compares the fast path with protojson on the bench mix.
func BenchmarkDecode(b *testing.B) {
	for _, m := range workload.DefaultMix() {
		body, err := protojson.Marshal(m.Request)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(m.Name+"/checkjson", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var req sendgatev1.CheckRequest
				if !DecodeCheckRequest(body, &req) {
					b.Fatal("not taken")
				}
			}
		})
		b.Run(m.Name+"/protojson", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var req sendgatev1.CheckRequest
				if err := protojson.Unmarshal(body, &req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEncode compares the encoder with protojson on a denial.
func BenchmarkEncode(b *testing.B) {
	m := &sendgatev1.CheckResponse{Decision: sendgatev1.Decision_DECISION_DENY, DecisionId: "01a22c3a-5bd2-73be-a3f8-10dc961386ec", BundleRevision: "default-1", RequestId: "r-1",
		Reasons: []*sendgatev1.Reason{{Code: "consent.opted_out", Message: strings.Repeat("The recipient opted out. ", 8), Policy: "sendgate.rules.consent"}}}
	b.Run("checkjson", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			AppendCheckResponse(make([]byte, 0, SizeHint(m)), m)
		}
	})
	b.Run("protojson", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = Marshal.Marshal(m)
		}
	})
}
