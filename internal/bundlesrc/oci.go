package bundlesrc

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/open-policy-agent/opa/v1/download"
	"github.com/open-policy-agent/opa/v1/plugins"
	"github.com/sendgate/sendgate/bundles"
)

// OCISource fetches bundles from an OCI registry with OPA's own OCI
// downloader, through the same REST client and credentials as HTTPSource.
// The bundle layer's digest serves as its ETag; the blob the downloader
// stores is read back with the size limit and handed to the pipeline, which
// verifies, compiles and tests it like any other bundle.
type OCISource struct {
	ref       string
	store     string
	sizeLimit int64

	mu sync.Mutex
	dl *download.OCIDownloader
}

var _ bundles.Source = (*OCISource)(nil)

// NewOCISource returns a source for oci://REGISTRY/REPOSITORY[:TAG|@DIGEST].
func NewOCISource(spec string, opts SourceOptions) (*OCISource, error) {
	ref := strings.TrimPrefix(spec, "oci://")
	host, repo, ok := strings.Cut(ref, "/")
	if !ok || host == "" || repo == "" {
		return nil, fmt.Errorf("bundle source %q: want oci://REGISTRY/REPOSITORY[:TAG]", spec)
	}
	scheme := "https"
	if opts.PlainHTTP {
		scheme = "http"
	}
	client, err := newRESTClient(scheme+"://"+host, opts.Service)
	if err != nil {
		return nil, err
	}
	store, err := os.MkdirTemp("", "sendgate-oci-*")
	if err != nil {
		return nil, fmt.Errorf("bundle source %s: %w", spec, err)
	}
	trigger := plugins.TriggerManual
	cfg := download.Config{Trigger: &trigger}
	if err := cfg.ValidateAndInjectDefaults(); err != nil {
		return nil, err
	}
	dl := download.NewOCI(cfg, client, ref, store).WithBundlePersistence(true)
	if opts.SizeLimit > 0 {
		dl = dl.WithSizeLimitBytes(opts.SizeLimit)
	}
	return &OCISource{ref: ref, store: store, sizeLimit: opts.SizeLimit, dl: dl}, nil
}

// String implements bundles.Source.
func (s *OCISource) String() string { return "oci://" + s.ref }

// Fetch implements bundles.Source.
func (s *OCISource) Fetch(ctx context.Context, req bundles.FetchRequest) (*bundles.Archive, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var update download.Update
	s.dl.SetCache(req.ETag)
	s.dl.WithCallback(func(_ context.Context, u download.Update) error {
		update = u
		return nil
	})
	if err := s.dl.Trigger(ctx); err != nil {
		return nil, fmt.Errorf("fetch bundle from %s: %w", s, err)
	}
	if update.Error != nil {
		return nil, fmt.Errorf("fetch bundle from %s: %w", s, update.Error)
	}
	if update.Bundle == nil {
		return nil, bundles.ErrNotModified
	}
	blob := filepath.Join(s.store, "blobs", "sha256", update.ETag)
	a, err := bundles.ReadArchiveFile(blob, s.sizeLimit)
	if err != nil {
		return nil, fmt.Errorf("bundle from %s: %w", s, err)
	}
	a.ETag = update.ETag
	return a, nil
}

// Close removes the downloader's local store.
func (s *OCISource) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dl.Stop(context.Background())
	return errors.Join(os.RemoveAll(s.store))
}

// DefaultPollInterval implements bundles.Poller: a registry is asked for a
// new bundle every 30 seconds.
func (s *OCISource) DefaultPollInterval() time.Duration { return 30 * time.Second }
