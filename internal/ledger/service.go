package ledger

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/sendgate/sendgate/internal/textscan"
)

// Ledger records events given by phone number and reads states, over one
// Store: it hashes the numbers, fills in ids and times and derives the
// opt-outs and opt-ins that keyword messages stand for.
type Ledger struct {
	store  Store
	hasher *Hasher
	now    func() time.Time
}

// Open ties store to hasher's key (see Store.BindKey) and returns the ledger.
func Open(ctx context.Context, store Store, hasher *Hasher) (*Ledger, error) {
	if err := store.BindKey(ctx, hasher.Fingerprint()); err != nil {
		return nil, err
	}
	return &Ledger{store: store, hasher: hasher, now: time.Now}, nil
}

// SetClock replaces the clock that stands in for unset times (tests).
func (l *Ledger) SetClock(now func() time.Time) { l.now = now }

// Store returns the store.
func (l *Ledger) Store() Store { return l.store }

// Recipient returns the keyed hash of phone.
func (l *Ledger) Recipient(phone string) Recipient { return l.hasher.Recipient(phone) }

// Now is the ledger's clock, to the microsecond.
func (l *Ledger) Now() time.Time { return Micro(l.now()) }

// Record stores events after filling in what the caller may leave out: an
// id (a new UUID), the time (now) and the time recorded (now); every time
// is kept to the microsecond.
func (l *Ledger) Record(ctx context.Context, evs []Event) ([]Recorded, error) {
	now := l.Now()
	for i := range evs {
		e := &evs[i]
		if e.ID == "" && e.Kind != KindErasure {
			e.ID = newID()
		}
		if e.At.IsZero() {
			e.At = now
		}
		e.At = Micro(e.At)
		e.RecordedAt = now
	}
	rec, err := l.store.Record(ctx, evs)
	if err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	return rec, nil
}

// State returns the state of phone's recipient at business.
func (l *Ledger) State(ctx context.Context, business, phone string) (State, error) {
	st, err := l.store.States(ctx, []Subject{{business, l.hasher.Recipient(phone)}})
	if err != nil {
		return State{}, fmt.Errorf("read the ledger: %w", err)
	}
	return st[0], nil
}

// States returns the states of many subjects in one read.
func (l *Ledger) States(ctx context.Context, subjects []Subject) ([]State, error) {
	st, err := l.store.States(ctx, subjects)
	if err != nil {
		return nil, fmt.Errorf("read the ledger: %w", err)
	}
	return st, nil
}

// History returns the state and the events kept of phone's recipient at business.
func (l *Ledger) History(ctx context.Context, business, phone string) (State, []Event, error) {
	s := Subject{business, l.hasher.Recipient(phone)}
	st, err := l.store.States(ctx, []Subject{s})
	if err != nil {
		return State{}, nil, fmt.Errorf("read the ledger: %w", err)
	}
	evs, err := l.store.History(ctx, s)
	if err != nil {
		return State{}, nil, fmt.Errorf("read the ledger: %w", err)
	}
	return st[0], evs, nil
}

// Erase deletes phone's records at business (every business when empty)
// and returns how many events went and when the erasure took effect.
func (l *Ledger) Erase(ctx context.Context, business, phone string) (int, time.Time, error) {
	at := l.Now()
	n, err := l.store.Erase(ctx, business, l.hasher.Recipient(phone), at)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("erase: %w", err)
	}
	return n, at, nil
}

// InboundAction is what an inbound message recorded besides the window.
type InboundAction uint8

// What an inbound message recorded.
const (
	InboundMessage InboundAction = iota + 1
	InboundOptOut
	InboundOptIn
)

// Inbound is what an inbound message was recognised as.
type Inbound struct {
	Action InboundAction
	// Keyword is the lexicon keyword the message is, as listed; Language
	// the language chosen for Confirmation, the text to send back.
	Keyword, Language, Confirmation string
}

// Classify recognises text as a whole-message opt-out or opt-in keyword of
// lex. Of the keyword's languages it chooses locale's (e.g. "nl" of
// "nl-NL"), else English, else the first listed.
func Classify(lex *textscan.Lexicon, text, locale string) Inbound {
	kw, ok := lex.InboundKeyword(text)
	if !ok {
		return Inbound{Action: InboundMessage}
	}
	in := Inbound{Action: InboundOptOut, Keyword: kw.Keyword}
	if kw.OptIn {
		in.Action = InboundOptIn
	}
	lang := kw.Languages[0]
	if l := localeLanguage(locale); slices.Contains(kw.Languages, l) {
		lang = l
	} else if slices.Contains(kw.Languages, "en") {
		lang = "en"
	}
	in.Language = lang
	in.Confirmation = lex.Confirmation(kw.OptIn, lang)
	return in
}

// localeLanguage is the language part of a locale: "pt" of "pt_BR" or "pt-BR".
func localeLanguage(locale string) string {
	for i, r := range locale {
		if r == '-' || r == '_' {
			locale = locale[:i]
			break
		}
	}
	b := []byte(locale)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// RecordInbound records an inbound message (ev, of KindInbound) and, when
// in says it is a keyword, the opt-out or opt-in it stands for, in one
// write. The derived event's id is the inbound id with "#opt_out" or
// "#opt_in" added, so a retry records neither again. A keyword opt-in
// takes the keyword as its wording, "whatsapp" as its channel and the
// scopes of the opt-in it renews (none when there is none).
func (l *Ledger) RecordInbound(ctx context.Context, ev Event, in Inbound) (Recorded, error) {
	ev.Kind = KindInbound
	ev.Keyword = in.Keyword
	if ev.ID == "" {
		ev.ID = newID()
	}
	evs := []Event{ev}
	switch in.Action {
	case InboundOptOut:
		evs = append(evs, Event{ID: ev.ID + "#opt_out", BusinessID: ev.BusinessID, Recipient: ev.Recipient,
			Kind: KindOptOut, At: ev.At, Scope: ScopeAll, Source: "keyword", Keyword: in.Keyword})
	case InboundOptIn:
		st, err := l.store.States(ctx, []Subject{ev.Subject()})
		if err != nil {
			return Recorded{}, fmt.Errorf("read the ledger: %w", err)
		}
		var scopes []string
		if st[0].OptIn != nil {
			scopes = st[0].OptIn.Scopes
		}
		evs = append(evs, Event{ID: ev.ID + "#opt_in", BusinessID: ev.BusinessID, Recipient: ev.Recipient,
			Kind: KindOptIn, At: ev.At, Channel: "whatsapp", Wording: in.Keyword, Scopes: scopes, Keyword: in.Keyword})
	}
	rec, err := l.Record(ctx, evs)
	if err != nil {
		return Recorded{}, err
	}
	return rec[0], nil
}

// newID returns a time-ordered UUID for an event the caller gave no id.
func newID() string {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.NewString()
	}
	return id.String()
}

// Pinger is a store that can tell whether it answers (a database server).
type Pinger interface {
	Ping(ctx context.Context) error
}

// Ping reports whether the store answers; a store in the process always does.
func (l *Ledger) Ping(ctx context.Context) error {
	if p, ok := l.store.(Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

// Lookup names a recipient of a business by phone number, as a Check does.
type Lookup struct {
	BusinessID, Phone string
}

// Lookup returns the states of the recipients of keys, in one read.
func (l *Ledger) Lookup(ctx context.Context, keys []Lookup) ([]State, error) {
	subjects := make([]Subject, len(keys))
	for i, k := range keys {
		subjects[i] = Subject{k.BusinessID, l.hasher.Recipient(k.Phone)}
	}
	return l.States(ctx, subjects)
}
