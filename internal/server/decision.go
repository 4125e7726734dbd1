package server

import (
	"context"
	"errors"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sendgate/sendgate/internal/engine"
	"github.com/sendgate/sendgate/internal/validate"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// DecisionObserver is told of every decision, after it is made.
type DecisionObserver interface {
	ObserveDecision(ctx context.Context, req *sendgatev1.CheckRequest, resp *sendgatev1.CheckResponse, took time.Duration)
}

// UndecidedObserver is told of each request, or batch item, that got an
// error instead of a decision. A DecisionObserver may also implement it.
type UndecidedObserver interface {
	ObserveUndecided()
}

// DecisionService answers Check and CheckBatch.
type DecisionService struct {
	sendgatev1.UnimplementedDecisionServiceServer
	engine    *engine.Engine
	observer  DecisionObserver
	undecided UndecidedObserver
	log       *slog.Logger
	// slots holds one token per decision being evaluated. A decision is
	// pure CPU work, so evaluating more of them at once than there are
	// processors only interleaves them: each takes longer, and more of their
	// grown stacks (see engine.GrowStack) and garbage are alive at once.
	// Past the limit a call waits its turn instead.
	slots chan struct{}
}

var _ sendgatev1.DecisionServiceServer = (*DecisionService)(nil)

// NewDecisionService returns the service deciding with e; observer may be
// nil. It evaluates at most GOMAXPROCS decisions at once.
func NewDecisionService(e *engine.Engine, observer DecisionObserver, log *slog.Logger) *DecisionService {
	s := &DecisionService{engine: e, observer: observer, log: log}
	s.undecided, _ = observer.(UndecidedObserver)
	s.SetMaxConcurrent(0)
	return s
}

// SetMaxConcurrent bounds the decisions evaluated at once; n <= 0 means
// GOMAXPROCS.
func (s *DecisionService) SetMaxConcurrent(n int) {
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	s.slots = make(chan struct{}, n)
}

// acquire takes an evaluation slot, waiting for one until ctx ends.
func (s *DecisionService) acquire(ctx context.Context) error {
	select {
	case s.slots <- struct{}{}:
		return nil
	default:
	}
	select {
	case s.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *DecisionService) release() { <-s.slots }

// Check decides one message.
func (s *DecisionService) Check(ctx context.Context, req *sendgatev1.CheckRequest) (*sendgatev1.CheckResponse, error) {
	resp, st := s.decide(ctx, req, true)
	if st != nil {
		return nil, st.Err()
	}
	return resp, nil
}

// CheckBatch decides up to validate.MaxBatch messages, answering in request
// order; an item that cannot be decided gets its own error status.
func (s *DecisionService) CheckBatch(ctx context.Context, req *sendgatev1.CheckBatchRequest) (*sendgatev1.CheckBatchResponse, error) {
	if v := validate.CheckBatch(req); v != nil {
		return nil, badRequest(v).Err()
	}
	if s.engine.Active() == nil {
		return nil, status.Error(codes.Unavailable, engine.ErrNoPolicy.Error())
	}
	items := req.GetRequests()
	results := make([]*sendgatev1.CheckBatchResult, len(items))
	workers := min(runtime.GOMAXPROCS(0), len(items))
	var next int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			engine.GrowStack()
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= len(items) {
					return
				}
				results[i] = s.decideItem(ctx, items[i])
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, status.FromContextError(err).Err()
	}
	return &sendgatev1.CheckBatchResponse{Results: results}, nil
}

func (s *DecisionService) decideItem(ctx context.Context, req *sendgatev1.CheckRequest) *sendgatev1.CheckBatchResult {
	resp, st := s.decide(ctx, req, false)
	if st != nil {
		return &sendgatev1.CheckBatchResult{Result: &sendgatev1.CheckBatchResult_Error{Error: st.Proto()}}
	}
	return &sendgatev1.CheckBatchResult{Result: &sendgatev1.CheckBatchResult_Response{Response: resp}}
}

// decide validates and decides one request; a non-nil status means it was
// not decided. growStack grows the goroutine's stack for the evaluation,
// once it has a slot: a Check may run on a goroutine gRPC has just started
// (on a stream worker whose stack has grown already it costs about a
// microsecond), while a batch worker grows its stack once for all its items.
func (s *DecisionService) decide(ctx context.Context, req *sendgatev1.CheckRequest, growStack bool) (*sendgatev1.CheckResponse, *status.Status) {
	if v := validate.CheckRequest(req); v != nil {
		s.observeUndecided()
		return nil, badRequest(v)
	}
	if err := s.acquire(ctx); err != nil {
		s.observeUndecided()
		return nil, status.FromContextError(err)
	}
	resp, took, err := s.evaluate(ctx, req, growStack)
	if err != nil {
		s.observeUndecided()
		return nil, s.statusOf(ctx, req, err)
	}
	if s.observer != nil {
		s.observer.ObserveDecision(ctx, req, resp, took)
	}
	return resp, nil
}

// evaluate decides req in the slot the caller acquired and frees the slot
// even if the evaluation panics, which the recovery interceptor turns into
// INTERNAL while the server carries on.
func (s *DecisionService) evaluate(ctx context.Context, req *sendgatev1.CheckRequest, growStack bool) (*sendgatev1.CheckResponse, time.Duration, error) {
	defer s.release()
	if growStack {
		engine.GrowStack()
	}
	start := time.Now()
	resp, err := s.engine.Decide(ctx, req)
	return resp, time.Since(start), err
}

func (s *DecisionService) observeUndecided() {
	if s.undecided != nil {
		s.undecided.ObserveUndecided()
	}
}

// statusOf turns an engine error into a status; internal details go to
// the log, not to the caller.
func (s *DecisionService) statusOf(ctx context.Context, req *sendgatev1.CheckRequest, err error) *status.Status {
	switch {
	case errors.Is(err, engine.ErrNoPolicy):
		return status.New(codes.Unavailable, "no policy bundle is active yet; do not send")
	case ctx.Err() != nil:
		return status.FromContextError(ctx.Err())
	}
	s.log.ErrorContext(ctx, "decision failed", "request_id", req.GetRequestId(), "error", err)
	return status.New(codes.Internal, "the policy could not decide this request; do not send")
}

// badRequest is INVALID_ARGUMENT with a google.rpc.BadRequest naming each field.
func badRequest(vs []validate.Violation) *status.Status {
	br := &errdetails.BadRequest{FieldViolations: make([]*errdetails.BadRequest_FieldViolation, len(vs))}
	for i, v := range vs {
		br.FieldViolations[i] = &errdetails.BadRequest_FieldViolation{Field: v.Field, Description: v.Description}
	}
	msg := "invalid request: " + vs[0].Field + " " + vs[0].Description
	if len(vs) > 1 {
		msg += " (and more, see details)"
	}
	st, err := status.New(codes.InvalidArgument, msg).WithDetails(br)
	if err != nil {
		return status.New(codes.InvalidArgument, msg)
	}
	return st
}
