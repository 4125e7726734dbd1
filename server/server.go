// Package server is sendgate's gRPC edge: the DecisionService, health,
// reflection and the interceptors around them. It is the only place where
// errors become gRPC status codes.
package server

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"runtime"
	"time"

	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/recovery"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/reflection"

	"github.com/sendgate/sendgate/internal/auth"
	"github.com/sendgate/sendgate/internal/engine"
	"github.com/sendgate/sendgate/internal/ledger"
	iserver "github.com/sendgate/sendgate/internal/server"
	"github.com/sendgate/sendgate/internal/validate"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// DefaultMaxRecvBytes is the largest valid request: a CheckBatch of at most
// validate.MaxBatchBytes. A larger one is refused before it is read.
const DefaultMaxRecvBytes = validate.MaxBatchBytes

// Config assembles a Server.
type Config struct {
	// Engine decides the checks. Required.
	Engine *engine.Engine
	// Logger receives call logs and recovered panics; slog.Default() when nil.
	Logger *slog.Logger
	// Observer is told of every decision, for decision logs and metrics.
	Observer DecisionObserver
	// MaxRecvBytes bounds a request; DefaultMaxRecvBytes when zero.
	MaxRecvBytes int
	// MaxConcurrentStreams bounds the calls one connection has open at once;
	// DefaultMaxConcurrentStreams when zero.
	MaxConcurrentStreams uint32
	// UnaryInterceptors run outermost (after naming the caller, with Auth),
	// before recovery, so that metrics also count the calls a recovered
	// panic turned into INTERNAL and those refused as UNAUTHENTICATED.
	UnaryInterceptors []grpc.UnaryServerInterceptor
	// ServerOptions are added as they are, e.g. a tracing stats handler.
	ServerOptions []grpc.ServerOption
	// Ledger is the consent ledger the LedgerService records in; nil
	// leaves the LedgerService out. (The engine reads it on its own.)
	Ledger *ledger.Ledger
	// TLS, when set, serves TLS (tlsconf gives one that follows changes to
	// its files and requires client certificates when given client CAs).
	TLS *tls.Config
	// Auth, when set, names the caller of every call and refuses with
	// UNAUTHENTICATED those it cannot name; health checks stay open. Calls
	// through InProcess are named the same way.
	Auth *auth.Authenticator
}

// DefaultMaxConcurrentStreams bounds the calls in flight on one
// connection: beyond the engine's queue they would only wait.
const DefaultMaxConcurrentStreams = 256

// handshakeTimeout bounds a new connection's TLS and HTTP/2 handshakes.
const handshakeTimeout = 10 * time.Second

// DecisionObserver is told of every decision, after it is made.
type DecisionObserver = iserver.DecisionObserver

// Server is the gRPC server with its health service.
type Server struct {
	grpc   *grpc.Server
	health *health.Server
	log    *slog.Logger
	// svc, ledger and unary are the DecisionService, the LedgerService
	// (nil without a ledger) and the interceptors around them, for
	// InProcess and InProcessLedger.
	svc        sendgatev1.DecisionServiceServer
	ledger     sendgatev1.LedgerServiceServer
	unary      []grpc.UnaryServerInterceptor
	stopLedger context.CancelFunc
}

// New builds the server. Health reports NOT_SERVING until SetServing(true).
func New(cfg Config) *Server {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	maxRecv := cfg.MaxRecvBytes
	if maxRecv == 0 {
		maxRecv = DefaultMaxRecvBytes
	}
	maxStreams := cfg.MaxConcurrentStreams
	if maxStreams == 0 {
		maxStreams = DefaultMaxConcurrentStreams
	}
	// With Auth, the caller is named first and refused last, so that
	// metrics and the call log count refused calls too, by caller.
	var unary []grpc.UnaryServerInterceptor
	streams := []grpc.StreamServerInterceptor{recovery.StreamServerInterceptor(recovery.WithRecoveryHandlerContext(iserver.RecoverPanic(log)))}
	if cfg.Auth != nil {
		unary = append(unary, iserver.IdentifyCallers(cfg.Auth))
		streams = append(streams, iserver.AuthenticateStreams(cfg.Auth))
	}
	unary = append(unary, cfg.UnaryInterceptors...)
	unary = append(unary, recovery.UnaryServerInterceptor(recovery.WithRecoveryHandlerContext(iserver.RecoverPanic(log))))
	unary = append(unary, iserver.LogCalls(log))
	if cfg.Auth != nil {
		unary = append(unary, iserver.RequireCallers())
	}

	svc := iserver.NewDecisionService(cfg.Engine, cfg.Observer, log)
	opts := append([]grpc.ServerOption{
		grpc.MaxRecvMsgSize(maxRecv),
		grpc.ForceServerCodecV2(iserver.Codec()),
		grpc.MaxConcurrentStreams(maxStreams),
		// Calls run on long-lived stream workers, and a decision runs on
		// its call's goroutine (opafast.Pool), so the stacks stay grown
		// to what OPA's recursion needs instead of growing again on a new
		// goroutine per call (gRPC still starts one for a call that finds
		// every worker busy).
		grpc.NumStreamWorkers(uint32(4 * runtime.GOMAXPROCS(0))),
		// A connection has 10 s to finish the TLS and HTTP/2 handshakes
		// (gRPC's default is 120 s), so slow ones cannot hold the
		// connection slots.
		grpc.ConnectionTimeout(handshakeTimeout),
		// No more decision calls are let in than the engine takes at
		// once; the rest are refused on their headers, before a handler
		// starts.
		grpc.InTapHandle(svc.Tap),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 10 * time.Second, PermitWithoutStream: true}),
		grpc.KeepaliveParams(keepalive.ServerParameters{MaxConnectionIdle: 15 * time.Minute, Time: 2 * time.Minute, Timeout: 20 * time.Second}),
		grpc.ChainUnaryInterceptor(unary...),
		grpc.ChainStreamInterceptor(streams...),
	}, cfg.ServerOptions...)
	if cfg.TLS != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(cfg.TLS)))
	}

	s := &Server{grpc: grpc.NewServer(opts...), health: health.NewServer(), log: log, svc: svc, unary: unary}
	sendgatev1.RegisterDecisionServiceServer(s.grpc, svc)
	healthpb.RegisterHealthServer(s.grpc, s.health)
	if cfg.Ledger != nil {
		s.ledger, s.stopLedger = iserver.RegisterLedgerService(s.grpc, s.health, cfg.Ledger, cfg.Engine, log)
	}
	reflection.Register(s.grpc)
	s.SetServing(false)
	return s
}

// GRPC returns the underlying server, to register further services.
func (s *Server) GRPC() *grpc.Server { return s.grpc }

// SetServing sets the health of the whole server and of the
// DecisionService: SERVING once a bundle is active.
func (s *Server) SetServing(ok bool) {
	st := healthpb.HealthCheckResponse_NOT_SERVING
	if ok {
		st = healthpb.HealthCheckResponse_SERVING
	}
	s.health.SetServingStatus("", st)
	s.health.SetServingStatus(sendgatev1.DecisionService_ServiceDesc.ServiceName, st)
}

// Serve accepts connections on lis until Stop.
func (s *Server) Serve(lis net.Listener) error { return s.grpc.Serve(lis) }

// Stop reports NOT_SERVING, lets in-flight calls finish, and stops; after
// timeout the remaining calls are cut off.
func (s *Server) Stop(timeout time.Duration) {
	if s.stopLedger != nil {
		s.stopLedger()
	}
	s.health.Shutdown()
	done := make(chan struct{})
	go func() {
		s.grpc.GracefulStop()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(timeout):
		s.log.Warn("graceful stop timed out; closing remaining calls", "timeout", timeout)
		s.grpc.Stop()
		<-done
	}
}
