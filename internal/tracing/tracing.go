// Package tracing sets up OpenTelemetry tracing for the gRPC server through
// the grpc-go stats handler. It is off unless the standard OTEL_* variables
// ask for it, and samples parent-based by default.
package tracing

import (
	"context"
	"errors"
	"fmt"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdkresource "go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"google.golang.org/grpc"
)

// ServiceName is the service.name unless OTEL_SERVICE_NAME or
// OTEL_RESOURCE_ATTRIBUTES say otherwise.
const ServiceName = "sendgate"

// Option adjusts Setup.
type Option func(*config)

type config struct {
	exporter sdktrace.SpanExporter
	version  string
}

// WithExporter turns tracing on with exp, whatever the environment says,
// exporting each span as it ends; meant for tests and debugging.
func WithExporter(exp sdktrace.SpanExporter) Option {
	return func(c *config) { c.exporter = exp }
}

// WithVersion sets the service.version resource attribute.
func WithVersion(v string) Option {
	return func(c *config) { c.version = v }
}

// Setup returns the gRPC server options that trace every call, and a
// shutdown that flushes pending spans. When tracing is not configured it
// returns no options, a no-op shutdown and installs nothing. When it is,
// the tracer provider and the W3C trace-context and baggage propagators are
// also installed globally, so code under the handlers can start child spans.
func Setup(ctx context.Context, opts ...Option) ([]grpc.ServerOption, func(context.Context) error, error) {
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	noop := func(context.Context) error { return nil }

	var export sdktrace.TracerProviderOption
	if cfg.exporter != nil {
		export = sdktrace.WithSyncer(cfg.exporter)
	} else {
		s, err := settingsFromEnv()
		if err != nil {
			return nil, noop, err
		}
		if !s.enabled {
			return nil, noop, nil
		}
		exp, err := newOTLPExporter(ctx, s.protocol)
		if err != nil {
			return nil, noop, err
		}
		export = sdktrace.WithBatcher(exp)
	}

	res, err := newResource(ctx, cfg.version)
	if err != nil {
		return nil, noop, err
	}
	tpOpts := []sdktrace.TracerProviderOption{export, sdktrace.WithResource(res)}
	if !samplerFromEnv() {
		tpOpts = append(tpOpts, sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.AlwaysSample())))
	}
	tp := sdktrace.NewTracerProvider(tpOpts...)
	prop := propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(prop)

	handler := otelgrpc.NewServerHandler(otelgrpc.WithTracerProvider(tp), otelgrpc.WithPropagators(prop))
	shutdown := func(ctx context.Context) error {
		if err := tp.Shutdown(ctx); err != nil {
			return fmt.Errorf("tracing: shutdown: %w", err)
		}
		return nil
	}
	return []grpc.ServerOption{grpc.StatsHandler(handler)}, shutdown, nil
}

// newResource describes this process: service name and version, SDK, and
// whatever OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES add.
func newResource(ctx context.Context, version string) (*sdkresource.Resource, error) {
	attrs := []sdkresource.Option{
		sdkresource.WithTelemetrySDK(),
		sdkresource.WithAttributes(semconv.ServiceName(ServiceName)),
	}
	if version != "" {
		attrs = append(attrs, sdkresource.WithAttributes(semconv.ServiceVersion(version)))
	}
	// Later options win, so the environment overrides the defaults above.
	attrs = append(attrs, sdkresource.WithFromEnv())
	res, err := sdkresource.New(ctx, attrs...)
	if err != nil && !errors.Is(err, sdkresource.ErrPartialResource) {
		return nil, fmt.Errorf("tracing: resource: %w", err)
	}
	return res, nil
}
