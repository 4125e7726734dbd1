package validate

import (
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/types/known/timestamppb"

	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

func validRequest() *sendgatev1.CheckRequest {
	return &sendgatev1.CheckRequest{
		Business:  &sendgatev1.Business{Id: "biz-acme", DisplayName: "Acme Shoes", Vertical: "retail"},
		Recipient: &sendgatev1.Recipient{Phone: "+31612345678"},
		Message: &sendgatev1.Message{
			Category: sendgatev1.Category_CATEGORY_UTILITY,
			Type:     sendgatev1.MessageType_MESSAGE_TYPE_TEXT,
			Text:     "Your order has shipped.",
		},
	}
}

func fields(vs []Violation) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.Field
	}
	return out
}

func TestCheckRequest(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*sendgatev1.CheckRequest)
		want   []string
	}{
		{"valid_request_passes", func(*sendgatev1.CheckRequest) {}, nil},
		{"empty_body_names_every_required_part", func(r *sendgatev1.CheckRequest) { *r = sendgatev1.CheckRequest{} }, []string{"business", "recipient", "message"}},
		{"missing_business_id", func(r *sendgatev1.CheckRequest) { r.Business.Id = "" }, []string{"business.id"}},
		{"missing_display_name", func(r *sendgatev1.CheckRequest) { r.Business.DisplayName = "" }, []string{"business.display_name"}},
		{"missing_phone", func(r *sendgatev1.CheckRequest) { r.Recipient.Phone = "" }, []string{"recipient.phone"}},
		{"phone_with_letters", func(r *sendgatev1.CheckRequest) { r.Recipient.Phone = "+31 6 abc" }, []string{"recipient.phone"}},
		{"phone_without_plus", func(r *sendgatev1.CheckRequest) { r.Recipient.Phone = "0612345678" }, []string{"recipient.phone"}},
		{"phone_too_long", func(r *sendgatev1.CheckRequest) { r.Recipient.Phone = "+1234567890123456" }, []string{"recipient.phone"}},
		{"text_over_limit", func(r *sendgatev1.CheckRequest) { r.Message.Text = strings.Repeat("a", MaxTextRunes+1) }, []string{"message.text"}},
		{"text_at_limit_in_multibyte_runes_passes", func(r *sendgatev1.CheckRequest) { r.Message.Text = strings.Repeat("é", MaxTextRunes) }, nil},
		{"text_over_limit_in_multibyte_runes", func(r *sendgatev1.CheckRequest) { r.Message.Text = strings.Repeat("é", MaxTextRunes+1) }, []string{"message.text"}},
		{"unknown_category", func(r *sendgatev1.CheckRequest) { r.Message.Category = 42 }, []string{"message.category"}},
		{"unknown_type", func(r *sendgatev1.CheckRequest) { r.Message.Type = 9 }, []string{"message.type"}},
		{"unknown_template_status", func(r *sendgatev1.CheckRequest) {
			r.Message.Template = &sendgatev1.Template{Status: 77, Category: sendgatev1.Category_CATEGORY_UTILITY}
		}, []string{"message.template.status"}},
		{"unknown_button_type", func(r *sendgatev1.CheckRequest) {
			r.Message.Buttons = []*sendgatev1.Button{{Type: sendgatev1.ButtonType_BUTTON_TYPE_URL}, {Type: 12}}
		}, []string{"message.buttons[1].type"}},
		{"unknown_item_kind", func(r *sendgatev1.CheckRequest) { r.Message.Items = []*sendgatev1.Item{{Kind: -1}} }, []string{"message.items[0].kind"}},
		{"unknown_scope", func(r *sendgatev1.CheckRequest) {
			r.Consent = &sendgatev1.Consent{Scopes: []sendgatev1.Category{sendgatev1.Category_CATEGORY_MARKETING, 99}}
		}, []string{"consent.scopes[1]"}},
		{"timestamp_out_of_range", func(r *sendgatev1.CheckRequest) { r.SendTime = &timestamppb.Timestamp{Seconds: 253402300799} }, []string{"send_time"}},
		{"invalid_timestamp_nanos", func(r *sendgatev1.CheckRequest) {
			r.Conversation = &sendgatev1.Conversation{LastInboundAt: &timestamppb.Timestamp{Nanos: -1}}
		}, []string{"conversation.last_inbound_at"}},
		{"several_problems_reported_together", func(r *sendgatev1.CheckRequest) {
			r.Business.Id = ""
			r.Recipient.Phone = "x"
			r.Message.Category = 8
		}, []string{"business.id", "recipient.phone", "message.category"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := validRequest()
			tt.mutate(req)
			got := fields(CheckRequest(req))
			if !slices.Equal(got, tt.want) {
				t.Fatalf("violations = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCheckBatch(t *testing.T) {
	many := make([]*sendgatev1.CheckRequest, MaxBatch+1)
	for _, tt := range []struct {
		name string
		n    int
		bad  bool
	}{{"empty_batch_refused", 0, true}, {"one_item", 1, false}, {"full_batch", MaxBatch, false}, {"over_limit_refused", MaxBatch + 1, true}} {
		t.Run(tt.name, func(t *testing.T) {
			got := CheckBatch(&sendgatev1.CheckBatchRequest{Requests: many[:tt.n]})
			if (got != nil) != tt.bad {
				t.Fatalf("CheckBatch(%d items) = %v, want refused=%v", tt.n, got, tt.bad)
			}
		})
	}
}

func TestIsE164(t *testing.T) {
	for s, want := range map[string]bool{
		"+31612345678": true, "+12": true, "+123456789012345": true,
		"+1234567890123456": false, "+0123": false, "31612345678": false, "+": false, "+3161234567a": false, "": false,
	} {
		if got := IsE164(s); got != want {
			t.Errorf("IsE164(%q) = %v, want %v", s, got, want)
		}
	}
}
