package validate

import (
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// fullRequest is a request with every limited field present.
func fullRequest() *sendgatev1.CheckRequest {
	r := validRequest()
	r.Business.GovernmentProgram = &sendgatev1.GovernmentProgram{Enrolled: true, Area: "public_health"}
	r.Message.Template = &sendgatev1.Template{Name: "t", Language: "en"}
	r.Message.Buttons = []*sendgatev1.Button{{Text: "STOP", Url: "https://example.com"}}
	r.Message.Items = []*sendgatev1.Item{{Name: "Shoe", ProductType: "apparel"}}
	r.Consent = &sendgatev1.Consent{Channel: "web", Wording: "Yes", Scopes: []sendgatev1.Category{sendgatev1.Category_CATEGORY_UTILITY}}
	return r
}

func TestEveryFieldIsLimited(t *testing.T) {
	over := func(n int) string { return strings.Repeat("é", n+1) } // multibyte: limits count characters
	at := func(n int) string { return strings.Repeat("é", n) }
	for _, tc := range []struct {
		field string
		limit int
		set   func(*sendgatev1.CheckRequest, string)
	}{
		{"request_id", MaxIDRunes, func(r *sendgatev1.CheckRequest, s string) { r.RequestId = s }},
		{"business.id", MaxIDRunes, func(r *sendgatev1.CheckRequest, s string) { r.Business.Id = s }},
		{"business.display_name", MaxNameRunes, func(r *sendgatev1.CheckRequest, s string) { r.Business.DisplayName = s }},
		{"business.vertical", MaxKeyRunes, func(r *sendgatev1.CheckRequest, s string) { r.Business.Vertical = s }},
		{"business.country", MaxCountryRunes, func(r *sendgatev1.CheckRequest, s string) { r.Business.Country = s }},
		{"business.government_program.area", MaxKeyRunes, func(r *sendgatev1.CheckRequest, s string) { r.Business.GovernmentProgram.Area = s }},
		{"recipient.country", MaxCountryRunes, func(r *sendgatev1.CheckRequest, s string) { r.Recipient.Country = s }},
		{"recipient.locale", MaxLocaleRunes, func(r *sendgatev1.CheckRequest, s string) { r.Recipient.Locale = s }},
		{"message.template.name", MaxTemplateRunes, func(r *sendgatev1.CheckRequest, s string) { r.Message.Template.Name = s }},
		{"message.template.language", MaxLanguageRunes, func(r *sendgatev1.CheckRequest, s string) { r.Message.Template.Language = s }},
		{"message.buttons[0].text", MaxButtonTextRunes, func(r *sendgatev1.CheckRequest, s string) { r.Message.Buttons[0].Text = s }},
		{"message.buttons[0].url", MaxURLRunes, func(r *sendgatev1.CheckRequest, s string) { r.Message.Buttons[0].Url = s }},
		{"message.items[0].name", MaxNameRunes, func(r *sendgatev1.CheckRequest, s string) { r.Message.Items[0].Name = s }},
		{"message.items[0].product_type", MaxKeyRunes, func(r *sendgatev1.CheckRequest, s string) { r.Message.Items[0].ProductType = s }},
		{"consent.channel", MaxKeyRunes, func(r *sendgatev1.CheckRequest, s string) { r.Consent.Channel = s }},
		{"consent.wording", MaxWordingRunes, func(r *sendgatev1.CheckRequest, s string) { r.Consent.Wording = s }},
	} {
		t.Run(tc.field, func(t *testing.T) {
			r := fullRequest()
			tc.set(r, at(tc.limit))
			if vs := CheckRequest(r); slices.Contains(fields(vs), tc.field) {
				t.Fatalf("%d characters refused: %v", tc.limit, vs)
			}
			tc.set(r, over(tc.limit))
			if vs := CheckRequest(r); !slices.Equal(fields(vs), []string{tc.field}) {
				t.Fatalf("%d characters: violations %v, want %s", tc.limit+1, vs, tc.field)
			}
		})
	}
}

func TestEveryListIsLimited(t *testing.T) {
	for _, tc := range []struct {
		field string
		limit int
		grow  func(*sendgatev1.CheckRequest, int)
	}{
		{"message.buttons", MaxButtons, func(r *sendgatev1.CheckRequest, n int) {
			for range n {
				r.Message.Buttons = append(r.Message.Buttons, &sendgatev1.Button{Text: "Yes"})
			}
		}},
		{"message.items", MaxItems, func(r *sendgatev1.CheckRequest, n int) {
			for range n {
				r.Message.Items = append(r.Message.Items, &sendgatev1.Item{Name: "Shoe"})
			}
		}},
		{"consent.scopes", MaxScopes, func(r *sendgatev1.CheckRequest, n int) {
			for range n {
				r.Consent.Scopes = append(r.Consent.Scopes, sendgatev1.Category_CATEGORY_MARKETING)
			}
		}},
	} {
		t.Run(tc.field, func(t *testing.T) {
			r := validRequest()
			r.Consent = &sendgatev1.Consent{}
			tc.grow(r, tc.limit)
			if vs := CheckRequest(r); len(vs) != 0 {
				t.Fatalf("%d entries refused: %v", tc.limit, vs)
			}
			// Far beyond the limit: one violation, not one per entry.
			tc.grow(r, 10*tc.limit)
			if vs := CheckRequest(r); !slices.Equal(fields(vs), []string{tc.field}) {
				t.Fatalf("violations %v, want %s", vs, tc.field)
			}
		})
	}
}

func TestTheLargestValidRequestFitsItsBound(t *testing.T) {
	r := fullRequest()
	long := func(n int) string { return strings.Repeat("\U0001F600", n) } // 4 bytes each
	r.RequestId, r.Business.Id = long(MaxIDRunes), long(MaxIDRunes)
	r.Business.DisplayName, r.Business.Vertical, r.Business.Country = long(MaxNameRunes), long(MaxKeyRunes), long(MaxCountryRunes)
	r.Business.GovernmentProgram.Area = long(MaxKeyRunes)
	r.Recipient.Country, r.Recipient.Locale = long(MaxCountryRunes), long(MaxLocaleRunes)
	r.Message.Text = long(MaxTextRunes)
	r.Message.Template.Name, r.Message.Template.Language = long(MaxTemplateRunes), long(MaxLanguageRunes)
	r.Message.Buttons, r.Message.Items = nil, nil
	for range MaxButtons {
		r.Message.Buttons = append(r.Message.Buttons, &sendgatev1.Button{Type: 1, Text: long(MaxButtonTextRunes), Url: long(MaxURLRunes)})
	}
	for range MaxItems {
		r.Message.Items = append(r.Message.Items, &sendgatev1.Item{Kind: 1, Name: long(MaxNameRunes), ProductType: long(MaxKeyRunes)})
	}
	r.Consent.Channel, r.Consent.Wording = long(MaxKeyRunes), long(MaxWordingRunes)
	r.Consent.Scopes = nil
	for range MaxScopes {
		r.Consent.Scopes = append(r.Consent.Scopes, sendgatev1.Category_CATEGORY_MARKETING)
	}
	if vs := CheckRequest(r); len(vs) != 0 {
		t.Fatalf("the largest valid request is refused: %v", vs)
	}
	if n := proto.Size(r); n > MaxRequestBytes {
		t.Fatalf("the largest valid request is %d bytes, more than MaxRequestBytes %d", n, MaxRequestBytes)
	}
}

func TestUndecodableRequestsAreRefused(t *testing.T) {
	r := validRequest()
	MarkUndecodable(r, "is not a valid protobuf message: truncated")
	vs := CheckRequest(r)
	if len(vs) != 1 || vs[0].Field != "request" || !strings.Contains(vs[0].Description, "truncated") {
		t.Fatalf("violations %v", vs)
	}
	b := &sendgatev1.CheckBatchRequest{Requests: []*sendgatev1.CheckRequest{validRequest()}}
	MarkUndecodable(b, "is 9000000 bytes")
	if vs := CheckBatch(b); len(vs) != 1 || vs[0].Field != "requests" {
		t.Fatalf("batch violations %v", vs)
	}
	// An unknown field of a newer client is no such mark.
	r = validRequest()
	r.ProtoReflect().SetUnknown([]byte{0xa0, 0x06, 0x01}) // field 100, varint 1
	if vs := CheckRequest(r); len(vs) != 0 {
		t.Fatalf("unknown field refused: %v", vs)
	}
}
