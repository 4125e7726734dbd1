package main

import (
	"context"
	"fmt"
	"os"

	"github.com/open-policy-agent/opa/v1/bundle"

	"github.com/sendgate/sendgate/bundles"
	"github.com/sendgate/sendgate/internal/engine"
	"github.com/sendgate/sendgate/policies"
)

// loadBundle reads the bundle at path (a directory or a .tar.gz file), or
// the embedded default bundle when path is empty.
func loadBundle(path string) (*bundle.Bundle, error) {
	if path == "" {
		return policies.Bundle()
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("open bundle: %w", err)
	}
	if fi.IsDir() {
		return bundles.ReadDir(path)
	}
	a, err := bundles.ReadArchiveFile(path, bundles.DefaultSizeLimit)
	if err != nil {
		return nil, err
	}
	return bundles.Load(a, bundles.LoadOptions{AllowMissingRevision: true})
}

// compileBundle loads and compiles the bundle at path (see loadBundle),
// letting it call the withheld built-ins in allow.
func compileBundle(ctx context.Context, path string, allow []string) (*engine.PolicySet, error) {
	b, err := loadBundle(path)
	if err != nil {
		return nil, err
	}
	return engine.CompileWith(ctx, b, engine.CompileOptions{AllowBuiltins: allow})
}
