package metrics

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sendgate/sendgate/internal/auth"
	"github.com/sendgate/sendgate/internal/metrics/metricstest"
)

func TestCallsByCaller(t *testing.T) {
	m := New()
	m.PreRegisterCallers("billing", "campaigns")
	h := m.Handler(nil, nil)
	intercept := m.CallerInterceptor()
	call := func(id *auth.Identity, method string, err error) {
		ctx := context.Background()
		if id != nil {
			ctx = auth.WithIdentity(ctx, *id)
		}
		info := &grpc.UnaryServerInfo{FullMethod: method}
		_, _ = intercept(ctx, nil, info, func(context.Context, any) (any, error) { return nil, err })
	}
	check, batch, health := "/sendgate.v1.DecisionService/Check", "/sendgate.v1.DecisionService/CheckBatch", "/grpc.health.v1.Health/Check"
	billing := &auth.Identity{Caller: auth.Caller{Name: "billing", By: auth.ByToken}}
	for range 3 {
		call(billing, check, nil)
	}
	call(billing, batch, status.Error(codes.InvalidArgument, "bad"))
	call(&auth.Identity{Err: auth.ErrUnknownToken}, check, status.Error(codes.Unauthenticated, "no"))
	call(nil, check, nil)
	call(billing, health, nil)
	// Certificates name callers nobody listed: past the bound they share
	// one label, and a listed name keeps its own.
	for i := range MaxCallers + 10 {
		call(&auth.Identity{Caller: auth.Caller{Name: fmt.Sprintf("cert-%d", i), By: auth.ByCertificate}}, check, nil)
	}
	call(&auth.Identity{Caller: auth.Caller{Name: "campaigns", By: auth.ByToken}}, check, nil)

	s := metricstest.ScrapeHandler(t, h)
	for _, tc := range []struct {
		labels []string
		want   float64
	}{
		{[]string{"caller", "billing", "method", "Check", "code", "OK"}, 3},
		{[]string{"caller", "billing", "method", "CheckBatch", "code", "InvalidArgument"}, 1},
		{[]string{"caller", "unauthenticated", "method", "Check", "code", "Unauthenticated"}, 1},
		{[]string{"caller", "anonymous", "method", "Check", "code", "OK"}, 1},
		{[]string{"caller", "cert-0", "method", "Check", "code", "OK"}, 1},
		{[]string{"caller", "other", "method", "Check", "code", "OK"}, 10},
		{[]string{"caller", "campaigns", "method", "Check", "code", "OK"}, 1},
	} {
		if got := s.Value("sendgate_calls_total", tc.labels...); got != tc.want {
			t.Errorf("sendgate_calls_total%v = %v, want %v", tc.labels, got, tc.want)
		}
	}
	if s.Has("sendgate_calls_total", "method", "Check", "caller", fmt.Sprintf("cert-%d", MaxCallers)) {
		t.Error("a caller past the bound got its own label")
	}
	if got := s.Value("sendgate_calls_total", "caller", "billing"); got != 4 {
		t.Errorf("billing made %v calls, want 4 (its health check is not counted)", got)
	}
}

func TestClientCertRequired(t *testing.T) {
	h := ClientCertRequired(New().Handler(nil, nil))
	get := func(path string, state *tls.ConnectionState) int {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.TLS = state
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	verified := &tls.ConnectionState{VerifiedChains: [][]*x509.Certificate{{{}}}}
	for _, tc := range []struct {
		path  string
		state *tls.ConnectionState
		want  int
	}{
		{"/metrics", verified, http.StatusOK},
		{"/metrics", &tls.ConnectionState{}, http.StatusUnauthorized},
		{"/metrics", nil, http.StatusUnauthorized},
		{"/healthz", &tls.ConnectionState{}, http.StatusOK},
		{"/readyz", nil, http.StatusOK},
	} {
		if got := get(tc.path, tc.state); got != tc.want {
			t.Errorf("GET %s (verified=%v) = %d, want %d", tc.path, tc.state == verified, got, tc.want)
		}
	}
}

func BenchmarkCallerInterceptor(b *testing.B) {
	m := New()
	intercept := m.CallerInterceptor()
	info := &grpc.UnaryServerInfo{FullMethod: "/sendgate.v1.DecisionService/Check"}
	ok := func(context.Context, any) (any, error) { return nil, nil }
	for _, bc := range []struct {
		name string
		ctx  context.Context
	}{
		{"caller=anonymous", context.Background()},
		{"caller=named", auth.WithIdentity(context.Background(), auth.Identity{Caller: auth.Caller{Name: "billing", By: auth.ByToken}})},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = intercept(bc.ctx, nil, info, ok)
			}
		})
	}
}
