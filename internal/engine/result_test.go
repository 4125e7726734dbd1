package engine

import (
	"errors"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"google.golang.org/protobuf/proto"

	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

func TestResponseFrom(t *testing.T) {
	reason := func(code, evidence, message, policy string) *sendgatev1.Reason {
		return &sendgatev1.Reason{Code: code, Evidence: evidence, Message: message, Policy: policy}
	}
	tests := []struct {
		name    string
		value   string
		reasons []*sendgatev1.Reason
		advice  []*sendgatev1.Reason
	}{
		{
			name:  "families with no reasons allow",
			value: `{"reasons": {}, "advice": {}}`,
		},
		{
			name: "family reasons get the family's policy and are sorted",
			value: `{"reasons": {
				"window": {{"code": "window.closed", "message": "m"}},
				"commerce": {{"code": "commerce.prohibited_item", "message": "m", "evidence": "Whisky"},
				             {"code": "commerce.prohibited_item", "message": "m", "evidence": "Cigars"}}
			}, "advice": {"advice": {{"code": "advice.opt_out_instructions", "message": "a"}}}}`,
			reasons: []*sendgatev1.Reason{
				reason("commerce.prohibited_item", "Cigars", "m", "sendgate.rules.commerce"),
				reason("commerce.prohibited_item", "Whisky", "m", "sendgate.rules.commerce"),
				reason("window.closed", "", "m", "sendgate.rules.window"),
			},
			advice: []*sendgatev1.Reason{reason("advice.opt_out_instructions", "", "a", "sendgate.rules.advice")},
		},
		{
			name:    "a reason that differs only by an empty evidence is one reason",
			value:   `{"reasons": {"tenant": {{"code": "tenant.x", "message": "m"}, {"code": "tenant.x", "message": "m", "evidence": ""}}}}`,
			reasons: []*sendgatev1.Reason{reason("tenant.x", "", "m", "sendgate.rules.tenant")},
		},
		{
			name:    "a list of reasons names its own policies",
			value:   `{"reasons": [{"code": "b.y", "message": "m", "policy": "p"}, {"code": "a.x", "message": "m"}], "advice": []}`,
			reasons: []*sendgatev1.Reason{reason("a.x", "", "m", ""), reason("b.y", "", "m", "p")},
		},
		{
			name:    "a set of reasons, no advice",
			value:   `{"reasons": {{"code": "test.blocked_text", "message": "blocked"}}}`,
			reasons: []*sendgatev1.Reason{reason("test.blocked_text", "", "blocked", "")},
		},
		{
			name:    "fields of the wrong type read as empty",
			value:   `{"reasons": {"tenant": [{"code": "tenant.x", "message": 7, "evidence": ["e"]}]}}`,
			reasons: []*sendgatev1.Reason{reason("tenant.x", "", "", "sendgate.rules.tenant")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := responseFrom(ast.MustParseTerm(tt.value).Value)
			if err != nil {
				t.Fatalf("responseFrom: %v", err)
			}
			want := &sendgatev1.CheckResponse{Decision: sendgatev1.Decision_DECISION_ALLOW, Reasons: tt.reasons, Advice: tt.advice}
			if len(tt.reasons) > 0 {
				want.Decision = sendgatev1.Decision_DECISION_DENY
			}
			if !proto.Equal(resp, want) {
				t.Errorf("got %v\nwant %v", resp, want)
			}
		})
	}
}

func TestResponseFromRefusesWhatItCannotRead(t *testing.T) {
	for _, value := range []string{
		`[]`,
		`{"advice": {}}`,
		`{"reasons": "none"}`,
		`{"reasons": {"tenant": "none"}}`,
		`{"reasons": {"tenant": {"not an object"}}}`,
		`{"reasons": {"tenant": {{"why": "forgot the code"}}}}`,
		`{"reasons": {"tenant": {{"code": ""}}}}`,
		`{"reasons": {7: {{"code": "x.y"}}}}`,
		`{"reasons": {}, "advice": {"advice": {{"message": "no code"}}}}`,
		`{"reasons": [{"message": "no code"}]}`,
	} {
		resp, err := responseFrom(ast.MustParseTerm(value).Value)
		if !errors.Is(err, ErrUndecided) {
			t.Errorf("responseFrom(%s) = %v, %v; want ErrUndecided", value, resp, err)
		}
	}
}
