package opafast

import "sync"

// evalCaches are the caches of one evaluation. They go back to a pool once
// the decision has been read, emptied so that they hold on to no value of it.
type evalCaches struct {
	virtual virtualCache
	base    baseCache
}

// maxPooledTerms keeps caches that one unusual evaluation made large from
// being held by the pool for ever.
const maxPooledTerms = 4096

var cachePool = sync.Pool{New: func() any {
	return &evalCaches{base: baseCache{byHash: make(map[int]int32, 16)}}
}}

// acquireCaches returns empty caches, the virtual one with one frame.
func acquireCaches() *evalCaches {
	c := cachePool.Get().(*evalCaches)
	c.virtual.Push()
	return c
}

// release empties c and returns it to the pool.
func (c *evalCaches) release() {
	size := len(c.virtual.terms) + len(c.base.terms)
	c.virtual.reset()
	c.base.reset()
	if size <= maxPooledTerms {
		cachePool.Put(c)
	}
}
