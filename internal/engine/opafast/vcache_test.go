package opafast

import (
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

func TestVirtualCacheAnswersLikeOPAs(t *testing.T) {
	caches := acquireCaches()
	defer caches.release()
	c := &caches.virtual
	a := ast.MustParseRef("data.sendgate.facts.window_open")
	b := ast.MustParseRef("data.sendgate.facts.marketing")
	set := ast.MustParseRef(`data.sendgate.rules.consent.deny[{"code": "consent.missing"}]`)

	if v, undefined := c.Get(a); v != nil || undefined {
		t.Fatalf("empty cache: Get = %v, %v; want not cached", v, undefined)
	}
	c.Put(a, ast.BooleanTerm(true))
	c.Put(b, nil)
	c.Put(set, ast.BooleanTerm(true))
	if v, undefined := c.Get(a); v == nil || !v.Equal(ast.BooleanTerm(true)) || undefined {
		t.Errorf("Get(%v) = %v, %v; want true", a, v, undefined)
	}
	if v, undefined := c.Get(b); v != nil || !undefined {
		t.Errorf("Get(%v) = %v, %v; want undefined", b, v, undefined)
	}
	if v, _ := c.Get(ast.MustParseRef(`data.sendgate.rules.consent.deny[{"code": "consent.missing"}]`)); v == nil {
		t.Errorf("Get of an equal reference built anew missed")
	}
	if v, undefined := c.Get(a[:3]); v != nil || undefined {
		t.Errorf("Get of a prefix = %v, %v; want not cached", v, undefined)
	}
	if keys := c.Keys(); len(keys) != 2 {
		t.Errorf("Keys = %v; want the two references with values", keys)
	}

	c.Push()
	if v, undefined := c.Get(a); v != nil || undefined {
		t.Errorf("new frame: Get = %v, %v; want not cached", v, undefined)
	}
	c.Put(a, ast.BooleanTerm(false))
	c.Pop()
	if v, _ := c.Get(a); v == nil || !v.Equal(ast.BooleanTerm(true)) {
		t.Errorf("after Pop: Get = %v; want the outer frame's true", v)
	}
}

func TestVirtualCacheCopiesKeys(t *testing.T) {
	caches := acquireCaches()
	defer caches.release()
	c := &caches.virtual
	ref := ast.MustParseRef("data.sendgate.facts.x")
	c.Put(ref, ast.IntNumberTerm(1))
	ref[3] = ast.StringTerm("y") // OPA reuses the slices it passes
	if v, _ := c.Get(ast.MustParseRef("data.sendgate.facts.x")); v == nil {
		t.Fatal("the cached key changed with the caller's slice")
	}
}

func TestCachesComeBackEmpty(t *testing.T) {
	c := acquireCaches()
	c.virtual.Put(ast.MustParseRef("data.a"), ast.IntNumberTerm(1))
	c.virtual.Push()
	c.base.Put(ast.MustParseRef("data.b"), ast.IntNumberTerm(2).Value)
	c.release()
	for range 4 {
		c := acquireCaches()
		if v, undefined := c.virtual.Get(ast.MustParseRef("data.a")); v != nil || undefined || c.virtual.depth != 1 {
			t.Fatalf("reused virtual cache: Get = %v, %v, depth %d; want empty with one frame", v, undefined, c.virtual.depth)
		}
		if v := c.base.Get(ast.MustParseRef("data.b")); v != nil {
			t.Fatalf("reused base cache: Get = %v; want empty", v)
		}
		c.release()
	}
}
