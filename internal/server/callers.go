package server

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sendgate/sendgate/internal/auth"
)

// errNoCaller is all a refused caller learns; the call log has why.
var errNoCaller = status.Error(codes.Unauthenticated,
	"this call needs a valid bearer token (authorization: Bearer …) or client certificate")

// IdentifyCallers records who made each call (auth.Identify) in its
// context, health checks aside; RequireCallers refuses it later, so that
// the interceptors between (metrics, the call log) see refused calls too,
// under auth.Unauthenticated.
func IdentifyCallers(a *auth.Authenticator) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if !open(info.FullMethod) {
			c, err := a.Identify(ctx)
			ctx = auth.WithIdentity(ctx, auth.Identity{Caller: c, Err: err})
		}
		return handler(ctx, req)
	}
}

// RequireCallers answers UNAUTHENTICATED to a call IdentifyCallers could
// not name; only health checks pass without a name.
func RequireCallers() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if err := admitted(ctx, info.FullMethod); err != nil {
			return nil, err
		}
		return handler(ctx, req)
	}
}

func admitted(ctx context.Context, fullMethod string) error {
	if open(fullMethod) {
		return nil
	}
	if id, ok := auth.FromContext(ctx); !ok || id.Err != nil {
		return errNoCaller
	}
	return nil
}

// AuthenticateStreams names the caller of each streaming call (server
// reflection) and refuses it when it cannot; health watches pass.
func AuthenticateStreams(a *auth.Authenticator) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		if open(info.FullMethod) {
			return handler(srv, ss)
		}
		c, err := a.Identify(ss.Context())
		ctx := auth.WithIdentity(ss.Context(), auth.Identity{Caller: c, Err: err})
		if err := admitted(ctx, info.FullMethod); err != nil {
			return err
		}
		return handler(srv, &identifiedStream{ServerStream: ss, ctx: ctx})
	}
}

// identifiedStream is a stream whose context names its caller.
type identifiedStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *identifiedStream) Context() context.Context { return s.ctx }
