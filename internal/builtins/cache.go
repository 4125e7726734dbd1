package builtins

import (
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
)

// cacheEntries bounds each generation of the findings cache; with texts of at
// most 4,096 characters two generations stay within a few tens of MiB.
const cacheEntries = 2048

// findingsCache keeps the findings of recently seen texts in two
// generations: when the young one fills up it becomes the old one and the
// previous old one is dropped. Hits in the old generation are promoted.
type findingsCache struct {
	mu    sync.Mutex
	max   int
	young map[string]ast.Value
	old   map[string]ast.Value
}

func newFindingsCache(max int) *findingsCache {
	return &findingsCache{max: max, young: make(map[string]ast.Value, max)}
}

func (c *findingsCache) get(text string) (ast.Value, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.young[text]; ok {
		return v, true
	}
	if v, ok := c.old[text]; ok {
		c.putLocked(text, v)
		return v, true
	}
	return nil, false
}

func (c *findingsCache) put(text string, v ast.Value) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.putLocked(text, v)
}

func (c *findingsCache) putLocked(text string, v ast.Value) {
	if len(c.young) >= c.max {
		c.old = c.young
		c.young = make(map[string]ast.Value, c.max)
	}
	c.young[text] = v
}
