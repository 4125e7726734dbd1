package tracing

import (
	"context"
	"testing"

	"github.com/sendgate/sendgate/internal/testkit"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
)

var otelVars = []string{
	"OTEL_SDK_DISABLED", "OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT",
	"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL",
	"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_TRACES_SAMPLER",
}

// setEnv clears every OTEL_* variable Setup reads, then sets kv pairs.
func setEnv(t *testing.T, kv ...string) {
	t.Helper()
	for _, k := range otelVars {
		t.Setenv(k, "")
	}
	for i := 0; i+1 < len(kv); i += 2 {
		t.Setenv(kv[i], kv[i+1])
	}
}

func TestSetupOffUnlessConfigured(t *testing.T) {
	cases := map[string][]string{
		"nothing_set":     nil,
		"sdk_disabled":    {"OTEL_SDK_DISABLED", "true", "OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318"},
		"exporter_none":   {"OTEL_TRACES_EXPORTER", "none", "OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318"},
		"only_a_protocol": {"OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"},
	}
	for name, kv := range cases {
		t.Run(name, func(t *testing.T) {
			setEnv(t, kv...)
			tpBefore, propBefore := otel.GetTracerProvider(), otel.GetTextMapPropagator()
			opts, shutdown, err := Setup(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(opts) != 0 {
				t.Errorf("%d server options installed", len(opts))
			}
			if err := shutdown(context.Background()); err != nil {
				t.Errorf("shutdown: %v", err)
			}
			if otel.GetTracerProvider() != tpBefore || otel.GetTextMapPropagator() != propBefore {
				t.Error("global tracer provider or propagator changed")
			}
		})
	}
}

func TestSetupOnFromEnv(t *testing.T) {
	cases := map[string][]string{
		"endpoint_http":   {"OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318"},
		"traces_endpoint": {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://127.0.0.1:4318/v1/traces"},
		"exporter_grpc":   {"OTEL_TRACES_EXPORTER", "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"},
	}
	for name, kv := range cases {
		t.Run(name, func(t *testing.T) {
			setEnv(t, kv...)
			opts, shutdown, err := Setup(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(opts) != 1 {
				t.Errorf("%d server options, want the stats handler", len(opts))
			}
			// No span was made, so shutdown has nothing to send.
			if err := shutdown(context.Background()); err != nil {
				t.Errorf("shutdown: %v", err)
			}
		})
	}
}

func TestSetupRejectsUnsupported(t *testing.T) {
	cases := map[string][]string{
		"exporter_zipkin": {"OTEL_TRACES_EXPORTER", "zipkin"},
		"protocol_json":   {"OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318", "OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"},
	}
	for name, kv := range cases {
		t.Run(name, func(t *testing.T) {
			setEnv(t, kv...)
			if opts, _, err := Setup(context.Background()); err == nil || len(opts) != 0 {
				t.Errorf("Setup = %d options, %v; want an error", len(opts), err)
			}
		})
	}
}

func TestServerSpanRecordedParentBased(t *testing.T) {
	setEnv(t)
	exp := tracetest.NewInMemoryExporter()
	opts, shutdown, err := Setup(context.Background(), WithExporter(exp), WithVersion("test"))
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(context.Background())

	srv := grpc.NewServer(opts...)
	healthpb.RegisterHealthServer(srv, health.NewServer())
	lis := testkit.Listen(t)
	go func() { _ = srv.Serve(lis) }()
	conn := testkit.Dial(t, lis.Addr().String())
	client := healthpb.NewHealthClient(conn)

	const (
		sampledTrace   = "4bf92f3577b34da6a3ce929d0e0e4736"
		unsampledTrace = "5bf92f3577b34da6a3ce929d0e0e4737"
	)
	calls := []string{
		"", // no parent: a sampled root span
		"00-" + sampledTrace + "-00f067aa0ba902b7-01",   // sampled parent: recorded
		"00-" + unsampledTrace + "-00f067aa0ba902b7-00", // unsampled parent: not recorded
	}
	for _, tp := range calls {
		ctx := context.Background()
		if tp != "" {
			ctx = metadata.AppendToOutgoingContext(ctx, "traceparent", tp)
		}
		if _, err := client.Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
			t.Fatal(err)
		}
	}
	conn.Close()
	srv.GracefulStop() // waits for the handlers, so every server span has ended

	var server []sdktrace.ReadOnlySpan
	for _, s := range exp.GetSpans().Snapshots() {
		if s.SpanKind() == trace.SpanKindServer {
			server = append(server, s)
		}
	}
	if len(server) != 2 {
		t.Fatalf("%d server spans, want 2 (root and sampled parent)", len(server))
	}
	traces := map[string]bool{}
	for _, s := range server {
		if s.Name() != "grpc.health.v1.Health/Check" {
			t.Errorf("span name %q", s.Name())
		}
		if got := s.Resource().Set(); !hasAttr(got.ToSlice(), "service.name", ServiceName) {
			t.Errorf("resource %v lacks service.name=%s", got.ToSlice(), ServiceName)
		}
		traces[s.SpanContext().TraceID().String()] = true
	}
	if !traces[sampledTrace] {
		t.Error("no span joined the sampled parent's trace")
	}
	if traces[unsampledTrace] {
		t.Error("a span was recorded under an unsampled parent")
	}
}

func hasAttr(kvs []attribute.KeyValue, key, value string) bool {
	for _, kv := range kvs {
		if string(kv.Key) == key && kv.Value.Emit() == value {
			return true
		}
	}
	return false
}
