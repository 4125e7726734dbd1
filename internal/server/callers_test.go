package server

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/sendgate/sendgate/internal/auth"
)

func testAuthenticator(t testing.TB) *auth.Authenticator {
	file := filepath.Join(t.TempDir(), "tokens")
	if err := os.WriteFile(file, []byte("billing:billing-0123456789abcdef\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tokens, err := auth.LoadTokens(file, nil)
	if err != nil {
		t.Fatal(err)
	}
	return auth.New(auth.Config{Tokens: tokens})
}

// TestIdentifyThenRequire checks the pair: the interceptors between them
// see the caller, or why there is none, and the call is refused only at
// the end; health checks pass without a caller.
func TestIdentifyThenRequire(t *testing.T) {
	identify, require := IdentifyCallers(testAuthenticator(t)), RequireCallers()
	for _, tc := range []struct {
		name, method, authorization, wantLabel string
		wantCode                               codes.Code
		handled                                bool
	}{
		{"known_token", "/sendgate.v1.DecisionService/Check", "Bearer billing-0123456789abcdef", "billing", codes.OK, true},
		{"unknown_token", "/sendgate.v1.DecisionService/Check", "Bearer billing-0123456789abcdeX", auth.Unauthenticated, codes.Unauthenticated, false},
		{"no_token", "/sendgate.v1.DecisionService/CheckBatch", "", auth.Unauthenticated, codes.Unauthenticated, false},
		{"health_open", "/grpc.health.v1.Health/Check", "", auth.Anonymous, codes.OK, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			if tc.authorization != "" {
				ctx = metadata.NewIncomingContext(ctx, metadata.Pairs("authorization", tc.authorization))
			}
			info := &grpc.UnaryServerInfo{FullMethod: tc.method}
			var between string
			handled := false
			_, err := identify(ctx, nil, info, func(ctx context.Context, req any) (any, error) {
				between = auth.Label(ctx)
				return require(ctx, req, info, func(context.Context, any) (any, error) {
					handled = true
					return nil, nil
				})
			})
			if status.Code(err) != tc.wantCode || handled != tc.handled || between != tc.wantLabel {
				t.Fatalf("code %v, handled %v, caller between %q; want %v, %v, %q", status.Code(err), handled, between, tc.wantCode, tc.handled, tc.wantLabel)
			}
		})
	}
	// Without IdentifyCallers before it, RequireCallers refuses.
	_, err := require(context.Background(), nil, &grpc.UnaryServerInfo{FullMethod: "/sendgate.v1.DecisionService/Check"},
		func(context.Context, any) (any, error) { return nil, nil })
	if status.Code(err) != codes.Unauthenticated {
		t.Fatalf("require alone: %v", err)
	}
}

func BenchmarkIdentifyCallers(b *testing.B) {
	identify := IdentifyCallers(testAuthenticator(b))
	info := &grpc.UnaryServerInfo{FullMethod: "/sendgate.v1.DecisionService/Check"}
	ctx := metadata.NewIncomingContext(context.Background(), metadata.Pairs("authorization", "Bearer billing-0123456789abcdef"))
	ok := func(context.Context, any) (any, error) { return nil, nil }
	b.ReportAllocs()
	for b.Loop() {
		_, _ = identify(ctx, nil, info, ok)
	}
}
