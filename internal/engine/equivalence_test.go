package engine_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/sendgate/sendgate/internal/engine"
	"github.com/sendgate/sendgate/internal/workload"
	"github.com/sendgate/sendgate/policies"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// TestShortcutsDecideAsPlainOPA decides the requests of bench/cmd/decisions
// (6,000 generated requests and the bench mix under four configurations:
// 24,016 decisions) twice: through the engine with every shortcut of
// package opafast and of the built-ins on — pooled workers with grown
// stacks, flat pooled caches, trimmed input from one block of terms,
// shared findings — and with a plain rego.PreparedEvalQuery, OPA's own
// caches, the input converted from Go values and findings converted anew.
// Every response must be the same: an OPA upgrade that breaks one of the
// assumptions listed in opafast's package comment fails here.
func TestShortcutsDecideAsPlainOPA(t *testing.T) {
	n := 6000
	if raceEnabled || testing.Short() {
		n = 500
	}
	reqs := workload.DecisionRequests(1, n)
	ctx := context.Background()
	decided := 0
	for _, c := range workload.Configs {
		t.Run(c.Name, func(t *testing.T) {
			fast, plain := compileBoth(t, c)
			eng := engine.New(engine.Options{Now: func() time.Time { return workload.VariedNow }})
			eng.Activate(fast)
			got, err := eng.DecideBatch(ctx, reqs)
			if err != nil {
				t.Fatal(err)
			}
			for i, req := range reqs {
				want, err := plain.Decide(ctx, req, workload.VariedNow)
				if (err != nil) != (got[i].Err != nil) {
					t.Fatalf("request %d: shortcuts error %v, plain error %v", i, got[i].Err, err)
				}
				if err != nil {
					continue
				}
				if !sameDecision(got[i].Response, want) {
					t.Fatalf("request %d (%s) decided differently:\nshortcuts %v\nplain     %v", i, req.GetRequestId(), got[i].Response, want)
				}
				decided++
			}
		})
	}
	t.Logf("%d decisions identical with and without the shortcuts", decided)
}

func compileBoth(t *testing.T, c workload.Config) (fast, plain *engine.PolicySet) {
	t.Helper()
	for _, o := range []engine.CompileOptions{{}, {Plain: true}} {
		b, err := policies.Bundle()
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Apply(b); err != nil {
			t.Fatal(err)
		}
		p, err := engine.CompileWith(context.Background(), b, o)
		if err != nil {
			t.Fatal(err)
		}
		if o.Plain {
			plain = p
		} else {
			fast = p
		}
	}
	return fast, plain
}

// sameDecision compares two responses but for their decision ids, which
// are unique per decision.
func sameDecision(a, b *sendgatev1.CheckResponse) bool {
	a, b = proto.CloneOf(a), proto.CloneOf(b)
	a.DecisionId, b.DecisionId = "", ""
	return proto.Equal(a, b)
}
