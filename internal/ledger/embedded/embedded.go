// Package embedded is the ledger.Store that serve uses by default: one
// bbolt file (pure Go, no cgo) in the data directory. Every write is
// committed with fsync before it returns, so an acknowledged write survives
// a crash or kill -9; bbolt's copy-on-write pages keep the file consistent
// whatever instant the process dies.
//
// An erasure rewrites the file without the freed pages (bbolt leaves deleted
// values in free pages until they are reused), so that no byte of an erased
// recipient stays in it.
package embedded

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/sendgate/sendgate/internal/ledger"
)

// FileName is the store's file in the data directory.
const FileName = "ledger.db"

// compactSuffix names the file an erasure writes before it replaces FileName.
const compactSuffix = ".compact"

// Buckets. Keys of state, events and suppress start with the recipient, so
// that all of a recipient's records lie together for an erasure.
var (
	bMeta     = []byte("meta")     // "key" → the key fingerprint
	bState    = []byte("state")    // subject → encoded ledger.State (without ErasedAt)
	bEvents   = []byte("events")   // subject | sequence → encoded event
	bIDs      = []byte("ids")      // business | event id → events key
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
	// A rewrite that did not finish: the original is intact and still
	// holds what the erasure deleted in its free pages, so rewrite again.
	_, err := os.Stat(path + compactSuffix)
	unfinished := err == nil
	_ = os.Remove(path + compactSuffix)
	db, err := openDB(path)
	if err != nil {
		return nil, err
	}
	s := &Store{path: path, db: db}
	if unfinished {
		if err := s.rewrite(); err != nil {
			_ = db.Close()
			return nil, err
		}
	}
	return s, nil
}

func openDB(path string) (*bolt.DB, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout: 5 * time.Second, // another process holds the file
		// The free list is rebuilt when the file is opened instead of
		// written by every commit.
		NoFreelistSync: true,
		FreelistType:   bolt.FreelistMapType,
	})
	if err != nil {
		return nil, fmt.Errorf("open the ledger store %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bMeta, bState, bEvents, bIDs, bSuppress} {
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
	state, events, ids, suppress := tx.Bucket(bState), tx.Bucket(bEvents), tx.Bucket(bIDs), tx.Bucket(bSuppress)
	out := make([]ledger.Recorded, len(evs))
	var key []byte
	for i := range evs {
		e := evs[i].Clone()
		e.At, e.RecordedAt = ledger.Micro(e.At), ledger.Micro(e.RecordedAt)
		key = subjectKey(key[:0], e.BusinessID, e.Recipient)
		if e.Kind == ledger.KindErasure {
			if err := putLater(suppress, key, e.At); err != nil {
				return nil, err
			}
			out[i] = ledger.Recorded{Event: e}
			continue
		}
		idKey := idKey(e.BusinessID, e.ID)
		if at := ids.Get(idKey); at != nil {
			first, err := decodeEvent(at, events.Get(at))
			if err != nil {
				return nil, err
			}
			out[i] = ledger.Recorded{Event: first, Duplicate: true}
			continue
		}
		seq, err := events.NextSequence()
		if err != nil {
			return nil, err
		}
		ek := appendUint64(append([]byte(nil), key...), seq)
		if err := events.Put(ek, encodeEvent(&e)); err != nil {
			return nil, err
		}
		if err := ids.Put(idKey, ek); err != nil {
			return nil, err
		}
		var st ledger.State
		if v := state.Get(key); v != nil {
			if st, err = decodeState(v); err != nil {
				return nil, err
			}
		}
		st.Apply(&e)
		if err := state.Put(key, encodeState(&st)); err != nil {
			return nil, err
		}
		out[i] = ledger.Recorded{Event: e}
	}
	return out, nil
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
		state, suppress := tx.Bucket(bState), tx.Bucket(bSuppress)
		var key []byte
		for i, sub := range subjects {
			key = subjectKey(key[:0], sub.BusinessID, sub.Recipient)
			if v := state.Get(key); v != nil {
				st, err := decodeState(v)
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
		prefix := subjectKey(nil, sub.BusinessID, sub.Recipient)
		c := tx.Bucket(bEvents).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			e, err := decodeEvent(k, v)
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("ledger store: %w", err)
	}
	sortEvents(out)
	return out, nil
}

// Erase implements ledger.Store. Once the deletion is committed the file
// is rewritten without its free pages, which still hold the deleted
// bytes; writes wait meanwhile, reads go on.
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
		events, ids := tx.Bucket(bEvents), tx.Bucket(bIDs)
		prefix := r[:]
		if business != "" {
			prefix = subjectKey(nil, business, r)
		}
		c := events.Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Seek(prefix) {
			e, err := decodeEvent(k, v)
			if err != nil {
				return err
			}
			if err := ids.Delete(idKey(e.BusinessID, e.ID)); err != nil {
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
	if err := s.rewrite(); err != nil {
		return n, fmt.Errorf("ledger store: the records are deleted, but the file still holds their bytes: %w", err)
	}
	return n, nil
}

// rewrite copies the live data into a new file and puts it in place of the
// old one, whose free pages may hold deleted values. The caller holds
// s.writes (or is Open).
func (s *Store) rewrite() error {
	tmp := s.path + compactSuffix
	dst, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: 5 * time.Second, NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
	if err != nil {
		return fmt.Errorf("rewrite: %w", err)
	}
	s.mu.RLock()
	err = bolt.Compact(dst, s.db, 64<<20)
	s.mu.RUnlock()
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("rewrite: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("rewrite: %w", err)
	}
	renameErr := os.Rename(tmp, s.path)
	if renameErr == nil {
		renameErr = syncDir(filepath.Dir(s.path))
	}
	db, err := openDB(s.path)
	if err != nil {
		return fmt.Errorf("rewrite: reopen: %w", err)
	}
	s.db = db
	if renameErr != nil {
		return fmt.Errorf("rewrite: %w", renameErr)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// Purge implements ledger.Store.
func (s *Store) Purge(ctx context.Context, cutoff time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.writes.RLock()
	defer s.writes.RUnlock()
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		n = 0
		events, ids, state := tx.Bucket(bEvents), tx.Bucket(bIDs), tx.Bucket(bState)
		touched := map[string]bool{}
		c := events.Cursor()
		for k, v := c.First(); k != nil; {
			e, err := decodeEvent(k, v)
			if err != nil {
				return err
			}
			if !e.Purgeable() || !e.At.Before(cutoff) {
				k, v = c.Next()
				continue
			}
			k = bytes.Clone(k) // the page it points into may change with the delete
			touched[string(k[:len(k)-8])] = true
			if err := ids.Delete(idKey(e.BusinessID, e.ID)); err != nil {
				return err
			}
			if err := c.Delete(); err != nil {
				return err
			}
			n++
			k, v = c.Seek(k) // the cursor's position after a delete is the next key's
		}
		for subject := range touched {
			var evs []ledger.Event
			c := events.Cursor()
			prefix := []byte(subject)
			for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
				e, err := decodeEvent(k, v)
				if err != nil {
					return err
				}
				evs = append(evs, e)
			}
			if len(evs) == 0 {
				if err := state.Delete(prefix); err != nil {
					return err
				}
				continue
			}
			st := ledger.Reduce(evs)
			if err := state.Put(prefix, encodeState(&st)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("ledger store: %w", err)
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
		ec, sc := tx.Bucket(bEvents).Cursor(), tx.Bucket(bSuppress).Cursor()
		ek, ev := ec.First()
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
		for ek != nil || sk != nil {
			useEvent := sk == nil || (ek != nil && string(ek[:32]) <= string(sk[:32]))
			k := sk
			if useEvent {
				k = ek
			}
			if current == nil || string(k[:32]) != string(current) {
				if err := flush(); err != nil {
					return err
				}
				current = append(current[:0], k[:32]...)
			}
			if useEvent {
				e, err := decodeEvent(ek, ev)
				if err != nil {
					return err
				}
				if business == "" || e.BusinessID == business {
					group = append(group, e)
				}
				ek, ev = ec.Next()
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
	if s.db == nil {
		return errors.New("ledger store: closed twice")
	}
	err := s.db.Close()
	s.db = nil
	return err
}
