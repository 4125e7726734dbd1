package tracing

import (
	"context"
	"fmt"
	"os"
	"strings"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// settings are what the OTEL_* variables ask of tracing.
type settings struct {
	enabled  bool
	protocol string
}

// settingsFromEnv reads the standard variables: OTEL_SDK_DISABLED=true turns
// tracing off; OTEL_TRACES_EXPORTER=otlp turns it on and =none off; with
// neither, an OTLP endpoint variable turns it on. The protocol comes from
// OTEL_EXPORTER_OTLP_TRACES_PROTOCOL or OTEL_EXPORTER_OTLP_PROTOCOL and
// defaults to http/protobuf.
func settingsFromEnv() (settings, error) {
	var s settings
	if strings.EqualFold(env("OTEL_SDK_DISABLED"), "true") {
		return s, nil
	}
	if exporters := env("OTEL_TRACES_EXPORTER"); exporters != "" {
		for _, e := range strings.Split(exporters, ",") {
			switch e = strings.TrimSpace(strings.ToLower(e)); e {
			case "otlp":
				s.enabled = true
			case "none", "":
			default:
				return s, fmt.Errorf("tracing: OTEL_TRACES_EXPORTER %q: only otlp and none are supported", e)
			}
		}
	} else {
		s.enabled = env("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
	}
	s.protocol = env("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
	if s.protocol == "" {
		s.protocol = env("OTEL_EXPORTER_OTLP_PROTOCOL")
	}
	if s.protocol == "" {
		s.protocol = "http/protobuf"
	}
	return s, nil
}

// newOTLPExporter builds the OTLP exporter for protocol; the exporter reads
// its endpoint, headers, TLS, compression and timeout from the environment.
func newOTLPExporter(ctx context.Context, protocol string) (sdktrace.SpanExporter, error) {
	var (
		exp sdktrace.SpanExporter
		err error
	)
	switch protocol {
	case "grpc":
		exp, err = otlptracegrpc.New(ctx)
	case "http/protobuf":
		exp, err = otlptracehttp.New(ctx)
	default:
		return nil, fmt.Errorf("tracing: OTLP protocol %q: only grpc and http/protobuf are supported", protocol)
	}
	if err != nil {
		return nil, fmt.Errorf("tracing: OTLP %s exporter: %w", protocol, err)
	}
	return exp, nil
}

// samplerFromEnv reports whether OTEL_TRACES_SAMPLER chooses the sampler,
// which the SDK then honours instead of the parent-based default.
func samplerFromEnv() bool { return env("OTEL_TRACES_SAMPLER") != "" }

func env(key string) string { return strings.TrimSpace(os.Getenv(key)) }
