package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/sendgate/sendgate/internal/builtins"
)

// runCapabilities writes the OPA capabilities of sendgate's Rego: those of
// the OPA version it is built with plus sendgate's own built-ins, so that
// "opa check --capabilities", Regal and editors know sendgate.text.analyze.
func runCapabilities(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("capabilities", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "write to this file instead of standard output")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: sendgate capabilities [-o FILE]\n\nWrites the OPA capabilities JSON of sendgate: OPA's built-ins and features plus sendgate's built-ins.\nUse it as: opa check --strict --capabilities FILE policies/")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return parseExit(err)
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return exitUnusable
	}
	data, err := capabilitiesJSON()
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

// capabilitiesJSON is OPA's capabilities for this version with sendgate's
// built-ins added.
func capabilitiesJSON() ([]byte, error) {
	caps := ast.CapabilitiesForThisVersion()
	caps.Builtins = append(caps.Builtins, builtins.Decls()...)
	data, err := json.MarshalIndent(caps, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("capabilities: %w", err)
	}
	return append(data, '\n'), nil
}
