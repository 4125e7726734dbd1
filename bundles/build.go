package bundles

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/bundle"
)

// BuildOptions says how `sendgate bundle build` turns a directory into a
// bundle.
type BuildOptions struct {
	// Revision overrides the revision in the directory's .manifest.
	Revision string
	// Signing, when set, signs the bundle with this private key.
	Signing *Key
}

// Build reads an unpacked bundle directory (.manifest, *.rego including the
// *_test.rego files, data.json) and prepares it for writing: the revision
// set, and a signature over every file when a signing key is given. It uses
// OPA's bundle format and signature scheme, so `opa run` and OPA's bundle
// reader accept the result.
func Build(dir string, opts BuildOptions) (*bundle.Bundle, error) {
	raw, err := bundle.NewCustomReader(bundle.NewDirectoryLoader(dir)).
		WithSkipBundleVerification(true).
		WithProcessAnnotations(true).
		Read()
	if err != nil {
		return nil, fmt.Errorf("read bundle directory %s: %w", dir, err)
	}
	b := &raw
	if opts.Revision != "" {
		b.Manifest.Revision = opts.Revision
	}
	if b.Manifest.Revision == "" {
		return nil, fmt.Errorf("%w: set \"revision\" in %s/.manifest or pass --revision", ErrMissingRevision, dir)
	}
	if b.Data == nil {
		b.Data = map[string]any{}
	}
	b.Signatures = bundle.SignaturesConfig{}
	if opts.Signing != nil {
		sc, keyID, err := NewSigningConfig(*opts.Signing)
		if err != nil {
			return nil, err
		}
		if err := b.GenerateSignature(sc, keyID, true); err != nil {
			return nil, fmt.Errorf("sign bundle: %w", err)
		}
	}
	return b, nil
}

// WriteBundle writes a bundle as an OPA bundle tarball, modules unformatted
// so that their signed digests hold.
func WriteBundle(w io.Writer, b *bundle.Bundle) error {
	if err := bundle.NewWriter(w).UseModulePath(true).DisableFormat(true).Write(*b); err != nil {
		return fmt.Errorf("write bundle: %w", err)
	}
	return nil
}

// Info describes a bundle for `sendgate bundle inspect` and the status API.
type Info struct {
	Revision string         `json:"revision"`
	Roots    []string       `json:"roots"`
	Files    []string       `json:"files"`
	Signed   bool           `json:"signed"`
	Modules  int            `json:"modules"`
	Tests    int            `json:"tests"`
	Metadata map[string]any `json:"metadata,omitempty"`
}

// Inspect summarises a bundle read from an archive.
func Inspect(a *Archive, b *bundle.Bundle) Info {
	info := Info{
		Revision: b.Manifest.Revision,
		Files:    a.Paths(),
		Signed:   a.Signed(),
		Modules:  len(b.Modules),
		Tests:    CountTests(b),
		Metadata: b.Manifest.Metadata,
	}
	if b.Manifest.Roots != nil {
		info.Roots = slices.Clone(*b.Manifest.Roots)
	}
	return info
}

// CountTests counts the bundle's Rego test rules: rules whose name starts
// with "test_", as `opa test` finds them.
func CountTests(b *bundle.Bundle) int {
	n := 0
	for _, m := range b.Modules {
		if m.Parsed == nil {
			continue
		}
		for _, r := range m.Parsed.Rules {
			if isTestRule(r) {
				n++
			}
		}
	}
	return n
}

func isTestRule(r *ast.Rule) bool {
	for _, t := range r.Head.Ref() {
		var name string
		switch v := t.Value.(type) {
		case ast.Var:
			name = string(v)
		case ast.String:
			name = string(v)
		}
		if strings.HasPrefix(name, "test_") {
			return true
		}
	}
	return false
}
