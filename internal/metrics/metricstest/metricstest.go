// Package metricstest scrapes a Prometheus endpoint in tests and reads
// counter, gauge and histogram values from the result.
package metricstest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Snapshot is one parsed scrape.
type Snapshot struct {
	// Families are the metric families by name.
	Families map[string]*dto.MetricFamily
	// Raw is the exposition text as served.
	Raw string
}

// ScrapeHandler fetches /metrics from h in the text format and parses it.
func ScrapeHandler(t testing.TB, h http.Handler) Snapshot {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics: status %d: %s", rec.Code, rec.Body.String())
	}
	return parse(t, rec.Body.String())
}

// ScrapeURL fetches url (e.g. "http://127.0.0.1:9464/metrics") and parses it.
func ScrapeURL(t testing.TB, url string) Snapshot {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d: %v", url, resp.StatusCode, err)
	}
	return parse(t, string(b))
}

func parse(t testing.TB, text string) Snapshot {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatalf("parse metrics: %v", err)
	}
	return Snapshot{Families: fams, Raw: text}
}

// Value returns the counter, gauge or untyped value of the series of name
// whose labels include all of labels (given as name, value pairs), summed
// over the matching series; 0 when none match.
func (s Snapshot) Value(name string, labels ...string) float64 {
	var v float64
	for _, m := range s.series(name, labels) {
		switch {
		case m.Counter != nil:
			v += m.Counter.GetValue()
		case m.Gauge != nil:
			v += m.Gauge.GetValue()
		case m.Untyped != nil:
			v += m.Untyped.GetValue()
		}
	}
	return v
}

// Has reports whether a series of name with all of labels exists.
func (s Snapshot) Has(name string, labels ...string) bool { return len(s.series(name, labels)) > 0 }

// HistogramCount returns the sample count of the matching histogram series.
func (s Snapshot) HistogramCount(name string, labels ...string) uint64 {
	var n uint64
	for _, m := range s.series(name, labels) {
		n += m.GetHistogram().GetSampleCount()
	}
	return n
}

// HistogramBucket returns the cumulative count of the bucket with upper bound le.
func (s Snapshot) HistogramBucket(name string, le float64, labels ...string) uint64 {
	var n uint64
	for _, m := range s.series(name, labels) {
		for _, b := range m.GetHistogram().GetBucket() {
			if b.GetUpperBound() == le {
				n += b.GetCumulativeCount()
			}
		}
	}
	return n
}

func (s Snapshot) series(name string, labels []string) []*dto.Metric {
	f := s.Families[name]
	if f == nil {
		return nil
	}
	var out []*dto.Metric
	for _, m := range f.GetMetric() {
		if hasLabels(m, labels) {
			out = append(out, m)
		}
	}
	return out
}

func hasLabels(m *dto.Metric, pairs []string) bool {
	for i := 0; i+1 < len(pairs); i += 2 {
		found := false
		for _, l := range m.GetLabel() {
			if l.GetName() == pairs[i] && l.GetValue() == pairs[i+1] {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
