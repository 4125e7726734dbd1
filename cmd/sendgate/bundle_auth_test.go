package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sendgate/sendgate/bundles"
	"github.com/sendgate/sendgate/internal/metrics/metricstest"
	"github.com/sendgate/sendgate/internal/testkit"
)

// tokenBundleServer serves the default bundle (revision "auth-1") only to
// requests presenting "Bearer <token>"; others get 401.
func tokenBundleServer(t *testing.T, token string) *httptest.Server {
	t.Helper()
	b, err := bundles.Build(filepath.Join("..", "..", "policies"), bundles.BuildOptions{Revision: "auth-1"})
	if err != nil {
		t.Fatal(err)
	}
	var tarball bytes.Buffer
	if err := bundles.WriteBundle(&tarball, b); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		w.Header().Set("ETag", `"auth-1"`)
		_, _ = w.Write(tarball.Bytes())
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestBundleServerDemandingBearerToken(t *testing.T) {
	const token = "s3cret-bundle-token"
	srv := tokenBundleServer(t, token)
	url := srv.URL + "/bundles/sendgate.tar.gz"
	req := testkit.Utility()

	t.Run("activates_with_the_token", func(t *testing.T) {
		tokenFile := filepath.Join(t.TempDir(), "token")
		if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		r := startServe(t, func(o *serveOptions) {
			o.bundle, o.bundleTokenFile, o.skipBundleTests = url, tokenFile, true
		})
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		resp, err := r.client.Check(ctx, req)
		if err != nil || resp.GetBundleRevision() != "auth-1" {
			t.Fatalf("Check = %v, %v; want a decision by revision auth-1", resp, err)
		}
	})

	t.Run("refused_logged_and_counted_without_it", func(t *testing.T) {
		var logs testkit.Buffer
		r := startServeLogging(t, func(o *serveOptions) {
			o.bundle, o.skipBundleTests = url, true
		}, slog.New(slog.NewTextHandler(&logs, nil)))
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := r.client.Check(ctx, req); status.Code(err) != codes.Unavailable {
			t.Fatalf("Check without an activated bundle: %v, want UNAVAILABLE", err)
		}
		// The first fetch runs while the ports already answer.
		m := metricstest.ScrapeURL(t, "http://"+r.metrics+"/metrics")
		for m.Value("sendgate_bundle_activations_total", "result", "fetch_failed") < 1 && ctx.Err() == nil {
			time.Sleep(20 * time.Millisecond)
			m = metricstest.ScrapeURL(t, "http://"+r.metrics+"/metrics")
		}
		if n := m.Value("sendgate_bundle_activations_total", "result", "fetch_failed"); n < 1 {
			t.Errorf("sendgate_bundle_activations_total{result=fetch_failed} = %v, want >= 1", n)
		}
		if n := m.Value("sendgate_bundle_activations_total", "result", "activated"); n != 0 {
			t.Errorf("%v activations without the token", n)
		}
		if log := logs.String(); !strings.Contains(log, "401 Unauthorized") || !strings.Contains(log, "stage=fetch") {
			t.Errorf("log does not report the refused fetch:\n%s", log)
		}
	})

	t.Run("a_wrong_token_is_refused_too", func(t *testing.T) {
		r := startServeUnready(t, func(o *serveOptions) {
			o.bundle, o.bundleToken, o.skipBundleTests = url, "wrong", true
		})
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := r.client.Check(ctx, req); status.Code(err) != codes.Unavailable {
			t.Fatalf("Check: %v, want UNAVAILABLE", err)
		}
	})
}

func TestUnknownBundleSchemeExits2(t *testing.T) {
	for _, spec := range []string{"ftp://bundles.example/b.tar.gz", "s3://bucket/b.tar.gz", "git+ssh://host/repo"} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), []string{"serve", "--bundle", spec, "--addr", "127.0.0.1:0", "--admin-addr", "", "--metrics-addr", ""}, nil, &stdout, &stderr)
		if code != exitUnusable {
			t.Errorf("serve --bundle %s: exit %d, want %d", spec, code, exitUnusable)
		}
		for _, want := range []string{"unsupported scheme", "http://", "https://", "oci://"} {
			if !strings.Contains(stderr.String(), want) {
				t.Errorf("serve --bundle %s: stderr %q lacks %q", spec, stderr.String(), want)
			}
		}
	}
}
