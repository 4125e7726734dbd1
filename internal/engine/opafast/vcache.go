package opafast

import (
	"slices"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// virtualCache holds the rule results of one evaluation, as OPA's own
// virtual cache does, but flat and reused: OPA's keeps a trie with one hash
// map per reference element, built anew for every evaluation, which made
// about a hundred allocations of each decision. Here the entries of a frame
// live in one slice indexed by the reference's hash.
type virtualCache struct {
	frames []cacheFrame
	depth  int
	// terms holds the cached references' elements: OPA may reuse the slice
	// it passes to Put, so each key is copied, and copied here so that the
	// copies share a few allocations.
	terms []*ast.Term
}

var _ topdown.VirtualCache = (*virtualCache)(nil)

// cacheFrame is one level of the cache's stack; OPA pushes a frame while a
// with modifier is in effect.
type cacheFrame struct {
	entries []cacheEntry
	byHash  map[int]int32 // reference hash → position+1 of the newest entry with it
}

type cacheEntry struct {
	ref       ast.Ref
	hash      int
	value     *ast.Term
	undefined bool
	next      int32 // position+1 of the previous entry with the same hash; 0 ends the chain
}

func (c *virtualCache) reset() {
	for c.depth > 0 {
		c.Pop()
	}
	clear(c.terms)
	c.terms = c.terms[:0]
}

// Push starts a new, empty frame.
func (c *virtualCache) Push() {
	if c.depth == len(c.frames) {
		c.frames = append(c.frames, cacheFrame{byHash: make(map[int]int32, 32), entries: make([]cacheEntry, 0, 32)})
	}
	c.depth++
}

// Pop drops the top frame and its entries.
func (c *virtualCache) Pop() {
	f := &c.frames[c.depth-1]
	clear(f.entries)
	f.entries = f.entries[:0]
	clear(f.byHash)
	c.depth--
}

func (c *virtualCache) find(ref ast.Ref) (*cacheEntry, int) {
	h := ref.Hash()
	f := &c.frames[c.depth-1]
	for i := f.byHash[h]; i != 0; i = f.entries[i-1].next {
		e := &f.entries[i-1]
		if e.hash == h && slices.EqualFunc(e.ref, ref, (*ast.Term).Equal) {
			return e, h
		}
	}
	return nil, h
}

// Get returns the cached value of ref: (value, false) when defined, (nil,
// true) when known to be undefined and (nil, false) when not cached.
func (c *virtualCache) Get(ref ast.Ref) (*ast.Term, bool) {
	e, _ := c.find(ref)
	switch {
	case e == nil:
		return nil, false
	case e.undefined:
		return nil, true
	}
	return e.value, false
}

// Put caches value for ref; a nil value records that ref is undefined.
func (c *virtualCache) Put(ref ast.Ref, value *ast.Term) {
	e, h := c.find(ref)
	if e == nil {
		start := len(c.terms)
		c.terms = append(c.terms, ref...)
		f := &c.frames[c.depth-1]
		f.entries = append(f.entries, cacheEntry{ref: c.terms[start:len(c.terms):len(c.terms)], hash: h, next: f.byHash[h]})
		f.byHash[h] = int32(len(f.entries))
		e = &f.entries[len(f.entries)-1]
	}
	if value == nil {
		e.undefined = true
		return
	}
	e.value = value
}

// Keys returns the references with a cached value in the top frame.
func (c *virtualCache) Keys() []ast.Ref {
	var keys []ast.Ref
	for _, e := range c.frames[c.depth-1].entries {
		if e.value != nil {
			keys = append(keys, e.ref)
		}
	}
	return keys
}
