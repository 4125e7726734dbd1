package metrics

import (
	"context"

	grpcprom "github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
)

// ServerOptions returns the options that install the gRPC metrics
// interceptors; grpc.ChainUnaryInterceptor options add up, so these can sit
// beside the server's own.
func (m *Metrics) ServerOptions() []grpc.ServerOption {
	return []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(m.UnaryServerInterceptor()),
		grpc.ChainStreamInterceptor(m.StreamServerInterceptor()),
	}
}

// UnaryServerInterceptor records gRPC server metrics for unary calls.
func (m *Metrics) UnaryServerInterceptor() grpc.UnaryServerInterceptor {
	return m.grpc.UnaryServerInterceptor(grpcprom.WithExemplarFromContext(traceExemplar))
}

// StreamServerInterceptor records gRPC server metrics for streaming calls.
func (m *Metrics) StreamServerInterceptor() grpc.StreamServerInterceptor {
	return m.grpc.StreamServerInterceptor(grpcprom.WithExemplarFromContext(traceExemplar))
}

// InitializeGRPC exports zeroed metrics for every method registered on s;
// call it after the services are registered and before Serve.
func (m *Metrics) InitializeGRPC(s *grpc.Server) { m.grpc.InitializeMetrics(s) }

// traceExemplar links a metric sample to the sampled trace it belongs to.
func traceExemplar(ctx context.Context) prometheus.Labels {
	if sc := trace.SpanContextFromContext(ctx); sc.IsSampled() {
		return prometheus.Labels{"trace_id": sc.TraceID().String()}
	}
	return nil
}
