package bundlesrc

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/open-policy-agent/opa/v1/logging"
	"github.com/open-policy-agent/opa/v1/plugins/rest"
	"github.com/sendgate/sendgate/bundles"
	"go.yaml.in/yaml/v3"
)

// openPolicyAgentBundles is the content type with which a bundle server
// says it supports long polling.
const openPolicyAgentBundles = "application/vnd.openpolicyagent.bundles"

// HTTPSource fetches bundles from a bundle server (any server OPA can use:
// a plain web server, object storage, or a bundle service), with ETag /
// If-None-Match conditional requests and OPA's long polling. Requests go
// through OPA's own REST client, so every credential OPA offers for its
// services works here: bearer tokens, OAuth2 client credentials, client
// TLS, S3 signing, GCP metadata and Azure managed identity tokens.
type HTTPSource struct {
	url       string
	path      string
	client    rest.Client
	lpClient  rest.Client // the same service without a response-header timeout
	sizeLimit int64
	// longPollTimeout is how long the server may hold a long poll.
	longPollTimeout time.Duration
	// fetchTimeout bounds any other fetch.
	fetchTimeout time.Duration
	// longPoll is whether the server offered long polling in its last answer.
	longPoll atomic.Bool
}

var (
	_ bundles.Source     = (*HTTPSource)(nil)
	_ bundles.LongPoller = (*HTTPSource)(nil)
)

// NewHTTPSource returns a source for a bundle URL; opts.Service configures
// the OPA service it is fetched from (credentials, headers, TLS).
func NewHTTPSource(rawURL string, opts SourceOptions) (*HTTPSource, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("bundle source %q is not an http(s) URL", rawURL)
	}
	base := &url.URL{Scheme: u.Scheme, Host: u.Host, User: u.User}
	client, err := newRESTClient(base.String(), opts.Service)
	if err != nil {
		return nil, err
	}
	lp := opts.LongPollTimeout
	if lp == 0 {
		lp = 30 * time.Second
	}
	noTimeout := int64(0)
	path := strings.TrimPrefix(u.EscapedPath(), "/")
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	return &HTTPSource{
		url:             redactURL(u),
		path:            path,
		client:          client,
		lpClient:        client.SetResponseHeaderTimeout(&noTimeout),
		sizeLimit:       opts.SizeLimit,
		longPollTimeout: lp,
		fetchTimeout:    cmp.Or(opts.FetchTimeout, DefaultFetchTimeout),
	}, nil
}

// DefaultFetchTimeout bounds a fetch from an http(s) source that is not a
// long poll: a 64 MiB bundle at 10 Mbit/s takes under a minute.
const DefaultFetchTimeout = time.Minute

// newRESTClient builds OPA's REST client for the service at serviceURL
// from an OPA service configuration (YAML or JSON; its url, if any, is
// replaced).
func newRESTClient(serviceURL string, service []byte) (rest.Client, error) {
	cfg := map[string]any{}
	if len(service) > 0 {
		if err := yaml.Unmarshal(service, &cfg); err != nil {
			return rest.Client{}, fmt.Errorf("bundle service configuration: %w", err)
		}
	}
	cfg["url"] = serviceURL
	if _, ok := cfg["name"]; !ok {
		cfg["name"] = "bundle"
	}
	data, err := json.Marshal(cfg)
	if err != nil {
		return rest.Client{}, fmt.Errorf("bundle service configuration: %w", err)
	}
	c, err := rest.New(data, nil, rest.Logger(logging.NewNoOpLogger()))
	if err != nil {
		return rest.Client{}, fmt.Errorf("bundle service configuration: %w", err)
	}
	if _, err := c.Config().AuthPlugin(c.AuthPluginLookup()); err != nil {
		return rest.Client{}, fmt.Errorf("bundle service credentials: %w", err)
	}
	return c, nil
}

// String implements bundles.Source.
func (s *HTTPSource) String() string { return s.url }

// LongPolling implements bundles.LongPoller.
func (s *HTTPSource) LongPolling() bool { return s.longPollTimeout > 0 && s.longPoll.Load() }

// Fetch implements bundles.Source.
func (s *HTTPSource) Fetch(ctx context.Context, req bundles.FetchRequest) (*bundles.Archive, error) {
	longPoll := req.Poll && req.ETag != "" && s.LongPolling()
	// Every request is bounded: a long poll by the time the server may hold
	// it plus a margin, any other by the fetch timeout.
	timeout := s.fetchTimeout
	client := s.client
	if longPoll {
		timeout = s.longPollTimeout + 30*time.Second
		client = s.lpClient
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	prefer := "modes=snapshot"
	if longPoll {
		prefer += ";wait=" + strconv.Itoa(int(s.longPollTimeout/time.Second))
	}
	client = client.
		WithHeader("Accept", "application/gzip, application/octet-stream, "+openPolicyAgentBundles).
		WithHeader("If-None-Match", req.ETag).
		WithHeader("Prefer", prefer)

	resp, err := client.Do(ctx, http.MethodGet, s.path)
	if err != nil {
		s.longPoll.Store(false)
		return nil, fmt.Errorf("fetch bundle from %s: %w", s.url, err)
	}
	defer resp.Body.Close()

	switch resp.StatusCode {
	case http.StatusOK:
		s.longPoll.Store(resp.Header.Get("Content-Type") == openPolicyAgentBundles)
		a, err := bundles.ReadArchive(resp.Body, s.sizeLimit)
		if err != nil {
			return nil, fmt.Errorf("bundle from %s: %w", s.url, err)
		}
		a.ETag = resp.Header.Get("ETag")
		return a, nil
	case http.StatusNotModified:
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return nil, bundles.ErrNotModified
	default:
		s.longPoll.Store(false)
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return nil, fmt.Errorf("fetch bundle from %s: server answered %s", s.url, resp.Status)
	}
}

// redactURL writes u without the password of its user info.
func redactURL(u *url.URL) string {
	if _, ok := u.User.Password(); ok {
		c := *u
		c.User = url.UserPassword(u.User.Username(), "REDACTED")
		return c.String()
	}
	return u.String()
}

// DefaultPollInterval implements bundles.Poller: a bundle server is asked
// for a new bundle every 30 seconds unless it long-polls.
func (s *HTTPSource) DefaultPollInterval() time.Duration { return 30 * time.Second }
