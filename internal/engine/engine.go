package engine

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/sendgate/sendgate/internal/engine/opafast"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// Engine decides requests against the active policy set, which may be
// swapped at any time; a decision in flight finishes on the set it started
// with. It owns how decisions run: at most one per processor at once, on
// the caller's goroutine, with a bounded queue and a deadline per decision.
type Engine struct {
	active  atomic.Pointer[PolicySet]
	now     func() time.Time
	pool    *opafast.Pool
	timeout time.Duration
	ledger  LedgerOptions
}

// Options tune an engine; the zero value is the defaults.
type Options struct {
	// Workers bounds the decisions evaluated at once, Check and batch items
	// alike; zero means GOMAXPROCS.
	Workers int
	// MaxQueue bounds the calls waiting for a worker; past it a call gets
	// ErrOverloaded at once. Zero means opafast.QueuePerWorker per worker.
	MaxQueue int
	// DecisionTimeout bounds one decision's evaluation, enforced inside OPA;
	// a bundle's manifest may set its own (see PolicySet.DecisionTimeout).
	// Zero means no bound but the caller's deadline.
	DecisionTimeout time.Duration
	// Now stands in for an unset send_time; time.Now when nil.
	Now func() time.Time
	// Ledger, when it has a reader, is read for every decision (see ledger.go).
	Ledger LedgerOptions
}

// New returns an engine with no active policy set.
func New(o Options) *Engine {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Engine{
		now:     o.Now,
		pool:    opafast.NewPool(opafast.PoolOptions{Workers: o.Workers, MaxQueue: o.MaxQueue}),
		timeout: o.DecisionTimeout,
		ledger:  o.Ledger,
	}
}

// Activate makes p the policy set for every decision that starts from now on.
func (e *Engine) Activate(p *PolicySet) { e.active.Store(p) }

// Active returns the active policy set, or nil before the first activation.
func (e *Engine) Active() *PolicySet { return e.active.Load() }

// Load is how many decisions are evaluated or waiting now, and how many
// can be evaluated at once.
func (e *Engine) Load() (busy, workers int) { return e.pool.Busy(), e.pool.Workers() }

// Capacity is how many decisions the engine takes at once: those its
// workers evaluate and those its queue holds.
func (e *Engine) Capacity() int { return e.pool.Workers() + e.pool.MaxQueue() }

// Saturated reports whether a decision asked for now would be refused with
// ErrOverloaded: the queue is full.
func (e *Engine) Saturated() bool { return e.pool.Full() }

// CacheStats describes the active policy set's message cache.
func (e *Engine) CacheStats() CacheStats {
	if p := e.active.Load(); p != nil {
		return p.CacheStats()
	}
	return CacheStats{}
}

// ErrOverloaded is returned when more decisions wait than the engine's
// queue holds: the caller should retry shortly, elsewhere or later.
var ErrOverloaded = opafast.ErrOverloaded

// ErrDecisionTimeout is returned when a decision's evaluation ran past the
// decision timeout: the policy is too expensive for this request.
var ErrDecisionTimeout = errors.New("the policy took longer than the decision timeout")

// Decide evaluates req against the active policy set. The request must
// already be valid; an evaluation that fails or yields no decision is an
// error, never an allow.
func (e *Engine) Decide(ctx context.Context, req *sendgatev1.CheckRequest) (*sendgatev1.CheckResponse, error) {
	p := e.active.Load()
	if p == nil {
		return nil, ErrNoPolicy
	}
	lt, err := e.ledgerTerms(ctx, req)
	if err != nil {
		return nil, err
	}
	var resp *sendgatev1.CheckResponse
	if perr := e.pool.Do(ctx, func() { resp, err = e.decide(ctx, p, req, at(lt, 0), false) }); perr != nil {
		return nil, perr
	}
	return resp, err
}

// BatchResult is the outcome of one request of a batch: a response or an
// error, as Decide returns them.
type BatchResult struct {
	Response *sendgatev1.CheckResponse
	Err      error
	// Took is how long the decision took once it had started.
	Took time.Duration
}

// DecideBatch decides each request of reqs, all against the policy set
// active when it starts, spread over the engine's workers. A request that
// cannot be decided gets its own error. It fails as a whole only when no
// policy set is active, the engine is overloaded, or ctx ends (the requests
// not yet started are then left undecided).
func (e *Engine) DecideBatch(ctx context.Context, reqs []*sendgatev1.CheckRequest) ([]BatchResult, error) {
	p := e.active.Load()
	if p == nil {
		return nil, ErrNoPolicy
	}
	lt, err := e.ledgerTerms(ctx, reqs...)
	if err != nil {
		return nil, err
	}
	out := make([]BatchResult, len(reqs))
	err = e.pool.Each(ctx, len(reqs), func(i int) {
		start := time.Now()
		out[i].Response, out[i].Err = e.decide(ctx, p, reqs[i], at(lt, i), true)
		out[i].Took = time.Since(start)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// decide runs one decision in one of the pool's places, within the
// decision timeout; ledger is its input.ledger, or nil.
func (e *Engine) decide(ctx context.Context, p *PolicySet, req *sendgatev1.CheckRequest, ledger *ast.Term, batch bool) (*sendgatev1.CheckResponse, error) {
	timeout := e.timeout
	if t := p.DecisionTimeout(); t > 0 {
		timeout = t
	}
	if timeout <= 0 {
		return p.decide(ctx, req, e.now(), ledger, batch)
	}
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	resp, err := p.decide(dctx, req, e.now(), ledger, batch)
	if err != nil && ctx.Err() == nil && dctx.Err() != nil {
		return nil, fmt.Errorf("%w (%s): %w", ErrDecisionTimeout, timeout, err)
	}
	return resp, err
}

// Decide evaluates req against this policy set on the calling goroutine;
// now stands in for an unset send_time.
func (p *PolicySet) Decide(ctx context.Context, req *sendgatev1.CheckRequest, now time.Time) (*sendgatev1.CheckResponse, error) {
	return p.decide(ctx, req, now, nil, false)
}

// decide decides req with the ledger's term, if any; batch says the request
// is one of a batch, whose messages are cached the first time they are seen.
func (p *PolicySet) decide(ctx context.Context, req *sendgatev1.CheckRequest, now time.Time, ledger *ast.Term, batch bool) (*sendgatev1.CheckResponse, error) {
	var resp *sendgatev1.CheckResponse
	var err error
	input := withLedger(p.Input(req, now), ledger)
	if p.split != nil {
		resp, err = p.split.decide(ctx, p.query, input, batch)
	} else {
		err = p.query.Eval(ctx, input, func(v ast.Value) error {
			resp, err = responseFrom(v)
			return err
		})
	}
	if errors.Is(err, opafast.ErrNoResult) {
		return nil, fmt.Errorf("%w: %w", ErrUndecided, err)
	}
	if err != nil {
		return nil, fmt.Errorf("evaluate %s: %w", DecisionQuery, err)
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
