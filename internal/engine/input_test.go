package engine

import (
	"testing"
	"time"

	"github.com/sendgate/sendgate/internal/workload"

	"github.com/open-policy-agent/opa/v1/ast"
	"google.golang.org/protobuf/types/known/timestamppb"

	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

func TestInputMirrorsTheRequest(t *testing.T) {
	sent := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	req := &sendgatev1.CheckRequest{
		RequestId: "r1",
		SendTime:  timestamppb.New(sent),
		Business: &sendgatev1.Business{Id: "gov", DisplayName: "Social Desk", Vertical: "government", Country: "NL",
			GovernmentProgram: &sendgatev1.GovernmentProgram{Enrolled: true, Area: "social_welfare"}},
		Recipient: &sendgatev1.Recipient{Phone: "+31612345678", Country: "NL", Locale: "nl_NL"},
		Message: &sendgatev1.Message{
			Category: sendgatev1.Category_CATEGORY_MARKETING,
			Type:     sendgatev1.MessageType_MESSAGE_TYPE_TEMPLATE,
			Text:     "Hi",
			Template: &sendgatev1.Template{Name: "promo", Language: "en", Status: sendgatev1.TemplateStatus_TEMPLATE_STATUS_PAUSED, Category: sendgatev1.Category_CATEGORY_MARKETING},
			Buttons:  []*sendgatev1.Button{{Type: sendgatev1.ButtonType_BUTTON_TYPE_QUICK_REPLY, Text: "Stop"}},
			Items:    []*sendgatev1.Item{{Name: "Visit", Kind: sendgatev1.ItemKind_ITEM_KIND_SERVICE, ProductType: "consultation"}},
		},
		Consent: &sendgatev1.Consent{
			OptedInAt: timestamppb.New(sent.Add(-time.Hour)), Channel: "web", Wording: "WhatsApp from Social Desk",
			Scopes: []sendgatev1.Category{sendgatev1.Category_CATEGORY_MARKETING},
		},
		Conversation: &sendgatev1.Conversation{},
	}
	want := ast.MustParseTerm(`{
		"request_id": "r1", "send_time": 1795168800000000000,
		"business": {"id": "gov", "display_name": "Social Desk", "vertical": "government", "country": "NL",
		             "government_program": {"enrolled": true, "area": "social_welfare"}},
		"recipient": {"phone": "+31612345678", "country": "NL", "locale": "nl_NL"},
		"message": {"category": "CATEGORY_MARKETING", "type": "MESSAGE_TYPE_TEMPLATE", "text": "Hi",
		            "template": {"name": "promo", "language": "en", "status": "TEMPLATE_STATUS_PAUSED", "category": "CATEGORY_MARKETING"},
		            "buttons": [{"type": "BUTTON_TYPE_QUICK_REPLY", "text": "Stop", "url": ""}],
		            "items": [{"name": "Visit", "kind": "ITEM_KIND_SERVICE", "product_type": "consultation"}]},
		"consent": {"opted_in_at": 1795165200000000000, "channel": "web", "wording": "WhatsApp from Social Desk", "scopes": ["CATEGORY_MARKETING"]},
		"conversation": {}
	}`).Value
	got := inputOf(req, time.Time{}, fullShape)
	if got.Compare(want) != 0 {
		t.Fatalf("Input =\n%v\nwant\n%v", got, want)
	}
}

func TestInputDefaultsSendTimeAndOmitsUnsetParts(t *testing.T) {
	now := time.Unix(1700000000, 5)
	got := inputOf(&sendgatev1.CheckRequest{Message: &sendgatev1.Message{Category: 42}}, now, fullShape)
	want := ast.MustParseTerm(`{"request_id": "", "send_time": 1700000000000000005,
		"message": {"category": "42", "type": "MESSAGE_TYPE_UNSPECIFIED", "text": "", "buttons": [], "items": []}}`).Value
	if got.Compare(want) != 0 {
		t.Fatalf("Input =\n%v\nwant\n%v", got, want)
	}
}

func TestRuleDocsComeFromMetadata(t *testing.T) {
	b := defaultBundle(t)
	docs := ruleDocs(b)
	for _, code := range []string{"consent.missing", "window.closed", "identifier.requested.payment_card", "advice.opt_out_instructions"} {
		d, ok := docs[code]
		if !ok || d.Title == "" || d.Package == "" {
			t.Errorf("rule doc for %s = %+v, %v; want title and package", code, d, ok)
		}
	}
}

func TestPlainInputIsTheSameDocument(t *testing.T) {
	for _, req := range workload.DecisionRequests(3, 400) {
		fast := inputOf(req, workload.VariedNow, fullShape)
		plain := plainInput(req, workload.VariedNow)
		if fast.Compare(plain) != 0 {
			t.Fatalf("request %s:\ninputOf    %v\nplainInput %v", req.GetRequestId(), fast, plain)
		}
	}
}
