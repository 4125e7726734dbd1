package metrics

import (
	"context"
	"testing"

	"github.com/sendgate/sendgate/internal/testkit"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/sendgate/sendgate/internal/metrics/metricstest"
)

func TestGRPCServerMetrics(t *testing.T) {
	m := New()
	srv := grpc.NewServer(m.ServerOptions()...)
	hs := health.NewServer()
	healthpb.RegisterHealthServer(srv, hs)
	m.InitializeGRPC(srv)
	lis := testkit.Listen(t)
	go func() { _ = srv.Serve(lis) }()
	defer srv.Stop()

	conn := testkit.Dial(t, lis.Addr().String())
	client := healthpb.NewHealthClient(conn)

	h := m.Handler(nil, nil)
	labels := []string{"grpc_service", "grpc.health.v1.Health", "grpc_method", "Check", "grpc_type", "unary"}
	before := metricstest.ScrapeHandler(t, h)
	if !before.Has("grpc_server_started_total", labels...) {
		t.Error("InitializeGRPC did not export the Check method at zero")
	}
	for range 3 {
		if _, err := client.Check(context.Background(), &healthpb.HealthCheckRequest{}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := client.Check(context.Background(), &healthpb.HealthCheckRequest{Service: "unknown"})
	if status.Code(err) != codes.NotFound {
		t.Fatalf("unknown service: %v, want NotFound", err)
	}
	after := metricstest.ScrapeHandler(t, h)

	delta := func(name string, extra ...string) float64 {
		l := append(append([]string{}, labels...), extra...)
		return after.Value(name, l...) - before.Value(name, l...)
	}
	if d := delta("grpc_server_started_total"); d != 4 {
		t.Errorf("started moved by %v, want 4", d)
	}
	if d := delta("grpc_server_handled_total", "grpc_code", "OK"); d != 3 {
		t.Errorf("handled OK moved by %v, want 3", d)
	}
	if d := delta("grpc_server_handled_total", "grpc_code", "NotFound"); d != 1 {
		t.Errorf("handled NotFound moved by %v, want 1", d)
	}
	if d := after.HistogramCount("grpc_server_handling_seconds", labels...) - before.HistogramCount("grpc_server_handling_seconds", labels...); d != 4 {
		t.Errorf("handling histogram count moved by %d, want 4", d)
	}
}
