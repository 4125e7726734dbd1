package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"os"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/sendgate/sendgate/internal/auth"
)

// errUnauthenticated is all a refused caller learns.
var errUnauthenticated = status.Error(codes.Unauthenticated,
	"admin calls need a bearer token or a client certificate")

// AdminAuth admits admin callers that present the bearer token held in a
// file, or a client certificate verified against the admin listener's
// client CAs (mTLS). Everyone else gets UNAUTHENTICATED. The zero value
// admits only client certificates.
type AdminAuth struct {
	tokenFile string
}

// NewAdminAuth checks that tokenFile holds a token. The file is read on
// every admin call (they are rare), so a token is rotated by rewriting the
// file. An empty tokenFile admits only client certificates.
func NewAdminAuth(tokenFile string) (*AdminAuth, error) {
	a := &AdminAuth{tokenFile: tokenFile}
	if tokenFile == "" {
		return a, nil
	}
	if _, err := a.token(); err != nil {
		return nil, err
	}
	return a, nil
}

// token reads the token, surrounding whitespace ignored.
func (a *AdminAuth) token() ([]byte, error) {
	raw, err := os.ReadFile(a.tokenFile)
	if err != nil {
		return nil, fmt.Errorf("admin token file: %w", err)
	}
	tok := bytes.TrimSpace(raw)
	if len(tok) == 0 {
		return nil, fmt.Errorf("admin token file %s is empty", a.tokenFile)
	}
	return tok, nil
}

// tokenOK compares digests in constant time, so neither the token's bytes
// nor its length leak through timing. A token file that cannot be read
// admits no one.
func (a *AdminAuth) tokenOK(got string) bool {
	if a.tokenFile == "" || got == "" {
		return false
	}
	want, err := a.token()
	if err != nil {
		return false
	}
	wd, gd := sha256.Sum256(want), sha256.Sum256([]byte(got))
	return subtle.ConstantTimeCompare(gd[:], wd[:]) == 1
}

// Authenticate admits the caller in ctx or returns UNAUTHENTICATED.
func (a *AdminAuth) Authenticate(ctx context.Context) error {
	if auth.VerifiedCertificate(ctx) != nil {
		return nil
	}
	if a.tokenOK(auth.BearerToken(ctx)) {
		return nil
	}
	return errUnauthenticated
}

// open is the health service, which probes reach without credentials.
func open(fullMethod string) bool {
	return strings.HasPrefix(fullMethod, "/"+healthpb.Health_ServiceDesc.ServiceName+"/")
}

// UnaryInterceptor authenticates every unary call but health checks.
func (a *AdminAuth) UnaryInterceptor() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if !open(info.FullMethod) {
			if err := a.Authenticate(ctx); err != nil {
				return nil, err
			}
		}
		return handler(ctx, req)
	}
}

// StreamInterceptor authenticates every streaming call but health watches
// (reflection is a stream).
func (a *AdminAuth) StreamInterceptor() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		if !open(info.FullMethod) {
			if err := a.Authenticate(ss.Context()); err != nil {
				return err
			}
		}
		return handler(srv, ss)
	}
}
