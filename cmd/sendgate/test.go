package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/bundle"
	"github.com/open-policy-agent/opa/v1/tester"
	"github.com/open-policy-agent/opa/v1/topdown"

	"github.com/sendgate/sendgate/internal/engine"
)

func runTest(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(stderr)
	filter := fs.String("run", "", "run only tests whose name matches this regular expression")
	coverage := fs.Bool("coverage", true, "report line coverage of the policies")
	verbose := fs.Bool("v", true, "print every test, not only failures")
	format := fs.String("format", "text", "output format: text, json or junit")
	var allow nameList
	fs.Var(&allow, "allow-builtin", allowBuiltinUsage)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: sendgate test [--run REGEX] [--format text|json|junit] [DIR]\n\n"+
			"Runs a bundle's Rego tests with sendgate's built-ins (default: the embedded default bundle).\n"+
			"A failing test shows the expression that failed with the values it compared.\n"+
			"Exit status: 0 all passed, 1 a test failed or errored, 2 the bundle or the flags could not be used\n"+
			"(also when --run matches no test).")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return parseExit(err)
	}
	if fs.NArg() > 1 || !slices.Contains([]string{"text", "json", "junit"}, *format) {
		fs.Usage()
		return exitUnusable
	}
	if *filter != "" {
		if _, err := regexp.Compile(*filter); err != nil {
			fmt.Fprintf(stderr, "sendgate test: --run: %v\n", err)
			return exitUnusable
		}
	}
	b, err := loadBundle(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "sendgate test: %v\n", err)
		return exitUnusable
	}
	rep, err := engine.RunTests(ctx, b, engine.TestOptions{Coverage: *coverage, Filter: *filter, AllowBuiltins: allow})
	if rep == nil {
		fmt.Fprintf(stderr, "sendgate test: %v\n", err)
		return exitUnusable
	}
	if len(rep.Results) == 0 && *filter != "" {
		fmt.Fprintf(stderr, "sendgate test: no test matches --run %q\n", *filter)
		return exitUnusable
	}
	failures := explainFailures(ctx, b, rep, allow)

	var werr error
	switch *format {
	case "json":
		werr = writeTestJSON(stdout, rep, failures)
	case "junit":
		werr = writeTestJUnit(stdout, rep, failures)
	default:
		writeTestText(stdout, rep, failures, *verbose)
	}
	if werr != nil {
		fmt.Fprintf(stderr, "sendgate test: %v\n", werr)
		return exitUnusable
	}
	if err != nil {
		if !errors.Is(err, engine.ErrTestsFailed) || rep.Passed == 0 && rep.Failed+rep.Errored == 0 {
			fmt.Fprintf(stderr, "sendgate test: %v\n", err)
		}
		return exitDeny
	}
	return exitOK
}

// testKey names a test across runs.
func testKey(r *tester.Result) string { return r.Package + "." + r.Name }

// explainFailures runs the failed tests again with tracing and returns,
// for each, the expression that failed with the values of its variables,
// as "opa test --var-values" shows them.
func explainFailures(ctx context.Context, b *bundle.Bundle, rep *engine.TestReport, allow []string) map[string]string {
	var names []string
	for _, r := range rep.Results {
		if r.Fail {
			names = append(names, regexp.QuoteMeta(r.Name))
		}
	}
	if len(names) == 0 {
		return nil
	}
	traced, _ := engine.RunTests(ctx, b, engine.TestOptions{Trace: true, Filter: "(" + strings.Join(names, "|") + ")$", AllowBuiltins: allow})
	out := map[string]string{}
	if traced == nil {
		return out
	}
	for _, r := range traced.Results {
		if r.Fail {
			if s := failedExpr(r.Trace); s != "" {
				out[testKey(r)] = s
			}
		}
	}
	return out
}

// failedExpr renders the last expression that failed in a test's trace,
// with its variables' values.
func failedExpr(trace []*topdown.Event) string {
	for _, e := range slices.Backward(trace) {
		if e.Op != topdown.FailOp || e.Location == nil || e.QueryID == 0 {
			continue
		}
		if expr, ok := e.Node.(*ast.Expr); ok {
			if _, isEvery := expr.Terms.(*ast.Every); isEvery {
				continue
			}
		}
		var buf bytes.Buffer
		fmt.Fprintf(&buf, "%s:%d:\n", e.Location.File, e.Location.Row)
		if err := topdown.PrettyEvent(&buf, e, topdown.PrettyEventOpts{PrettyVars: true}); err != nil {
			return ""
		}
		return strings.TrimRight(buf.String(), "\n")
	}
	return ""
}

func writeTestText(w io.Writer, rep *engine.TestReport, failures map[string]string, verbose bool) {
	for _, r := range rep.Results {
		switch {
		case r.Error != nil:
			fmt.Fprintf(w, "ERROR %s.%s: %v\n", r.Package, r.Name, r.Error)
		case r.Fail:
			fmt.Fprintf(w, "FAIL  %s.%s (%s)\n", r.Package, r.Name, r.Location)
			if f := failures[testKey(r)]; f != "" {
				fmt.Fprintln(w, indent(f, "      "))
			}
		case r.Skip:
			fmt.Fprintf(w, "SKIP  %s.%s\n", r.Package, r.Name)
		case verbose:
			fmt.Fprintf(w, "PASS  %s.%s (%s)\n", r.Package, r.Name, r.Duration)
		}
	}
	if rep.Coverage != nil {
		fmt.Fprintln(w, "coverage:")
		for _, f := range coveredFiles(rep) {
			fmt.Fprintf(w, "  %-48s %5.1f%%\n", f, rep.Coverage.Files[f].Coverage)
		}
		fmt.Fprintf(w, "  %-48s %5.1f%%\n", "total", rep.Coverage.Coverage)
	}
	fmt.Fprintf(w, "rego: %d passed, %d failed\n", rep.Passed, rep.Failed+rep.Errored)
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}

// coveredFiles are the policy files of the coverage report, tests left out.
func coveredFiles(rep *engine.TestReport) []string {
	var files []string
	for f := range rep.Coverage.Files {
		if !engine.IsTestFile(f) {
			files = append(files, f)
		}
	}
	sort.Strings(files)
	return files
}

// testJSON is one test in --format json.
type testJSON struct {
	Package    string `json:"package"`
	Name       string `json:"name"`
	Location   string `json:"location,omitempty"`
	Result     string `json:"result"` // pass, fail, error or skip
	DurationNS int64  `json:"duration_ns"`
	Error      string `json:"error,omitempty"`
	// Failure is the expression that failed with the values it compared.
	Failure string `json:"failure,omitempty"`
}

func resultOf(r *tester.Result) string {
	switch {
	case r.Error != nil:
		return "error"
	case r.Fail:
		return "fail"
	case r.Skip:
		return "skip"
	}
	return "pass"
}

func writeTestJSON(w io.Writer, rep *engine.TestReport, failures map[string]string) error {
	out := struct {
		Passed   int                `json:"passed"`
		Failed   int                `json:"failed"`
		Errored  int                `json:"errored"`
		Tests    []testJSON         `json:"tests"`
		Coverage map[string]float64 `json:"coverage,omitempty"`
	}{Passed: rep.Passed, Failed: rep.Failed, Errored: rep.Errored, Tests: []testJSON{}}
	for _, r := range rep.Results {
		t := testJSON{Package: r.Package, Name: r.Name, Result: resultOf(r), DurationNS: r.Duration.Nanoseconds(), Failure: failures[testKey(r)]}
		if r.Location != nil {
			t.Location = r.Location.String()
		}
		if r.Error != nil {
			t.Error = r.Error.Error()
		}
		out.Tests = append(out.Tests, t)
	}
	if rep.Coverage != nil {
		out.Coverage = map[string]float64{"total": rep.Coverage.Coverage}
		for _, f := range coveredFiles(rep) {
			out.Coverage[f] = rep.Coverage.Files[f].Coverage
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// JUnit XML, as CI systems read it: one suite per Rego package.
type (
	junitSuites struct {
		XMLName xml.Name     `xml:"testsuites"`
		Name    string       `xml:"name,attr"`
		Tests   int          `xml:"tests,attr"`
		Fail    int          `xml:"failures,attr"`
		Errors  int          `xml:"errors,attr"`
		Suites  []junitSuite `xml:"testsuite"`
	}
	junitSuite struct {
		Name    string      `xml:"name,attr"`
		Tests   int         `xml:"tests,attr"`
		Fail    int         `xml:"failures,attr"`
		Errors  int         `xml:"errors,attr"`
		Skipped int         `xml:"skipped,attr"`
		Cases   []junitCase `xml:"testcase"`
	}
	junitCase struct {
		Name      string        `xml:"name,attr"`
		ClassName string        `xml:"classname,attr"`
		Time      string        `xml:"time,attr"`
		File      string        `xml:"file,attr,omitempty"`
		Failure   *junitMessage `xml:"failure,omitempty"`
		Error     *junitMessage `xml:"error,omitempty"`
		Skipped   *struct{}     `xml:"skipped,omitempty"`
	}
	junitMessage struct {
		Message string `xml:"message,attr"`
		Text    string `xml:",chardata"`
	}
)

func writeTestJUnit(w io.Writer, rep *engine.TestReport, failures map[string]string) error {
	all := junitSuites{Name: "sendgate test", Tests: len(rep.Results), Fail: rep.Failed, Errors: rep.Errored}
	idx := map[string]int{}
	for _, r := range rep.Results {
		i, ok := idx[r.Package]
		if !ok {
			i = len(all.Suites)
			idx[r.Package] = i
			all.Suites = append(all.Suites, junitSuite{Name: r.Package})
		}
		s := &all.Suites[i]
		c := junitCase{Name: r.Name, ClassName: r.Package, Time: fmt.Sprintf("%.6f", r.Duration.Seconds())}
		if r.Location != nil {
			c.File = r.Location.File
		}
		s.Tests++
		switch resultOf(r) {
		case "error":
			s.Errors++
			c.Error = &junitMessage{Message: r.Error.Error(), Text: r.Error.Error()}
		case "fail":
			s.Fail++
			c.Failure = &junitMessage{Message: "test failed", Text: failures[testKey(r)]}
		case "skip":
			s.Skipped++
			c.Skipped = &struct{}{}
		}
		s.Cases = append(s.Cases, c)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(all); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
