// Package memory is a ledger.Store held in memory, for tests and demos:
// everything is lost when the process ends.
package memory

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/sendgate/sendgate/internal/ledger"
)

// Store keeps the ledger in maps behind one lock.
type Store struct {
	mu       sync.RWMutex
	subjects map[ledger.Subject]*subject
	ids      map[idKey]ledger.Subject
	suppress map[ledger.Subject]time.Time // BusinessID "" stands for every business
	key      string
}

type subject struct {
	events []ledger.Event
	state  ledger.State
}

type idKey struct{ business, id string }

var _ ledger.Store = (*Store)(nil)

// New returns an empty store.
func New() *Store {
	return &Store{
		subjects: map[ledger.Subject]*subject{},
		ids:      map[idKey]ledger.Subject{},
		suppress: map[ledger.Subject]time.Time{},
	}
}

// Record implements ledger.Store.
func (s *Store) Record(ctx context.Context, evs []ledger.Event) ([]ledger.Recorded, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ledger.Recorded, len(evs))
	for i := range evs {
		e := evs[i].Clone()
		e.At, e.RecordedAt = ledger.Micro(e.At), ledger.Micro(e.RecordedAt)
		if e.Kind == ledger.KindErasure {
			k := e.Subject()
			if e.At.After(s.suppress[k]) {
				s.suppress[k] = e.At
			}
			out[i] = ledger.Recorded{Event: e.Clone()}
			continue
		}
		id := idKey{e.BusinessID, e.ID}
		if sub, ok := s.ids[id]; ok {
			out[i] = ledger.Recorded{Event: s.find(sub, e.ID).Clone(), Duplicate: true}
			continue
		}
		sub := s.subjects[e.Subject()]
		if sub == nil {
			sub = &subject{}
			s.subjects[e.Subject()] = sub
		}
		sub.events = append(sub.events, e)
		sub.state.Apply(&e)
		s.ids[id] = e.Subject()
		out[i] = ledger.Recorded{Event: e.Clone()}
	}
	return out, nil
}

func (s *Store) find(sub ledger.Subject, id string) ledger.Event {
	for _, e := range s.subjects[sub].events {
		if e.ID == id {
			return e
		}
	}
	panic("memory: id index points at a missing event")
}

// States implements ledger.Store.
func (s *Store) States(ctx context.Context, subjects []ledger.Subject) ([]ledger.State, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]ledger.State, len(subjects))
	for i, k := range subjects {
		if sub := s.subjects[k]; sub != nil {
			out[i] = sub.state.Clone()
		}
		out[i].ErasedAt = latest(s.suppress[k], s.suppress[ledger.Subject{Recipient: k.Recipient}])
	}
	return out, nil
}

// History implements ledger.Store.
func (s *Store) History(ctx context.Context, k ledger.Subject) ([]ledger.Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	sub := s.subjects[k]
	if sub == nil {
		return nil, nil
	}
	out := make([]ledger.Event, len(sub.events))
	for i, e := range sub.events {
		out[i] = e.Clone()
	}
	slices.SortStableFunc(out, ledger.CompareEvents)
	return out, nil
}

// Erase implements ledger.Store.
func (s *Store) Erase(ctx context.Context, business string, r ledger.Recipient, at time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	at = ledger.Micro(at)
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, sub := range s.subjects {
		if k.Recipient != r || (business != "" && k.BusinessID != business) {
			continue
		}
		for _, e := range sub.events {
			delete(s.ids, idKey{e.BusinessID, e.ID})
		}
		n += len(sub.events)
		delete(s.subjects, k)
	}
	k := ledger.Subject{BusinessID: business, Recipient: r}
	s.suppress[k] = latest(s.suppress[k], at)
	return n, nil
}

// Purge implements ledger.Store.
func (s *Store) Purge(ctx context.Context, cutoff time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, sub := range s.subjects {
		kept := sub.events[:0]
		for _, e := range sub.events {
			if e.Purgeable() && e.At.Before(cutoff) {
				delete(s.ids, idKey{e.BusinessID, e.ID})
				n++
				continue
			}
			kept = append(kept, e)
		}
		if len(kept) == len(sub.events) {
			continue
		}
		clear(sub.events[len(kept):])
		sub.events = kept
		if len(kept) == 0 {
			delete(s.subjects, k)
			continue
		}
		sub.state = ledger.Reduce(kept)
	}
	return n, nil
}

// Export implements ledger.Store.
func (s *Store) Export(ctx context.Context, business string, fn func(ledger.Event) error) error {
	s.mu.RLock()
	var evs []ledger.Event
	for k, sub := range s.subjects {
		if business != "" && k.BusinessID != business {
			continue
		}
		for _, e := range sub.events {
			evs = append(evs, e.Clone())
		}
	}
	for k, at := range s.suppress {
		if business == "" || k.BusinessID == business || k.BusinessID == "" {
			evs = append(evs, ledger.Event{BusinessID: k.BusinessID, Recipient: k.Recipient, Kind: ledger.KindErasure, At: at, RecordedAt: at})
		}
	}
	s.mu.RUnlock()
	slices.SortStableFunc(evs, ledger.CompareExport)
	for _, e := range evs {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

// BindKey implements ledger.Store.
func (s *Store) BindKey(_ context.Context, fingerprint string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.key == "" {
		s.key = fingerprint
	}
	if s.key != fingerprint {
		return ledger.ErrKeyMismatch
	}
	return nil
}

// Close implements ledger.Store; the store stays usable.
func (s *Store) Close() error { return nil }

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
