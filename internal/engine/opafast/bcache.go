package opafast

import (
	"slices"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// baseCache holds the base documents (data.json) one evaluation has read,
// as OPA's own base cache does, but flat and reused with the virtual cache
// it belongs to: OPA's builds a trie of maps per evaluation.
//
// A lookup answers from the shortest cached prefix of the reference, as OPA's
// does; every value was read in the same transaction, so any prefix would
// give the same answer.
type baseCache struct {
	entries []baseEntry
	byHash  map[int]int32 // reference hash → position+1 of the newest entry with it
	terms   []*ast.Term   // the entries' references, copied as in virtualCache
}

var _ topdown.BaseCache = (*baseCache)(nil)

type baseEntry struct {
	ref   ast.Ref
	value ast.Value
	next  int32 // position+1 of the previous entry with the same hash; 0 ends the chain
}

func (c *baseCache) reset() {
	clear(c.entries)
	c.entries = c.entries[:0]
	clear(c.byHash)
	clear(c.terms)
	c.terms = c.terms[:0]
}

// Get returns the value at ref, or nil when no prefix of ref is cached or
// the cached document has nothing at ref.
func (c *baseCache) Get(ref ast.Ref) ast.Value {
	if len(c.entries) == 0 {
		return nil
	}
	// A reference's hash is the sum of its elements' hashes, so the hash of
	// each prefix comes from the one before.
	h := 0
	for n := 1; n <= len(ref); n++ {
		h += ref[n-1].Value.Hash()
		for i := c.byHash[h]; i != 0; i = c.entries[i-1].next {
			e := &c.entries[i-1]
			if len(e.ref) != n || !slices.EqualFunc(e.ref, ref[:n], (*ast.Term).Equal) {
				continue
			}
			if n == len(ref) {
				return e.value
			}
			v, err := e.value.Find(ref[n:])
			if err != nil {
				return nil
			}
			return v
		}
	}
	return nil
}

// Put caches value as the document at ref.
func (c *baseCache) Put(ref ast.Ref, value ast.Value) {
	h := ref.Hash()
	for i := c.byHash[h]; i != 0; i = c.entries[i-1].next {
		if e := &c.entries[i-1]; slices.EqualFunc(e.ref, ref, (*ast.Term).Equal) {
			e.value = value
			return
		}
	}
	start := len(c.terms)
	c.terms = append(c.terms, ref...)
	c.entries = append(c.entries, baseEntry{ref: c.terms[start:len(c.terms):len(c.terms)], value: value, next: c.byHash[h]})
	c.byHash[h] = int32(len(c.entries))
}
