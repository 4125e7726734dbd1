package validate

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/types/known/timestamppb"

	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// Limits of the LedgerService's fields.
const (
	MaxIDBytes          = 256  // event_id, business_id
	MaxChannelBytes     = 64   // channel
	MaxLocaleBytes      = 35   // locale (BCP 47)
	MaxEvidenceEntries  = 32   // evidence entries
	MaxEvidenceKeyBytes = 64   // evidence key
	MaxEvidenceValBytes = 1024 // evidence value
)

// RecordOptIn returns the violations of an opt-in to record.
func RecordOptIn(req *sendgatev1.RecordOptInRequest) []Violation {
	var v violations
	v.record(req.GetEventId(), req.GetBusinessId(), req.GetPhone(), "opted_in_at", req.GetOptedInAt())
	v.short("channel", req.GetChannel(), MaxChannelBytes)
	v.text("wording", req.GetWording())
	for i, s := range req.GetScopes() {
		field := "scopes[" + strconv.Itoa(i) + "]"
		if s == sendgatev1.Category_CATEGORY_UNSPECIFIED {
			v.add(field, "must name a category")
		} else {
			v.enum(field, s)
		}
	}
	if n := len(req.GetEvidence()); n > MaxEvidenceEntries {
		v.add("evidence", "has "+strconv.Itoa(n)+" entries; at most "+strconv.Itoa(MaxEvidenceEntries)+" are allowed")
	}
	for k, val := range req.GetEvidence() {
		field := "evidence[" + strconv.Quote(k) + "]"
		if len(k) > MaxEvidenceKeyBytes {
			v.add("evidence", "has a key longer than "+strconv.Itoa(MaxEvidenceKeyBytes)+" bytes")
		} else {
			v.short(field, val, MaxEvidenceValBytes)
		}
	}
	return v
}

// RecordOptOut returns the violations of an opt-out to record.
func RecordOptOut(req *sendgatev1.RecordOptOutRequest) []Violation {
	var v violations
	v.record(req.GetEventId(), req.GetBusinessId(), req.GetPhone(), "opted_out_at", req.GetOptedOutAt())
	v.enum("scope", req.GetScope())
	v.enum("source", req.GetSource())
	return v
}

// RecordInbound returns the violations of an inbound message to record.
func RecordInbound(req *sendgatev1.RecordInboundRequest) []Violation {
	var v violations
	v.record(req.GetEventId(), req.GetBusinessId(), req.GetPhone(), "received_at", req.GetReceivedAt())
	v.text("text", req.GetText())
	v.short("locale", req.GetLocale(), MaxLocaleBytes)
	return v
}

// GetRecipient returns the violations of a recipient look-up.
func GetRecipient(req *sendgatev1.GetRecipientRequest) []Violation {
	var v violations
	v.id("business_id", req.GetBusinessId(), true)
	v.phone("phone", req.GetPhone())
	return v
}

// EraseRecipient returns the violations of an erasure; an empty
// business_id erases the recipient at every business.
func EraseRecipient(req *sendgatev1.EraseRecipientRequest) []Violation {
	var v violations
	v.id("business_id", req.GetBusinessId(), false)
	v.phone("phone", req.GetPhone())
	return v
}

// record checks the fields every Record call has.
func (v *violations) record(eventID, businessID, phone, atField string, at *timestamppb.Timestamp) {
	v.id("event_id", eventID, false)
	if strings.Contains(eventID, "#") {
		v.add("event_id", "must not contain '#', which marks the events an inbound keyword records")
	}
	v.id("business_id", businessID, true)
	v.phone("phone", phone)
	v.timestamp(atField, at)
}

func (v *violations) id(field, val string, required bool) {
	switch {
	case val == "" && required:
		v.add(field, "is required")
	case len(val) > MaxIDBytes:
		v.add(field, "is longer than "+strconv.Itoa(MaxIDBytes)+" bytes")
	case !utf8.ValidString(val):
		v.add(field, "is not valid UTF-8")
	}
}

// phone checks a number without quoting it: a phone number never goes
// into an error message, which may be logged.
func (v *violations) phone(field, val string) {
	switch {
	case val == "":
		v.add(field, "is required")
	case !IsE164(val):
		v.add(field, "must be an E.164 number such as +31612345678")
	}
}

func (v *violations) short(field, val string, max int) {
	if len(val) > max {
		v.add(field, "is longer than "+strconv.Itoa(max)+" bytes")
	} else if !utf8.ValidString(val) {
		v.add(field, "is not valid UTF-8")
	}
}

func (v *violations) text(field, val string) {
	if len(val) > MaxTextRunes {
		if n := utf8.RuneCountInString(val); n > MaxTextRunes {
			v.add(field, "is "+strconv.Itoa(n)+" characters long; at most "+strconv.Itoa(MaxTextRunes)+" are allowed")
		}
	}
	if !utf8.ValidString(val) {
		v.add(field, "is not valid UTF-8")
	}
}
