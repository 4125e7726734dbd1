package server

import (
	"crypto/tls"
	"log/slog"

	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/recovery"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"

	iserver "github.com/sendgate/sendgate/internal/server"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// BundleController is the bundle manager as the AdminService sees it.
type BundleController = iserver.BundleController

// AdminConfig assembles the admin gRPC server.
type AdminConfig struct {
	// Controller is the bundle manager. Required.
	Controller BundleController
	// TokenFile holds the bearer token admin callers present; it is read on
	// every admin call, so a token is rotated by rewriting the file.
	TokenFile string
	// TLS, when set, serves TLS (tlsconf gives one that follows changes to
	// its files). With client CAs that verify certificates if given,
	// callers are also admitted by a client certificate (mTLS).
	TLS *tls.Config
	// Logger receives recovered panics; slog.Default() when nil.
	Logger *slog.Logger
}

// NewAdminServer builds the admin listener's gRPC server: AdminService and
// reflection behind the token or client certificate, and an open health
// service. Without a token file or a client CA every admin call is refused.
func NewAdminServer(cfg AdminConfig) (*grpc.Server, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	auth, err := iserver.NewAdminAuth(cfg.TokenFile)
	if err != nil {
		return nil, err
	}
	rec := recovery.WithRecoveryHandlerContext(iserver.RecoverPanic(log))
	opts := []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(recovery.UnaryServerInterceptor(rec), auth.UnaryInterceptor()),
		grpc.ChainStreamInterceptor(recovery.StreamServerInterceptor(rec), auth.StreamInterceptor()),
	}
	if cfg.TLS != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(cfg.TLS)))
	}
	s := grpc.NewServer(opts...)
	sendgatev1.RegisterAdminServiceServer(s, iserver.NewAdminService(cfg.Controller))
	healthpb.RegisterHealthServer(s, health.NewServer())
	reflection.Register(s)
	return s, nil
}
