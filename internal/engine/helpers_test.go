package engine

import (
	"testing"

	"github.com/open-policy-agent/opa/v1/bundle"

	"github.com/sendgate/sendgate/policies"
)

func defaultBundle(t testing.TB) *bundle.Bundle {
	t.Helper()
	b, err := policies.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	return b
}
