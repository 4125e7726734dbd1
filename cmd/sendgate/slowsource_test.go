package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sendgate/sendgate/bundles"
	"github.com/sendgate/sendgate/internal/testkit"
)

// TestServeWithSilentSourceServesPersisted starts serve against a bundle
// server that accepts connections and never answers, with a last good
// bundle in --data-dir: Checks are decided by the persisted revision as
// soon as it is activated, without waiting for the source, and the source
// is still asked again and again. (Before, start-up waited for the fetch
// to time out.)
func TestServeWithSilentSourceServesPersisted(t *testing.T) {
	addr, accepted := testkit.SilentListener(t)

	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	b, err := bundles.Build(filepath.Join("..", "..", "policies"), bundles.BuildOptions{Revision: "persisted-1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(data, 0o750); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(bundles.PersistedPath(data))
	if err != nil {
		t.Fatal(err)
	}
	if err := bundles.WriteBundle(f, b); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	// The server must start answering within two seconds, so that this
	// test sees the source retried soon.
	service := filepath.Join(dir, "service.yaml")
	if err := os.WriteFile(service, []byte("response_header_timeout_seconds: 2\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	var logs testkit.Buffer
	r := startServeLogging(t, func(o *serveOptions) {
		o.bundle = "http://" + addr + "/bundle.tar.gz"
		o.bundleService = service
		o.dataDir = data
	}, slog.New(slog.NewJSONHandler(&logs, nil)))
	ctx := testkit.Context(t)
	for {
		resp, err := r.client.Check(ctx, testkit.Utility())
		if err == nil {
			if resp.GetBundleRevision() != "persisted-1" {
				t.Fatalf("decided by %q, want persisted-1", resp.GetBundleRevision())
			}
			// The source is asked only once the last good bundle serves, so
			// no fetch can have failed yet.
			if strings.Contains(logs.String(), "fetch_failed") {
				t.Fatalf("start-up waited for the source to fail:\n%s", logs.String())
			}
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("no decision: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("first decision %v after start-up", time.Since(start).Round(time.Millisecond))
	for accepted.Load() < 2 {
		if ctx.Err() != nil {
			t.Fatalf("the source was asked %d times, want it retried", accepted.Load())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
