package metrics

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// BundleResults are the activation results exported at zero from the start:
// the results the bundle manager reports for an attempt.
var BundleResults = []string{"activated", "unchanged", "refused", "fetch_failed"}

// bundleMetrics are the policy bundle activation metrics.
type bundleMetrics struct {
	mu             sync.Mutex
	attempts       *prometheus.CounterVec
	activeRevision *prometheus.GaugeVec
	lastActivation prometheus.Gauge
}

func newBundleMetrics() *bundleMetrics {
	b := &bundleMetrics{
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sendgate_bundle_activations_total",
			Help: "Policy bundle activation attempts, by result (activated, unchanged, refused, fetch_failed).",
		}, []string{"result"}),
		activeRevision: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sendgate_bundle_active_revision",
			Help: "1 for the revision of the policy bundle that serves.",
		}, []string{"revision"}),
		lastActivation: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "sendgate_bundle_last_activation_timestamp_seconds",
			Help: "Unix time of the last successful bundle activation.",
		}),
	}
	for _, r := range BundleResults {
		b.attempts.WithLabelValues(r)
	}
	return b
}

func (b *bundleMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{b.attempts, b.activeRevision, b.lastActivation}
}

// BundleAttempt counts one activation attempt by its result, e.g. "refused".
func (m *Metrics) BundleAttempt(result string) {
	m.bundle.attempts.WithLabelValues(result).Inc()
}

// BundleActivated exports revision as the active one, activated at the given time.
func (m *Metrics) BundleActivated(revision string, at time.Time) {
	b := m.bundle
	b.mu.Lock()
	defer b.mu.Unlock()
	b.activeRevision.Reset()
	b.activeRevision.WithLabelValues(revision).Set(1)
	b.lastActivation.Set(float64(at.UnixNano()) / 1e9)
}
