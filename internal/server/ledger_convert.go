package server

import (
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/sendgate/sendgate/internal/ledger"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// timeOf reads an optional timestamp; unset is the zero time, which the
// ledger replaces with its clock.
func timeOf(ts *timestamppb.Timestamp) time.Time {
	if ts == nil {
		return time.Time{}
	}
	return ts.AsTime()
}

func timestampOf(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

func categoryNames(cs []sendgatev1.Category) []string {
	if len(cs) == 0 {
		return nil
	}
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.String()
	}
	return out
}

func categories(names []string) []sendgatev1.Category {
	if len(names) == 0 {
		return nil
	}
	out := make([]sendgatev1.Category, 0, len(names))
	for _, n := range names {
		out = append(out, sendgatev1.Category(sendgatev1.Category_value[n]))
	}
	return out
}

func scopeOf(s sendgatev1.OptOutScope) ledger.Scope {
	if s == sendgatev1.OptOutScope_OPT_OUT_SCOPE_MARKETING {
		return ledger.ScopeMarketing
	}
	return ledger.ScopeAll
}

func scopeProto(s ledger.Scope) sendgatev1.OptOutScope {
	if s == ledger.ScopeMarketing {
		return sendgatev1.OptOutScope_OPT_OUT_SCOPE_MARKETING
	}
	return sendgatev1.OptOutScope_OPT_OUT_SCOPE_ALL
}

// Opt-out sources are stored by the lower-case suffix of their enum name.
var sourceNames = map[sendgatev1.OptOutSource]string{
	sendgatev1.OptOutSource_OPT_OUT_SOURCE_KEYWORD:             "keyword",
	sendgatev1.OptOutSource_OPT_OUT_SOURCE_WEB:                 "web",
	sendgatev1.OptOutSource_OPT_OUT_SOURCE_AGENT:               "agent",
	sendgatev1.OptOutSource_OPT_OUT_SOURCE_META_MARKETING_STOP: "meta_marketing_stop",
	sendgatev1.OptOutSource_OPT_OUT_SOURCE_IMPORT:              "import",
}

func sourceName(s sendgatev1.OptOutSource) string { return sourceNames[s] }

// SourceOf reads a stored opt-out source name.
func SourceOf(name string) sendgatev1.OptOutSource {
	for s, n := range sourceNames {
		if n == name {
			return s
		}
	}
	return sendgatev1.OptOutSource_OPT_OUT_SOURCE_UNSPECIFIED
}

var kindProtos = map[ledger.Kind]sendgatev1.LedgerEventKind{
	ledger.KindOptIn:   sendgatev1.LedgerEventKind_LEDGER_EVENT_KIND_OPT_IN,
	ledger.KindOptOut:  sendgatev1.LedgerEventKind_LEDGER_EVENT_KIND_OPT_OUT,
	ledger.KindInbound: sendgatev1.LedgerEventKind_LEDGER_EVENT_KIND_INBOUND,
	ledger.KindErasure: sendgatev1.LedgerEventKind_LEDGER_EVENT_KIND_ERASURE,
}

// EventProto is an event as the API shows it.
func EventProto(e ledger.Event) *sendgatev1.LedgerEvent {
	p := &sendgatev1.LedgerEvent{
		EventId: e.ID, BusinessId: e.BusinessID, Recipient: e.Recipient.String(), Kind: kindProtos[e.Kind],
		At: timestampOf(e.At), RecordedAt: timestampOf(e.RecordedAt), Keyword: e.Keyword,
	}
	switch e.Kind {
	case ledger.KindOptIn:
		p.Channel, p.Wording, p.Scopes, p.Evidence = e.Channel, e.Wording, categories(e.Scopes), e.Evidence
	case ledger.KindOptOut:
		p.OptOutScope, p.OptOutSource = scopeProto(e.Scope), SourceOf(e.Source)
	}
	return p
}

// EventOf reads an event as the API shows it (an export line).
func EventOf(p *sendgatev1.LedgerEvent) (ledger.Event, error) {
	r, err := ledger.ParseRecipient(p.GetRecipient())
	if err != nil {
		return ledger.Event{}, err
	}
	e := ledger.Event{
		ID: p.GetEventId(), BusinessID: p.GetBusinessId(), Recipient: r,
		At: timeOf(p.GetAt()), RecordedAt: timeOf(p.GetRecordedAt()), Keyword: p.GetKeyword(),
	}
	for k, v := range kindProtos {
		if v == p.GetKind() {
			e.Kind = k
		}
	}
	switch e.Kind {
	case ledger.KindOptIn:
		e.Channel, e.Wording, e.Scopes, e.Evidence = p.GetChannel(), p.GetWording(), categoryNames(p.GetScopes()), p.GetEvidence()
	case ledger.KindOptOut:
		e.Scope, e.Source = scopeOf(p.GetOptOutScope()), sourceName(p.GetOptOutSource())
	}
	return e, nil
}

// StateProto is a state as the API shows it.
func StateProto(s ledger.State) *sendgatev1.RecipientState {
	p := &sendgatev1.RecipientState{
		OptedOutAt: timestampOf(s.OptedOutAt), MarketingOptedOutAt: timestampOf(s.MarketingOptedOutAt),
		LastInboundAt: timestampOf(s.LastInboundAt), ErasedAt: timestampOf(s.ErasedAt),
	}
	if o := s.OptIn; o != nil {
		p.OptedInAt, p.Channel, p.Wording, p.Scopes = timestampOf(o.At), o.Channel, o.Wording, categories(o.Scopes)
	}
	return p
}
