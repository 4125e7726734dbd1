package bundles_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sendgate/sendgate/internal/bundlesrc"
	"github.com/sendgate/sendgate/internal/testkit"

	"github.com/sendgate/sendgate/bundles"
)

// silentServer is a bundle server that accepts connections and never
// answers.
func silentServer(t *testing.T) (url string, accepted *atomic.Int32) {
	addr, accepted := testkit.SilentListener(t)
	return "http://" + addr + "/bundle.tar.gz", accepted
}

// TestHTTPFetchIsBounded: a server that accepts and stays silent, or sends
// headers and stalls mid-bundle, cannot hold a fetch past the fetch
// timeout (before, only the 10 s header timeout and a fixed minute did).
func TestHTTPFetchIsBounded(t *testing.T) {
	silent, _ := silentServer(t)
	stalled := make(chan struct{})
	stalling := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/gzip")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte{0x1f, 0x8b})
		w.(http.Flusher).Flush()
		<-stalled
	})}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = stalling.Serve(lis) }()
	t.Cleanup(func() { close(stalled); _ = stalling.Close() })

	for name, url := range map[string]string{"silent": silent, "stalled_body": "http://" + lis.Addr().String() + "/b.tar.gz"} {
		t.Run(name, func(t *testing.T) {
			src, err := bundlesrc.NewSource(url, bundlesrc.SourceOptions{FetchTimeout: 300 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_, err = src.Fetch(context.Background(), bundles.FetchRequest{})
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err = %v, want the fetch timeout's deadline", err)
			}
			t.Logf("gave up after %v: %v", time.Since(start).Round(time.Millisecond), err)
		})
	}
}

// TestStartWithSilentSourceServesPersisted: with a last good bundle in the
// data directory, Start serves it without waiting for a source that never
// answers, and the source is still asked, and asked again.
func TestStartWithSilentSourceServesPersisted(t *testing.T) {
	url, accepted := silentServer(t)
	data := filepath.Join(t.TempDir(), "data")
	writeFile(t, bundles.PersistedPath(data), string(minimalTarball(t, "kept-1", nil)))
	src, err := bundlesrc.NewSource(url, bundlesrc.SourceOptions{FetchTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var s served
	m := newManager(t, src, &s, func(c *bundles.Config) { c.DataDir = data })
	start := time.Now()
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	if st := m.Status(); s.Revision() != "kept-1" || !st.Ready || !st.FromPersistence {
		t.Fatalf("serving %q, status %+v", s.Revision(), st)
	}
	if n := accepted.Load(); n != 0 {
		t.Fatalf("Start asked the source first (%d connections)", n)
	}
	t.Logf("serving the last good bundle %v after Start began", took.Round(time.Millisecond))
	run(t, m)
	eventually(t, "the source is asked twice", func() bool { return accepted.Load() >= 2 })
	if st := m.Status(); s.Revision() != "kept-1" || !st.FromPersistence || st.Attempts[0].Result != bundles.ResultFetchFailed {
		t.Fatalf("serving %q, status %+v", s.Revision(), st)
	}
	if _, err := os.Stat(bundles.PersistedPath(data)); err != nil {
		t.Fatal(err)
	}
}
