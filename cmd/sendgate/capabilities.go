package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/sendgate/sendgate/internal/engine"
)

// nameList collects a repeatable flag such as --allow-builtin.
type nameList []string

func (n *nameList) String() string     { return strings.Join(*n, ",") }
func (n *nameList) Set(v string) error { *n = append(*n, v); return nil }

// allowBuiltinUsage is the usage of --allow-builtin, the same for every
// command that compiles a bundle.
var allowBuiltinUsage = "let bundles call this withheld built-in (repeatable); withheld: " + strings.Join(engine.Withheld(), ", ")

// runCapabilities writes the OPA capabilities of sendgate's Rego: those of
// the OPA version it is built with, less the built-ins sendgate withholds
// from bundles (network, clock, randomness, runtime), plus sendgate's own,
// so that "opa check --capabilities", Regal and editors know
// sendgate.text.analyze and flag http.send as serve would.
func runCapabilities(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("capabilities", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "write to this file instead of standard output")
	var allow nameList
	fs.Var(&allow, "allow-builtin", allowBuiltinUsage)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: sendgate capabilities [-o FILE]\n\nWrites the OPA capabilities JSON of sendgate: OPA's built-ins and features, less those withheld\nfrom bundles (as serve, check and test withhold them), plus sendgate's built-ins.\nUse it as: opa check --strict --capabilities FILE policies/")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return parseExit(err)
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return exitUnusable
	}
	data, err := capabilitiesJSON(allow)
	if err != nil {
		fmt.Fprintf(stderr, "sendgate capabilities: %v\n", err)
		return exitUnusable
	}
	if *out == "" {
		_, _ = stdout.Write(data)
		return exitOK
	}
	if err := writeFileAtomic(*out, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
		fmt.Fprintf(stderr, "sendgate capabilities: %v\n", err)
		return exitUnusable
	}
	return exitOK
}

// capabilitiesJSON is the capabilities bundles compile with (see
// engine.Capabilities).
func capabilitiesJSON(allow []string) ([]byte, error) {
	caps, err := engine.Capabilities(allow)
	if err != nil {
		return nil, err
	}
	data, err := json.MarshalIndent(caps, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("capabilities: %w", err)
	}
	return append(data, '\n'), nil
}
