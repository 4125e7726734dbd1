package bundles

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/open-policy-agent/opa/v1/bundle"
	"github.com/open-policy-agent/opa/v1/loader/filter"
)

// ErrMissingRevision reports a bundle whose manifest carries no revision;
// sendgate stamps every decision with it, so such a bundle is refused.
var ErrMissingRevision = errors.New("bundle manifest has no revision")

// LoadOptions says how an archive becomes a bundle.
type LoadOptions struct {
	// Verification, when set, requires a valid signature over every file.
	Verification *bundle.VerificationConfig
	// SizeLimit bounds each file (<= 0 means DefaultSizeLimit).
	SizeLimit int64
	// AllowMissingRevision accepts a manifest without a revision; only
	// `bundle inspect` uses it.
	AllowMissingRevision bool
	// MaxRules refuses a bundle with more rules than this, test rules
	// included (<= 0: no limit).
	MaxRules int
}

// ErrTooManyRules is returned for a bundle with more rules than allowed.
var ErrTooManyRules = errors.New("the bundle has too many rules")

// Load verifies (when configured) and parses an archive with OPA's bundle
// reader. The result keeps its test modules, so the bundle's own tests can
// run before activation.
func Load(a *Archive, opts LoadOptions) (*bundle.Bundle, error) {
	if opts.Verification != nil {
		if err := Verify(a, opts.Verification); err != nil {
			return nil, err
		}
	}
	limit := opts.SizeLimit
	if limit <= 0 {
		limit = DefaultSizeLimit
	}
	// The signature has been checked above, once; OPA's reader would check
	// it again.
	b, err := bundle.NewCustomReader(newArchiveLoader(a)).
		WithSizeLimitBytes(limit).
		WithProcessAnnotations(true).
		WithBundleEtag(a.ETag).
		WithSkipBundleVerification(true).
		Read()
	if err != nil {
		return nil, fmt.Errorf("parse bundle: %w", err)
	}
	if b.Manifest.Revision == "" && !opts.AllowMissingRevision {
		return nil, ErrMissingRevision
	}
	if opts.MaxRules > 0 {
		if n := CountRules(&b); n > opts.MaxRules {
			return nil, fmt.Errorf("%w: %d rules, more than the limit of %d (serve --bundle-max-rules)", ErrTooManyRules, n, opts.MaxRules)
		}
	}
	return &b, nil
}

// CountRules counts the rules of b's modules, tests included.
func CountRules(b *bundle.Bundle) int {
	n := 0
	for _, m := range b.Modules {
		if m.Parsed != nil {
			n += len(m.Parsed.Rules)
		}
	}
	return n
}

// archiveLoader serves an Archive's files to OPA's bundle reader, the way
// OPA's own loaders do, with paths rooted at "/".
type archiveLoader struct {
	files []File
	idx   int
}

var _ bundle.DirectoryLoader = (*archiveLoader)(nil)

func newArchiveLoader(a *Archive) *archiveLoader {
	return &archiveLoader{files: a.Files}
}

// NextFile implements bundle.DirectoryLoader.
func (l *archiveLoader) NextFile() (*bundle.Descriptor, error) {
	if l.idx >= len(l.files) {
		return nil, io.EOF
	}
	f := l.files[l.idx]
	l.idx++
	p := "/" + f.Path
	return bundle.NewDescriptor(p, p, bytes.NewBuffer(f.Data)), nil
}

// WithFilter implements bundle.DirectoryLoader; archives are not filtered.
func (l *archiveLoader) WithFilter(filter.LoaderFilter) bundle.DirectoryLoader { return l }

// WithPathFormat implements bundle.DirectoryLoader; paths are always rooted.
func (l *archiveLoader) WithPathFormat(bundle.PathFormat) bundle.DirectoryLoader { return l }

// WithSizeLimitBytes implements bundle.DirectoryLoader; archives are size
// checked when read.
func (l *archiveLoader) WithSizeLimitBytes(int64) bundle.DirectoryLoader { return l }

// WithFollowSymlinks implements bundle.DirectoryLoader.
func (l *archiveLoader) WithFollowSymlinks(bool) bundle.DirectoryLoader { return l }
