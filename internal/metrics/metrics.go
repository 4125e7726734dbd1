// Package metrics holds sendgate's Prometheus registry: gRPC server metrics,
// decision counters and latency, decision-log drops, bundle activations, Go
// runtime and process metrics, and the HTTP endpoint that serves them.
package metrics

import (
	"sync"
	"sync/atomic"
	"time"

	grpcprom "github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/sendgate/sendgate/internal/buildinfo"
)

// DecisionBuckets are the decision-latency histogram buckets, in seconds: 5µs to 50ms.
var DecisionBuckets = []float64{
	5e-6, 10e-6, 25e-6, 50e-6, 100e-6, 250e-6, 500e-6,
	1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 50e-3,
}

// RPCBuckets are the gRPC handling-time histogram buckets, in seconds: 50µs to 5s.
var RPCBuckets = []float64{
	50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 50e-3, 100e-3, 250e-3, 1, 5,
}

// maxReasonCodes caps the distinct code label values; further codes count as otherCode.
const maxReasonCodes = 256

// otherCode is the code label for reason codes past maxReasonCodes.
const otherCode = "other"

// Metrics is sendgate's metric set. Its methods are safe for concurrent use;
// those called per decision take no locks once a label value has been seen.
type Metrics struct {
	reg  *prometheus.Registry
	grpc *grpcprom.ServerMetrics

	allow, deny, undecided prometheus.Counter
	duration               prometheus.Histogram
	reasons                *prometheus.CounterVec
	reasonCache            sync.Map // code → prometheus.Counter
	reasonCount            atomic.Int64
	logDropped             prometheus.Counter
	logWriteErrors         prometheus.Counter
	overload               prometheus.Counter
	bundle                 *bundleMetrics
	callers                *callerMetrics
}

// New builds the metric set on a fresh registry.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		grpc: grpcprom.NewServerMetrics(
			grpcprom.WithServerHandlingTimeHistogram(grpcprom.WithHistogramBuckets(RPCBuckets)),
		),
		bundle:  newBundleMetrics(),
		callers: newCallerMetrics(),
	}
	decisions := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "sendgate_decisions_total",
		Help: "Decisions made, by decision (allow, deny).",
	}, []string{"decision"})
	m.allow = decisions.WithLabelValues("allow")
	m.deny = decisions.WithLabelValues("deny")
	m.undecided = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "sendgate_decision_errors_total",
		Help: "Requests or batch items that could not be decided and were refused.",
	})
	m.reasons = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "sendgate_reasons_total",
		Help: "Reasons and advice reported in decisions, by reason code.",
	}, []string{"code"})
	m.duration = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "sendgate_decision_duration_seconds",
		Help:    "Time to evaluate one decision, from validated request to response.",
		Buckets: DecisionBuckets,
	})
	m.logDropped = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "sendgate_decision_log_dropped_total",
		Help: "Decision log entries dropped because the log queue was full.",
	})
	m.logWriteErrors = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "sendgate_decision_log_write_errors_total",
		Help: "Batches of decision log lines the log's sink failed to write (a full disk, a closed pipe); their entries are lost.",
	})
	m.overload = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "sendgate_overload_refused_total",
		Help: "Checks and batches refused with RESOURCE_EXHAUSTED because more decisions waited than the queue holds (--max-queue).",
	})
	m.reg.MustRegister(
		m.grpc, decisions, m.undecided, m.reasons, m.duration, m.logDropped, m.logWriteErrors, m.overload,
		m.callers.calls,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewBuildInfoCollector(),
	)
	m.reg.MustRegister(m.bundle.collectors()...)
	m.reg.MustRegister(buildInfo())
	return m
}

// buildInfo is sendgate_build_info: always 1, labelled with the module
// version, the revision and the Go version the binary was built from.
func buildInfo() prometheus.Collector {
	bi := buildinfo.Read()
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "sendgate_build_info",
		Help: "Always 1; the labels name the sendgate version, VCS revision and Go version of the binary.",
		ConstLabels: prometheus.Labels{
			"version": bi.Version, "revision": bi.Revision, "goversion": bi.GoVersion,
		},
	})
	g.Set(1)
	return g
}

// Registry returns the registry, for registering further collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// ObserveDecision counts one decision and records how long it took.
func (m *Metrics) ObserveDecision(allowed bool, took time.Duration) {
	if allowed {
		m.allow.Inc()
	} else {
		m.deny.Inc()
	}
	m.duration.Observe(took.Seconds())
}

// ObserveReason counts one reason or advice code reported in a decision.
func (m *Metrics) ObserveReason(code string) {
	if c, ok := m.reasonCache.Load(code); ok {
		c.(prometheus.Counter).Inc()
		return
	}
	m.reasonCounter(code).Inc()
}

// PreRegisterReasons creates the counters for known codes so they are
// exported as 0 before their first use.
func (m *Metrics) PreRegisterReasons(codes ...string) {
	for _, c := range codes {
		m.reasonCounter(c)
	}
}

// reasonCounter returns the cached counter for code, creating it unless
// the cap on distinct codes has been reached.
func (m *Metrics) reasonCounter(code string) prometheus.Counter {
	if c, ok := m.reasonCache.Load(code); ok {
		return c.(prometheus.Counter)
	}
	label := code
	if m.reasonCount.Load() >= maxReasonCodes {
		label = otherCode
	}
	c, loaded := m.reasonCache.LoadOrStore(code, m.reasons.WithLabelValues(label))
	if !loaded && label != otherCode {
		m.reasonCount.Add(1)
	}
	return c.(prometheus.Counter)
}

// ObserveUndecided counts a request or batch item refused without a decision.
func (m *Metrics) ObserveUndecided() { m.undecided.Inc() }

// DecisionLogDropped counts one dropped decision-log entry; pass it as the
// decision log's OnDrop hook.
func (m *Metrics) DecisionLogDropped() { m.logDropped.Inc() }

// DecisionLogWriteFailed counts one batch of decision-log lines that could
// not be written; pass it as the decision log's OnWriteError.
func (m *Metrics) DecisionLogWriteFailed() { m.logWriteErrors.Inc() }
