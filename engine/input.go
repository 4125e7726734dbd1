package engine

import (
	"strconv"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"

	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// Keys of the input document, built once so a conversion allocates none.
var (
	kRequestID         = ast.StringTerm("request_id")
	kSendTime          = ast.StringTerm("send_time")
	kBusiness          = ast.StringTerm("business")
	kRecipient         = ast.StringTerm("recipient")
	kMessage           = ast.StringTerm("message")
	kConsent           = ast.StringTerm("consent")
	kConversation      = ast.StringTerm("conversation")
	kID                = ast.StringTerm("id")
	kDisplayName       = ast.StringTerm("display_name")
	kVertical          = ast.StringTerm("vertical")
	kGovernmentProgram = ast.StringTerm("government_program")
	kEnrolled          = ast.StringTerm("enrolled")
	kArea              = ast.StringTerm("area")
	kCountry           = ast.StringTerm("country")
	kPhone             = ast.StringTerm("phone")
	kLocale            = ast.StringTerm("locale")
	kCategory          = ast.StringTerm("category")
	kType              = ast.StringTerm("type")
	kText              = ast.StringTerm("text")
	kTemplate          = ast.StringTerm("template")
	kButtons           = ast.StringTerm("buttons")
	kItems             = ast.StringTerm("items")
	kName              = ast.StringTerm("name")
	kLanguage          = ast.StringTerm("language")
	kStatus            = ast.StringTerm("status")
	kURL               = ast.StringTerm("url")
	kKind              = ast.StringTerm("kind")
	kProductType       = ast.StringTerm("product_type")
	kOptedInAt         = ast.StringTerm("opted_in_at")
	kChannel           = ast.StringTerm("channel")
	kWording           = ast.StringTerm("wording")
	kScopes            = ast.StringTerm("scopes")
	kOptedOutAt        = ast.StringTerm("opted_out_at")
	kLastInboundAt     = ast.StringTerm("last_inbound_at")
)

// enumTerms holds one string term per known value of each enum, by number.
type enumTerms map[protoreflect.EnumNumber]*ast.Term

func newEnumTerms(d protoreflect.EnumDescriptor) enumTerms {
	vals := d.Values()
	m := make(enumTerms, vals.Len())
	for i := range vals.Len() {
		v := vals.Get(i)
		m[v.Number()] = ast.StringTerm(string(v.Name()))
	}
	return m
}

// term returns the enum value's name; an unknown number (which validation
// rejects before evaluation) becomes its decimal string.
func (m enumTerms) term(n protoreflect.EnumNumber) *ast.Term {
	if t, ok := m[n]; ok {
		return t
	}
	return ast.StringTerm(strconv.Itoa(int(n)))
}

var (
	categoryTerms       = newEnumTerms(sendgatev1.Category(0).Descriptor())
	messageTypeTerms    = newEnumTerms(sendgatev1.MessageType(0).Descriptor())
	templateStatusTerms = newEnumTerms(sendgatev1.TemplateStatus(0).Descriptor())
	buttonTypeTerms     = newEnumTerms(sendgatev1.ButtonType(0).Descriptor())
	itemKindTerms       = newEnumTerms(sendgatev1.ItemKind(0).Descriptor())
)

// Input builds the policy input document straight from the request, without
// a JSON or map round trip. Sub-messages and timestamps are absent when
// unset; scalars of a present message are always present; repeated fields
// are always present. Timestamps are integer nanoseconds since the epoch.
// now stands in for an unset send_time.
func Input(req *sendgatev1.CheckRequest, now time.Time) ast.Value {
	sendTime := now.UnixNano()
	if req.GetSendTime() != nil {
		sendTime = timestampNanos(req.GetSendTime())
	}
	obj := ast.NewObject(
		ast.Item(kRequestID, ast.StringTerm(req.GetRequestId())),
		ast.Item(kSendTime, nanosTerm(sendTime)),
	)
	if b := req.GetBusiness(); b != nil {
		obj.Insert(kBusiness, businessTerm(b))
	}
	if r := req.GetRecipient(); r != nil {
		obj.Insert(kRecipient, ast.ObjectTerm(
			ast.Item(kPhone, ast.StringTerm(r.GetPhone())),
			ast.Item(kCountry, ast.StringTerm(r.GetCountry())),
			ast.Item(kLocale, ast.StringTerm(r.GetLocale())),
		))
	}
	if m := req.GetMessage(); m != nil {
		obj.Insert(kMessage, messageTerm(m))
	}
	if c := req.GetConsent(); c != nil {
		obj.Insert(kConsent, consentTerm(c))
	}
	if c := req.GetConversation(); c != nil {
		conv := ast.NewObject()
		if c.GetLastInboundAt() != nil {
			conv.Insert(kLastInboundAt, nanosTerm(timestampNanos(c.GetLastInboundAt())))
		}
		obj.Insert(kConversation, ast.NewTerm(conv))
	}
	return obj
}

func businessTerm(b *sendgatev1.Business) *ast.Term {
	obj := ast.NewObject(
		ast.Item(kID, ast.StringTerm(b.GetId())),
		ast.Item(kDisplayName, ast.StringTerm(b.GetDisplayName())),
		ast.Item(kVertical, ast.StringTerm(b.GetVertical())),
		ast.Item(kCountry, ast.StringTerm(b.GetCountry())),
	)
	if g := b.GetGovernmentProgram(); g != nil {
		obj.Insert(kGovernmentProgram, ast.ObjectTerm(
			ast.Item(kEnrolled, ast.InternedTerm(g.GetEnrolled())),
			ast.Item(kArea, ast.StringTerm(g.GetArea())),
		))
	}
	return ast.NewTerm(obj)
}

func messageTerm(m *sendgatev1.Message) *ast.Term {
	buttons := make([]*ast.Term, len(m.GetButtons()))
	for i, b := range m.GetButtons() {
		buttons[i] = ast.ObjectTerm(
			ast.Item(kType, buttonTypeTerms.term(b.GetType().Number())),
			ast.Item(kText, ast.StringTerm(b.GetText())),
			ast.Item(kURL, ast.StringTerm(b.GetUrl())),
		)
	}
	items := make([]*ast.Term, len(m.GetItems()))
	for i, it := range m.GetItems() {
		items[i] = ast.ObjectTerm(
			ast.Item(kName, ast.StringTerm(it.GetName())),
			ast.Item(kKind, itemKindTerms.term(it.GetKind().Number())),
			ast.Item(kProductType, ast.StringTerm(it.GetProductType())),
		)
	}
	obj := ast.NewObject(
		ast.Item(kCategory, categoryTerms.term(m.GetCategory().Number())),
		ast.Item(kType, messageTypeTerms.term(m.GetType().Number())),
		ast.Item(kText, ast.StringTerm(m.GetText())),
		ast.Item(kButtons, ast.ArrayTerm(buttons...)),
		ast.Item(kItems, ast.ArrayTerm(items...)),
	)
	if t := m.GetTemplate(); t != nil {
		obj.Insert(kTemplate, ast.ObjectTerm(
			ast.Item(kName, ast.StringTerm(t.GetName())),
			ast.Item(kLanguage, ast.StringTerm(t.GetLanguage())),
			ast.Item(kStatus, templateStatusTerms.term(t.GetStatus().Number())),
			ast.Item(kCategory, categoryTerms.term(t.GetCategory().Number())),
		))
	}
	return ast.NewTerm(obj)
}

func consentTerm(c *sendgatev1.Consent) *ast.Term {
	scopes := make([]*ast.Term, len(c.GetScopes()))
	for i, s := range c.GetScopes() {
		scopes[i] = categoryTerms.term(s.Number())
	}
	obj := ast.NewObject(
		ast.Item(kChannel, ast.StringTerm(c.GetChannel())),
		ast.Item(kWording, ast.StringTerm(c.GetWording())),
		ast.Item(kScopes, ast.ArrayTerm(scopes...)),
	)
	if c.GetOptedInAt() != nil {
		obj.Insert(kOptedInAt, nanosTerm(timestampNanos(c.GetOptedInAt())))
	}
	if c.GetOptedOutAt() != nil {
		obj.Insert(kOptedOutAt, nanosTerm(timestampNanos(c.GetOptedOutAt())))
	}
	return ast.NewTerm(obj)
}

// timestampNanos reads a timestamp without validating it; validation has
// already refused out-of-range values.
func timestampNanos(ts *timestamppb.Timestamp) int64 {
	return ts.GetSeconds()*int64(time.Second) + int64(ts.GetNanos())
}

func nanosTerm(ns int64) *ast.Term {
	return ast.NewTerm(ast.Number(strconv.FormatInt(ns, 10)))
}
