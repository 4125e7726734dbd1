package engine

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/metrics"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/topdown"

	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// Engine decides requests against the active policy set, which may be
// swapped at any time; a decision in flight finishes on the set it started with.
type Engine struct {
	active atomic.Pointer[PolicySet]
	now    func() time.Time
}

// New returns an engine with no active policy set.
func New() *Engine { return &Engine{now: time.Now} }

// Activate makes p the policy set for every decision that starts from now on.
func (e *Engine) Activate(p *PolicySet) { e.active.Store(p) }

// Active returns the active policy set, or nil before the first activation.
func (e *Engine) Active() *PolicySet { return e.active.Load() }

// noMetrics keeps OPA from allocating a metrics map per evaluation.
var noMetrics = metrics.NoOp()

// Decide evaluates req against the active policy set. The request must
// already be valid; an evaluation that fails or yields no decision is an
// error, never an allow.
func (e *Engine) Decide(ctx context.Context, req *sendgatev1.CheckRequest) (*sendgatev1.CheckResponse, error) {
	p := e.active.Load()
	if p == nil {
		return nil, ErrNoPolicy
	}
	return p.Decide(ctx, req, e.now())
}

// Decide evaluates req against this policy set; now stands in for an
// unset send_time.
func (p *PolicySet) Decide(ctx context.Context, req *sendgatev1.CheckRequest, now time.Time) (*sendgatev1.CheckResponse, error) {
	// Cancellation without a goroutine per evaluation: the cancel fires only
	// if ctx ends while the query runs.
	cancel := topdown.NewCancel()
	stop := context.AfterFunc(ctx, cancel.Cancel)
	defer stop()

	// The caches go back to the pool only after the result, which they may
	// hold, has been read into the response.
	caches := acquireCaches()
	defer caches.release()

	rs, err := p.query.Eval(ctx,
		rego.EvalParsedInput(p.Input(req, now)),
		rego.EvalExternalCancel(cancel),
		rego.EvalMetrics(noMetrics),
		rego.EvalVirtualCache(&caches.virtual),
		rego.EvalBaseCache(&caches.base),
	)
	if err != nil {
		return nil, fmt.Errorf("evaluate %s: %w", DecisionQuery, err)
	}
	if len(rs) != 1 || len(rs[0].Expressions) != 1 {
		return nil, ErrUndecided
	}
	v, ok := rs[0].Expressions[0].Value.(ast.Value)
	if !ok {
		return nil, ErrUndecided
	}
	resp, err := responseFrom(v)
	if err != nil {
		return nil, err
	}
	resp.DecisionId = newDecisionID()
	resp.BundleRevision = p.revision
	resp.RequestId = req.GetRequestId()
	return resp, nil
}

// newDecisionID returns a time-ordered UUID, so ids sort by when they were made.
func newDecisionID() string {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.NewString()
	}
	return id.String()
}
