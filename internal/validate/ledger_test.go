package validate

import (
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/types/known/timestamppb"

	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

func TestRecordOptIn(t *testing.T) {
	valid := func() *sendgatev1.RecordOptInRequest {
		return &sendgatev1.RecordOptInRequest{
			EventId: "ev-1", BusinessId: "biz-acme", Phone: "+31612345678",
			Wording: "Yes, WhatsApp messages from Acme Shoes", Channel: "web",
			Scopes:   []sendgatev1.Category{sendgatev1.Category_CATEGORY_MARKETING},
			Evidence: map[string]string{"ip": "192.0.2.1"},
		}
	}
	tests := []struct {
		name   string
		mutate func(*sendgatev1.RecordOptInRequest)
		want   []string
	}{
		{"valid_passes", func(*sendgatev1.RecordOptInRequest) {}, nil},
		{"no_event_id_passes", func(r *sendgatev1.RecordOptInRequest) { r.EventId = "" }, nil},
		{"empty_body", func(r *sendgatev1.RecordOptInRequest) { *r = sendgatev1.RecordOptInRequest{} }, []string{"business_id", "phone"}},
		{"malformed_phone", func(r *sendgatev1.RecordOptInRequest) { r.Phone = "06-12345678" }, []string{"phone"}},
		{"phone_starting_with_zero", func(r *sendgatev1.RecordOptInRequest) { r.Phone = "+0612345678" }, []string{"phone"}},
		{"malformed_timestamp", func(r *sendgatev1.RecordOptInRequest) {
			r.OptedInAt = &timestamppb.Timestamp{Seconds: 1, Nanos: 2_000_000_000}
		}, []string{"opted_in_at"}},
		{"timestamp_out_of_range", func(r *sendgatev1.RecordOptInRequest) {
			r.OptedInAt = &timestamppb.Timestamp{Seconds: 253402300799}
		}, []string{"opted_in_at"}},
		{"hash_in_event_id", func(r *sendgatev1.RecordOptInRequest) { r.EventId = "ev#opt_out" }, []string{"event_id"}},
		{"long_business_id", func(r *sendgatev1.RecordOptInRequest) { r.BusinessId = strings.Repeat("b", MaxIDBytes+1) }, []string{"business_id"}},
		{"unspecified_scope", func(r *sendgatev1.RecordOptInRequest) { r.Scopes = append(r.Scopes, 0) }, []string{"scopes[1]"}},
		{"unknown_scope", func(r *sendgatev1.RecordOptInRequest) { r.Scopes = []sendgatev1.Category{9} }, []string{"scopes[0]"}},
		{"wording_too_long", func(r *sendgatev1.RecordOptInRequest) { r.Wording = strings.Repeat("w", MaxTextRunes+1) }, []string{"wording"}},
		{"evidence_value_too_long", func(r *sendgatev1.RecordOptInRequest) {
			r.Evidence["ua"] = strings.Repeat("u", MaxEvidenceValBytes+1)
		}, []string{`evidence["ua"]`}},
		{"every_problem_at_once", func(r *sendgatev1.RecordOptInRequest) {
			r.Phone, r.BusinessId, r.OptedInAt = "31612345678", "", &timestamppb.Timestamp{Nanos: -1}
		}, []string{"business_id", "phone", "opted_in_at"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := valid()
			tt.mutate(r)
			if got := fields(RecordOptIn(r)); !slices.Equal(got, tt.want) {
				t.Errorf("violations on %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRecordOptOutAndInbound(t *testing.T) {
	out := &sendgatev1.RecordOptOutRequest{BusinessId: "b", Phone: "+31612345678", Scope: 7, Source: 9}
	if got := fields(RecordOptOut(out)); !slices.Equal(got, []string{"scope", "source"}) {
		t.Errorf("opt-out violations on %v", got)
	}
	in := &sendgatev1.RecordInboundRequest{BusinessId: "b", Phone: "+31612345678", Text: "\xff", ReceivedAt: &timestamppb.Timestamp{Nanos: 1e9}}
	if got := fields(RecordInbound(in)); !slices.Equal(got, []string{"received_at", "text"}) {
		t.Errorf("inbound violations on %v", got)
	}
}

func TestGetAndErase(t *testing.T) {
	if got := fields(GetRecipient(&sendgatev1.GetRecipientRequest{Phone: "+31612345678"})); !slices.Equal(got, []string{"business_id"}) {
		t.Errorf("GetRecipient without a business: %v", got)
	}
	if got := fields(EraseRecipient(&sendgatev1.EraseRecipientRequest{Phone: "+31612345678"})); len(got) != 0 {
		t.Errorf("EraseRecipient of every business: %v", got)
	}
	if got := fields(EraseRecipient(&sendgatev1.EraseRecipientRequest{Phone: "+316 1234"})); !slices.Equal(got, []string{"phone"}) {
		t.Errorf("EraseRecipient with a bad phone: %v", got)
	}
}

func TestViolationsNeverQuoteThePhone(t *testing.T) {
	for _, vs := range [][]Violation{
		RecordOptIn(&sendgatev1.RecordOptInRequest{BusinessId: "b", Phone: "+44 7700 900123"}),
		EraseRecipient(&sendgatev1.EraseRecipientRequest{Phone: "0044 7700 900123"}),
	} {
		for _, v := range vs {
			if strings.Contains(v.Description, "900123") {
				t.Errorf("%s: %q quotes the number", v.Field, v.Description)
			}
		}
	}
}
