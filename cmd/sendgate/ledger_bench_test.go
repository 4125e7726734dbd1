package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
)

// BenchmarkLedgerImport imports b.N opt-ins of distinct recipients from CSV
// into a fresh embedded store, as "sendgate ledger import" does; rows/s is
// the figure:
//
//	go test ./cmd/sendgate -run '^$' -bench LedgerImport -benchtime 1000000x
func BenchmarkLedgerImport(b *testing.B) {
	var csv bytes.Buffer
	csv.WriteString("type,event_id,business_id,phone,at,channel,wording,scopes,evidence.ip,evidence.form\n")
	for i := range b.N {
		fmt.Fprintf(&csv, "opt_in,imp-%d,biz-%d,+3161%07d,2025-03-01T10:00:00Z,web,\"Yes, send me order updates and offers from Shop %d on WhatsApp.\",UTILITY|MARKETING,192.0.2.%d,signup-%d\n",
			i, i%20, i, i%20, i%250, i%7)
	}
	ctx := context.Background()
	l, err := openLedgerStore(ctx, ledgerOptions{spec: "embedded", keyFile: writeKey(b)}, b.TempDir(), false, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	defer l.Store().Close()
	b.ResetTimer()
	sum, err := importFile(ctx, &csv, importOptions{name: "bench.csv", batch: 100_000}, nil, l)
	if err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	if sum.accepted != b.N {
		b.Fatalf("accepted %d of %d", sum.accepted, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
