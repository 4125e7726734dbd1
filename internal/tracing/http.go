package tracing

import (
	"net/http"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
)

// HTTPHandler traces every request to h with the tracer provider and
// propagators Setup installed, the HTTP counterpart of the gRPC stats
// handler; wrap the HTTP/JSON API with it when Setup returned options.
func HTTPHandler(h http.Handler) http.Handler {
	return otelhttp.NewHandler(h, "sendgate.http",
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string {
			return r.Method + " " + r.URL.Path
		}))
}
