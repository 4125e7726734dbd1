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
)

// TestOptions tune a run of a bundle's Rego tests.
type TestOptions struct {
	// Coverage computes line coverage of the policies.
	Coverage bool
	// Filter is a regular expression selecting tests by name; empty runs all.
	Filter string
	// Timeout bounds each test; zero means 10 seconds.
	Timeout time.Duration
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
	for res := range ch {
		rep.Results = append(rep.Results, res)
		switch {
		case res.Error != nil:
			rep.Errored++
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
	case rep.Failed > 0 || rep.Errored > 0:
		return rep, fmt.Errorf("%w: %d failed, %d errored, %d passed", ErrTestsFailed, rep.Failed, rep.Errored, rep.Passed)
	case rep.Passed == 0:
		return rep, fmt.Errorf("%w: the bundle has no tests", ErrTestsFailed)
	}
	return rep, nil
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
