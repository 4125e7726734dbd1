package bundles

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"
)

// openPolicyAgentBundles is the content type with which a bundle server
// says it supports long polling.
const openPolicyAgentBundles = "application/vnd.openpolicyagent.bundles"

// HTTPSource fetches bundles from a bundle server (any server OPA can use:
// a plain web server, object storage, or a bundle service), with ETag /
// If-None-Match conditional requests and OPA's long polling.
type HTTPSource struct {
	url             string
	client          *http.Client
	sizeLimit       int64
	longPollTimeout time.Duration
	// longPoll is whether the server offered long polling in its last answer.
	longPoll atomic.Bool
}

var (
	_ Source     = (*HTTPSource)(nil)
	_ LongPoller = (*HTTPSource)(nil)
)

// NewHTTPSource returns a source for a bundle URL.
func NewHTTPSource(rawURL string, opts SourceOptions) (*HTTPSource, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("bundle source %q is not an http(s) URL", rawURL)
	}
	client := opts.HTTPClient
	if client == nil {
		client = &http.Client{Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:   10 * time.Second,
			IdleConnTimeout:       90 * time.Second,
			MaxIdleConnsPerHost:   2,
			ForceAttemptHTTP2:     true,
			ExpectContinueTimeout: time.Second,
		}}
	}
	lp := opts.LongPollTimeout
	if lp == 0 {
		lp = 30 * time.Second
	}
	return &HTTPSource{url: u.String(), client: client, sizeLimit: opts.SizeLimit, longPollTimeout: lp}, nil
}

// String implements Source.
func (s *HTTPSource) String() string { return s.url }

// LongPolling implements LongPoller.
func (s *HTTPSource) LongPolling() bool { return s.longPollTimeout > 0 && s.longPoll.Load() }

// Fetch implements Source.
func (s *HTTPSource) Fetch(ctx context.Context, req FetchRequest) (*Archive, error) {
	longPoll := req.Poll && req.ETag != "" && s.LongPolling()
	// Every request is bounded: a long poll by the time the server may hold
	// it plus a margin, any other by a fixed timeout.
	timeout := time.Minute
	if longPoll {
		timeout = s.longPollTimeout + 30*time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return nil, fmt.Errorf("bundle request: %w", err)
	}
	hreq.Header.Set("Accept", "application/gzip, application/octet-stream, "+openPolicyAgentBundles)
	if req.ETag != "" {
		hreq.Header.Set("If-None-Match", req.ETag)
	}
	prefer := "modes=snapshot"
	if longPoll {
		prefer += ";wait=" + strconv.Itoa(int(s.longPollTimeout/time.Second))
	}
	hreq.Header.Set("Prefer", prefer)

	resp, err := s.client.Do(hreq)
	if err != nil {
		s.longPoll.Store(false)
		return nil, fmt.Errorf("fetch bundle from %s: %w", s.url, err)
	}
	defer resp.Body.Close()

	switch resp.StatusCode {
	case http.StatusOK:
		s.longPoll.Store(resp.Header.Get("Content-Type") == openPolicyAgentBundles)
		a, err := ReadArchive(resp.Body, s.sizeLimit)
		if err != nil {
			return nil, fmt.Errorf("bundle from %s: %w", s.url, err)
		}
		a.ETag = resp.Header.Get("ETag")
		return a, nil
	case http.StatusNotModified:
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return nil, ErrNotModified
	default:
		s.longPoll.Store(false)
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return nil, fmt.Errorf("fetch bundle from %s: server answered %s", s.url, resp.Status)
	}
}
