// Package policies holds sendgate's default policy bundle, embedded in the
// binary so the server runs with no flags.
package policies

import (
	"embed"
	"io/fs"

	"github.com/open-policy-agent/opa/v1/bundle"

	"github.com/sendgate/sendgate/bundles"
)

//go:embed .manifest sendgate
var files embed.FS

// FS returns the default bundle's files, rooted at the bundle root.
func FS() fs.FS { return files }

// Bundle reads the default bundle, its Rego tests included.
func Bundle() (*bundle.Bundle, error) { return bundles.ReadFS(files, ".") }
