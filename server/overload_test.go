package server_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/sendgate/sendgate/bundles"
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
	// The door lets in the worker's and the queue's 5; one of them may still
	// be refused by the queue when it arrives before the worker has taken
	// the first.
	if refused.Load() == 0 || decided.Load() < 4 || decided.Load()+refused.Load() != 64 {
		t.Fatalf("%d decided, %d refused; want at least 4 of the 5 the engine takes decided and the rest refused", decided.Load(), refused.Load())
	}
	if got := metricstest.ScrapeHandler(t, m.Handler(nil, nil)).Value("sendgate_overload_refused_total"); got != float64(refused.Load()) {
		t.Errorf("sendgate_overload_refused_total = %v, want %d", got, refused.Load())
	}
	t.Logf("%d decided, %d refused", decided.Load(), refused.Load())
}

// TestSaturatedEngineRefusesOnHeaders: while the engine's worker and queue
// are taken, a Check is refused on its headers, before its request is read:
// an invalid request gets RESOURCE_EXHAUSTED (with its retry delay), not
// the INVALID_ARGUMENT that reading it would give, and it is counted.
func TestSaturatedEngineRefusesOnHeaders(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		".manifest": `{"revision": "slow-1", "roots": ["sendgate"]}`,
		"sendgate/main.rego": `package sendgate.main

decision := {"reasons": reasons, "advice": []}

reasons contains {"code": "test.slow", "message": "slow"} if {
	products := {x | some i in numbers.range(1, 3000); some j in numbers.range(1, 3000); x := i * j}
	count(products) > 10
}
`,
	} {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	b, err := bundles.Build(dir, bundles.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	slow, err := engine.Compile(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	eng := engine.New(engine.Options{Workers: 1, MaxQueue: 1})
	eng.Activate(slow)
	m := metrics.New()
	srv, conn := testkit.Serve(t, server.Config{Engine: eng, Observer: observe.New(decisionlog.Nop{}, m)})
	srv.SetServing(true)
	client := sendgatev1.NewDecisionServiceClient(conn)

	// Two slow decisions take the worker and the queue's one place, the
	// second sent once the first is being evaluated (sent together, the
	// second can find the first still queued, and be refused).
	ctx, cancel := context.WithCancel(testkit.Context(t))
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	waitBusy := func(want int) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			busy, _ := eng.Load()
			if busy == want && eng.Saturated() == (want == eng.Capacity()) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("the engine never had %d calls: %d busy, saturated %v", want, busy, eng.Saturated())
			}
			time.Sleep(time.Millisecond)
		}
	}
	for i := range 2 {
		wg.Go(func() { _, _ = client.Check(ctx, testkit.Utility()) })
		waitBusy(i + 1)
	}

	invalid := testkit.Utility()
	invalid.Business = nil
	_, err = client.Check(testkit.Context(t), invalid)
	if status.Code(err) != codes.ResourceExhausted {
		t.Fatalf("Check while saturated: %v, want RESOURCE_EXHAUSTED before the request is read", err)
	}
	var retry *errdetails.RetryInfo
	for _, d := range status.Convert(err).Details() {
		if r, ok := d.(*errdetails.RetryInfo); ok {
			retry = r
		}
	}
	if retry.GetRetryDelay().AsDuration() <= 0 {
		t.Errorf("refusal without a retry delay: %v", err)
	}
	if got := metricstest.ScrapeHandler(t, m.Handler(nil, nil)).Value("sendgate_overload_refused_total"); got != 1 {
		t.Errorf("sendgate_overload_refused_total = %v, want 1", got)
	}
	// Health is not a decision: it still answers.
	if _, err := healthpb.NewHealthClient(conn).Check(testkit.Context(t), &healthpb.HealthCheckRequest{}); err != nil {
		t.Errorf("health while saturated: %v", err)
	}

	// Once the slow calls end, the door lets calls in again, one after
	// another far more than the engine takes at once: every call let in is
	// let out when it ends, whether it was decided, refused for its input
	// or cancelled.
	cancel()
	wg.Wait()
	eng.Activate(testkit.DefaultPolicy(t))
	// The cancelled calls end on the server a little after their callers
	// left.
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := client.Check(testkit.Context(t), testkit.Utility())
		if err == nil {
			break
		}
		if status.Code(err) != codes.ResourceExhausted || time.Now().After(deadline) {
			t.Fatalf("after the slow calls ended: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	for i := range 3 * eng.Capacity() {
		req := testkit.Utility()
		if i%3 == 1 {
			req.Business = nil
		}
		_, err := client.Check(testkit.Context(t), req)
		if want := map[bool]codes.Code{true: codes.InvalidArgument, false: codes.OK}[i%3 == 1]; status.Code(err) != want {
			t.Fatalf("call %d after the slow ones: %v, want %v", i, err, want)
		}
	}
}
