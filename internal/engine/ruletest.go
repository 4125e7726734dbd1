package engine

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/bundle"
	"github.com/open-policy-agent/opa/v1/cover"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// TestOptions tune a run of a bundle's Rego tests.
type TestOptions struct {
	// Coverage computes line coverage of the policies.
	Coverage bool
	// Filter is a regular expression selecting tests by name; empty runs all.
	Filter string
	// Timeout bounds each test; zero means 10 seconds.
	Timeout time.Duration
	// DecisionTimeout, when set, bounds each test by TestTimeout of it
	// instead (the bundle's manifest decision_timeout overriding it, as
	// when serving): tests that take longer are refused as too expensive.
	DecisionTimeout time.Duration
	// Trace records each test's evaluation trace in its result, so that a
	// failure can show the values it compared; it turns Coverage off.
	Trace bool
	// Parallel bounds how many tests run at once; zero means OPA's default
	// (one per CPU). Activation in a serving process uses 1, so testing a new
	// bundle leaves cores for the Checks in flight.
	Parallel int
	// AllowBuiltins names withheld built-ins the tests may call, as for
	// CompileOptions: a test run compiles with the same sandbox as serving.
	AllowBuiltins []string
}

// TestReport is the outcome of a bundle's Rego tests.
type TestReport struct {
	Results  []*tester.Result
	Passed   int
	Failed   int
	Errored  int
	Coverage *cover.Report
}

// ErrTestsFailed is returned by RunTests when a test fails or errors, or
// when the bundle has no tests at all.
var ErrTestsFailed = errors.New("bundle tests failed")

// RunTests runs the bundle's own Rego tests with sendgate's built-ins bound
// to the bundle's lexicon, using OPA's test runner. It returns the report
// and ErrTestsFailed (wrapped) unless every test passed.
func RunTests(ctx context.Context, b *bundle.Bundle, opts TestOptions) (*TestReport, error) {
	set, err := BuiltinsFor(b)
	if err != nil {
		return nil, err
	}
	caps, err := Capabilities(opts.AllowBuiltins)
	if err != nil {
		return nil, err
	}
	// Refused before anything is evaluated, so a test cannot make the call.
	if err := checkSandbox(b.Modules, caps); err != nil {
		return nil, fmt.Errorf("compile bundle tests: %w", err)
	}
	timeout := opts.Timeout
	if d := opts.DecisionTimeout; d > 0 {
		if m, err := manifestTimeout(b); err == nil && m > 0 {
			d = m
		}
		timeout = TestTimeout(d)
	}
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	store := inmem.NewWithOpts(inmem.OptRoundTripOnWrite(false))
	txn, err := store.NewTransaction(ctx, storage.WriteParams)
	if err != nil {
		return nil, fmt.Errorf("open test store: %w", err)
	}
	defer store.Abort(ctx, txn)

	runner := tester.NewRunner().
		SetCompiler(ast.NewCompiler().WithCapabilities(caps).WithEnablePrintStatements(true)).
		SetStore(store).
		SetBundles(map[string]*bundle.Bundle{"sendgate": b}).
		AddCustomBuiltins(set.TesterBuiltins()).
		RaiseBuiltinErrors(true).
		SetTimeout(timeout).
		Filter(opts.Filter)
	if opts.Parallel > 0 {
		runner = runner.SetParallel(opts.Parallel)
	}
	var cov *cover.Cover
	if opts.Trace {
		runner = runner.EnableTracing(true)
	} else if opts.Coverage {
		cov = cover.New()
		runner = runner.SetCoverageQueryTracer(cov)
	}
	ch, err := runner.RunTests(ctx, txn)
	if err != nil {
		return nil, fmt.Errorf("compile bundle tests: %w", err)
	}
	rep := &TestReport{}
	timedOut := 0
	for res := range ch {
		rep.Results = append(rep.Results, res)
		switch {
		case res.Error != nil:
			rep.Errored++
			if topdown.IsCancel(res.Error) && ctx.Err() == nil {
				timedOut++
			}
		case res.Fail:
			rep.Failed++
		case !res.Skip:
			rep.Passed++
		}
	}
	sort.Slice(rep.Results, func(i, j int) bool {
		a, c := rep.Results[i], rep.Results[j]
		if a.Package != c.Package {
			return a.Package < c.Package
		}
		return a.Name < c.Name
	})
	if cov != nil {
		r := cov.Report(policyModules(b))
		rep.Coverage = &r
	}
	switch {
	case timedOut > 0:
		return rep, fmt.Errorf("%w: %d ran past the per-test limit of %s (%d failed, %d errored, %d passed)",
			ErrTestsFailed, timedOut, timeout, rep.Failed, rep.Errored, rep.Passed)
	case rep.Failed > 0 || rep.Errored > 0:
		return rep, fmt.Errorf("%w: %d failed, %d errored, %d passed", ErrTestsFailed, rep.Failed, rep.Errored, rep.Passed)
	case rep.Passed == 0:
		return rep, fmt.Errorf("%w: the bundle has no tests", ErrTestsFailed)
	}
	return rep, nil
}

// Per-test limit when tests are bounded by the decision timeout: a test
// evaluates one or a few decisions, but through OPA's test runner, which
// prepares a query per test and skips the engine's shortcuts, so the
// default bundle's slowest test takes about 40 ms where a decision takes
// 0.1 ms (`sendgate test --format json`, 2-core machine). 20 decision
// timeouts (1 s at the default 50 ms) leave room for that and a loaded
// machine, and still refuse a test that loops for seconds; the floor keeps
// a very short decision timeout from refusing a good bundle for the
// runner's own overhead.
const (
	testTimeoutFactor = 20
	minTestTimeout    = 250 * time.Millisecond
)

// TestTimeout is the bound on each of a bundle's tests when decisions are
// bounded by decision.
func TestTimeout(decision time.Duration) time.Duration {
	return max(testTimeoutFactor*decision, minTestTimeout)
}

// policyModules returns the bundle's non-test modules by file, for coverage.
func policyModules(b *bundle.Bundle) map[string]*ast.Module {
	out := make(map[string]*ast.Module, len(b.Modules))
	for _, m := range b.Modules {
		if !IsTestFile(m.Path) && m.Parsed != nil {
			out[m.Path] = m.Parsed
		}
	}
	return out
}
