package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sendgate/sendgate/internal/testkit"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// setRevision rewrites the manifest of the bundle directory dir.
func setRevision(t *testing.T, dir, rev string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, ".manifest"), []byte(`{"revision": "`+rev+`", "roots": ["sendgate"]}`), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestServeReloadsThroughAdminAndWatch serves a bundle directory, changes
// it on disk and through the AdminService, and checks which revision
// answers; a broken edit is refused and the last good revision keeps serving.
func TestServeReloadsThroughAdminAndWatch(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "bundle")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("..", "..", "policies"))); err != nil {
		t.Fatal(err)
	}
	setRevision(t, dir, "r1")
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("s3cret-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := startServe(t, func(o *serveOptions) {
		o.bundle = dir
		o.adminAddr = "127.0.0.1:0"
		o.adminTokenFile = tokenFile
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	req := corpusRequests(t)[0]
	revision := func() string {
		resp, err := r.client.Check(ctx, req)
		if err != nil {
			t.Fatalf("Check: %v", err)
		}
		return resp.GetBundleRevision()
	}
	waitFor := func(want string) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for revision() != want {
			if time.Now().After(deadline) {
				t.Fatalf("revision still %s, want %s", revision(), want)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	if got := revision(); got != "r1" {
		t.Fatalf("revision %s, want r1", got)
	}

	// A file-system change is picked up by the watcher.
	setRevision(t, dir, "r2")
	waitFor("r2")

	// A broken policy is refused; r2 keeps answering.
	broken := filepath.Join(dir, "sendgate", "rules", "broken.rego")
	if err := os.WriteFile(broken, []byte("package sendgate.rules.broken\n\ndeny contains x if {\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	setRevision(t, dir, "r3-broken")

	conn := testkit.Dial(t, r.admin)
	admin := sendgatev1.NewAdminServiceClient(conn)
	if _, err := admin.ReloadBundle(ctx, &sendgatev1.ReloadBundleRequest{Wait: true}); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("ReloadBundle without a token: %v, want UNAUTHENTICATED", err)
	}
	bad := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer wrong")
	if _, err := admin.GetBundleStatus(bad, &sendgatev1.GetBundleStatusRequest{}); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("GetBundleStatus with a wrong token: %v, want UNAUTHENTICATED", err)
	}
	authed := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer s3cret-token")
	res, err := admin.ReloadBundle(authed, &sendgatev1.ReloadBundleRequest{Wait: true})
	if err != nil {
		t.Fatalf("ReloadBundle: %v", err)
	}
	if res.GetAttempt().GetResult() == sendgatev1.BundleAttemptResult_BUNDLE_ATTEMPT_RESULT_ACTIVATED {
		t.Fatalf("a broken bundle was activated: %v", res)
	}
	if got := revision(); got != "r2" {
		t.Fatalf("after a refused bundle revision is %s, want r2", got)
	}
	st, err := admin.GetBundleStatus(authed, &sendgatev1.GetBundleStatusRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if st.GetActiveRevision() != "r2" || st.GetLastError() == "" {
		t.Fatalf("status = %v, want r2 active and the refusal as last error", st)
	}

	// Fixing the bundle and asking for a reload activates it.
	if err := os.Remove(broken); err != nil {
		t.Fatal(err)
	}
	setRevision(t, dir, "r4")
	if _, err := admin.ReloadBundle(authed, &sendgatev1.ReloadBundleRequest{Wait: true}); err != nil {
		t.Fatal(err)
	}
	waitFor("r4")
}
