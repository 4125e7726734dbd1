package policies_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/sendgate/sendgate/internal/engine"
	"github.com/sendgate/sendgate/internal/workload"
	"github.com/sendgate/sendgate/policies"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
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

// TestListedShapesReasonsAsTheEngine holds main_test.rego's listed(), which
// the Rego tests read decisions through, to the engine's shaping of the same
// decision (internal/engine/result.go): for generated requests of every
// kind, the reasons and advice listed in Rego are those the engine answers
// with, field for field and in the same order. So the bundle has one
// decision shape, whichever side a test reads it from.
func TestListedShapesReasonsAsTheEngine(t *testing.T) {
	ctx := context.Background()
	b, err := policies.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	ps, err := engine.Compile(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	set, err := engine.BuiltinsFor(b)
	if err != nil {
		t.Fatal(err)
	}
	pq, err := rego.New(append(set.RegoOptions(),
		rego.ParsedBundle("sendgate", b),
		rego.Query(`d := data.sendgate.main.decision
			reasons := data.sendgate.main_test.listed(d.reasons)
			advice := data.sendgate.main_test.listed(d.advice)`),
	)...).PrepareForEval(ctx)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	reqs := workload.VariedRequests(7, 600)
	for _, m := range workload.DefaultMix() {
		reqs = append(reqs, m.Request)
	}
	withReasons := 0
	for i, req := range reqs {
		resp, err := ps.Decide(ctx, req, now)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		rs, err := pq.Eval(ctx, rego.EvalParsedInput(ps.Input(req, now)))
		if err != nil || len(rs) != 1 {
			t.Fatalf("request %d: listed: %v (%d results)", i, err, len(rs))
		}
		for _, part := range []struct {
			name string
			got  any
			want []*sendgatev1.Reason
		}{{"reasons", rs[0].Bindings["reasons"], resp.GetReasons()}, {"advice", rs[0].Bindings["advice"], resp.GetAdvice()}} {
			want := make([]any, 0, len(part.want))
			for _, r := range part.want {
				want = append(want, map[string]any{"code": r.GetCode(), "evidence": r.GetEvidence(), "message": r.GetMessage(), "policy": r.GetPolicy()})
			}
			if !reflect.DeepEqual(part.got, want) {
				t.Fatalf("request %d %s:\nlisted %v\nengine %v", i, part.name, part.got, want)
			}
		}
		if len(resp.GetReasons()) > 1 {
			withReasons++
		}
	}
	if withReasons < len(reqs)/4 {
		t.Fatalf("only %d of %d requests had several reasons to order", withReasons, len(reqs))
	}
}
