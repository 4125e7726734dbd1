// Package bundles reads, builds, signs, verifies and activates OPA policy
// bundles for sendgate.
package bundles

import (
	"fmt"
	"io/fs"

	"github.com/open-policy-agent/opa/v1/bundle"
)

// ReadDir reads an unpacked bundle from a directory on disk.
func ReadDir(dir string) (*bundle.Bundle, error) {
	b, err := bundle.NewCustomReader(bundle.NewDirectoryLoader(dir)).WithProcessAnnotations(true).Read()
	if err != nil {
		return nil, fmt.Errorf("read bundle directory %s: %w", dir, err)
	}
	return &b, nil
}

// ReadFS reads an unpacked bundle rooted at dir within fsys, such as the
// default bundle embedded in the binary.
func ReadFS(fsys fs.FS, dir string) (*bundle.Bundle, error) {
	b, err := bundle.NewCustomReader(bundle.NewFSLoaderWithRoot(fsys, dir)).WithProcessAnnotations(true).Read()
	if err != nil {
		return nil, fmt.Errorf("read bundle %s: %w", dir, err)
	}
	return &b, nil
}
