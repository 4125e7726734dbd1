// Package observe tells the decision log and the metrics of every decision
// the server makes.
package observe

import (
	"context"
	"time"

	"github.com/sendgate/sendgate/internal/decisionlog"
	"github.com/sendgate/sendgate/internal/metrics"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// Decisions observes decisions for a decision log and a metric set; it
// matches the server's DecisionObserver.
type Decisions struct {
	log     decisionlog.Recorder
	metrics *metrics.Metrics
	now     func() time.Time
}

// New returns an observer feeding log and m; a nil log logs nothing and a
// nil m counts nothing.
func New(log decisionlog.Recorder, m *metrics.Metrics) *Decisions {
	if log == nil {
		log = decisionlog.Nop{}
	}
	return &Decisions{log: log, metrics: m, now: time.Now}
}

// ObserveDecision counts the decision, its reasons and its latency, and
// queues its log entry; it never blocks.
func (d *Decisions) ObserveDecision(_ context.Context, req *sendgatev1.CheckRequest, resp *sendgatev1.CheckResponse, took time.Duration) {
	if m := d.metrics; m != nil {
		m.ObserveDecision(resp.GetDecision() == sendgatev1.Decision_DECISION_ALLOW, took)
		for _, r := range resp.GetReasons() {
			m.ObserveReason(r.GetCode())
		}
		for _, r := range resp.GetAdvice() {
			m.ObserveReason(r.GetCode())
		}
	}
	d.log.Log(Entry(req, resp, took, d.now()))
}

// ObserveUndecided counts a request or batch item refused without a decision.
func (d *Decisions) ObserveUndecided() {
	if d.metrics != nil {
		d.metrics.ObserveUndecided()
	}
}

// ObserveOverload counts a call refused because the engine was full.
func (d *Decisions) ObserveOverload() {
	if d.metrics != nil {
		d.metrics.RefusedOverload()
	}
}

// Entry builds the decision-log entry for a decision made at the given
// time. It copies what the log may hold and nothing else: never the
// message text nor a reason's message.
func Entry(req *sendgatev1.CheckRequest, resp *sendgatev1.CheckResponse, took time.Duration, at time.Time) decisionlog.Entry {
	return decisionlog.Entry{
		DecisionID:     resp.GetDecisionId(),
		Time:           at,
		RequestID:      req.GetRequestId(),
		BusinessID:     req.GetBusiness().GetId(),
		RecipientPhone: req.GetRecipient().GetPhone(),
		Category:       req.GetMessage().GetCategory().String(),
		Type:           req.GetMessage().GetType().String(),
		Decision:       resp.GetDecision().String(),
		Reasons:        reasons(resp.GetReasons()),
		Advice:         reasons(resp.GetAdvice()),
		BundleRevision: resp.GetBundleRevision(),
		EvalDuration:   took,
	}
}

func reasons(rs []*sendgatev1.Reason) []decisionlog.Reason {
	if len(rs) == 0 {
		return nil
	}
	out := make([]decisionlog.Reason, len(rs))
	for i, r := range rs {
		out[i] = decisionlog.Reason{Code: r.GetCode(), Policy: r.GetPolicy(), Evidence: r.GetEvidence()}
	}
	return out
}
