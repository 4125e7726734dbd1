package server_test

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sendgate/sendgate/internal/decisionlog"
	"github.com/sendgate/sendgate/internal/engine"
	"github.com/sendgate/sendgate/internal/metrics"
	"github.com/sendgate/sendgate/internal/metrics/metricstest"
	"github.com/sendgate/sendgate/internal/observe"
	"github.com/sendgate/sendgate/internal/testkit"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
	"github.com/sendgate/sendgate/server"
)

// TestOverloadIsRefusedAtOnce sends far more slow Checks at once than the
// engine's queue holds: the excess is refused with RESOURCE_EXHAUSTED and
// a retry delay, counted in /metrics, and every other call is decided.
func TestOverloadIsRefusedAtOnce(t *testing.T) {
	eng := engine.New(engine.Options{Workers: 1, MaxQueue: 4})
	eng.Activate(testkit.DefaultPolicy(t))
	m := metrics.New()
	srv, conn := testkit.Serve(t, server.Config{Engine: eng, Observer: observe.New(decisionlog.Nop{}, m)})
	srv.SetServing(true)
	client := sendgatev1.NewDecisionServiceClient(conn)

	long := strings.Repeat("Our summer sale: 20% off everything, use code SUMMER20 at checkout! ", 60)[:4000]
	var decided, refused atomic.Int64
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Go(func() {
			req := testkit.Utility()
			req.Message.Text = fmt.Sprintf("%s %d", long, i) // its own text: no cache answers
			_, err := client.Check(testkit.Context(t), req)
			switch status.Code(err) {
			case codes.OK:
				decided.Add(1)
			case codes.ResourceExhausted:
				refused.Add(1)
				var retry *errdetails.RetryInfo
				for _, d := range status.Convert(err).Details() {
					if r, ok := d.(*errdetails.RetryInfo); ok {
						retry = r
					}
				}
				if retry == nil || retry.GetRetryDelay().AsDuration() <= 0 {
					t.Errorf("refusal without a retry delay: %v", err)
				}
			default:
				t.Errorf("Check: %v, want a decision or RESOURCE_EXHAUSTED", err)
			}
		})
	}
	wg.Wait()
	if refused.Load() == 0 || decided.Load() < 5 {
		t.Fatalf("%d decided, %d refused; want at least the worker's and the queue's 5 decided and the rest refused", decided.Load(), refused.Load())
	}
	if got := metricstest.ScrapeHandler(t, m.Handler(nil, nil)).Value("sendgate_overload_refused_total"); got != float64(refused.Load()) {
		t.Errorf("sendgate_overload_refused_total = %v, want %d", got, refused.Load())
	}
	t.Logf("%d decided, %d refused", decided.Load(), refused.Load())
}
