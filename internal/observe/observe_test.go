package observe

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/sendgate/sendgate/internal/decisionlog"
	"github.com/sendgate/sendgate/internal/leakcheck"
	"github.com/sendgate/sendgate/internal/metrics"
	"github.com/sendgate/sendgate/internal/metrics/metricstest"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
	"github.com/sendgate/sendgate/server"
)

var _ server.DecisionObserver = (*Decisions)(nil)

const (
	phone = "+31612345678"
	card  = "4111 1111 1111 1111"
	text  = "Your order ships today. Reply with your card " + card + " to confirm."
)

func request() *sendgatev1.CheckRequest {
	return &sendgatev1.CheckRequest{
		RequestId: "req-7",
		Business:  &sendgatev1.Business{Id: "acme", DisplayName: "Acme"},
		Recipient: &sendgatev1.Recipient{Phone: phone},
		Message: &sendgatev1.Message{
			Category: sendgatev1.Category_CATEGORY_UTILITY,
			Type:     sendgatev1.MessageType_MESSAGE_TYPE_TEXT,
			Text:     text,
		},
	}
}

func denial() *sendgatev1.CheckResponse {
	return &sendgatev1.CheckResponse{
		Decision: sendgatev1.Decision_DECISION_DENY,
		Reasons: []*sendgatev1.Reason{{
			Code:     "identifier.disclosed.payment_card",
			Message:  "The text contains a card number: " + text,
			Policy:   "sendgate.identifiers",
			Evidence: "your card " + card, // unmasked on purpose: the log must mask it
		}},
		Advice:         []*sendgatev1.Reason{{Code: "advice.opt_out_instructions", Message: "say how to opt out"}},
		DecisionId:     "dec-1",
		BundleRevision: "rev-9",
		RequestId:      "req-7",
	}
}

func TestObserveDecisionLogsAndCounts(t *testing.T) {
	var buf bytes.Buffer
	rec, err := decisionlog.New(decisionlog.Config{Sink: &buf, RecipientKey: []byte("0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	m := metrics.New()
	h := m.Handler(nil, nil)
	before := metricstest.ScrapeHandler(t, h)

	o := New(rec, m)
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	o.now = func() time.Time { return at }
	o.ObserveDecision(context.Background(), request(), denial(), 42*time.Microsecond)
	allow := &sendgatev1.CheckResponse{Decision: sendgatev1.Decision_DECISION_ALLOW, DecisionId: "dec-2"}
	o.ObserveDecision(context.Background(), request(), allow, 10*time.Microsecond)
	o.ObserveUndecided()
	if err := rec.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	after := metricstest.ScrapeHandler(t, h)

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d log lines, want 2", len(lines))
	}
	var got decisionlog.Record
	if err := json.Unmarshal([]byte(lines[0]), &got); err != nil {
		t.Fatal(err)
	}
	want := decisionlog.Record{
		DecisionID: "dec-1", Timestamp: "2025-01-02T03:04:05Z", RequestID: "req-7", BusinessID: "acme",
		Recipient: got.Recipient, Category: "CATEGORY_UTILITY", Type: "MESSAGE_TYPE_TEXT", Decision: "DECISION_DENY",
		Reasons:        []decisionlog.Reason{{Code: "identifier.disclosed.payment_card", Policy: "sendgate.identifiers", Evidence: "your card **** **** **** 1111"}},
		Advice:         []decisionlog.Reason{{Code: "advice.opt_out_instructions"}},
		BundleRevision: "rev-9", EvalMicros: 42,
	}
	if len(got.Recipient) != 64 {
		t.Errorf("recipient %q is not an HMAC", got.Recipient)
	}
	if g, w := mustJSON(t, got), mustJSON(t, want); g != w {
		t.Errorf("entry\n got %s\nwant %s", g, w)
	}

	logAndMetrics := buf.String() + after.Raw
	leakcheck.AssertNoLeak(t, logAndMetrics, []string{phone, card, text, "Your order ships today"})

	for _, c := range []struct {
		name   string
		labels []string
		delta  float64
	}{
		{"sendgate_decisions_total", []string{"decision", "deny"}, 1},
		{"sendgate_decisions_total", []string{"decision", "allow"}, 1},
		{"sendgate_reasons_total", []string{"code", "identifier.disclosed.payment_card"}, 1},
		{"sendgate_reasons_total", []string{"code", "advice.opt_out_instructions"}, 1},
		{"sendgate_decision_errors_total", nil, 1},
	} {
		if d := after.Value(c.name, c.labels...) - before.Value(c.name, c.labels...); d != c.delta {
			t.Errorf("%s%v moved by %v, want %v", c.name, c.labels, d, c.delta)
		}
	}
	if d := after.HistogramCount("sendgate_decision_duration_seconds") - before.HistogramCount("sendgate_decision_duration_seconds"); d != 2 {
		t.Errorf("duration count moved by %d, want 2", d)
	}
}

func TestNilSinksAreInert(t *testing.T) {
	New(nil, nil).ObserveDecision(context.Background(), request(), denial(), time.Microsecond)
	New(nil, nil).ObserveUndecided()
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
