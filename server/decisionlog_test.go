package server_test

import (
	"context"
	"io"
	"log/slog"
	"sort"
	"testing"
	"time"

	"github.com/sendgate/sendgate/internal/testkit"

	"github.com/sendgate/sendgate/internal/decisionlog"
	"github.com/sendgate/sendgate/internal/metrics"
	"github.com/sendgate/sendgate/internal/metrics/metricstest"
	"github.com/sendgate/sendgate/internal/observe"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// blockedSink never finishes a write until released.
type blockedSink struct{ release chan struct{} }

func (s blockedSink) Write(p []byte) (int, error) { <-s.release; return len(p), nil }

// TestBlockedDecisionLogDropsInsteadOfStalling fills the decision log's
// queue with a sink that never writes: Checks keep being decided, the
// dropped entries are counted and exported, and the latency of Checks is
// logged next to an unblocked run (no timing is asserted).
func TestBlockedDecisionLogDropsInsteadOfStalling(t *testing.T) {
	run := func(sink io.Writer) (time.Duration, *decisionlog.Logger, *metrics.Metrics) {
		m := metrics.New()
		rec, err := decisionlog.New(decisionlog.Config{Sink: sink, QueueSize: 64, OnDrop: m.DecisionLogDropped,
			RecipientKey: []byte("0123456789abcdef"), Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		h := start(t, false, observe.New(rec, m))
		ctx := testkit.Context(t)
		const calls = 1500
		lat := make([]time.Duration, 0, calls)
		for range calls {
			begin := time.Now()
			resp, err := h.client.Check(ctx, testkit.Utility())
			if err != nil || resp.GetDecision() != sendgatev1.Decision_DECISION_ALLOW {
				t.Fatalf("Check with a blocked decision log: %v, %v", resp, err)
			}
			lat = append(lat, time.Since(begin))
		}
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		return lat[len(lat)/2], rec, m
	}

	freeP50, freeRec, _ := run(io.Discard)
	if freeRec.Dropped() != 0 {
		t.Fatalf("a free sink dropped %d entries", freeRec.Dropped())
	}
	sink := blockedSink{release: make(chan struct{})}
	blockedP50, rec, m := run(sink)
	dropped := rec.Dropped()
	if dropped == 0 {
		t.Fatal("a blocked sink dropped nothing")
	}
	snap := metricstest.ScrapeHandler(t, m.Handler(nil, nil))
	if got := snap.Value("sendgate_decision_log_dropped_total"); got != float64(dropped) {
		t.Fatalf("sendgate_decision_log_dropped_total = %v, want %d", got, dropped)
	}
	close(sink.release)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := rec.Close(ctx); err != nil {
		t.Fatalf("close after release: %v", err)
	}
	t.Logf("Check p50 %v with a blocked decision log vs %v with a free one (ratio %.2f); %d entries dropped",
		blockedP50, freeP50, float64(blockedP50)/float64(freeP50), dropped)
}
