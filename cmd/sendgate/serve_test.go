package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sendgate/sendgate/internal/testkit"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/sendgate/sendgate/internal/leakcheck"
	"github.com/sendgate/sendgate/internal/metrics/metricstest"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// running is a "sendgate serve" started in-process on 127.0.0.1.
type running struct {
	cancel  context.CancelFunc
	done    chan error
	grpc    string
	admin   string
	metrics string
	conn    *grpc.ClientConn
	client  sendgatev1.DecisionServiceClient
	health  healthpb.HealthClient
}

// startServe runs serve with opts filled in for loopback ports, and waits
// until it serves a bundle. Cancelling stands in for SIGTERM:
// signal.NotifyContext cancels the same context.
func startServe(t *testing.T, mutate func(*serveOptions)) *running {
	t.Helper()
	r := startServeUnready(t, mutate)
	r.waitServing(t)
	return r
}

// waitServing waits until health reports SERVING: the first activation
// runs while the ports already answer.
func (r *running) waitServing(t *testing.T) {
	t.Helper()
	ctx := testkit.Context(t)
	for {
		st, err := r.health.Check(ctx, &healthpb.HealthCheckRequest{})
		if err == nil && st.GetStatus() == healthpb.HealthCheckResponse_SERVING {
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("serve never reported SERVING: %v, %v", st, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// startServeUnready is startServe without waiting for a bundle.
func startServeUnready(t *testing.T, mutate func(*serveOptions)) *running {
	t.Helper()
	return startServeLogging(t, mutate, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// startServeLogging is startServeUnready logging to log; opts shape the
// client's connection (its TLS credentials, say).
func startServeLogging(t *testing.T, mutate func(*serveOptions), log *slog.Logger, opts ...grpc.DialOption) *running {
	t.Helper()
	o := serveOptions{
		addr: "127.0.0.1:0", metricsAddr: "127.0.0.1:0", adminAddr: "",
		maxRecvBytes: 32 << 20, shutdownTimeout: 10 * time.Second, bundleSizeLimit: 64 << 20,
	}
	o.decisionLog.Target = "off"
	if mutate != nil {
		mutate(&o)
	}
	addrs := make(chan [3]string, 1)
	listening = func(g, a, m string) { addrs <- [3]string{g, a, m} }
	t.Cleanup(func() { listening = nil })
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- serve(ctx, o, log) }()
	select {
	case a := <-addrs:
		r.grpc, r.admin, r.metrics = a[0], a[1], a[2]
	case err := <-r.done:
		t.Fatalf("serve ended before listening: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start listening")
	}
	conn := testkit.Dial(t, r.grpc, opts...)
	r.conn = conn
	r.client = sendgatev1.NewDecisionServiceClient(conn)
	r.health = healthpb.NewHealthClient(conn)
	t.Cleanup(func() { r.stop(t) })
	return r
}

func (r *running) stop(t *testing.T) {
	if r.cancel == nil {
		return
	}
	r.cancel()
	r.cancel = nil
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("serve: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Error("serve did not stop")
	}
}

func corpusRequests(t *testing.T) []*sendgatev1.CheckRequest {
	var out []*sendgatev1.CheckRequest
	for _, c := range allCases(t) {
		req := &sendgatev1.CheckRequest{}
		if err := protojson.Unmarshal(c.Request, req); err == nil {
			out = append(out, req)
		}
	}
	return out
}

func TestServeDrainsInFlightCallsOnSignal(t *testing.T) {
	r := startServe(t, nil)
	reqs := corpusRequests(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var ok, refused atomic.Int64
	var mu sync.Mutex
	var failures []error
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range 8 {
		wg.Go(func() {
			for i := w; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				_, err := r.client.Check(ctx, reqs[i%len(reqs)])
				switch {
				case err == nil || status.Code(err) == codes.InvalidArgument:
					ok.Add(1)
				case status.Code(err) == codes.Unavailable:
					// A call made after the drain began is refused, never half-done.
					refused.Add(1)
					return
				default:
					mu.Lock()
					failures = append(failures, err)
					mu.Unlock()
				}
			}
		})
	}
	for ok.Load() < 200 {
		time.Sleep(5 * time.Millisecond)
	}
	r.stop(t) // SIGTERM while the load runs
	close(stop)
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d calls failed during shutdown, e.g. %v", len(failures), failures[0])
	}
	t.Logf("%d calls answered, %d refused after the drain began", ok.Load(), refused.Load())
}

func TestServeNotReadyUntilSourceAppears(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "bundle")
	r := startServeUnready(t, func(o *serveOptions) { o.bundle = dir })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if st, err := r.health.Check(ctx, &healthpb.HealthCheckRequest{}); err != nil || st.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Fatalf("health with no bundle = %v, %v; want NOT_SERVING", st, err)
	}
	if code := httpStatus(t, "http://"+r.metrics+"/readyz"); code != http.StatusServiceUnavailable {
		t.Fatalf("/readyz with no bundle = %d, want 503", code)
	}
	if _, err := r.client.Check(ctx, corpusRequests(t)[0]); status.Code(err) != codes.Unavailable {
		t.Fatalf("Check with no bundle: %v, want UNAVAILABLE", err)
	}
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("..", "..", "policies"))); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(45 * time.Second)
	for {
		st, err := r.health.Check(ctx, &healthpb.HealthCheckRequest{})
		if err == nil && st.GetStatus() == healthpb.HealthCheckResponse_SERVING {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("health still %v after the bundle appeared", st.GetStatus())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if code := httpStatus(t, "http://"+r.metrics+"/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz with a bundle = %d, want 200", code)
	}
}

func httpStatus(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestMetricsCountChecks(t *testing.T) {
	r := startServe(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	before := metricstest.ScrapeURL(t, "http://"+r.metrics+"/metrics")
	var allow, deny int
	reasons := map[string]int{}
	reqs := corpusRequests(t)
	for _, req := range reqs {
		resp, err := r.client.Check(ctx, req)
		if err != nil {
			continue
		}
		if resp.GetDecision() == sendgatev1.Decision_DECISION_ALLOW {
			allow++
		} else {
			deny++
		}
		for _, rs := range append(resp.GetReasons(), resp.GetAdvice()...) {
			reasons[rs.GetCode()]++
		}
	}
	after := metricstest.ScrapeURL(t, "http://"+r.metrics+"/metrics")
	delta := func(name string, labels ...string) float64 {
		return after.Value(name, labels...) - before.Value(name, labels...)
	}
	if got := delta("sendgate_decisions_total", "decision", "allow"); got != float64(allow) {
		t.Errorf("allow counter moved by %v, want %d", got, allow)
	}
	if got := delta("sendgate_decisions_total", "decision", "deny"); got != float64(deny) {
		t.Errorf("deny counter moved by %v, want %d", got, deny)
	}
	for code, n := range reasons {
		if got := delta("sendgate_reasons_total", "code", code); got != float64(n) {
			t.Errorf("reasons_total{code=%q} moved by %v, want %d", code, got, n)
		}
	}
	h := "sendgate_decision_duration_seconds"
	if got := after.HistogramCount(h) - before.HistogramCount(h); got != uint64(allow+deny) {
		t.Errorf("latency histogram count moved by %d, want %d", got, allow+deny)
	}
	handled := delta("grpc_server_handled_total", "grpc_method", "Check")
	if handled != float64(len(reqs)) {
		t.Errorf("grpc_server_handled_total{Check} moved by %v, want %d", handled, len(reqs))
	}

	// A message sent three times: the second time it is cached, the third
	// its message-level families come from the cache.
	again := proto.CloneOf(reqs[0])
	again.Message.Text = "A text no other test sends: your order 271828 has shipped."
	for range 3 {
		if _, err := r.client.Check(ctx, again); err != nil {
			t.Fatal(err)
		}
	}
	cached := metricstest.ScrapeURL(t, "http://"+r.metrics+"/metrics")
	if got := cached.Value("sendgate_message_cache_hits") - after.Value("sendgate_message_cache_hits"); got != 1 {
		t.Errorf("sendgate_message_cache_hits moved by %v for a message sent three times, want 1", got)
	}
	if got := cached.Value("sendgate_message_cache_entries"); got < 1 {
		t.Errorf("sendgate_message_cache_entries = %v, want the messages decided", got)
	}
}

// digitRun finds identifier-like runs: 6 or more digits, possibly split by
// spaces, dots, dashes or slashes, and IBAN-like tokens.
var digitRun = regexp.MustCompile(`(?i)\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b|\d(?:[ .\-/]?\d){5,}`)

// TestLogsAndMetricsNeverLeakIdentifiers runs every case through a server
// and checks that no phone number, card number, IBAN or national ID from
// the requests appears in the decision log or the metrics.
func TestLogsAndMetricsNeverLeakIdentifiers(t *testing.T) {
	logPath := filepath.Join(t.TempDir(), "decisions.jsonl")
	r := startServe(t, func(o *serveOptions) { o.decisionLog.Target = logPath })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var needles []string
	reqs := corpusRequests(t)
	for _, req := range reqs {
		if p := req.GetRecipient().GetPhone(); len(p) > 6 {
			needles = append(needles, p)
		}
		needles = append(needles, digitRun.FindAllString(req.GetMessage().GetText(), -1)...)
		_, _ = r.client.Check(ctx, req)
	}
	if len(needles) < 20 {
		t.Fatalf("only %d needles: the cases hold too few identifiers to test for leaks", len(needles))
	}
	metricsText := metricstest.ScrapeURL(t, "http://"+r.metrics+"/metrics").Raw
	r.stop(t) // flushes the decision log
	raw, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	for _, l := range lines {
		var entry map[string]any
		if err := json.Unmarshal([]byte(l), &entry); err != nil {
			t.Fatalf("decision log line is not JSON: %v", err)
		}
		for _, k := range []string{"decision_id", "timestamp", "recipient", "decision", "bundle_revision"} {
			if entry[k] == nil || entry[k] == "" {
				t.Fatalf("decision log line lacks %s", k)
			}
		}
	}
	if len(lines) < len(reqs)/2 {
		t.Fatalf("%d decision log lines for %d requests", len(lines), len(reqs))
	}
	leakcheck.AssertNoLeak(t, string(raw), needles)
	leakcheck.AssertNoLeak(t, metricsText, needles)
}
