// Package embedded is the ledger.Store that serve uses by default: one
// bbolt file (pure Go, no cgo) in the data directory. Every write is
// committed with fsync before it returns, so an acknowledged write survives
// a crash or kill -9; bbolt's copy-on-write pages keep the file consistent
// whatever instant the process dies.
//
// bbolt leaves deleted values in free pages until they are reused, so an
// erasure overwrites the free pages with zeros once it has committed: no
// byte of an erased recipient stays in the file.
package embedded

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/sendgate/sendgate/internal/ledger"
)

// FileName is the store's file in the data directory.
const FileName = "ledger.db"

// initialMmapSize is the file size up to which bbolt never remaps it.
const initialMmapSize = 1 << 30

// Buckets. Events are kept in the order recorded, so that a bulk import
// appends to the end of the file; the keys of index, state and suppress
// start with the recipient, so that all of a recipient's records lie
// together for an erasure and an export.
var (
	bMeta     = []byte("meta")     // "key" → the key fingerprint
	bEvents   = []byte("events")   // sequence → encoded event
	bIndex    = []byte("index")    // subject | sequence → nothing
	bIDs      = []byte("ids")      // business | event id → sequence
	bState    = []byte("state")    // subject → stateRecord
	bSuppress = []byte("suppress") // subject ("" business: every business) → erasure time
	kKey      = []byte("key")
)

// Store is the embedded ledger store.
type Store struct {
	path string
	// mu guards db: held for reading by every use, for writing only while
	// an erasure swaps in the rewritten file.
	mu sync.RWMutex
	db *bolt.DB
	// closed is set by Close; db stays, and answers every later use with
	// bbolt's "database not open".
	closed bool
	// writes is held for reading by every write and for writing by an
	// erasure, so that no write lands in the file while it is rewritten.
	writes sync.RWMutex
}

var _ ledger.Store = (*Store)(nil)

// Open opens (creating when needed) the store in dir.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("ledger store: %w", err)
	}
	path := filepath.Join(dir, FileName)
	db, err := openDB(path)
	if err != nil {
		return nil, err
	}
	s := &Store{path: path, db: db}
	// An erasure the process did not live to scrub after.
	if err := s.scrub(); err != nil {
		_ = db.Close()
		return nil, err
	}
	return s, nil
}

func openDB(path string) (*bolt.DB, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout: 5 * time.Second, // another process holds the file
		// Address space, not memory: a file that grows within it is not
		// remapped, which would copy every page a large import has
		// touched and wait for every reader.
		InitialMmapSize: initialMmapSize,
		// The free list is rebuilt when the file is opened instead of
		// written by every commit.
		NoFreelistSync: true,
		FreelistType:   bolt.FreelistMapType,
	})
	if err != nil {
		return nil, fmt.Errorf("open the ledger store %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bMeta, bEvents, bIndex, bIDs, bState, bSuppress} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open the ledger store %s: %w", path, err)
	}
	return db, nil
}

// Path is the store's file.
func (s *Store) Path() string { return s.path }

// batchThreshold is the size from which a Record runs as a transaction of
// its own rather than joining concurrent ones in a bbolt batch.
const batchThreshold = 64

// Record implements ledger.Store.
func (s *Store) Record(ctx context.Context, evs []ledger.Event) ([]ledger.Recorded, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.writes.RLock()
	defer s.writes.RUnlock()
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []ledger.Recorded
	fn := func(tx *bolt.Tx) error {
		// A batch may run fn more than once: start afresh each time.
		var err error
		out, err = record(tx, evs)
		return err
	}
	var err error
	if len(evs) < batchThreshold {
		// Concurrent small writes share one commit and its fsync.
		err = s.db.Batch(fn)
	} else {
		err = s.db.Update(fn)
	}
	if err != nil {
		return nil, fmt.Errorf("ledger store: %w", err)
	}
	return out, nil
}

func record(tx *bolt.Tx, evs []ledger.Event) ([]ledger.Recorded, error) {
	events, index, ids, state, suppress := tx.Bucket(bEvents), tx.Bucket(bIndex), tx.Bucket(bIDs), tx.Bucket(bState), tx.Bucket(bSuppress)
	events.FillPercent = 1 // appended in order: fill each page
	out := make([]ledger.Recorded, len(evs))
	// First the events themselves, appended in the order given; then the
	// ids, the index and the states, each in key order, so that a large
	// batch writes each B+tree page by page instead of inserting into the
	// middle of a page over and over.
	news := make([]added, 0, len(evs))
	first := make(map[string]int, len(evs)) // id key → position in news
	for i := range evs {
		// Stored encoded, so the answer may share the caller's slices.
		e := evs[i]
		e.At, e.RecordedAt = ledger.Micro(e.At), ledger.Micro(e.RecordedAt)
		if len(e.BusinessID) > maxBusinessBytes {
			return nil, fmt.Errorf("business id longer than %d bytes", maxBusinessBytes)
		}
		if e.Kind == ledger.KindErasure {
			if err := putLater(suppress, subjectKey(nil, e.BusinessID, e.Recipient), e.At); err != nil {
				return nil, err
			}
			out[i] = ledger.Recorded{Event: e}
			continue
		}
		id := idKey(e.BusinessID, e.ID)
		if j, ok := first[string(id)]; ok {
			out[i] = ledger.Recorded{Event: out[news[j].at].Event, Duplicate: true}
			continue
		}
		if seq := ids.Get(id); seq != nil {
			stored, err := decodeEvent(events.Get(seq))
			if err != nil {
				return nil, err
			}
			out[i] = ledger.Recorded{Event: stored, Duplicate: true}
			continue
		}
		seq, err := events.NextSequence()
		if err != nil {
			return nil, err
		}
		if err := events.Put(seqKey(seq), encodeEvent(&e)); err != nil {
			return nil, err
		}
		first[string(id)] = len(news)
		news = append(news, added{at: i, seq: seq, id: id, subject: subjectKey(nil, e.BusinessID, e.Recipient)})
		out[i] = ledger.Recorded{Event: e}
	}
	slices.SortFunc(news, func(a, b added) int { return bytes.Compare(a.id, b.id) })
	for _, a := range news {
		if err := ids.Put(a.id, seqKey(a.seq)); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(news, func(a, b added) int {
		return cmp.Or(bytes.Compare(a.subject, b.subject), cmp.Compare(a.seq, b.seq))
	})
	for i := 0; i < len(news); {
		subject := news[i].subject
		var st stateRecord
		if v := state.Get(subject); v != nil {
			var err error
			if st, err = decodeStateRecord(v); err != nil {
				return nil, err
			}
		}
		for ; i < len(news) && bytes.Equal(news[i].subject, subject); i++ {
			a := &news[i]
			if err := index.Put(append(slices.Clip(a.subject), seqKey(a.seq)...), nil); err != nil {
				return nil, err
			}
			if err := st.apply(events, &out[a.at].Event, a.seq); err != nil {
				return nil, err
			}
		}
		if err := state.Put(subject, st.encode()); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// added is an event a Record call stored (out[at]), with its keys.
type added struct {
	at          int
	seq         uint64
	id, subject []byte
}

// maxBusinessBytes is the longest business id a key can hold.
const maxBusinessBytes = 1<<16 - 1

// apply adds event e, stored as seq, to the state as ledger.State.Apply
// does.
func (r *stateRecord) apply(events *bolt.Bucket, e *ledger.Event, seq uint64) error {
	at := micros(e.At)
	switch e.Kind {
	case ledger.KindOptIn:
		replace := r.optInSeq == 0 || at > r.optInAt
		if !replace && at == r.optInAt {
			cur, err := decodeEvent(events.Get(seqKey(r.optInSeq)))
			if err != nil {
				return err
			}
			replace = e.ID > cur.ID
		}
		if replace {
			r.optInSeq, r.optInAt = seq, at
		}
	case ledger.KindOptOut:
		if e.Scope == ledger.ScopeMarketing {
			r.marketing = max(r.marketing, at)
		} else {
			r.optedOut = max(r.optedOut, at)
		}
	case ledger.KindInbound:
		r.inbound = max(r.inbound, at)
	}
	return nil
}

// putLater stores at under key unless a later time is stored there.
func putLater(b *bolt.Bucket, key []byte, at time.Time) error {
	if v := b.Get(key); v != nil && !at.After(decodeTime(v)) {
		return nil
	}
	return b.Put(key, encodeTime(at))
}

// States implements ledger.Store.
func (s *Store) States(ctx context.Context, subjects []ledger.Subject) ([]ledger.State, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]ledger.State, len(subjects))
	err := s.db.View(func(tx *bolt.Tx) error {
		events, state, suppress := tx.Bucket(bEvents), tx.Bucket(bState), tx.Bucket(bSuppress)
		var key []byte
		for i, sub := range subjects {
			key = subjectKey(key[:0], sub.BusinessID, sub.Recipient)
			if v := state.Get(key); v != nil {
				st, err := readState(events, v)
				if err != nil {
					return err
				}
				out[i] = st
			}
			var erased time.Time
			if v := suppress.Get(key); v != nil {
				erased = decodeTime(v)
			}
			if v := suppress.Get(subjectKey(key[:0], "", sub.Recipient)); v != nil {
				if at := decodeTime(v); at.After(erased) {
					erased = at
				}
			}
			out[i].ErasedAt = erased
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("ledger store: %w", err)
	}
	return out, nil
}

// History implements ledger.Store.
func (s *Store) History(ctx context.Context, sub ledger.Subject) ([]ledger.Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []ledger.Event
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		out, err = subjectEvents(tx, subjectKey(nil, sub.BusinessID, sub.Recipient), nil)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("ledger store: %w", err)
	}
	sortEvents(out)
	return out, nil
}

// Erase implements ledger.Store. Once the deletion is committed the free
// pages, which still hold the deleted bytes, are overwritten with zeros.
func (s *Store) Erase(ctx context.Context, business string, r ledger.Recipient, at time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.writes.Lock()
	defer s.writes.Unlock()
	n := 0
	s.mu.RLock()
	err := s.db.Update(func(tx *bolt.Tx) error {
		n = 0
		events, index, ids := tx.Bucket(bEvents), tx.Bucket(bIndex), tx.Bucket(bIDs)
		prefix := r[:]
		if business != "" {
			prefix = subjectKey(nil, business, r)
		}
		c := index.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Seek(prefix) {
			sk := bytes.Clone(k[len(k)-8:])
			e, err := decodeEvent(events.Get(sk))
			if err != nil {
				return err
			}
			if err := ids.Delete(idKey(e.BusinessID, e.ID)); err != nil {
				return err
			}
			if err := events.Delete(sk); err != nil {
				return err
			}
			if err := c.Delete(); err != nil {
				return err
			}
			n++
		}
		c = tx.Bucket(bState).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Seek(prefix) {
			if err := c.Delete(); err != nil {
				return err
			}
		}
		return putLater(tx.Bucket(bSuppress), subjectKey(nil, business, r), ledger.Micro(at))
	})
	s.mu.RUnlock()
	if err != nil {
		return 0, fmt.Errorf("ledger store: %w", err)
	}
	if err := s.scrub(); err != nil {
		return n, fmt.Errorf("ledger store: the records are deleted, but the file may still hold their bytes: %w", err)
	}
	return n, nil
}

// scrub overwrites every free page of the file with zeros: the pages a
// deletion freed still hold the deleted values. It first commits an empty
// transaction, so that neither of bbolt's two meta pages points at a page
// freed by the deletion, and holds off every reader while it writes, since
// a read that began before the deletion may still read freed pages. The
// caller holds s.writes (or is Open). A scan of the page table takes a few
// milliseconds per 100,000 pages.
func (s *Store) scrub() error {
	if err := s.db.Update(func(*bolt.Tx) error { return nil }); err != nil {
		return fmt.Errorf("scrub: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := os.OpenFile(s.path, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("scrub: %w", err)
	}
	pageSize := s.db.Info().PageSize
	zero := make([]byte, pageSize)
	wrote := false
	err = s.db.View(func(tx *bolt.Tx) error {
		for id := 2; ; id++ { // pages 0 and 1 are the meta pages
			info, err := tx.Page(id)
			if err != nil || info == nil {
				return err
			}
			if info.Type != "free" {
				continue
			}
			if _, err := f.WriteAt(zero, int64(id)*int64(pageSize)); err != nil {
				return err
			}
			wrote = true
		}
	})
	if err == nil && wrote {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("scrub: %w", err)
	}
	return nil
}

// Purge implements ledger.Store; like Erase it leaves no purged byte in
// the file.
func (s *Store) Purge(ctx context.Context, cutoff time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.writes.Lock()
	defer s.writes.Unlock()
	n := 0
	s.mu.RLock()
	err := s.db.Update(func(tx *bolt.Tx) error {
		n = 0
		events, index, ids, state := tx.Bucket(bEvents), tx.Bucket(bIndex), tx.Bucket(bIDs), tx.Bucket(bState)
		touched := map[string]bool{}
		c := events.Cursor()
		for k, v := c.First(); k != nil; {
			e, err := decodeEvent(v)
			if err != nil {
				return err
			}
			if !e.Purgeable() || !e.At.Before(cutoff) {
				k, v = c.Next()
				continue
			}
			k = bytes.Clone(k) // the page it points into may change with the delete
			subject := subjectKey(nil, e.BusinessID, e.Recipient)
			touched[string(subject)] = true
			if err := index.Delete(append(subject, k...)); err != nil {
				return err
			}
			if err := ids.Delete(idKey(e.BusinessID, e.ID)); err != nil {
				return err
			}
			if err := c.Delete(); err != nil {
				return err
			}
			n++
			k, v = c.Seek(k) // the next key after the deleted one
		}
		for subject := range touched {
			key := []byte(subject)
			var st stateRecord
			found := false
			c := index.Cursor()
			for k, _ := c.Seek(key); k != nil && bytes.HasPrefix(k, key); k, _ = c.Next() {
				seq := binary.BigEndian.Uint64(k[len(k)-8:])
				e, err := decodeEvent(events.Get(k[len(k)-8:]))
				if err != nil {
					return err
				}
				if err := st.apply(events, &e, seq); err != nil {
					return err
				}
				found = true
			}
			var err error
			if found {
				err = state.Put(key, st.encode())
			} else {
				err = state.Delete(key)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	s.mu.RUnlock()
	if err != nil {
		return 0, fmt.Errorf("ledger store: %w", err)
	}
	if n > 0 {
		// Purged events are gone from the file too, as erased ones are.
		if err := s.scrub(); err != nil {
			return n, fmt.Errorf("ledger store: %w", err)
		}
	}
	return n, nil
}

// Export implements ledger.Store.
func (s *Store) Export(ctx context.Context, business string, fn func(ledger.Event) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.db.View(func(tx *bolt.Tx) error {
		// Both buckets are in recipient order: merge them, so each
		// recipient's events and suppression entries come together.
		events := tx.Bucket(bEvents)
		ic, sc := tx.Bucket(bIndex).Cursor(), tx.Bucket(bSuppress).Cursor()
		ik, _ := ic.First()
		sk, sv := sc.First()
		var group []ledger.Event
		var current []byte
		flush := func() error {
			sortExport(group)
			for _, e := range group {
				if err := fn(e); err != nil {
					return err
				}
			}
			group = group[:0]
			return ctx.Err()
		}
		for ik != nil || sk != nil {
			useIndex := sk == nil || (ik != nil && bytes.Compare(ik[:32], sk[:32]) <= 0)
			k := sk
			if useIndex {
				k = ik
			}
			if current == nil || !bytes.Equal(k[:32], current) {
				if err := flush(); err != nil {
					return err
				}
				current = append(current[:0], k[:32]...)
			}
			if useIndex {
				if b, _ := splitSubject(ik); business == "" || b == business {
					e, err := decodeEvent(events.Get(ik[len(ik)-8:]))
					if err != nil {
						return err
					}
					group = append(group, e)
				}
				ik, _ = ic.Next()
				continue
			}
			b, r := splitSubject(sk)
			if business == "" || b == "" || b == business {
				at := decodeTime(sv)
				group = append(group, ledger.Event{BusinessID: b, Recipient: r, Kind: ledger.KindErasure, At: at, RecordedAt: at})
			}
			sk, sv = sc.Next()
		}
		return flush()
	})
}

// subjectEvents appends the events of the subject whose key is prefix.
func subjectEvents(tx *bolt.Tx, prefix []byte, out []ledger.Event) ([]ledger.Event, error) {
	events := tx.Bucket(bEvents)
	c := tx.Bucket(bIndex).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		e, err := decodeEvent(events.Get(k[len(k)-8:]))
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// readState turns a stored stateRecord into a state, reading the opt-in
// it points at.
func readState(events *bolt.Bucket, v []byte) (ledger.State, error) {
	r, err := decodeStateRecord(v)
	if err != nil {
		return ledger.State{}, err
	}
	st := ledger.State{OptedOutAt: fromMicros(r.optedOut), MarketingOptedOutAt: fromMicros(r.marketing), LastInboundAt: fromMicros(r.inbound)}
	if r.optInSeq != 0 {
		e, err := decodeEvent(events.Get(seqKey(r.optInSeq)))
		if err != nil {
			return ledger.State{}, err
		}
		st.OptIn = &ledger.OptIn{At: e.At, EventID: e.ID, Channel: e.Channel, Wording: e.Wording, Scopes: e.Scopes, Keyword: e.Keyword}
	}
	return st, nil
}

// BindKey implements ledger.Store.
func (s *Store) BindKey(_ context.Context, fingerprint string) error {
	s.writes.RLock()
	defer s.writes.RUnlock()
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bMeta)
		if v := meta.Get(kKey); v != nil {
			if string(v) != fingerprint {
				return ledger.ErrKeyMismatch
			}
			return nil
		}
		return meta.Put(kKey, []byte(fingerprint))
	})
}

// Close implements ledger.Store.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("ledger store: closed twice")
	}
	s.closed = true
	return s.db.Close()
}
