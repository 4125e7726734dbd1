package load_test

import (
	"context"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/sendgate/sendgate/internal/workload"

	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sendgate/sendgate/bench/echo"
	"github.com/sendgate/sendgate/bench/load"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// serve runs srv on a fresh 127.0.0.1 port until the test ends.
func serve(t *testing.T, srv sendgatev1.DecisionServiceServer) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer()
	sendgatev1.RegisterDecisionServiceServer(s, srv)
	go s.Serve(lis)
	t.Cleanup(s.Stop)
	return lis.Addr().String()
}

func baseConfig(addr string) load.Config {
	return load.Config{
		Addr: addr, Mode: load.ModeClosed, Concurrency: 4, RPC: load.RPCCheck,
		Warmup: 50 * time.Millisecond, Duration: 200 * time.Millisecond,
		Timeout: 5 * time.Second, MaxInFlight: 64, Mix: workload.DefaultMix(),
	}
}

func TestClosedLoopCheck(t *testing.T) {
	cfg := baseConfig(serve(t, echo.Server{}))
	cfg.ServerPID = os.Getpid() // the server runs in this process
	res, err := load.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Calls == 0 || res.Decisions != res.Calls || len(res.Errors) != 0 {
		t.Fatalf("calls %d decisions %d errors %v", res.Calls, res.Decisions, res.Errors)
	}
	if res.Outcomes["DECISION_ALLOW"] != res.Decisions {
		t.Errorf("outcomes %v", res.Outcomes)
	}
	l := res.Latency
	if !(l.Min > 0 && l.Min <= l.P50 && l.P50 <= l.P90 && l.P90 <= l.P99 && l.P99 <= l.P999 && l.P999 <= l.Max) {
		t.Errorf("latency summary out of order: %+v", l)
	}
	if res.CallsPerSec <= 0 || res.ServerCPUMicrosPerCall == nil || res.ServerMemory == nil || res.ServerMemory.PeakKiB <= 0 {
		t.Errorf("rates and server figures missing: %+v", res)
	}
}

func TestClosedLoopBatch(t *testing.T) {
	cfg := baseConfig(serve(t, echo.Server{}))
	cfg.RPC, cfg.BatchSize, cfg.Concurrency = load.RPCBatch, 10, 2
	res, err := load.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Calls == 0 || res.Decisions != 10*res.Calls {
		t.Fatalf("calls %d decisions %d", res.Calls, res.Decisions)
	}
	if res.DecisionsPerSec != 10*res.CallsPerSec {
		t.Errorf("decisions/s %v, calls/s %v", res.DecisionsPerSec, res.CallsPerSec)
	}
}

// slowServer answers one call at a time, each after delay: a server with a
// queue in front of it.
type slowServer struct {
	sendgatev1.UnimplementedDecisionServiceServer
	delay time.Duration
	mu    sync.Mutex
	texts map[string]bool
}

func (s *slowServer) Check(_ context.Context, req *sendgatev1.CheckRequest) (*sendgatev1.CheckResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	time.Sleep(s.delay)
	if s.texts != nil {
		s.texts[req.GetMessage().GetText()] = true
	}
	return &sendgatev1.CheckResponse{Decision: sendgatev1.Decision_DECISION_DENY}, nil
}

func TestOpenLoopMeasuresFromIntendedTime(t *testing.T) {
	const delay = 10 * time.Millisecond
	cfg := baseConfig(serve(t, &slowServer{delay: delay}))
	// 400 calls/s against a server that completes 100/s: call k is due
	// at k·2.5 ms but cannot finish before (k+1)·10 ms, so the queue grows
	// and the latency from the intended time with it. Timed from the actual
	// send by a free caller, each call would take about 10 ms.
	cfg.Mode, cfg.Rate, cfg.Warmup, cfg.Duration = load.ModeOpen, 400, 0, 100*time.Millisecond
	res, err := load.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Calls != 40 || res.Unsent != 0 || len(res.Errors) != 0 {
		t.Fatalf("calls %d unsent %d errors %v, want 40 calls", res.Calls, res.Unsent, res.Errors)
	}
	// The last of the 40 is due at 97.5 ms and done no sooner than 400 ms.
	if minMax := 300 * time.Millisecond; res.Latency.Max < float64(minMax.Microseconds()) {
		t.Errorf("max latency %.0f µs: queueing behind the slow server was not counted", res.Latency.Max)
	}
	if res.Latency.P50 < float64((5 * delay).Microseconds()) {
		t.Errorf("p50 %.0f µs: should include the wait in the queue", res.Latency.P50)
	}
	if res.Outcomes["DECISION_DENY"] != 40 {
		t.Errorf("outcomes %v", res.Outcomes)
	}
}

func TestOpenLoopUnsentWhenTimeRunsOut(t *testing.T) {
	cfg := baseConfig(serve(t, &slowServer{delay: 20 * time.Millisecond}))
	cfg.Mode, cfg.Rate, cfg.Warmup, cfg.Duration = load.ModeOpen, 500, 0, 100*time.Millisecond
	cfg.MaxInFlight, cfg.Timeout = 1, 50*time.Millisecond
	res, err := load.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Calls + res.Unsent; got != 50 {
		t.Errorf("calls %d + unsent %d = %d, want the 50 due", res.Calls, res.Unsent, got)
	}
	if res.Unsent == 0 {
		t.Error("a run cut short should report unsent calls")
	}
}

func TestUniqueText(t *testing.T) {
	srv := &slowServer{texts: map[string]bool{}}
	cfg := baseConfig(serve(t, srv))
	cfg.UniqueText, cfg.Warmup = true, 0
	res, err := load.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Every call carried a text of its own, besides the readiness probe's.
	if int64(len(srv.texts)) != res.Calls+1 {
		t.Errorf("%d distinct texts over %d calls and a probe", len(srv.texts), res.Calls)
	}
}

func TestRunReportsUnavailable(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close()
	cfg := baseConfig(addr)
	cfg.ConnectTimeout = 200 * time.Millisecond
	if _, err := load.Run(context.Background(), cfg); err == nil {
		t.Error("Run against a closed port should fail to connect")
	}
}

// failingServer refuses every Check and fails every other batch item.
type failingServer struct {
	sendgatev1.UnimplementedDecisionServiceServer
}

func (failingServer) Check(context.Context, *sendgatev1.CheckRequest) (*sendgatev1.CheckResponse, error) {
	return nil, status.Error(codes.ResourceExhausted, "busy")
}

func (failingServer) CheckBatch(_ context.Context, req *sendgatev1.CheckBatchRequest) (*sendgatev1.CheckBatchResponse, error) {
	resp := &sendgatev1.CheckBatchResponse{}
	for i := range req.GetRequests() {
		if i%2 == 0 {
			resp.Results = append(resp.Results, &sendgatev1.CheckBatchResult{Result: &sendgatev1.CheckBatchResult_Error{
				Error: &spb.Status{Code: int32(codes.InvalidArgument)},
			}})
		} else {
			resp.Results = append(resp.Results, &sendgatev1.CheckBatchResult{Result: &sendgatev1.CheckBatchResult_Response{
				Response: &sendgatev1.CheckResponse{Decision: sendgatev1.Decision_DECISION_ALLOW},
			}})
		}
	}
	return resp, nil
}

func TestErrorsByCode(t *testing.T) {
	cfg := baseConfig(serve(t, failingServer{}))
	res, err := load.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Calls == 0 || res.Failed != res.Calls || res.Errors["ResourceExhausted"] != res.Calls ||
		res.CallsPerSec != 0 || res.Decisions != 0 {
		t.Errorf("calls %d failed %d errors %v calls/s %v decisions %d",
			res.Calls, res.Failed, res.Errors, res.CallsPerSec, res.Decisions)
	}

	cfg.RPC, cfg.BatchSize = load.RPCBatch, 4
	res, err = load.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Calls == 0 || res.Failed != 0 || res.ItemErrors["InvalidArgument"] != 2*res.Calls || res.Decisions != 2*res.Calls {
		t.Errorf("batch: calls %d failed %d item errors %v decisions %d", res.Calls, res.Failed, res.ItemErrors, res.Decisions)
	}
}

// loadingServer answers UNAVAILABLE until ready is closed, as a server
// still loading its policies does.
type loadingServer struct {
	echo.Server
	ready chan struct{}
}

func (s loadingServer) Check(ctx context.Context, req *sendgatev1.CheckRequest) (*sendgatev1.CheckResponse, error) {
	select {
	case <-s.ready:
		return s.Server.Check(ctx, req)
	default:
		return nil, status.Error(codes.Unavailable, "no policy yet")
	}
}

func TestRunWaitsForPolicies(t *testing.T) {
	srv := loadingServer{ready: make(chan struct{})}
	cfg := baseConfig(serve(t, srv))
	cfg.Warmup = 0
	time.AfterFunc(300*time.Millisecond, func() { close(srv.ready) })
	res, err := load.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed != 0 || res.Calls == 0 {
		t.Errorf("calls %d, failed %d %v: the run should start once the server answers", res.Calls, res.Failed, res.Errors)
	}
}
