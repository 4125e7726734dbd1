package engine

import (
	"context"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/bundle"

	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

func compiledModules(t *testing.T, src string) map[string]*ast.Module {
	t.Helper()
	c := ast.MustCompileModules(map[string]string{"p.rego": src})
	return c.Modules
}

func TestShapeOfDefaultBundleLeavesOutWhatNoRuleReads(t *testing.T) {
	p, err := Compile(context.Background(), defaultBundle(t))
	if err != nil {
		t.Fatal(err)
	}
	// The recipient's phone and locale (category.marketing_paused_region, the
	// message's language) and the business id (its own accounts) are read.
	if want := (inputShape{recipient: true, businessID: true}); p.shape != want {
		t.Errorf("default bundle shape %+v, want %+v", p.shape, want)
	}
}

func TestShapeOfFindsEveryWayOfReading(t *testing.T) {
	for _, tt := range []struct {
		name string
		src  string
		want inputShape
	}{
		{"a field", `package p
x := input.recipient.country`, inputShape{recipient: true}},
		{"an imported alias", `package p
import input.consent as c
x := c.channel`, inputShape{consentChannel: true}},
		{"a loop over a part", `package p
x contains v if some v in input.consent`, inputShape{consentChannel: true}},
		{"a key that is not a constant", `package p
x contains v if some k, v in input.business`, inputShape{businessID: true, businessCountry: true}},
		{"a whole part passed on", `package p
x := object.get(input.business, "id", "")`, inputShape{businessID: true, businessCountry: true}},
		{"input passed whole", `package p
x := json.marshal(input)`, fullShape},
		{"a sibling only", `package p
x := input.business.vertical`, inputShape{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := shapeOf(compiledModules(t, tt.src)); got != tt.want {
				t.Errorf("shapeOf = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestDecideBuildsWhatABundleReads(t *testing.T) {
	// A tenant rule that reads fields the default bundle never does still
	// sees them.
	src := `package sendgate.main

decision := {"reasons": reasons, "advice": []}

reasons contains {"code": "tenant.recipient", "message": "m", "evidence": concat("/", [input.request_id, input.recipient.country, input.business.id, input.consent.channel])} if {
	input.recipient.country == "DE"
}
`
	b := &bundle.Bundle{
		Manifest: bundle.Manifest{Revision: "shape", Roots: &[]string{""}},
		Modules:  []bundle.ModuleFile{{Path: "sendgate/main.rego", Raw: []byte(src), Parsed: ast.MustParseModule(src)}},
		Data:     map[string]any{},
	}
	p, err := Compile(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	req := &sendgatev1.CheckRequest{
		RequestId: "r7",
		Business:  &sendgatev1.Business{Id: "biz", DisplayName: "Acme"},
		Recipient: &sendgatev1.Recipient{Phone: "+4915112345678", Country: "DE"},
		Message:   &sendgatev1.Message{Text: "hi"},
		Consent:   &sendgatev1.Consent{Channel: "web"},
	}
	resp, err := p.Decide(context.Background(), req, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.GetReasons()) != 1 || resp.GetReasons()[0].GetEvidence() != "r7/DE/biz/web" {
		t.Errorf("reasons %v, want one with evidence r7/DE/biz/web", resp.GetReasons())
	}
}
