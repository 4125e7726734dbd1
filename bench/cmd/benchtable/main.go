// Command benchtable reads the JSON results that bench/run.sh collected in a
// directory (echo-closed.json, pdp-closed.json, …, as loadgen -json wrote
// them) and prints the side-by-side markdown table; when the directory also
// holds inproc.txt (go test -bench output of the engine's benchmarks) it
// prints the in-process decision table first.
//
//	benchtable DIR
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/sendgate/sendgate/bench/load"
	"github.com/sendgate/sendgate/internal/workload"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: benchtable DIR")
		os.Exit(2)
	}
	files, err := filepath.Glob(filepath.Join(os.Args[1], "*.json"))
	if err != nil {
		fatal(err)
	}
	if f, err := os.Open(filepath.Join(os.Args[1], "inproc.txt")); err == nil {
		b, err := load.ParseGoBench(f)
		f.Close()
		if err != nil {
			fatal(err)
		}
		if err := load.DecideMarkdownTable(os.Stdout, b); err != nil {
			fatal(err)
		}
		fmt.Println()
		if err := load.DecideTrafficMarkdownTable(os.Stdout, b); err != nil {
			fatal(err)
		}
		fmt.Println()
	}
	runs := map[string]*load.Result{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			fatal(err)
		}
		var r load.Result
		if err := json.Unmarshal(b, &r); err != nil {
			fatal(fmt.Errorf("%s: %w", f, err))
		}
		runs[strings.TrimSuffix(filepath.Base(f), ".json")] = &r
	}
	if err := load.MarkdownTable(os.Stdout, runs); err != nil {
		fatal(err)
	}
	var traffics []string
	for _, t := range workload.TrafficNames {
		if runs["pdp-"+load.RunClosed+"-"+t] != nil || runs["echo-"+load.RunClosed+"-"+t] != nil {
			traffics = append(traffics, t)
		}
	}
	if len(traffics) > 0 {
		fmt.Println()
		if err := load.TrafficTable(os.Stdout, runs, traffics); err != nil {
			fatal(err)
		}
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "benchtable:", err)
	os.Exit(2)
}
