package builtins

import (
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
)

// cacheEntries bounds each generation of the findings cache; with texts of at
// most 4,096 characters two generations stay within a few tens of MiB.
const cacheEntries = 2048

// cacheKey is a text and the language it is read in.
type cacheKey struct{ text, language string }

// findingsCache keeps the findings of recently seen texts in two
// generations: when the young one fills up it becomes the old one and the
// previous old one is dropped. Hits in the old generation are promoted.
type findingsCache struct {
	mu    sync.Mutex
	max   int
	young map[cacheKey]ast.Value
	old   map[cacheKey]ast.Value
}

func newFindingsCache(max int) *findingsCache {
	return &findingsCache{max: max, young: make(map[cacheKey]ast.Value, max)}
}

func (c *findingsCache) get(key cacheKey) (ast.Value, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.young[key]; ok {
		return v, true
	}
	if v, ok := c.old[key]; ok {
		c.putLocked(key, v)
		return v, true
	}
	return nil, false
}

func (c *findingsCache) put(key cacheKey, v ast.Value) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.putLocked(key, v)
}

func (c *findingsCache) putLocked(key cacheKey, v ast.Value) {
	if len(c.young) >= c.max {
		c.old = c.young
		c.young = make(map[cacheKey]ast.Value, c.max)
	}
	c.young[key] = v
}
