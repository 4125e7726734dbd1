package engine

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/open-policy-agent/opa/v1/ast"
)

// Bounds of a policy set's message cache: a campaign needs one entry, a
// busy server a few thousand distinct messages at once; an entry holds the
// message (its text at most 16 KiB) and its reasons.
const (
	defaultCacheEntries = 8192
	defaultCacheBytes   = 32 << 20
	seenSlots           = 4096
)

// messageCache keeps the message-level families' reasons by message, in
// two generations: when the young one fills up it becomes the old one and
// the previous old one is dropped; a hit in the old generation moves to the
// young. An entry is found by the hash of the business and the message and
// confirmed by comparing them whole, so two messages never share an entry.
// While the first request of a message works its entry out, the others of
// the same message wait for it, so a batch decides each distinct message's
// families once.
//
// A message seen for the first time outside a batch is not cached, only
// remembered (by its hash, in a fixed table): a text that is sent once,
// such as a passcode or an order update, would only push others out and
// keep its text alive for the collector to scan. The second time it is
// seen, it is cached.
type messageCache struct {
	mu                   sync.Mutex
	maxEntries, maxBytes int
	young, old           map[int][]*cacheEntry
	youngN, youngBytes   int
	oldN                 int
	seen                 [seenSlots]int // hashes of messages seen once, by hash modulo seenSlots

	hits, misses, evictions atomic.Uint64
}

type cacheEntry struct {
	business, message *ast.Term
	bytes             int
	// ready is closed once the entry is filled in, or has failed (then it
	// is no longer in the cache).
	ready  chan struct{}
	failed bool
	// reasons and advice are the message-level families' non-empty deny
	// and advice sets, by family name.
	reasons, advice [][2]*ast.Term
}

func newMessageCache(maxEntries, maxBytes int) *messageCache {
	return &messageCache{maxEntries: maxEntries, maxBytes: maxBytes, young: map[int][]*cacheEntry{}}
}

func keyHash(business, message *ast.Term) int {
	h := 0
	if business != nil {
		h = business.Hash()
	}
	return h*31 + message.Hash()
}

func (e *cacheEntry) is(business, message *ast.Term) bool {
	return termsEqual(e.business, business) && termsEqual(e.message, message)
}

func termsEqual(a, b *ast.Term) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Value.Compare(b.Value) == 0
}

// lookup returns the entry of the message, waiting while another request
// fills it in; or, when there is none, a new entry that the caller must
// fill in (fill) or give up (fail), with owner true. A message not cached
// and not seen before gets no entry unless admit (nil, false, nil): the
// caller decides it whole.
func (c *messageCache) lookup(ctx context.Context, business, message *ast.Term, admit bool) (e *cacheEntry, owner bool, err error) {
	h := keyHash(business, message)
	for {
		c.mu.Lock()
		e = c.find(h, business, message)
		if e == nil && !admit {
			slot := &c.seen[uint(h)%seenSlots]
			if *slot != h {
				*slot = h
				c.mu.Unlock()
				c.misses.Add(1)
				return nil, false, nil
			}
		}
		if e == nil {
			e = &cacheEntry{business: business, message: message, ready: make(chan struct{}), bytes: approxBytes(message)}
			c.insert(h, e)
			c.mu.Unlock()
			c.misses.Add(1)
			return e, true, nil
		}
		c.mu.Unlock()
		select {
		case <-e.ready:
		case <-ctx.Done():
			return nil, false, ctx.Err()
		}
		if !e.failed {
			c.hits.Add(1)
			return e, false, nil
		}
		// The request working it out failed (say, it was cancelled): try
		// again, which makes this one the owner.
	}
}

// find returns the entry of the message, promoting one from the old
// generation; c.mu is held.
func (c *messageCache) find(h int, business, message *ast.Term) *cacheEntry {
	for _, e := range c.young[h] {
		if e.is(business, message) {
			return e
		}
	}
	for i, e := range c.old[h] {
		if e.is(business, message) {
			c.old[h] = append(c.old[h][:i:i], c.old[h][i+1:]...)
			c.oldN--
			c.insert(h, e)
			return e
		}
	}
	return nil
}

// insert adds e to the young generation, turning it old when full; c.mu is
// held.
func (c *messageCache) insert(h int, e *cacheEntry) {
	if c.youngN >= c.maxEntries/2 || c.youngBytes >= c.maxBytes/2 {
		c.evictions.Add(uint64(c.oldN))
		c.old, c.oldN = c.young, c.youngN
		c.young, c.youngN, c.youngBytes = map[int][]*cacheEntry{}, 0, 0
	}
	c.young[h] = append(c.young[h], e)
	c.youngN++
	c.youngBytes += e.bytes
}

// fill completes an entry its owner has worked out.
func (c *messageCache) fill(e *cacheEntry, reasons, advice [][2]*ast.Term) {
	e.reasons, e.advice = reasons, advice
	close(e.ready)
}

// fail removes an entry its owner could not work out and wakes its
// waiters, who try again.
func (c *messageCache) fail(e *cacheEntry) {
	h := keyHash(e.business, e.message)
	c.mu.Lock()
	if remove(c.young, h, e) {
		c.youngN--
		c.youngBytes -= e.bytes
	} else if remove(c.old, h, e) {
		c.oldN--
	}
	c.mu.Unlock()
	e.failed = true
	close(e.ready)
}

// remove takes e out of gen, reporting whether it was there.
func remove(gen map[int][]*cacheEntry, h int, e *cacheEntry) bool {
	for i, x := range gen[h] {
		if x == e {
			gen[h] = append(gen[h][:i:i], gen[h][i+1:]...)
			return true
		}
	}
	return false
}

// approxBytes is about what an entry for message holds on to: its text and
// a few hundred bytes of structure.
func approxBytes(message *ast.Term) int {
	n := 512
	if o, ok := message.Value.(ast.Object); ok {
		if t := o.Get(kText); t != nil {
			if s, ok := t.Value.(ast.String); ok {
				n += len(s)
			}
		}
	}
	return n
}

// CacheStats describes a policy set's message cache.
type CacheStats struct {
	Entries                 int
	Hits, Misses, Evictions uint64
}

func (c *messageCache) stats() CacheStats {
	c.mu.Lock()
	n := c.youngN + c.oldN
	c.mu.Unlock()
	return CacheStats{Entries: n, Hits: c.hits.Load(), Misses: c.misses.Load(), Evictions: c.evictions.Load()}
}
