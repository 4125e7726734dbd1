package opafast

import (
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

func TestBaseCacheAnswersFromPrefixes(t *testing.T) {
	caches := acquireCaches()
	defer caches.release()
	c := &caches.base
	config := ast.MustParseTerm(`{"window_hours": 24, "names": ["whatsapp", "whats app"]}`).Value

	if v := c.Get(ast.MustParseRef("data.sendgate.config")); v != nil {
		t.Fatalf("empty cache: Get = %v; want nil", v)
	}
	c.Put(ast.MustParseRef("data.sendgate.config"), config)
	c.Put(ast.MustParseRef("data.sendgate.verticals.retail.status"), ast.String("allowed"))
	for _, tc := range []struct {
		ref  string
		want ast.Value
	}{
		{"data.sendgate.config", config},
		{"data.sendgate.config.window_hours", ast.IntNumberTerm(24).Value},
		{"data.sendgate.config.names[1]", ast.String("whats app")},
		{"data.sendgate.config.missing", nil},
		{"data.sendgate", nil},
		{"data.sendgate.verticals.retail.status", ast.String("allowed")},
		{"data.sendgate.verticals.retail", nil},
		{"data.sendgate.verticals.travel.status", nil},
	} {
		got := c.Get(ast.MustParseRef(tc.ref))
		if (got == nil) != (tc.want == nil) || got != nil && got.Compare(tc.want) != 0 {
			t.Errorf("Get(%s) = %v; want %v", tc.ref, got, tc.want)
		}
	}
	c.Put(ast.MustParseRef("data.sendgate.verticals.retail.status"), ast.String("prohibited"))
	if got := c.Get(ast.MustParseRef("data.sendgate.verticals.retail.status")); got == nil || got.Compare(ast.String("prohibited")) != 0 {
		t.Errorf("after a second Put: Get = %v; want the new value", got)
	}
}
