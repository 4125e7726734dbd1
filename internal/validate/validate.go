// Package validate refuses structurally malformed requests before they reach
// the policy: every problem is reported as a field violation, so a caller
// can fix them all at once.
package validate

import (
	"strconv"
	"unicode/utf8"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"

	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// MaxTextRunes is the longest message text, in characters, that is decided.
const MaxTextRunes = 4096

// MaxBatch is the most requests one CheckBatch may carry.
const MaxBatch = 1000

// Timestamps are compared as int64 nanoseconds, which span 1678 to 2262.
const (
	minUnixSeconds = -9_223_372_035
	maxUnixSeconds = 9_223_372_035
)

// Violation names one bad field, by its proto path (e.g. "recipient.phone").
type Violation struct {
	Field       string
	Description string
}

// CheckRequest returns the violations of req; none means it can be decided.
func CheckRequest(req *sendgatev1.CheckRequest) []Violation {
	if len(req.ProtoReflect().GetUnknown()) > 0 {
		if why, ok := undecodable(req); ok {
			return []Violation{{"request", why}}
		}
	}
	var v violations
	v.timestamp("send_time", req.GetSendTime())

	if b := req.GetBusiness(); b == nil {
		v.add("business", "is required")
	} else {
		v.required("business.id", b.GetId())
		v.required("business.display_name", b.GetDisplayName())
	}

	if r := req.GetRecipient(); r == nil {
		v.add("recipient", "is required")
	} else if r.GetPhone() == "" {
		v.add("recipient.phone", "is required")
	} else if !IsE164(r.GetPhone()) {
		v.add("recipient.phone", "must be an E.164 number such as +31612345678")
	}

	if m := req.GetMessage(); m == nil {
		v.add("message", "is required")
	} else {
		v.message(m)
	}

	if c := req.GetConsent(); c != nil {
		v.timestamp("consent.opted_in_at", c.GetOptedInAt())
		v.timestamp("consent.opted_out_at", c.GetOptedOutAt())
		for i, s := range c.GetScopes() {
			v.enum("consent.scopes["+strconv.Itoa(i)+"]", s)
		}
	}
	if c := req.GetConversation(); c != nil {
		v.timestamp("conversation.last_inbound_at", c.GetLastInboundAt())
	}
	v.limits(req)
	return v
}

// CheckBatch returns the violations of the batch as a whole (not of its items).
func CheckBatch(req *sendgatev1.CheckBatchRequest) []Violation {
	if why, ok := undecodable(req); ok {
		return []Violation{{"requests", why}}
	}
	switch n := len(req.GetRequests()); {
	case n == 0:
		return []Violation{{"requests", "must hold at least one request"}}
	case n > MaxBatch:
		return []Violation{{"requests", "must hold at most " + strconv.Itoa(MaxBatch) + " requests, not " + strconv.Itoa(n)}}
	}
	return nil
}

// IsE164 reports whether s is "+" followed by 2 to 15 digits, the first not 0.
func IsE164(s string) bool {
	if len(s) < 3 || len(s) > 16 || s[0] != '+' || s[1] < '1' || s[1] > '9' {
		return false
	}
	for i := 2; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

type violations []Violation

func (v *violations) add(field, desc string) { *v = append(*v, Violation{field, desc}) }

func (v *violations) required(field, val string) {
	if val == "" {
		v.add(field, "is required")
	}
}

// enum refuses numbers the enum does not define: a newer client's value
// must not be decided as if it were unset.
func (v *violations) enum(field string, e protoreflect.Enum) {
	if !knownEnum(e) {
		v.add(field, "unknown enum value "+strconv.Itoa(int(e.Number())))
	}
}

func knownEnum(e protoreflect.Enum) bool {
	return e.Descriptor().Values().ByNumber(e.Number()) != nil
}

func (v *violations) timestamp(field string, ts *timestamppb.Timestamp) {
	if ts != nil {
		if err := ts.CheckValid(); err != nil {
			v.add(field, "is not a valid timestamp")
		} else if ts.GetSeconds() < minUnixSeconds || ts.GetSeconds() > maxUnixSeconds {
			v.add(field, "must lie between the years 1678 and 2262")
		}
	}
}

func (v *violations) message(m *sendgatev1.Message) {
	v.enum("message.category", m.GetCategory())
	v.enum("message.type", m.GetType())
	// A text of at most MaxTextRunes bytes has at most as many runes.
	if text := m.GetText(); len(text) > MaxTextRunes {
		if n := utf8.RuneCountInString(text); n > MaxTextRunes {
			v.add("message.text", "is "+strconv.Itoa(n)+" characters long; at most "+strconv.Itoa(MaxTextRunes)+" are allowed")
		}
	}
	if !utf8.ValidString(m.GetText()) {
		v.add("message.text", "is not valid UTF-8")
	}
	if t := m.GetTemplate(); t != nil {
		v.enum("message.template.status", t.GetStatus())
		v.enum("message.template.category", t.GetCategory())
	}
	// The field names of list entries are built only for a violation.
	for i, b := range m.GetButtons() {
		if !knownEnum(b.GetType()) {
			v.enum("message.buttons["+strconv.Itoa(i)+"].type", b.GetType())
		}
	}
	for i, it := range m.GetItems() {
		if !knownEnum(it.GetKind()) {
			v.enum("message.items["+strconv.Itoa(i)+"].kind", it.GetKind())
		}
	}
}
