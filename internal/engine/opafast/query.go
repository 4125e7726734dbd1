package opafast

import (
	"context"
	"errors"
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/metrics"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// Query is a prepared query of one compiled bundle, shared by all
// goroutines.
type Query struct {
	pq    rego.PreparedEvalQuery
	plain bool
}

// Options choose how a query is prepared and evaluated.
type Options struct {
	// Plain evaluates with OPA's own caches and result conversion, none of
	// this package's shortcuts: the reference the shortcuts are tested
	// against.
	Plain bool
}

// Prepare prepares the query that opts (the bundle, the query, the
// built-ins) describe.
func Prepare(ctx context.Context, o Options, opts ...func(*rego.Rego)) (*Query, error) {
	if !o.Plain {
		opts = append(opts, rego.GenerateJSON(astResult))
	}
	pq, err := rego.New(opts...).PrepareForEval(ctx)
	if err != nil {
		return nil, err
	}
	return &Query{pq: pq, plain: o.Plain}, nil
}

// Plain reports whether q evaluates without the shortcuts.
func (q *Query) Plain() bool { return q.plain }

// ErrNoResult is returned when the query is undefined or has more than one
// result.
var ErrNoResult = errors.New("the query has no single result")

// noMetrics keeps OPA from allocating a metrics map per evaluation.
var noMetrics = metrics.NoOp()

// Eval evaluates the query against input and hands its one result to
// read, whose error it returns. It stops when ctx ends. The result may hold
// terms of the evaluation's caches, so read must not keep it: read it into
// values of its own.
func (q *Query) Eval(ctx context.Context, input ast.Value, read func(ast.Value) error) error {
	if q.plain {
		v, err := q.evalPlain(ctx, input)
		if err != nil {
			return err
		}
		return read(v)
	}
	// Cancellation without a goroutine per evaluation: the cancel fires only
	// if ctx ends while the query runs.
	cancel := topdown.NewCancel()
	stop := context.AfterFunc(ctx, cancel.Cancel)
	defer stop()

	// The caches go back to the pool only after the result, which they may
	// hold, has been read.
	caches := acquireCaches()
	defer caches.release()

	rs, err := q.pq.Eval(ctx,
		rego.EvalParsedInput(input),
		rego.EvalExternalCancel(cancel),
		rego.EvalMetrics(noMetrics),
		rego.EvalVirtualCache(&caches.virtual),
		rego.EvalBaseCache(&caches.base),
	)
	if err != nil {
		return err
	}
	if len(rs) != 1 || len(rs[0].Expressions) != 1 {
		return ErrNoResult
	}
	v, ok := rs[0].Expressions[0].Value.(ast.Value)
	if !ok {
		return fmt.Errorf("%w: result is %T", ErrNoResult, rs[0].Expressions[0].Value)
	}
	return read(v)
}

func (q *Query) evalPlain(ctx context.Context, input ast.Value) (ast.Value, error) {
	rs, err := q.pq.Eval(ctx, rego.EvalParsedInput(input))
	if err != nil {
		return nil, err
	}
	if len(rs) != 1 || len(rs[0].Expressions) != 1 {
		return nil, ErrNoResult
	}
	return ast.InterfaceToValue(rs[0].Expressions[0].Value)
}

// astResult hands results back as AST values, skipping OPA's conversion to
// Go maps.
func astResult(t *ast.Term, _ *rego.EvalContext) (any, error) { return t.Value, nil }
