// Package bundlesrc holds the places bundles come from: a bundle
// directory, a .tar.gz file (both watched for changes), the embedded
// default bundle, a bundle server (through OPA's REST client, with its
// credentials, ETags and long polling) and an OCI registry. The activation
// pipeline in package bundles sees them only as bundles.Source.
package bundlesrc

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/sendgate/sendgate/bundles"
)

// SourceOptions configures NewSource.
type SourceOptions struct {
	// SizeLimit bounds the bundle (<= 0 means bundles.DefaultSizeLimit).
	SizeLimit int64
	// Service configures the OPA service that http(s) and oci sources are
	// fetched from, in OPA's own format (YAML or JSON): credentials
	// (bearer, oauth2, client_tls, s3_signing, gcp_metadata,
	// azure_managed_identity), headers, tls, response_header_timeout_seconds.
	// Its url is ignored: the source names it.
	Service []byte
	// LongPollTimeout is how long a bundle server may hold a long-poll
	// request (0 means 30s; < 0 turns long polling off).
	LongPollTimeout time.Duration
	// FetchTimeout bounds each fetch from an http(s) source other than a
	// long poll, from the request to the last byte of the bundle (0 means
	// DefaultFetchTimeout), so a server that accepts and then stays silent,
	// or stalls mid-bundle, cannot hold a fetch. The server must also start
	// answering within the service's response_header_timeout_seconds
	// (OPA's default: 10 s).
	FetchTimeout time.Duration
	// PlainHTTP talks to an OCI registry over plain HTTP (tests, local
	// registries).
	PlainHTTP bool
}

// SourceSchemes are the URL schemes a bundle source may have; a source
// without a scheme is a directory or a .tar.gz file.
var SourceSchemes = []string{"http", "https", "oci", "file"}

// CheckSourceScheme refuses a source naming a URL scheme sendgate cannot
// fetch from, listing the ones it can.
func CheckSourceScheme(spec string) error {
	scheme, _, ok := strings.Cut(spec, "://")
	if !ok || slices.Contains(SourceSchemes, strings.ToLower(scheme)) {
		return nil
	}
	return fmt.Errorf("bundle source %q: unsupported scheme %q; supported: http://, https://, oci://, file:// or a directory or .tar.gz path", spec, scheme)
}

// NewSource parses a --bundle value: an http(s) URL, an oci:// reference,
// a .tar.gz or .tgz file, or a bundle directory (either also as a file://
// URL). Any other URL scheme is refused.
func NewSource(spec string, opts SourceOptions) (bundles.Source, error) {
	if spec == "" {
		return nil, errors.New("empty bundle source")
	}
	if err := CheckSourceScheme(spec); err != nil {
		return nil, err
	}
	scheme, rest, _ := strings.Cut(spec, "://")
	switch strings.ToLower(scheme) {
	case "http", "https":
		return NewHTTPSource(spec, opts)
	case "oci":
		return NewOCISource(spec, opts)
	case "file":
		spec = rest
	}
	abs, err := filepath.Abs(spec)
	if err != nil {
		return nil, fmt.Errorf("bundle source %s: %w", spec, err)
	}
	if strings.HasSuffix(abs, ".tar.gz") || strings.HasSuffix(abs, ".tgz") {
		return &FileSource{Path: abs, SizeLimit: opts.SizeLimit}, nil
	}
	if fi, err := os.Stat(abs); err == nil && fi.Mode().IsRegular() {
		return &FileSource{Path: abs, SizeLimit: opts.SizeLimit}, nil
	}
	return &DirSource{Path: abs, SizeLimit: opts.SizeLimit}, nil
}

// DirSource serves an unpacked bundle directory.
type DirSource struct {
	Path      string
	SizeLimit int64
}

var (
	_ bundles.Source  = (*DirSource)(nil)
	_ bundles.Watcher = (*DirSource)(nil)
)

// Fetch implements bundles.Source.
func (s *DirSource) Fetch(_ context.Context, _ bundles.FetchRequest) (*bundles.Archive, error) {
	if _, err := os.Stat(s.Path); err != nil {
		return nil, fmt.Errorf("bundle directory: %w", err)
	}
	return bundles.ReadArchiveDir(s.Path, s.SizeLimit)
}

// String implements bundles.Source.
func (s *DirSource) String() string { return s.Path }

// Watch implements bundles.Watcher.
func (s *DirSource) Watch(ctx context.Context, changed func()) error {
	return watchTree(ctx, s.Path, true, changed)
}

// FileSource serves a bundle tarball on disk.
type FileSource struct {
	Path      string
	SizeLimit int64
}

var (
	_ bundles.Source  = (*FileSource)(nil)
	_ bundles.Watcher = (*FileSource)(nil)
)

// Fetch implements bundles.Source.
func (s *FileSource) Fetch(_ context.Context, _ bundles.FetchRequest) (*bundles.Archive, error) {
	return bundles.ReadArchiveFile(s.Path, s.SizeLimit)
}

// String implements bundles.Source.
func (s *FileSource) String() string { return s.Path }

// Watch implements bundles.Watcher.
func (s *FileSource) Watch(ctx context.Context, changed func()) error {
	return watchTree(ctx, s.Path, false, changed)
}

// FSSource serves an unpacked bundle from a file system, such as the
// default bundle embedded in the binary.
type FSSource struct {
	FS   fs.FS
	Dir  string
	Name string
}

var _ bundles.Source = (*FSSource)(nil)

// Fetch implements bundles.Source.
func (s *FSSource) Fetch(_ context.Context, _ bundles.FetchRequest) (*bundles.Archive, error) {
	return bundles.ReadArchiveFS(s.FS, s.Dir, 0)
}

// String implements bundles.Source.
func (s *FSSource) String() string {
	if s.Name != "" {
		return s.Name
	}
	return s.Dir
}
