package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"

	"github.com/sendgate/sendgate/internal/engine"
)

func runTest(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(stderr)
	filter := fs.String("run", "", "run only tests whose name matches this regular expression")
	coverage := fs.Bool("coverage", true, "report line coverage of the policies")
	verbose := fs.Bool("v", true, "print every test, not only failures")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: sendgate test [--run REGEX] [DIR]\n\nRuns a bundle's Rego tests with sendgate's built-ins (default: the embedded default bundle).")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return parseExit(err)
	}
	if fs.NArg() > 1 {
		fs.Usage()
		return exitUnusable
	}
	b, err := loadBundle(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "sendgate test: %v\n", err)
		return exitUnusable
	}
	rep, err := engine.RunTests(ctx, b, engine.TestOptions{Coverage: *coverage, Filter: *filter})
	if rep == nil {
		fmt.Fprintf(stderr, "sendgate test: %v\n", err)
		return exitUnusable
	}
	for _, r := range rep.Results {
		switch {
		case r.Error != nil:
			fmt.Fprintf(stdout, "ERROR %s.%s: %v\n", r.Package, r.Name, r.Error)
		case r.Fail:
			fmt.Fprintf(stdout, "FAIL  %s.%s (%s)\n", r.Package, r.Name, r.Location)
		case r.Skip:
			fmt.Fprintf(stdout, "SKIP  %s.%s\n", r.Package, r.Name)
		case *verbose:
			fmt.Fprintf(stdout, "PASS  %s.%s (%s)\n", r.Package, r.Name, r.Duration)
		}
	}
	if rep.Coverage != nil {
		files := make([]string, 0, len(rep.Coverage.Files))
		for f := range rep.Coverage.Files {
			if !engine.IsTestFile(f) {
				files = append(files, f)
			}
		}
		sort.Strings(files)
		fmt.Fprintln(stdout, "coverage:")
		for _, f := range files {
			fmt.Fprintf(stdout, "  %-48s %5.1f%%\n", f, rep.Coverage.Files[f].Coverage)
		}
		fmt.Fprintf(stdout, "  %-48s %5.1f%%\n", "total", rep.Coverage.Coverage)
	}
	fmt.Fprintf(stdout, "rego: %d passed, %d failed\n", rep.Passed, rep.Failed+rep.Errored)
	if err != nil {
		if !errors.Is(err, engine.ErrTestsFailed) {
			fmt.Fprintf(stderr, "sendgate test: %v\n", err)
		}
		return exitDeny
	}
	return exitOK
}
