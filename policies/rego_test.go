package policies_test

import (
	"context"
	"testing"

	"github.com/sendgate/sendgate/internal/engine"
	"github.com/sendgate/sendgate/policies"
)

// TestRegoTests runs the default bundle's own Rego tests with sendgate's
// built-ins, so "go test ./..." covers the policies too.
func TestRegoTests(t *testing.T) {
	b, err := policies.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	if b.Manifest.Revision == "" {
		t.Error("the default bundle's manifest has no revision")
	}
	rep, err := engine.RunTests(context.Background(), b, engine.TestOptions{})
	if rep != nil {
		for _, r := range rep.Results {
			switch {
			case r.Error != nil:
				t.Errorf("%s.%s: %v", r.Package, r.Name, r.Error)
			case r.Fail:
				t.Errorf("%s.%s failed at %v", r.Package, r.Name, r.Location)
			}
		}
		t.Logf("rego: %d passed, %d failed, %d errored", rep.Passed, rep.Failed, rep.Errored)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// TestDefaultBundleCompiles makes sure the serving artefact, without tests,
// compiles and names its revision.
func TestDefaultBundleCompiles(t *testing.T) {
	b, err := policies.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	ps, err := engine.Compile(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	if ps.Revision() != b.Manifest.Revision {
		t.Fatalf("revision %q, want %q", ps.Revision(), b.Manifest.Revision)
	}
}
