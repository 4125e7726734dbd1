package ledger

import (
	"slices"
	"time"
)

// State is what the ledger knows of one recipient of one business, as the
// policy reads it. Each part is the latest of its kind, so events may be
// recorded in any order, and twice, with the same result.
type State struct {
	// OptIn is the latest opt-in kept; nil when there is none.
	OptIn *OptIn
	// OptedOutAt is the latest opt-out of everything; zero when none.
	OptedOutAt time.Time
	// MarketingOptedOutAt is the latest opt-out of marketing only.
	MarketingOptedOutAt time.Time
	// LastInboundAt is the recipient's latest message kept.
	LastInboundAt time.Time
	// ErasedAt is when the recipient was last erased (for this business or
	// every business); zero when never.
	ErasedAt time.Time
}

// OptIn is the part of an opt-in event the state keeps.
type OptIn struct {
	At      time.Time
	EventID string
	Channel string
	Wording string
	Scopes  []string
	// Keyword is set when the recipient opted in by sending it (START).
	Keyword string
}

// Empty reports whether the state holds nothing.
func (s *State) Empty() bool {
	return s.OptIn == nil && s.OptedOutAt.IsZero() && s.MarketingOptedOutAt.IsZero() &&
		s.LastInboundAt.IsZero() && s.ErasedAt.IsZero()
}

// Apply adds one event to the state. An opt-in replaces the kept one when
// it is later (at the same instant, when its id sorts after), so the
// result does not depend on the order events arrive in.
func (s *State) Apply(e *Event) {
	switch e.Kind {
	case KindOptIn:
		if s.OptIn == nil || e.At.After(s.OptIn.At) || (e.At.Equal(s.OptIn.At) && e.ID > s.OptIn.EventID) {
			s.OptIn = &OptIn{At: e.At, EventID: e.ID, Channel: e.Channel, Wording: e.Wording, Scopes: slices.Clone(e.Scopes), Keyword: e.Keyword}
		}
	case KindOptOut:
		if e.Scope == ScopeMarketing {
			s.MarketingOptedOutAt = later(s.MarketingOptedOutAt, e.At)
		} else {
			s.OptedOutAt = later(s.OptedOutAt, e.At)
		}
	case KindInbound:
		s.LastInboundAt = later(s.LastInboundAt, e.At)
	case KindErasure:
		s.ErasedAt = later(s.ErasedAt, e.At)
	}
}

// Reduce returns the state the events add up to.
func Reduce(evs []Event) State {
	var s State
	for i := range evs {
		s.Apply(&evs[i])
	}
	return s
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// Clone returns a copy of s that shares nothing with it.
func (s State) Clone() State {
	if s.OptIn != nil {
		o := *s.OptIn
		o.Scopes = slices.Clone(o.Scopes)
		s.OptIn = &o
	}
	return s
}
