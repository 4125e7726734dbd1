package engine

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"google.golang.org/protobuf/types/known/timestamppb"

	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// plainInput builds the whole input document the plain way, as Go values
// converted by OPA: the document inputOf builds term by term for speed,
// spelt out once more so that the equivalence test can compare the two.
func plainInput(req *sendgatev1.CheckRequest, now time.Time) ast.Value {
	nanos := func(ts *timestamppb.Timestamp) json.Number {
		return json.Number(strconv.FormatInt(timestampNanos(ts), 10))
	}
	doc := map[string]any{"request_id": req.GetRequestId()}
	if req.GetSendTime() != nil {
		doc["send_time"] = nanos(req.GetSendTime())
	} else {
		doc["send_time"] = json.Number(strconv.FormatInt(now.UnixNano(), 10))
	}
	if x := req.GetBusiness(); x != nil {
		b := map[string]any{"id": x.GetId(), "display_name": x.GetDisplayName(), "vertical": x.GetVertical(), "country": x.GetCountry()}
		if g := x.GetGovernmentProgram(); g != nil {
			b["government_program"] = map[string]any{"enrolled": g.GetEnrolled(), "area": g.GetArea()}
		}
		doc["business"] = b
	}
	if r := req.GetRecipient(); r != nil {
		doc["recipient"] = map[string]any{"phone": r.GetPhone(), "country": r.GetCountry(), "locale": r.GetLocale()}
	}
	if m := req.GetMessage(); m != nil {
		buttons := []any{}
		for _, x := range m.GetButtons() {
			buttons = append(buttons, map[string]any{"type": x.GetType().String(), "text": x.GetText(), "url": x.GetUrl()})
		}
		items := []any{}
		for _, x := range m.GetItems() {
			items = append(items, map[string]any{"name": x.GetName(), "kind": x.GetKind().String(), "product_type": x.GetProductType()})
		}
		msg := map[string]any{"category": m.GetCategory().String(), "type": m.GetType().String(), "text": m.GetText(), "buttons": buttons, "items": items}
		if t := m.GetTemplate(); t != nil {
			msg["template"] = map[string]any{"name": t.GetName(), "language": t.GetLanguage(), "status": t.GetStatus().String(), "category": t.GetCategory().String()}
		}
		doc["message"] = msg
	}
	if c := req.GetConsent(); c != nil {
		scopes := []any{}
		for _, s := range c.GetScopes() {
			scopes = append(scopes, s.String())
		}
		consent := map[string]any{"wording": c.GetWording(), "scopes": scopes, "channel": c.GetChannel()}
		if c.GetOptedInAt() != nil {
			consent["opted_in_at"] = nanos(c.GetOptedInAt())
		}
		if c.GetOptedOutAt() != nil {
			consent["opted_out_at"] = nanos(c.GetOptedOutAt())
		}
		doc["consent"] = consent
	}
	if c := req.GetConversation(); c != nil {
		conv := map[string]any{}
		if c.GetLastInboundAt() != nil {
			conv["last_inbound_at"] = nanos(c.GetLastInboundAt())
		}
		doc["conversation"] = conv
	}
	v, err := ast.InterfaceToValue(doc)
	if err != nil {
		panic("engine: plain input: " + err.Error()) // maps of strings, numbers and bools always convert
	}
	return v
}
