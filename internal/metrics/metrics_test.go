package metrics

import (
	"fmt"
	"testing"
	"time"

	"github.com/sendgate/sendgate/internal/buildinfo"
	"github.com/sendgate/sendgate/internal/metrics/metricstest"
)

func TestDecisionMetricsMoveByExactAmounts(t *testing.T) {
	m := New()
	h := m.Handler(nil, nil)
	m.ObserveDecision(true, time.Millisecond) // history before the first scrape
	before := metricstest.ScrapeHandler(t, h)

	durations := []time.Duration{3 * time.Microsecond, 20 * time.Microsecond, 900 * time.Microsecond, 100 * time.Millisecond}
	const allows, denies = 7, 5
	var observed []time.Duration
	for i := range allows {
		observed = append(observed, durations[i%len(durations)])
		m.ObserveDecision(true, observed[len(observed)-1])
	}
	for i := range denies {
		observed = append(observed, durations[i%len(durations)])
		m.ObserveDecision(false, observed[len(observed)-1])
		m.ObserveReason("consent.missing")
	}
	m.ObserveReason("window.closed")
	m.ObserveReason("window.closed")
	m.ObserveReason("advice.opt_out_instructions")
	m.ObserveUndecided()
	after := metricstest.ScrapeHandler(t, h)

	counters := []struct {
		name   string
		labels []string
		delta  float64
	}{
		{"sendgate_decisions_total", []string{"decision", "allow"}, allows},
		{"sendgate_decisions_total", []string{"decision", "deny"}, denies},
		{"sendgate_reasons_total", []string{"code", "consent.missing"}, denies},
		{"sendgate_reasons_total", []string{"code", "window.closed"}, 2},
		{"sendgate_reasons_total", []string{"code", "advice.opt_out_instructions"}, 1},
		{"sendgate_decision_errors_total", nil, 1},
	}
	for _, c := range counters {
		if d := after.Value(c.name, c.labels...) - before.Value(c.name, c.labels...); d != c.delta {
			t.Errorf("%s%v moved by %v, want %v", c.name, c.labels, d, c.delta)
		}
	}

	const hist = "sendgate_decision_duration_seconds"
	if d := after.HistogramCount(hist) - before.HistogramCount(hist); d != allows+denies {
		t.Errorf("%s count moved by %d, want %d", hist, d, allows+denies)
	}
	for _, le := range DecisionBuckets {
		var want uint64
		for _, d := range observed {
			if d.Seconds() <= le {
				want++
			}
		}
		if d := after.HistogramBucket(hist, le) - before.HistogramBucket(hist, le); d != want {
			t.Errorf("%s bucket le=%g moved by %d, want %d", hist, le, d, want)
		}
	}
}

func TestDecisionCountersExportedAtZero(t *testing.T) {
	m := New()
	m.PreRegisterReasons("consent.missing")
	s := metricstest.ScrapeHandler(t, m.Handler(nil, nil))
	for _, want := range [][]string{
		{"sendgate_decisions_total", "decision", "allow"},
		{"sendgate_decisions_total", "decision", "deny"},
		{"sendgate_reasons_total", "code", "consent.missing"},
		{"sendgate_bundle_activations_total", "result", "activated"},
		{"sendgate_bundle_activations_total", "result", "refused"},
		{"sendgate_decision_log_dropped_total"},
		{"sendgate_decision_duration_seconds"},
		{"go_goroutines"},
		{"process_cpu_seconds_total"},
	} {
		if !s.Has(want[0], want[1:]...) {
			t.Errorf("series %v missing", want)
		}
	}
}

func TestReasonCodesCapped(t *testing.T) {
	m := New()
	for i := range maxReasonCodes + 10 {
		m.ObserveReason(fmt.Sprintf("code.%d", i))
	}
	s := metricstest.ScrapeHandler(t, m.Handler(nil, nil))
	if n := len(s.Families["sendgate_reasons_total"].GetMetric()); n != maxReasonCodes+1 {
		t.Errorf("%d code series, want %d plus other", n, maxReasonCodes)
	}
	if v := s.Value("sendgate_reasons_total", "code", otherCode); v != 10 {
		t.Errorf("other = %v, want 10", v)
	}
}

func TestBundleMetrics(t *testing.T) {
	m := New()
	t1 := time.Unix(1_700_000_000, 0)
	t2 := t1.Add(90 * time.Second)
	m.BundleAttempt("activated")
	m.BundleActivated("rev-1", t1)
	m.BundleAttempt("refused")
	m.BundleAttempt("unchanged")
	m.BundleAttempt("unchanged")
	m.BundleAttempt("activated")
	m.BundleActivated("rev-2", t2)
	s := metricstest.ScrapeHandler(t, m.Handler(nil, nil))

	for result, want := range map[string]float64{"activated": 2, "refused": 1, "unchanged": 2, "fetch_failed": 0} {
		if v := s.Value("sendgate_bundle_activations_total", "result", result); v != want {
			t.Errorf("activations{result=%q} = %v, want %v", result, v, want)
		}
	}
	if s.Has("sendgate_bundle_active_revision", "revision", "rev-1") {
		t.Error("old revision still exported")
	}
	if v := s.Value("sendgate_bundle_active_revision", "revision", "rev-2"); v != 1 {
		t.Errorf("active revision rev-2 = %v, want 1", v)
	}
	if v := s.Value("sendgate_bundle_last_activation_timestamp_seconds"); v != float64(t2.Unix()) {
		t.Errorf("last activation = %v, want %v", v, t2.Unix())
	}
}

func BenchmarkObserveDecision(b *testing.B) {
	m := New()
	m.PreRegisterReasons("consent.missing")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.ObserveDecision(false, 40*time.Microsecond)
			m.ObserveReason("consent.missing")
		}
	})
}

func TestBuildInfoNamesTheBinary(t *testing.T) {
	bi := buildinfo.Read()
	s := metricstest.ScrapeHandler(t, New().Handler(nil, nil))
	if v := s.Value("sendgate_build_info", "version", bi.Version, "revision", bi.Revision, "goversion", bi.GoVersion); v != 1 {
		t.Fatalf("sendgate_build_info{version=%q,revision=%q,goversion=%q} = %v, want 1", bi.Version, bi.Revision, bi.GoVersion, v)
	}
}
