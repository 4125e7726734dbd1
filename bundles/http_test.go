package bundles_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sendgate/sendgate/internal/bundlesrc"

	"github.com/sendgate/sendgate/bundles"
)

// bundleServer is a bundle server as OPA knows them: ETags, 304s and,
// when asked, long polling.
type bundleServer struct {
	longPoll bool

	mu      sync.Mutex
	tarball []byte
	etag    string
	status  int
	changed chan struct{}

	requests, notModified, longPolls atomic.Int32
}

func newBundleServer(t *testing.T, tarball []byte, etag string, longPoll bool) (*bundleServer, *httptest.Server) {
	t.Helper()
	bs := &bundleServer{longPoll: longPoll, tarball: tarball, etag: etag, changed: make(chan struct{})}
	srv := httptest.NewServer(bs)
	t.Cleanup(srv.Close)
	return bs, srv
}

func (b *bundleServer) set(tarball []byte, etag string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.tarball, b.etag = tarball, etag
	close(b.changed)
	b.changed = make(chan struct{})
}

func (b *bundleServer) fail(status int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.status = status
}

func (b *bundleServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.requests.Add(1)
	b.mu.Lock()
	status, etag, changed := b.status, b.etag, b.changed
	b.mu.Unlock()
	if status != 0 {
		http.Error(w, "unavailable", status)
		return
	}
	if r.Header.Get("If-None-Match") == etag {
		if !b.longPoll || !strings.Contains(r.Header.Get("Prefer"), "wait=") {
			b.notModified.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		b.longPolls.Add(1)
		select {
		case <-changed:
		case <-r.Context().Done():
			return
		case <-time.After(5 * time.Second):
			w.Header().Set("Content-Type", "application/vnd.openpolicyagent.bundles")
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	b.mu.Lock()
	body, etag := b.tarball, b.etag
	b.mu.Unlock()
	w.Header().Set("ETag", etag)
	if b.longPoll {
		w.Header().Set("Content-Type", "application/vnd.openpolicyagent.bundles")
	} else {
		w.Header().Set("Content-Type", "application/gzip")
	}
	_, _ = w.Write(body)
}

func httpSource(t *testing.T, url string) bundles.Source {
	t.Helper()
	src, err := bundlesrc.NewSource(url, bundlesrc.SourceOptions{LongPollTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func TestHTTPNotModifiedDoesNotReactivate(t *testing.T) {
	bs, srv := newBundleServer(t, minimalTarball(t, "http-1", nil), `"v1"`, false)
	var s served
	m := newManager(t, httpSource(t, srv.URL+"/bundle.tar.gz"), &s, func(c *bundles.Config) {
		c.PollInterval = 20 * time.Millisecond
	})
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	run(t, m)
	eventually(t, "three 304 answers", func() bool { return bs.notModified.Load() >= 3 })
	if n := s.activations.Load(); n != 1 {
		t.Fatalf("%d activations after 304s, want 1", n)
	}
	bs.set(minimalTarball(t, "http-2", nil), `"v2"`)
	eventually(t, "http-2 activates", func() bool { return s.Revision() == "http-2" })
	// A manual reload of the same bundle is answered 304 too.
	if a, err := m.Reload(context.Background(), true); err != nil || a.Result != bundles.ResultUnchanged {
		t.Fatalf("reload: %+v, %v", a, err)
	}
	if n := s.activations.Load(); n != 2 {
		t.Fatalf("%d activations, want 2", n)
	}
}

func TestHTTPLongPolling(t *testing.T) {
	bs, srv := newBundleServer(t, minimalTarball(t, "lp-1", nil), `"lp1"`, true)
	var s served
	m := newManager(t, httpSource(t, srv.URL), &s, func(c *bundles.Config) {
		// Only long polling can deliver the update within the test.
		c.PollInterval = time.Hour
	})
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	run(t, m)
	eventually(t, "a long-poll request", func() bool { return bs.longPolls.Load() >= 1 })
	bs.set(minimalTarball(t, "lp-2", nil), `"lp2"`)
	eventually(t, "lp-2 activates", func() bool { return s.Revision() == "lp-2" })
}

func TestHTTPServerGoneKeepsLastGood(t *testing.T) {
	bs, srv := newBundleServer(t, minimalTarball(t, "gone-1", nil), `"g1"`, false)
	var s served
	m := newManager(t, httpSource(t, srv.URL), &s, func(c *bundles.Config) { c.PollInterval = 20 * time.Millisecond })
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	run(t, m)

	bs.fail(http.StatusServiceUnavailable)
	eventually(t, "a failed fetch", func() bool { return lastResult(m) == bundles.ResultFetchFailed })
	bs.fail(0)
	srv.Close()
	eventually(t, "a failed connection", func() bool {
		la := m.Status().LastAttempt
		return la != nil && la.Result == bundles.ResultFetchFailed && !strings.Contains(la.Err.Error(), "503")
	})
	st := m.Status()
	if s.Revision() != "gone-1" || !st.Ready || st.ActiveRevision != "gone-1" || s.activations.Load() != 1 {
		t.Fatalf("serving %q, status %+v", s.Revision(), st)
	}
}

func TestHTTPRestartWithSourceDownServesPersisted(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	_, srv := newBundleServer(t, minimalTarball(t, "persist-1", nil), `"p1"`, false)
	url := srv.URL
	var first served
	m := newManager(t, httpSource(t, url), &first, func(c *bundles.Config) { c.DataDir = data })
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv.Close()

	var second served
	m2 := newManager(t, httpSource(t, url), &second, func(c *bundles.Config) { c.DataDir = data })
	if err := m2.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := m2.Status(); second.Revision() != "persist-1" || !st.FromPersistence || st.Source != url {
		t.Fatalf("serving %q, status %+v", second.Revision(), st)
	}
}

func TestHTTPBadBundleIsRefused(t *testing.T) {
	bs, srv := newBundleServer(t, minimalTarball(t, "ok-1", nil), `"ok1"`, false)
	var s served
	m := newManager(t, httpSource(t, srv.URL), &s, nil)
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	bs.set([]byte("<html>not a bundle</html>"), `"html"`)
	a, err := m.Reload(context.Background(), true)
	if err != nil || a.Result != bundles.ResultRefused || a.Stage != bundles.StageRead || s.Revision() != "ok-1" {
		t.Fatalf("attempt %+v, %v; serving %q", a, err, s.Revision())
	}
}

func TestNewSource(t *testing.T) {
	dir := t.TempDir()
	for spec, want := range map[string]string{
		"https://bundles.example/sendgate.tar.gz": "*bundlesrc.HTTPSource",
		filepath.Join(dir, "b.tar.gz"):            "*bundlesrc.FileSource",
		dir:                                       "*bundlesrc.DirSource",
	} {
		src, err := bundlesrc.NewSource(spec, bundlesrc.SourceOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := typeName(src); got != want {
			t.Errorf("NewSource(%q) is %s, want %s", spec, got, want)
		}
	}
}

func typeName(v any) string {
	switch v.(type) {
	case *bundlesrc.HTTPSource:
		return "*bundlesrc.HTTPSource"
	case *bundlesrc.FileSource:
		return "*bundlesrc.FileSource"
	case *bundlesrc.DirSource:
		return "*bundlesrc.DirSource"
	}
	return "?"
}

func lastResult(m *bundles.Manager) bundles.Result {
	if la := m.Status().LastAttempt; la != nil {
		return la.Result
	}
	return ""
}

func TestNewSourceSchemes(t *testing.T) {
	dir := t.TempDir()
	src, err := bundlesrc.NewSource("file://"+dir, bundlesrc.SourceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := src.(*bundlesrc.DirSource); !ok || src.String() != dir {
		t.Errorf("file:// source is %T %s", src, src)
	}
	oci, err := bundlesrc.NewSource("oci://registry.example/acme/policy:prod", bundlesrc.SourceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if o, ok := oci.(*bundlesrc.OCISource); !ok || o.String() != "oci://registry.example/acme/policy:prod" {
		t.Errorf("oci:// source is %T %s", oci, oci)
	} else {
		t.Cleanup(func() { _ = o.Close() })
	}
	for spec, want := range map[string]string{
		"oci://registry.example":          "want oci://REGISTRY/REPOSITORY",
		"ftp://bundles.example/b.tar.gz":  `unsupported scheme "ftp"`,
		"s3://bucket/b.tar.gz":            "supported: http://, https://, oci://, file://",
		"https://user:pw@x/b.tar.gz#frag": "",
	} {
		_, err := bundlesrc.NewSource(spec, bundlesrc.SourceOptions{})
		if want == "" {
			if err != nil {
				t.Errorf("%s: %v", spec, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want it to say %q", spec, err, want)
		}
	}
}

func TestHTTPSourceCredentialsAndQuery(t *testing.T) {
	var gotAuth, gotQuery string
	tarball := minimalTarball(t, "cred-1", nil)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth, gotQuery = r.Header.Get("Authorization"), r.URL.RawQuery
		_, _ = w.Write(tarball)
	}))
	t.Cleanup(srv.Close)
	service := []byte("credentials:\n  bearer:\n    token: t0k3n\nheaders:\n  X-Tenant: acme\n")
	src, err := bundlesrc.NewSource(srv.URL+"/b/sendgate.tar.gz?v=2", bundlesrc.SourceOptions{Service: service})
	if err != nil {
		t.Fatal(err)
	}
	a, err := src.Fetch(context.Background(), bundles.FetchRequest{})
	if err != nil || len(a.Files) == 0 {
		t.Fatalf("fetch: %v", err)
	}
	if gotAuth != "Bearer t0k3n" || gotQuery != "v=2" {
		t.Fatalf("server saw Authorization %q, query %q", gotAuth, gotQuery)
	}
	if _, err := bundlesrc.NewSource(srv.URL, bundlesrc.SourceOptions{Service: []byte("credentials:\n  bearer: {token: a}\n  oauth2: {token_url: x}\n")}); err == nil {
		t.Error("two credential methods accepted")
	}
}
