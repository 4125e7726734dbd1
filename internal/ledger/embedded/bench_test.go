package embedded_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/sendgate/sendgate/internal/ledger"
	"github.com/sendgate/sendgate/internal/ledger/embedded"
	"github.com/sendgate/sendgate/internal/ledger/ledgertest"
)

// BenchmarkImport records opt-ins of distinct recipients in batches, as
// "sendgate ledger import" does into the embedded store; rows/s is the figure.
func BenchmarkImport(b *testing.B) {
	for _, batch := range []int{1000, 100000} {
		b.Run(fmt.Sprint("batch=", batch), func(b *testing.B) {
			s, err := embedded.Open(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			h, _ := ledger.NewHasher([]byte("0123456789abcdef0123456789abcdef"))
			evs := make([]ledger.Event, 0, batch)
			b.ResetTimer()
			for i := range b.N {
				e := ledgertest.OptIn(fmt.Sprint("import-", i), "biz-import", h.Recipient(fmt.Sprint("+3161", i)), 0)
				evs = append(evs, e)
				if len(evs) == batch || i == b.N-1 {
					if _, err := s.Record(context.Background(), evs); err != nil {
						b.Fatal(err)
					}
					evs = evs[:0]
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
