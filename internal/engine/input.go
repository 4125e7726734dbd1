package engine

import (
	"strconv"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/sendgate/sendgate/internal/engine/opafast"
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
//
// Of the parts no default rule reads (request_id, recipient, business.id and
// business.country, consent.channel; see inputShape) it holds only those the
// set's policies read.
//
// Every decision builds one, so it is built with few allocations: the terms
// come from one block, empty strings and empty lists are shared, the
// timestamps' digits share one string and each object is made whole rather
// than grown. The document is never modified once built.
//
// A plain policy set builds the whole document the plain way instead (see
// plainInput).
func (p *PolicySet) Input(req *sendgatev1.CheckRequest, now time.Time) ast.Value {
	if p.plain {
		return plainInput(req, now)
	}
	return inputOf(req, now, p.shape)
}

// inputOf builds the parts of the input document that shape asks for.
func inputOf(req *sendgatev1.CheckRequest, now time.Time, shape inputShape) ast.Value {
	m := req.GetMessage()
	b := inputBuilder{Block: opafast.NewBlock(inputTerms(req)), shape: shape}
	b.timestamps(req, now)

	var top [7][2]*ast.Term
	n := 0
	if shape.requestID {
		top[n] = ast.Item(kRequestID, b.String(req.GetRequestId()))
		n++
	}
	top[n] = ast.Item(kSendTime, b.number(sendTimeNanos))
	n++
	if x := req.GetBusiness(); x != nil {
		top[n] = ast.Item(kBusiness, b.business(x))
		n++
	}
	if r := req.GetRecipient(); r != nil && shape.recipient {
		top[n] = ast.Item(kRecipient, b.Term(ast.NewObject(
			ast.Item(kPhone, b.String(r.GetPhone())),
			ast.Item(kCountry, b.String(r.GetCountry())),
			ast.Item(kLocale, b.String(r.GetLocale())),
		)))
		n++
	}
	if m != nil {
		top[n] = ast.Item(kMessage, b.message(m))
		n++
	}
	if c := req.GetConsent(); c != nil {
		top[n] = ast.Item(kConsent, b.consent(c))
		n++
	}
	if c := req.GetConversation(); c != nil {
		var conv ast.Object
		if c.GetLastInboundAt() != nil {
			conv = ast.NewObject(ast.Item(kLastInboundAt, b.number(lastInboundNanos)))
		} else {
			conv = ast.NewObject()
		}
		top[n] = ast.Item(kConversation, b.Term(conv))
		n++
	}
	return ast.NewObject(top[:n]...)
}

// inputTerms is how many terms Input takes from its block for req, at most.
func inputTerms(req *sendgatev1.CheckRequest) int {
	m := req.GetMessage()
	return 32 + 3*len(m.GetButtons()) + 3*len(m.GetItems())
}

// inputBuilder hands out the terms of one input document.
type inputBuilder struct {
	opafast.Block
	shape inputShape
	// nanos are the request's timestamps, indexed as below, their digits in
	// one string.
	nanos [4]ast.Number
}

// The request's timestamps, as indexes of inputBuilder.nanos.
const (
	sendTimeNanos = iota
	optedInNanos
	optedOutNanos
	lastInboundNanos
)

var emptyArray = ast.ArrayTerm()

func (b *inputBuilder) array(elems []*ast.Term) *ast.Term {
	if len(elems) == 0 {
		return emptyArray
	}
	return b.Term(ast.NewArray(elems...))
}

func (b *inputBuilder) number(i int) *ast.Term { return b.Term(b.nanos[i]) }

// timestamps writes the request's timestamps as decimal nanoseconds; an
// unset one is left empty and never used.
func (b *inputBuilder) timestamps(req *sendgatev1.CheckRequest, now time.Time) {
	sendTime := now.UnixNano()
	if req.GetSendTime() != nil {
		sendTime = timestampNanos(req.GetSendTime())
	}
	var all [4]*timestamppb.Timestamp
	all[optedInNanos] = req.GetConsent().GetOptedInAt()
	all[optedOutNanos] = req.GetConsent().GetOptedOutAt()
	all[lastInboundNanos] = req.GetConversation().GetLastInboundAt()
	var buf [4 * 20]byte // an int64 takes at most 20 characters
	digits := strconv.AppendInt(buf[:0], sendTime, 10)
	var ends [4]int
	ends[sendTimeNanos] = len(digits)
	for i := sendTimeNanos + 1; i < len(all); i++ {
		if all[i] != nil {
			digits = strconv.AppendInt(digits, timestampNanos(all[i]), 10)
		}
		ends[i] = len(digits)
	}
	s := string(digits)
	start := 0
	for i, end := range ends {
		b.nanos[i] = ast.Number(s[start:end])
		start = end
	}
}

func (b *inputBuilder) business(x *sendgatev1.Business) *ast.Term {
	var items [5][2]*ast.Term
	items[0] = ast.Item(kDisplayName, b.String(x.GetDisplayName()))
	items[1] = ast.Item(kVertical, b.String(x.GetVertical()))
	n := 2
	if b.shape.businessID {
		items[n] = ast.Item(kID, b.String(x.GetId()))
		n++
	}
	if b.shape.businessCountry {
		items[n] = ast.Item(kCountry, b.String(x.GetCountry()))
		n++
	}
	if g := x.GetGovernmentProgram(); g != nil {
		items[n] = ast.Item(kGovernmentProgram, b.Term(ast.NewObject(
			ast.Item(kEnrolled, ast.InternedTerm(g.GetEnrolled())),
			ast.Item(kArea, b.String(g.GetArea())),
		)))
		n++
	}
	return b.Term(ast.NewObject(items[:n]...))
}

func (b *inputBuilder) message(m *sendgatev1.Message) *ast.Term {
	var buttons, items []*ast.Term
	if n := len(m.GetButtons()); n > 0 {
		buttons = make([]*ast.Term, n)
		for i, x := range m.GetButtons() {
			buttons[i] = b.Term(ast.NewObject(
				ast.Item(kType, buttonTypeTerms.term(x.GetType().Number())),
				ast.Item(kText, b.String(x.GetText())),
				ast.Item(kURL, b.String(x.GetUrl())),
			))
		}
	}
	if n := len(m.GetItems()); n > 0 {
		items = make([]*ast.Term, n)
		for i, x := range m.GetItems() {
			items[i] = b.Term(ast.NewObject(
				ast.Item(kName, b.String(x.GetName())),
				ast.Item(kKind, itemKindTerms.term(x.GetKind().Number())),
				ast.Item(kProductType, b.String(x.GetProductType())),
			))
		}
	}
	category := ast.Item(kCategory, categoryTerms.term(m.GetCategory().Number()))
	typ := ast.Item(kType, messageTypeTerms.term(m.GetType().Number()))
	text := ast.Item(kText, b.String(m.GetText()))
	btns := ast.Item(kButtons, b.array(buttons))
	its := ast.Item(kItems, b.array(items))
	t := m.GetTemplate()
	if t == nil {
		return b.Term(ast.NewObject(category, typ, text, btns, its))
	}
	template := b.Term(ast.NewObject(
		ast.Item(kName, b.String(t.GetName())),
		ast.Item(kLanguage, b.String(t.GetLanguage())),
		ast.Item(kStatus, templateStatusTerms.term(t.GetStatus().Number())),
		ast.Item(kCategory, categoryTerms.term(t.GetCategory().Number())),
	))
	return b.Term(ast.NewObject(category, typ, text, btns, its, ast.Item(kTemplate, template)))
}

func (b *inputBuilder) consent(c *sendgatev1.Consent) *ast.Term {
	var scopes []*ast.Term
	if n := len(c.GetScopes()); n > 0 {
		scopes = make([]*ast.Term, n)
		for i, s := range c.GetScopes() {
			scopes[i] = categoryTerms.term(s.Number())
		}
	}
	var items [5][2]*ast.Term
	items[0] = ast.Item(kWording, b.String(c.GetWording()))
	items[1] = ast.Item(kScopes, b.array(scopes))
	n := 2
	if b.shape.consentChannel {
		items[n] = ast.Item(kChannel, b.String(c.GetChannel()))
		n++
	}
	if c.GetOptedInAt() != nil {
		items[n] = ast.Item(kOptedInAt, b.number(optedInNanos))
		n++
	}
	if c.GetOptedOutAt() != nil {
		items[n] = ast.Item(kOptedOutAt, b.number(optedOutNanos))
		n++
	}
	return b.Term(ast.NewObject(items[:n]...))
}

// timestampNanos reads a timestamp without validating it; validation has
// already refused out-of-range values.
func timestampNanos(ts *timestamppb.Timestamp) int64 {
	return ts.GetSeconds()*int64(time.Second) + int64(ts.GetNanos())
}
