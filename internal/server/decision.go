package server

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/tap"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/sendgate/sendgate/internal/engine"
	"github.com/sendgate/sendgate/internal/validate"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// DecisionObserver is told of every decision, after it is made.
type DecisionObserver interface {
	ObserveDecision(ctx context.Context, req *sendgatev1.CheckRequest, resp *sendgatev1.CheckResponse, took time.Duration)
}

// OverloadObserver is told of each call refused because the engine's
// queue was full. A DecisionObserver may also implement it.
type OverloadObserver interface {
	ObserveOverload()
}

// UndecidedObserver is told of each request, or batch item, that got an
// error instead of a decision. A DecisionObserver may also implement it.
type UndecidedObserver interface {
	ObserveUndecided()
}

// DecisionService answers Check and CheckBatch. It validates, asks the
// engine, tells the observer, and turns errors into status codes; how and
// where decisions run is the engine's business.
type DecisionService struct {
	sendgatev1.UnimplementedDecisionServiceServer
	engine    *engine.Engine
	observer  DecisionObserver
	undecided UndecidedObserver
	overload  OverloadObserver
	log       *slog.Logger
	// admitted counts the calls Tap let in that have not ended.
	admitted atomic.Int64
}

var _ sendgatev1.DecisionServiceServer = (*DecisionService)(nil)

// NewDecisionService returns the service deciding with e; observer may be
// nil.
func NewDecisionService(e *engine.Engine, observer DecisionObserver, log *slog.Logger) *DecisionService {
	s := &DecisionService{engine: e, observer: observer, log: log}
	s.undecided, _ = observer.(UndecidedObserver)
	s.overload, _ = observer.(OverloadObserver)
	return s
}

// Tap admits Checks and CheckBatches at the door (grpc.InTapHandle), on
// their headers, before gRPC starts a handler and reads the request: no
// more calls are let in than the engine takes at once (its workers and
// its queue); the rest are refused with RESOURCE_EXHAUSTED at once. Under
// overload, refusals then cost the transport as little as they can, and
// the admitted calls do not wait for the processor behind hundreds of
// handlers that will be refused anyway. A call is let out when its stream
// ends, whatever its outcome: gRPC cancels the context it hands the tap
// then. Other methods pass.
func (s *DecisionService) Tap(ctx context.Context, info *tap.Info) (context.Context, error) {
	switch info.FullMethodName {
	case sendgatev1.DecisionService_Check_FullMethodName, sendgatev1.DecisionService_CheckBatch_FullMethodName:
		if s.admitted.Add(1) > int64(s.engine.Capacity()) {
			s.admitted.Add(-1)
			return ctx, s.statusOf(ctx, nil, engine.ErrOverloaded).Err()
		}
		context.AfterFunc(ctx, s.letOut)
	}
	return ctx, nil
}

func (s *DecisionService) letOut() { s.admitted.Add(-1) }

// Check decides one message.
func (s *DecisionService) Check(ctx context.Context, req *sendgatev1.CheckRequest) (*sendgatev1.CheckResponse, error) {
	if v := validate.CheckRequest(req); v != nil {
		s.observeUndecided()
		return nil, badRequest(v).Err()
	}
	start := time.Now()
	resp, err := s.engine.Decide(ctx, req)
	if err != nil {
		s.observeUndecided()
		return nil, s.statusOf(ctx, req, err).Err()
	}
	s.observe(ctx, req, resp, time.Since(start))
	return resp, nil
}

// CheckBatch decides up to validate.MaxBatch messages, answering in request
// order; an item that cannot be decided gets its own error status.
func (s *DecisionService) CheckBatch(ctx context.Context, req *sendgatev1.CheckBatchRequest) (*sendgatev1.CheckBatchResponse, error) {
	if v := validate.CheckBatch(req); v != nil {
		return nil, badRequest(v).Err()
	}
	items := req.GetRequests()
	results := make([]*sendgatev1.CheckBatchResult, len(items))
	// Invalid items are answered here; the valid ones go to the engine.
	valid := make([]*sendgatev1.CheckRequest, 0, len(items))
	at := make([]int, 0, len(items))
	for i, item := range items {
		if v := validate.CheckRequest(item); v != nil {
			s.observeUndecided()
			results[i] = batchError(badRequest(v))
			continue
		}
		valid = append(valid, item)
		at = append(at, i)
	}
	decided, err := s.engine.DecideBatch(ctx, valid)
	if err != nil {
		return nil, s.statusOf(ctx, nil, err).Err()
	}
	for k, r := range decided {
		i := at[k]
		if r.Err != nil {
			s.observeUndecided()
			results[i] = batchError(s.statusOf(ctx, valid[k], r.Err))
			continue
		}
		s.observe(ctx, valid[k], r.Response, r.Took)
		results[i] = &sendgatev1.CheckBatchResult{Result: &sendgatev1.CheckBatchResult_Response{Response: r.Response}}
	}
	return &sendgatev1.CheckBatchResponse{Results: results}, nil
}

func batchError(st *status.Status) *sendgatev1.CheckBatchResult {
	return &sendgatev1.CheckBatchResult{Result: &sendgatev1.CheckBatchResult_Error{Error: st.Proto()}}
}

func (s *DecisionService) observe(ctx context.Context, req *sendgatev1.CheckRequest, resp *sendgatev1.CheckResponse, took time.Duration) {
	if s.observer != nil {
		s.observer.ObserveDecision(ctx, req, resp, took)
	}
}

func (s *DecisionService) observeUndecided() {
	if s.undecided != nil {
		s.undecided.ObserveUndecided()
	}
}

// retryAfterOverload is what an overloaded engine tells callers to wait.
const retryAfterOverload = 50 * time.Millisecond

// statusOf turns an engine error into a status; internal details go to
// the log, not to the caller. req is nil for errors of a whole batch.
func (s *DecisionService) statusOf(ctx context.Context, req *sendgatev1.CheckRequest, err error) *status.Status {
	switch {
	case errors.Is(err, engine.ErrNoPolicy):
		return status.New(codes.Unavailable, "no policy bundle is active yet; do not send")
	case errors.Is(err, engine.ErrOverloaded):
		if s.overload != nil {
			s.overload.ObserveOverload()
		}
		st := status.New(codes.ResourceExhausted, "sendgate is at capacity; retry shortly and do not send meanwhile")
		if d, derr := st.WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(retryAfterOverload)}); derr == nil {
			return d
		}
		return st
	case ctx.Err() != nil:
		return status.FromContextError(ctx.Err())
	case errors.Is(err, engine.ErrLedgerUnavailable):
		s.log.ErrorContext(ctx, "decision refused: the consent ledger cannot be read", "error", err)
		return status.New(codes.Unavailable, "the consent ledger cannot be read, so the recipient's opt-outs are unknown; do not send")
	case errors.Is(err, engine.ErrDecisionTimeout):
		s.log.ErrorContext(ctx, "decision timed out", "request_id", req.GetRequestId(), "error", err)
		return status.New(codes.DeadlineExceeded, "the policy took longer than the decision timeout; do not send")
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
