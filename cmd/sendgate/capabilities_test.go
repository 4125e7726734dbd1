package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/sendgate/sendgate/internal/builtins"
	"github.com/sendgate/sendgate/policies"
)

// TestCapabilitiesCompileTheDefaultBundle is "opa check --capabilities" in
// Go: the default bundle compiles against the capabilities sendgate
// writes, and not against OPA's own, which lack sendgate's built-ins.
func TestCapabilitiesCompileTheDefaultBundle(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"capabilities"}, nil, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	caps, err := ast.LoadCapabilitiesJSON(&stdout)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range builtins.Decls() {
		found := false
		for _, b := range caps.Builtins {
			found = found || b.Name == d.Name
		}
		if !found {
			t.Errorf("capabilities lack %s", d.Name)
		}
	}
	b, err := policies.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	compile := func(c *ast.Capabilities) error {
		modules := map[string]*ast.Module{}
		for _, m := range b.Modules {
			modules[m.Path] = m.Parsed
		}
		comp := ast.NewCompiler().WithCapabilities(c).WithStrict(true)
		comp.Compile(modules)
		if comp.Failed() {
			return comp.Errors
		}
		return nil
	}
	if err := compile(caps); err != nil {
		t.Fatalf("the default bundle does not compile with sendgate's capabilities: %v", err)
	}
	if err := compile(ast.CapabilitiesForThisVersion()); err == nil || !strings.Contains(err.Error(), builtins.AnalyzeName) {
		t.Fatalf("with OPA's own capabilities: %v; want %s unknown", err, builtins.AnalyzeName)
	}
}

func TestCapabilitiesToFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "caps.json")
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"capabilities", "-o", out}, nil, &stdout, &stderr); code != exitOK || stdout.Len() != 0 {
		t.Fatalf("exit %d, stdout %d bytes: %s", code, stdout.Len(), stderr.String())
	}
}
