package engine_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/sendgate/sendgate/internal/engine"
	"github.com/sendgate/sendgate/internal/ledger"
	"github.com/sendgate/sendgate/internal/ledger/embedded"
	"github.com/sendgate/sendgate/internal/ledger/memory"
	"github.com/sendgate/sendgate/internal/testkit"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// BenchmarkDecideLedger decides the same utility template with no ledger,
// and with its consent read from a ledger holding 10,000 recipients instead
// of carried by the request, side by side:
//
//	go test ./internal/engine -run '^$' -bench DecideLedger -count 5
//
// p50-ns is the median decision; the difference between ledger=embedded
// and ledger=none is what reading the embedded store adds.
func BenchmarkDecideLedger(b *testing.B) {
	const recipients = 10_000
	for _, kind := range []string{"none", "memory", "embedded"} {
		b.Run("ledger="+kind, func(b *testing.B) {
			ctx := context.Background()
			opts := engine.Options{}
			req := testkit.Utility()
			if kind != "none" {
				var store ledger.Store = memory.New()
				if kind == "embedded" {
					s, err := embedded.Open(b.TempDir())
					if err != nil {
						b.Fatal(err)
					}
					defer s.Close()
					store = s
				}
				h, _ := ledger.NewHasher([]byte("0123456789abcdef0123456789abcdef"))
				l, err := ledger.Open(ctx, store, h)
				if err != nil {
					b.Fatal(err)
				}
				evs := make([]ledger.Event, 0, recipients)
				for i := range recipients {
					phone := fmt.Sprintf("+316%08d", i)
					if i == recipients/2 {
						phone = req.GetRecipient().GetPhone()
					}
					c := req.GetConsent()
					evs = append(evs, ledger.Event{ID: fmt.Sprint("e", i), BusinessID: req.GetBusiness().GetId(), Recipient: l.Recipient(phone),
						Kind: ledger.KindOptIn, At: c.GetOptedInAt().AsTime(), Channel: c.GetChannel(), Wording: c.GetWording(), Scopes: []string{"CATEGORY_UTILITY"}})
				}
				if _, err := l.Record(ctx, evs); err != nil {
					b.Fatal(err)
				}
				opts.Ledger = engine.LedgerOptions{Reader: l}
				req.Consent = nil // the ledger holds it
			}
			e := engine.New(opts)
			e.Activate(testkit.DefaultPolicy(b))
			if resp, err := e.Decide(ctx, req); err != nil || resp.GetDecision() != sendgatev1.Decision_DECISION_ALLOW {
				b.Fatalf("decision %v, %v; want ALLOW", resp, err)
			}
			took := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				start := time.Now()
				if _, err := e.Decide(ctx, req); err != nil {
					b.Fatal(err)
				}
				took = append(took, time.Since(start))
			}
			b.StopTimer()
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Nanoseconds()), "p50-ns")
		})
	}
}
