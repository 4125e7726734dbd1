package metrics

import (
	"fmt"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// DefaultAddr is the default --metrics-addr: loopback only, so /metrics
// is not exposed unless asked for (Kubernetes probes and scrapers need the
// pod-IP form ":9464").
const DefaultAddr = "127.0.0.1:9464"

// ReadyFunc reports whether the process can serve decisions: nil when a
// bundle is active and it is not shutting down, otherwise why not.
type ReadyFunc func() error

// Handler serves /metrics, /healthz (live answers nil: the process works,
// e.g. it can accept connections) and /readyz (ready answers nil); a nil
// func always answers yes.
func (m *Metrics) Handler(live, ready ReadyFunc) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.InstrumentMetricHandler(m.reg,
		promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg, EnableOpenMetrics: true})))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		if live != nil {
			if err := live(); err != nil {
				http.Error(w, "unhealthy: "+err.Error(), http.StatusServiceUnavailable)
				return
			}
		}
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if ready != nil {
			if err := ready(); err != nil {
				http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
				return
			}
		}
		fmt.Fprintln(w, "ready")
	})
	return mux
}

// NewServer returns the HTTP server for --metrics-addr; the caller runs
// Serve or ListenAndServe and Shutdown.
func (m *Metrics) NewServer(addr string, live, ready ReadyFunc) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           m.Handler(live, ready),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
	}
}

// ClientCertRequired answers /metrics only to callers whose client
// certificate the TLS handshake verified (a scraper with mTLS), and 401 to
// others; /healthz and /readyz stay open for probes that cannot present
// one. Serve it with client CAs that verify certificates if given.
func ClientCertRequired(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/metrics" && (r.TLS == nil || len(r.TLS.VerifiedChains) == 0) {
			http.Error(w, "/metrics needs a client certificate", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}
