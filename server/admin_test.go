package server_test

import (
	"context"
	"crypto/tls"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/sendgate/sendgate/internal/testkit"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"

	"github.com/sendgate/sendgate/bundles"
	"github.com/sendgate/sendgate/internal/tlsconf"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
	"github.com/sendgate/sendgate/server"
)

// fakeController answers as a bundle manager serving "rev-1" whose last
// attempt was refused.
type fakeController struct {
	mu      sync.Mutex
	reloads []bool
}

var refused = bundles.Attempt{
	Trigger: bundles.TriggerAdmin, Result: bundles.ResultRefused, Stage: bundles.StageTest,
	Revision: "rev-2", Err: errors.New("bundle tests failed: 1 failed"),
	StartedAt: time.Unix(1700000000, 0), FinishedAt: time.Unix(1700000001, 0),
}

func (f *fakeController) Reload(_ context.Context, wait bool) (bundles.Attempt, error) {
	f.mu.Lock()
	f.reloads = append(f.reloads, wait)
	f.mu.Unlock()
	if !wait {
		return bundles.Attempt{Trigger: bundles.TriggerAdmin}, nil
	}
	return refused, nil
}

func (f *fakeController) Status() bundles.Status {
	return bundles.Status{
		Ready: true, Source: "https://bundles.example/sendgate.tar.gz", ActiveRevision: "rev-1",
		ActivatedAt: time.Unix(1690000000, 0), LastAttempt: &refused,
		LastError: "test: bundle tests failed: 1 failed", LastErrorAt: refused.FinishedAt,
		Attempts: []bundles.Attempt{refused},
	}
}

// startAdmin serves the admin server on 127.0.0.1 and returns its address.
func startAdmin(t *testing.T, cfg server.AdminConfig) string {
	t.Helper()
	lis := testkit.Listen(t)
	cfg.Controller = &fakeController{}
	s, err := server.NewAdminServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.Serve(lis) }()
	t.Cleanup(s.Stop)
	return lis.Addr().String()
}

func dial(t *testing.T, addr string, creds credentials.TransportCredentials) *grpc.ClientConn {
	t.Helper()
	if creds == nil {
		creds = insecure.NewCredentials()
	}
	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(creds))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cc.Close() })
	return cc
}

// withAuth bounds a call and sends header as its authorization metadata.
func withAuth(t *testing.T, header string) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	if header == "" {
		return ctx
	}
	return metadata.AppendToOutgoingContext(ctx, "authorization", header)
}

func writeToken(t *testing.T, path, token string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestAdminAuthToken(t *testing.T) {
	tokenFile := filepath.Join(t.TempDir(), "admin-token")
	writeToken(t, tokenFile, "s3cret-token")
	cc := dial(t, startAdmin(t, server.AdminConfig{TokenFile: tokenFile}), nil)
	admin := sendgatev1.NewAdminServiceClient(cc)

	for name, header := range map[string]string{
		"no_token":        "",
		"wrong_token":     "Bearer s3cret-tokeN",
		"token_prefix":    "Bearer s3cret",
		"not_bearer":      "Basic s3cret-token",
		"bare_token":      "s3cret-token",
		"empty_bearer":    "Bearer ",
		"token_plus_more": "Bearer s3cret-token-and-more",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := admin.GetBundleStatus(withAuth(t, header), &sendgatev1.GetBundleStatusRequest{})
			if status.Code(err) != codes.Unauthenticated {
				t.Fatalf("GetBundleStatus: %v, want UNAUTHENTICATED", err)
			}
			_, err = admin.ReloadBundle(withAuth(t, header), &sendgatev1.ReloadBundleRequest{Wait: true})
			if status.Code(err) != codes.Unauthenticated {
				t.Fatalf("ReloadBundle: %v, want UNAUTHENTICATED", err)
			}
		})
	}

	t.Run("right_token", func(t *testing.T) {
		ctx := withAuth(t, "Bearer s3cret-token")
		st, err := admin.GetBundleStatus(ctx, &sendgatev1.GetBundleStatusRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if st.GetActiveRevision() != "rev-1" || !st.GetReady() || st.GetLastAttempt().GetStage() != "test" ||
			len(st.GetRecentAttempts()) != 1 || st.GetActivatedAt().AsTime().Unix() != 1690000000 {
			t.Fatalf("status = %v", st)
		}
		r, err := admin.ReloadBundle(ctx, &sendgatev1.ReloadBundleRequest{Wait: true})
		if err != nil {
			t.Fatal(err)
		}
		a := r.GetAttempt()
		if a.GetResult() != sendgatev1.BundleAttemptResult_BUNDLE_ATTEMPT_RESULT_REFUSED ||
			a.GetTrigger() != sendgatev1.BundleTrigger_BUNDLE_TRIGGER_ADMIN || a.GetError() == "" || r.GetQueued() {
			t.Fatalf("reload = %v", r)
		}
		q, err := admin.ReloadBundle(ctx, &sendgatev1.ReloadBundleRequest{})
		if err != nil || !q.GetQueued() || q.GetAttempt() != nil {
			t.Fatalf("queued reload = %v, %v", q, err)
		}
	})

	t.Run("health_needs_no_token", func(t *testing.T) {
		if _, err := healthpb.NewHealthClient(cc).Check(withAuth(t, ""), &healthpb.HealthCheckRequest{}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("reflection_needs_the_token", func(t *testing.T) {
		stream, err := reflectionpb.NewServerReflectionClient(cc).ServerReflectionInfo(withAuth(t, ""))
		if err == nil {
			_, err = stream.Recv()
		}
		if status.Code(err) != codes.Unauthenticated {
			t.Fatalf("reflection: %v, want UNAUTHENTICATED", err)
		}
	})

	t.Run("rotated_token", func(t *testing.T) {
		writeToken(t, tokenFile, "rotated-token")
		if _, err := admin.GetBundleStatus(withAuth(t, "Bearer s3cret-token"), &sendgatev1.GetBundleStatusRequest{}); status.Code(err) != codes.Unauthenticated {
			t.Fatalf("old token: %v, want UNAUTHENTICATED", err)
		}
		if _, err := admin.GetBundleStatus(withAuth(t, "Bearer rotated-token"), &sendgatev1.GetBundleStatusRequest{}); err != nil {
			t.Fatalf("new token: %v", err)
		}
	})
}

func TestAdminAuthRefusesBadTokenFiles(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	writeToken(t, empty, "  ")
	for _, f := range []string{empty, filepath.Join(dir, "missing")} {
		if _, err := server.NewAdminServer(server.AdminConfig{Controller: &fakeController{}, TokenFile: f}); err == nil {
			t.Errorf("NewAdminServer with token file %s accepted", f)
		}
	}
}

func TestAdminWithoutCredentialsConfiguredRefusesAll(t *testing.T) {
	admin := sendgatev1.NewAdminServiceClient(dial(t, startAdmin(t, server.AdminConfig{}), nil))
	if _, err := admin.GetBundleStatus(withAuth(t, "Bearer anything"), &sendgatev1.GetBundleStatusRequest{}); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("%v, want UNAUTHENTICATED", err)
	}
}

func TestAdminAuthClientCertificate(t *testing.T) {
	dir := t.TempDir()
	ca := testkit.NewCA(t, "admin CA")
	serverCert, serverKey := ca.Issue(t, "server", testkit.CertOptions{}).Write(t, dir, "server")
	client := ca.Issue(t, "operator", testkit.CertOptions{Client: true}).TLS(t)
	tokenFile := filepath.Join(dir, "token")
	writeToken(t, tokenFile, "tls-token")
	tlsCfg, err := tlsconf.Load(tlsconf.Files{Cert: serverCert, Key: serverKey, ClientCA: ca.WritePEM(t, dir, "ca.pem")},
		tlsconf.Options{Name: "admin", ClientAuth: tls.VerifyClientCertIfGiven, Logger: testkit.Quiet()})
	if err != nil {
		t.Fatal(err)
	}
	addr := startAdmin(t, server.AdminConfig{TokenFile: tokenFile, TLS: tlsCfg.ServerConfig()})

	withCert := sendgatev1.NewAdminServiceClient(dial(t, addr, credentials.NewTLS(&tls.Config{
		RootCAs: ca.Pool(), ServerName: "localhost", Certificates: []tls.Certificate{client}})))
	if _, err := withCert.GetBundleStatus(withAuth(t, ""), &sendgatev1.GetBundleStatusRequest{}); err != nil {
		t.Fatalf("client certificate: %v", err)
	}

	noCert := sendgatev1.NewAdminServiceClient(dial(t, addr, credentials.NewTLS(&tls.Config{RootCAs: ca.Pool(), ServerName: "localhost"})))
	if _, err := noCert.GetBundleStatus(withAuth(t, ""), &sendgatev1.GetBundleStatusRequest{}); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("TLS without certificate or token: %v, want UNAUTHENTICATED", err)
	}
	if _, err := noCert.GetBundleStatus(withAuth(t, "Bearer tls-token"), &sendgatev1.GetBundleStatusRequest{}); err != nil {
		t.Fatalf("TLS with token: %v", err)
	}
}
