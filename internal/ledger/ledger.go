// Package ledger keeps each recipient's opt-ins, opt-outs and inbound
// messages, per business, so that the engine can hand the recipient's state
// to the policy as input.ledger. It stores; the policy decides.
//
// The ledger never stores a phone number: a recipient is known by the
// HMAC-SHA256 of its E.164 number under the ledger's key (Recipient). The
// stores sit behind Store, and one conformance suite (ledgertest) runs
// against every implementation.
package ledger

import (
	"cmp"
	"context"
	"encoding/hex"
	"errors"
	"maps"
	"slices"
	"time"
)

// Recipient is the keyed hash of a recipient's E.164 number.
type Recipient [32]byte

// String returns the hash in hex, as exports and GetRecipient show it.
func (r Recipient) String() string { return hex.EncodeToString(r[:]) }

// ParseRecipient reads a hash written by String.
func ParseRecipient(s string) (Recipient, error) {
	var r Recipient
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(r) {
		return r, errors.New("recipient must be 64 hex digits")
	}
	copy(r[:], b)
	return r, nil
}

// Kind is what an event records.
type Kind uint8

// The kinds of event. KindErasure is the suppression entry an erasure
// leaves; it appears in exports and may be recorded back by an import.
const (
	KindOptIn Kind = iota + 1
	KindOptOut
	KindInbound
	KindErasure
)

var kindNames = [...]string{KindOptIn: "opt_in", KindOptOut: "opt_out", KindInbound: "inbound", KindErasure: "erasure"}

func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return "unknown"
}

// ParseKind reads a kind written by String.
func ParseKind(s string) (Kind, bool) {
	for k, name := range kindNames {
		if name != "" && name == s {
			return Kind(k), true
		}
	}
	return 0, false
}

// Scope is what an opt-out stops.
type Scope uint8

// Opt-out scopes. An opt-out without a scope stops everything.
const (
	ScopeAll Scope = iota + 1
	ScopeMarketing
)

func (s Scope) String() string {
	if s == ScopeMarketing {
		return "marketing"
	}
	return "all"
}

// Event is one recorded fact about a recipient of a business. Which fields
// are set depends on Kind.
type Event struct {
	// ID is the caller's event id, unique within BusinessID. Empty only for
	// KindErasure.
	ID         string
	BusinessID string // empty for an erasure of every business
	Recipient  Recipient
	Kind       Kind
	// At is when it happened; RecordedAt when the ledger recorded it.
	At, RecordedAt time.Time

	// Opt-in.
	Channel  string
	Wording  string
	Scopes   []string // category names, e.g. "CATEGORY_MARKETING"
	Evidence map[string]string

	// Opt-out.
	Scope  Scope
	Source string // keyword, web, agent, meta_marketing_stop, import, or ""

	// Keyword is the lexicon keyword an inbound message matched, on the
	// inbound event and on the opt-in or opt-out it recorded. The text of an
	// inbound message is never stored.
	Keyword string
}

// Subject is one recipient of one business, the unit of state.
type Subject struct {
	BusinessID string
	Recipient  Recipient
}

// Subject returns the event's subject.
func (e *Event) Subject() Subject { return Subject{e.BusinessID, e.Recipient} }

// Recorded is the outcome of recording one event.
type Recorded struct {
	// Event is the event as stored: the one given, or for a duplicate the
	// one recorded first with its id.
	Event Event
	// Duplicate is true when the id was already recorded and nothing was.
	Duplicate bool
}

// Store keeps events and the states they add up to. Implementations are
// safe for concurrent use; a write has reached stable storage (for a
// persistent store) when it returns without error.
type Store interface {
	// Record stores events, all or none. An event whose (BusinessID, ID) is
	// already stored, or earlier in evs, is not stored again and is
	// reported as a duplicate. A KindErasure event stores only its
	// suppression entry (it deletes nothing). Times are kept to the
	// microsecond.
	Record(ctx context.Context, evs []Event) ([]Recorded, error)
	// States returns the state of each subject, in order, in one read.
	States(ctx context.Context, subjects []Subject) ([]State, error)
	// History returns the events kept for one subject, oldest first.
	History(ctx context.Context, s Subject) ([]Event, error)
	// Erase deletes every event of r for business (for every business
	// when business is empty), with their ids, and keeps a suppression
	// entry dated at. It returns how many events it deleted. When it
	// returns, no deleted byte is left in the store's files.
	Erase(ctx context.Context, business string, r Recipient, at time.Time) (int, error)
	// Purge deletes the opt-in and inbound events that happened before
	// cutoff; opt-outs and suppression entries are kept for ever. States
	// are recomputed from what is left. It returns how many it deleted.
	Purge(ctx context.Context, cutoff time.Time) (int, error)
	// Export calls fn with every event of business (every business when
	// empty) and every suppression entry, grouped by recipient.
	Export(ctx context.Context, business string, fn func(Event) error) error
	// BindKey ties the store to the hashing key by its fingerprint: the
	// first call records it, a later one with another fingerprint fails
	// with ErrKeyMismatch, so a store is never read with the wrong key.
	BindKey(ctx context.Context, fingerprint string) error
	// Close releases the store.
	Close() error
}

// ErrKeyMismatch is returned when a store was written with another key.
var ErrKeyMismatch = errors.New("the ledger was written with another key: give the --ledger-key-file it was created with")

// Micro truncates t to the microsecond, the precision every store keeps.
func Micro(t time.Time) time.Time { return t.Truncate(time.Microsecond).UTC() }

// Clone returns a copy of e that shares nothing with it.
func (e Event) Clone() Event {
	e.Scopes = slices.Clone(e.Scopes)
	e.Evidence = maps.Clone(e.Evidence)
	return e
}

// Purgeable reports whether retention may delete e: opt-ins and inbound
// messages may go, opt-outs and suppression entries stay.
func (e *Event) Purgeable() bool { return e.Kind == KindOptIn || e.Kind == KindInbound }

// CompareEvents orders events as History returns them: by when they
// happened, then when they were recorded, then by id.
func CompareEvents(a, b Event) int {
	return cmp.Or(a.At.Compare(b.At), a.RecordedAt.Compare(b.RecordedAt), cmp.Compare(a.ID, b.ID))
}

// CompareExport orders events as Export groups them: by recipient, then
// business, then as CompareEvents.
func CompareExport(a, b Event) int {
	return cmp.Or(slices.Compare(a.Recipient[:], b.Recipient[:]), cmp.Compare(a.BusinessID, b.BusinessID), CompareEvents(a, b))
}
