package gateway

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sendgate/sendgate/internal/auth"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// namingService answers as the interceptors of server.InProcess would:
// UNAUTHENTICATED unless a names the caller, whose name becomes the
// answer's request id.
type namingService struct {
	sendgatev1.UnimplementedDecisionServiceServer
	a *auth.Authenticator
}

func (s namingService) Check(ctx context.Context, _ *sendgatev1.CheckRequest) (*sendgatev1.CheckResponse, error) {
	c, err := s.a.Identify(ctx)
	if err != nil {
		return nil, status.Error(codes.Unauthenticated, "who are you")
	}
	return &sendgatev1.CheckResponse{RequestId: c.Name + "/" + c.By}, nil
}

func TestCallersReachTheService(t *testing.T) {
	file := filepath.Join(t.TempDir(), "tokens")
	if err := os.WriteFile(file, []byte("billing:billing-0123456789abcdef\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tokens, err := auth.LoadTokens(file, nil)
	if err != nil {
		t.Fatal(err)
	}
	a := auth.New(auth.Config{Tokens: tokens, ClientCertificates: true})
	h, err := New(Config{Service: namingService{a: a}, MaxBodyBytes: 1 << 20, Auth: a})
	if err != nil {
		t.Fatal(err)
	}
	verified := &tls.ConnectionState{VerifiedChains: [][]*x509.Certificate{{{Subject: pkix.Name{CommonName: "campaigns-svc"}}}}}

	for _, tc := range []struct {
		name, method, path, authorization string
		tls                               *tls.ConnectionState
		wantCode                          int
		wantBody                          string
	}{
		{"bearer_token", http.MethodPost, "/v1/check", "Bearer billing-0123456789abcdef", nil, http.StatusOK, `"requestId":"billing/token"`},
		{"client_certificate", http.MethodPost, "/v1/check", "", verified, http.StatusOK, `"requestId":"campaigns-svc/certificate"`},
		{"nobody", http.MethodPost, "/v1/check", "", &tls.ConnectionState{}, http.StatusUnauthorized, `"code":16`},
		{"openapi_token", http.MethodGet, "/openapi.json", "Bearer billing-0123456789abcdef", nil, http.StatusOK, `"swagger"`},
		{"openapi_certificate", http.MethodGet, "/openapi.json", "", verified, http.StatusOK, `"swagger"`},
		{"openapi_nobody", http.MethodGet, "/openapi.json", "Bearer wrong", nil, http.StatusUnauthorized, `"code":16`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.path, strings.NewReader("{}"))
			req.TLS = tc.tls
			if tc.authorization != "" {
				req.Header.Set("Authorization", tc.authorization)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.wantCode || !strings.Contains(rec.Body.String(), tc.wantBody) {
				t.Fatalf("%d %s; want %d with %s", rec.Code, rec.Body.String(), tc.wantCode, tc.wantBody)
			}
			if got := rec.Header().Get("WWW-Authenticate"); (rec.Code == http.StatusUnauthorized) != (got == bearerChallenge) {
				t.Fatalf("WWW-Authenticate %q with status %d", got, rec.Code)
			}
		})
	}
}
