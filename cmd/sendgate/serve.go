package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/open-policy-agent/opa/v1/bundle"
	"google.golang.org/grpc"

	"github.com/sendgate/sendgate/bundles"
	"github.com/sendgate/sendgate/internal/decisionlog"
	"github.com/sendgate/sendgate/internal/engine"
	"github.com/sendgate/sendgate/internal/engine/opafast"
	"github.com/sendgate/sendgate/internal/metrics"
	"github.com/sendgate/sendgate/internal/observe"
	"github.com/sendgate/sendgate/internal/tracing"
	"github.com/sendgate/sendgate/policies"
	"github.com/sendgate/sendgate/server"
)

// serveOptions are the flags of "sendgate serve".
type serveOptions struct {
	addr, adminAddr, metricsAddr string
	bundle, dataDir              string
	verificationKeys             []string
	verificationAlg              string
	pollInterval                 time.Duration
	skipBundleTests              bool
	bundleSizeLimit              int64
	adminTokenFile               string
	adminTLSCert, adminTLSKey    string
	adminClientCA                string
	logLevel                     string
	pprofAddr                    string
	maxRecvBytes                 int
	shutdownTimeout              time.Duration
	decisionLog                  decisionlog.Options
	ledger                       ledgerOptions
}

// listening, when set (by tests), is told the addresses the server bound.
var listening func(grpcAddr, adminAddr, metricsAddr string)

// envOr returns the environment variable name, or def when it is unset.
func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

// keyList collects a repeatable --verification-key flag.
type keyList []string

func (k *keyList) String() string     { return strings.Join(*k, ",") }
func (k *keyList) Set(v string) error { *k = append(*k, v); return nil }

func runServe(ctx context.Context, args []string, stderr io.Writer) int {
	var o serveOptions
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", envOr("SENDGATE_ADDR", ":9090"), "gRPC listen address (env SENDGATE_ADDR)")
	fs.StringVar(&o.bundle, "bundle", envOr("SENDGATE_BUNDLE", ""), "bundle directory, .tar.gz file or http(s) URL (default: the embedded default bundle; env SENDGATE_BUNDLE)")
	fs.StringVar(&o.dataDir, "data-dir", envOr("SENDGATE_DATA_DIR", defaultDataDir), "directory keeping the embedded ledger, its generated key and the last good bundle for start-ups while the source is down")
	fs.Var((*keyList)(&o.verificationKeys), "verification-key", "PEM public key (or ID=PEM) that bundles must be signed with; repeat to rotate keys")
	fs.StringVar(&o.verificationAlg, "verification-alg", "", "JWS algorithm of the verification keys (e.g. PS256, RS384, HS384); inferred from the key when empty")
	fs.DurationVar(&o.pollInterval, "poll-interval", 0, "re-fetch the bundle source this often (default 30s for http sources, none for watched files)")
	fs.BoolVar(&o.skipBundleTests, "skip-bundle-tests", false, "activate bundles without running their own Rego tests")
	fs.Int64Var(&o.bundleSizeLimit, "bundle-size-limit", bundles.DefaultSizeLimit, "largest bundle accepted, in bytes")
	fs.StringVar(&o.adminAddr, "admin-addr", envOr("SENDGATE_ADMIN_ADDR", "127.0.0.1:9091"), "AdminService listen address; empty turns it off")
	fs.StringVar(&o.adminTokenFile, "admin-token-file", envOr("SENDGATE_ADMIN_TOKEN_FILE", ""), "file holding the bearer token admin calls must present")
	fs.StringVar(&o.adminTLSCert, "admin-tls-cert", "", "TLS certificate of the admin listener")
	fs.StringVar(&o.adminTLSKey, "admin-tls-key", "", "TLS key of the admin listener")
	fs.StringVar(&o.adminClientCA, "admin-client-ca", "", "CA bundle admitting admin callers by client certificate (mTLS)")
	fs.StringVar(&o.metricsAddr, "metrics-addr", envOr("SENDGATE_METRICS_ADDR", metrics.DefaultAddr), "/metrics, /healthz and /readyz listen address; empty turns it off")
	fs.StringVar(&o.logLevel, "log-level", envOr("SENDGATE_LOG_LEVEL", "info"), "log level: debug, info, warn or error")
	fs.StringVar(&o.pprofAddr, "pprof-addr", envOr("SENDGATE_PPROF_ADDR", ""), "serve Go's /debug/pprof/ profiles on this address, e.g. 127.0.0.1:6060 (default off)")
	fs.IntVar(&o.maxRecvBytes, "max-request-bytes", server.DefaultMaxRecvBytes, "largest request accepted, in bytes")
	fs.DurationVar(&o.shutdownTimeout, "shutdown-timeout", 15*time.Second, "how long in-flight calls may take to finish on SIGTERM")
	decisionlog.BindFlags(fs, &o.decisionLog)
	bindLedgerFlags(fs, &o.ledger)
	if err := fs.Parse(args); err != nil {
		return exitUnusable
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "sendgate serve: unexpected argument %q\n", fs.Arg(0))
		return exitUnusable
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		fmt.Fprintf(stderr, "sendgate serve: --log-level: %v\n", err)
		return exitUnusable
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))
	opafast.TuneGC(log)
	if err := serve(ctx, o, log); err != nil {
		log.Error("sendgate serve", "error", err)
		return exitUnusable
	}
	return exitOK
}

// serve runs the server until ctx ends (SIGINT or SIGTERM), then drains:
// health turns NOT_SERVING, in-flight calls finish, logs are flushed.
func serve(ctx context.Context, o serveOptions, log *slog.Logger) error {
	m := metrics.New()
	o.decisionLog.OnDrop, o.decisionLog.OnWriteError, o.decisionLog.Log = m.DecisionLogDropped, m.DecisionLogWriteFailed, log
	rec, err := decisionlog.Open(o.decisionLog)
	if err != nil {
		return err
	}
	traceOpts, traceShutdown, err := tracing.Setup(ctx)
	if err != nil {
		return err
	}

	led, err := openServeLedger(ctx, o.ledger, o.dataDir, m.Registry(), log)
	if err != nil {
		return err
	}
	defer led.Close()
	eng := engine.New(engine.Options{Ledger: led.engineOptions()})
	srv := server.New(server.Config{
		Ledger:            led.ledger(),
		Engine:            eng,
		Logger:            log,
		Observer:          observe.New(rec, m),
		MaxRecvBytes:      o.maxRecvBytes,
		UnaryInterceptors: []grpc.UnaryServerInterceptor{m.UnaryServerInterceptor()},
		ServerOptions:     append(traceOpts, grpc.ChainStreamInterceptor(m.StreamServerInterceptor())),
	})
	m.InitializeGRPC(srv.GRPC())

	mgr, err := newBundleManager(o, eng, srv, m, log)
	if err != nil {
		return err
	}

	lis, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", o.addr, err)
	}
	var stopping atomic.Bool
	var wg sync.WaitGroup
	defer wg.Wait()

	var httpSrv *http.Server
	metricsAddr := ""
	if o.metricsAddr != "" {
		mlis, err := net.Listen("tcp", o.metricsAddr)
		if err != nil {
			lis.Close()
			return fmt.Errorf("listen on %s: %w", o.metricsAddr, err)
		}
		metricsAddr = mlis.Addr().String()
		httpSrv = m.NewServer(o.metricsAddr, func() error {
			switch {
			case stopping.Load():
				return errors.New("shutting down")
			case eng.Active() == nil:
				return bundles.ErrNotReady
			}
			return nil
		})
		wg.Go(func() { _ = httpSrv.Serve(mlis) })
	}

	var pprofSrv *http.Server
	if o.pprofAddr != "" {
		var plis net.Listener
		pprofSrv, plis, err = servePprof(o.pprofAddr)
		if err != nil {
			lis.Close()
			return err
		}
		log.Info("serving profiles", "pprof_addr", plis.Addr().String())
		wg.Go(func() { _ = pprofSrv.Serve(plis) })
	}

	var adminSrv *grpc.Server
	adminAddr := ""
	if o.adminAddr != "" {
		adminSrv, err = newAdminServer(o, mgr, log)
		if err != nil {
			lis.Close()
			return err
		}
		alis, err := net.Listen("tcp", o.adminAddr)
		if err != nil {
			lis.Close()
			return fmt.Errorf("listen on %s: %w", o.adminAddr, err)
		}
		adminAddr = alis.Addr().String()
		wg.Go(func() { _ = adminSrv.Serve(alis) })
	}

	// The first activation: from the source, else the last good bundle.
	// Until one works health stays NOT_SERVING and Run keeps retrying.
	if err := mgr.Start(ctx); err != nil {
		log.Warn("no bundle active yet; retrying the source", "error", err)
	}
	runCtx, stopRun := context.WithCancel(context.WithoutCancel(ctx))
	defer stopRun()
	wg.Go(func() { _ = mgr.Run(runCtx) })
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	wg.Go(func() {
		for {
			select {
			case <-runCtx.Done():
				return
			case <-hup:
				log.Info("SIGHUP: reloading the bundle")
				mgr.Trigger(bundles.TriggerSignal)
			}
		}
	})

	serveErr := make(chan error, 1)
	wg.Go(func() { serveErr <- srv.Serve(lis) })
	log.Info("serving", "addr", lis.Addr().String(), "admin_addr", adminAddr, "metrics_addr", metricsAddr)
	if listening != nil {
		listening(lis.Addr().String(), adminAddr, metricsAddr)
	}

	select {
	case <-ctx.Done():
	case err := <-serveErr:
		if err != nil {
			log.Error("serve", "error", err)
		}
	}
	log.Info("shutting down: draining in-flight calls", "timeout", o.shutdownTimeout)
	stopping.Store(true)
	stopRun()
	srv.Stop(o.shutdownTimeout)
	if adminSrv != nil {
		adminSrv.Stop()
	}
	flushCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := rec.Close(flushCtx); err != nil {
		log.Warn("decision log not fully flushed", "error", err)
	}
	if err := traceShutdown(flushCtx); err != nil {
		log.Warn("trace exporter shutdown", "error", err)
	}
	if httpSrv != nil {
		_ = httpSrv.Shutdown(flushCtx)
	}
	if pprofSrv != nil {
		_ = pprofSrv.Close()
	}
	log.Info("stopped")
	return nil
}

// newBundleManager wires the activation pipeline to the engine, health and
// metrics.
func newBundleManager(o serveOptions, eng *engine.Engine, srv *server.Server, m *metrics.Metrics, log *slog.Logger) (*bundles.Manager, error) {
	var src bundles.Source = &bundles.FSSource{FS: policies.FS(), Dir: ".", Name: "embedded default bundle"}
	if o.bundle != "" {
		var err error
		src, err = bundles.NewSource(o.bundle, bundles.SourceOptions{SizeLimit: o.bundleSizeLimit})
		if err != nil {
			return nil, err
		}
	}
	var keys []bundles.Key
	for _, k := range o.verificationKeys {
		key := bundles.ParseKeySpec(k)
		key.Algorithm = o.verificationAlg
		keys = append(keys, key)
	}
	vc, err := bundles.NewVerificationConfig(keys...)
	if err != nil {
		return nil, err
	}
	return bundles.NewManager(bundles.Config{
		Source:       src,
		Verification: vc,
		SizeLimit:    o.bundleSizeLimit,
		DataDir:      o.dataDir,
		SkipTests:    o.skipBundleTests,
		PollInterval: o.pollInterval,
		Logger:       log,
		Hooks: bundles.Hooks{
			Compile: func(ctx context.Context, b *bundle.Bundle) (bundles.Compiled, error) {
				return engine.Compile(ctx, b)
			},
			Test: func(ctx context.Context, b *bundle.Bundle) error {
				_, err := engine.RunTests(ctx, b, engine.TestOptions{Parallel: 1})
				return err
			},
			Activate: func(c bundles.Compiled) {
				eng.Activate(c.(*engine.PolicySet))
				srv.SetServing(true)
			},
			OnAttempt:   func(a bundles.Attempt) { m.BundleAttempt(string(a.Result)) },
			OnActivated: m.BundleActivated,
		},
	})
}

// newAdminServer builds the AdminService listener with its authentication.
func newAdminServer(o serveOptions, mgr *bundles.Manager, log *slog.Logger) (*grpc.Server, error) {
	if o.adminTokenFile == "" && o.adminClientCA == "" {
		log.Warn("admin calls are refused: give --admin-token-file or --admin-client-ca to allow them")
	}
	return server.NewAdminServer(server.AdminConfig{
		Controller: mgr,
		TokenFile:  o.adminTokenFile,
		TLSCert:    o.adminTLSCert,
		TLSKey:     o.adminTLSKey,
		ClientCA:   o.adminClientCA,
		Logger:     log,
	})
}
