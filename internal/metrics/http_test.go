package metrics

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sendgate/sendgate/internal/decisionlog"
	"github.com/sendgate/sendgate/internal/metrics/metricstest"
)

func TestProbesFollowReadiness(t *testing.T) {
	var ready, dead atomic.Bool
	m := New()
	h := m.Handler(func() error {
		if dead.Load() {
			return errors.New("out of file descriptors")
		}
		return nil
	}, func() error {
		if !ready.Load() {
			return errors.New("no active bundle")
		}
		return nil
	})
	get := func(path string) int {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec.Code
	}
	if c := get("/healthz"); c != http.StatusOK {
		t.Errorf("/healthz = %d while not ready, want 200", c)
	}
	if c := get("/readyz"); c != http.StatusServiceUnavailable {
		t.Errorf("/readyz = %d while not ready, want 503", c)
	}
	ready.Store(true)
	if c := get("/readyz"); c != http.StatusOK {
		t.Errorf("/readyz = %d when ready, want 200", c)
	}
	if c := get("/healthz"); c != http.StatusOK {
		t.Errorf("/healthz = %d when ready, want 200", c)
	}
	dead.Store(true)
	if c := get("/healthz"); c != http.StatusServiceUnavailable {
		t.Errorf("/healthz = %d when the process cannot accept, want 503", c)
	}
	if c := get("/nope"); c != http.StatusNotFound {
		t.Errorf("/nope = %d, want 404", c)
	}
}

func TestDecisionLogDropsCounted(t *testing.T) {
	m := New()
	block := make(chan struct{})
	l, err := decisionlog.New(decisionlog.Config{
		Sink:         blockedWriter(block),
		QueueSize:    1,
		RecipientKey: []byte("0123456789abcdef"),
		OnDrop:       m.DecisionLogDropped,
	})
	if err != nil {
		t.Fatal(err)
	}
	for range 100 {
		l.Log(decisionlog.Entry{DecisionID: "d", Decision: decisionlog.DecisionDeny})
	}
	s := metricstest.ScrapeHandler(t, m.Handler(nil, nil))
	if got, want := s.Value("sendgate_decision_log_dropped_total"), float64(l.Dropped()); got != want || got == 0 {
		t.Errorf("dropped metric = %v, logger Dropped() = %v", got, want)
	}
	close(block)
	if err := l.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

type blockedWriter chan struct{}

func (b blockedWriter) Write(p []byte) (int, error) { <-b; return len(p), nil }

func TestNewServerServesOverTCP(t *testing.T) {
	m := New()
	m.ObserveDecision(false, time.Microsecond)
	srv := m.NewServer("127.0.0.1:0", nil, nil)
	lis, err := net.Listen("tcp", srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(lis) }()
	defer srv.Shutdown(context.Background())

	base := "http://" + lis.Addr().String()
	if v := metricstest.ScrapeURL(t, base+"/metrics").Value("sendgate_decisions_total", "decision", "deny"); v != 1 {
		t.Errorf("deny = %v over HTTP, want 1", v)
	}
	resp, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/readyz with no readiness func = %d, want 200", resp.StatusCode)
	}
}
