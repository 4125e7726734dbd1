package bundles

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
)

// ErrNotModified reports that a source still serves the bundle it served
// last (an HTTP 304).
var ErrNotModified = errors.New("bundle not modified")

// FetchRequest qualifies one fetch from a source.
type FetchRequest struct {
	// ETag of the bundle last seen from this source; an HTTP source sends it
	// as If-None-Match.
	ETag string
	// Poll marks a fetch from the polling loop, which may long-poll where
	// the server offers it. Reloads asked for by a person never wait.
	Poll bool
}

// Source is where bundles come from: a directory, a .tar.gz file or a
// bundle server.
type Source interface {
	// Fetch returns the bundle's files as they are now, or ErrNotModified.
	// Errors wrapping ErrTooLarge, ErrUnsafePath or ErrCorrupt mean the
	// source answered with a bad bundle; other errors mean it could not be
	// reached.
	Fetch(ctx context.Context, req FetchRequest) (*Archive, error)
	// String names the source for status and logs.
	String() string
}

// Watcher is a source that can report changes to its files as they happen.
type Watcher interface {
	// Watch calls changed after each change until ctx ends; the caller
	// debounces. It returns when ctx ends or watching is impossible.
	Watch(ctx context.Context, changed func()) error
}

// LongPoller is a source that is being offered long polling by its server,
// so the polling loop need not wait between fetches.
type LongPoller interface {
	LongPolling() bool
}

// SourceOptions configures NewSource.
type SourceOptions struct {
	// SizeLimit bounds the bundle (<= 0 means DefaultSizeLimit).
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
func NewSource(spec string, opts SourceOptions) (Source, error) {
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
	_ Source  = (*DirSource)(nil)
	_ Watcher = (*DirSource)(nil)
)

// Fetch implements Source.
func (s *DirSource) Fetch(_ context.Context, _ FetchRequest) (*Archive, error) {
	if _, err := os.Stat(s.Path); err != nil {
		return nil, fmt.Errorf("bundle directory: %w", err)
	}
	return ReadArchiveDir(s.Path, s.SizeLimit)
}

// String implements Source.
func (s *DirSource) String() string { return s.Path }

// Watch implements Watcher.
func (s *DirSource) Watch(ctx context.Context, changed func()) error {
	return watchTree(ctx, s.Path, true, changed)
}

// FileSource serves a bundle tarball on disk.
type FileSource struct {
	Path      string
	SizeLimit int64
}

var (
	_ Source  = (*FileSource)(nil)
	_ Watcher = (*FileSource)(nil)
)

// Fetch implements Source.
func (s *FileSource) Fetch(_ context.Context, _ FetchRequest) (*Archive, error) {
	return ReadArchiveFile(s.Path, s.SizeLimit)
}

// String implements Source.
func (s *FileSource) String() string { return s.Path }

// Watch implements Watcher.
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

var _ Source = (*FSSource)(nil)

// Fetch implements Source.
func (s *FSSource) Fetch(_ context.Context, _ FetchRequest) (*Archive, error) {
	return ReadArchiveFS(s.FS, s.Dir, 0)
}

// String implements Source.
func (s *FSSource) String() string {
	if s.Name != "" {
		return s.Name
	}
	return s.Dir
}

// isBadBundle tells a source that answered with a bad bundle from one that
// could not be reached.
func isBadBundle(err error) bool {
	return errors.Is(err, ErrTooLarge) || errors.Is(err, ErrUnsafePath) || errors.Is(err, ErrCorrupt)
}
