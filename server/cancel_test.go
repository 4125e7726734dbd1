package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sendgate/sendgate/internal/testkit"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// slowBatch is a batch whose every item has a long text of its own, so
// that no cache answers and each decision takes its full time.
func slowBatch(tag string) *sendgatev1.CheckBatchRequest {
	long := strings.Repeat("Our summer sale: 20% off everything, use code SUMMER20 at checkout! ", 60)
	b := &sendgatev1.CheckBatchRequest{}
	for i := range 1000 {
		r := testkit.Utility()
		r.Message.Text = fmt.Sprintf("%s %s-%d", long[:3900], tag, i)
		b.Requests = append(b.Requests, r)
	}
	return b
}

// TestCancelledBatchStopsWorking cancels a CheckBatch of 1,000 slow items
// shortly after sending it: the server stops deciding the rest at once,
// where it used to decide every item (about half a second) for nobody.
// The measure is the time the engine stays busy after the cancellation,
// set against the time the whole batch takes in the same run.
func TestCancelledBatchStopsWorking(t *testing.T) {
	h := start(t, false, nil)
	full := time.Now()
	if _, err := h.client.CheckBatch(testkit.Context(t), slowBatch("full")); err != nil {
		t.Fatal(err)
	}
	whole := time.Since(full)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := h.client.CheckBatch(ctx, slowBatch("cancelled"))
		done <- err
	}()
	// Cancel once the engine is busy with the batch.
	for busy, _ := h.eng.Load(); busy == 0; busy, _ = h.eng.Load() {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(whole / 20)
	cancel()
	cancelled := time.Now()
	if err := <-done; status.Code(err) != codes.Canceled {
		t.Fatalf("cancelled batch: %v, want CANCELED", err)
	}
	for busy, _ := h.eng.Load(); busy > 0; busy, _ = h.eng.Load() {
		if time.Since(cancelled) > whole {
			t.Fatalf("the engine is still deciding the cancelled batch after %v (the whole batch takes %v)", time.Since(cancelled), whole)
		}
		time.Sleep(100 * time.Microsecond)
	}
	drained := time.Since(cancelled)
	t.Logf("whole batch %v; busy %v after the cancellation (%.1f %%)", whole.Round(time.Millisecond), drained.Round(time.Microsecond), 100*float64(drained)/float64(whole))
	if drained > whole/4 {
		t.Errorf("the engine went on for %v after the cancellation, a quarter of the whole batch's %v or more", drained, whole)
	}
}
