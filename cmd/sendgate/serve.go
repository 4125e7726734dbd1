package main

import (
	"context"
	"crypto/tls"
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
	"sync/atomic"
	"syscall"
	"time"

	"github.com/sendgate/sendgate/internal/bundlesrc"

	"github.com/open-policy-agent/opa/v1/bundle"
	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc"

	"github.com/sendgate/sendgate/bundles"
	"github.com/sendgate/sendgate/internal/decisionlog"
	"github.com/sendgate/sendgate/internal/engine"
	"github.com/sendgate/sendgate/internal/engine/opafast"
	"github.com/sendgate/sendgate/internal/listen"
	"github.com/sendgate/sendgate/internal/metrics"
	"github.com/sendgate/sendgate/internal/observe"
	"github.com/sendgate/sendgate/internal/tracing"
	"github.com/sendgate/sendgate/policies"
	"github.com/sendgate/sendgate/server"
)

// serveOptions are the flags of "sendgate serve".
type serveOptions struct {
	configFile                   string
	bundleService                string
	bundleToken, bundleTokenFile string
	addr, adminAddr, metricsAddr string
	httpAddr                     string
	bundle, dataDir              string
	verificationKeys             []string
	allowBuiltins                []string
	verificationAlg              string
	pollInterval                 time.Duration
	skipBundleTests              bool
	bundleSizeLimit              int64
	bundleMaxRules               int
	adminTokenFile               string
	adminTLSCert, adminTLSKey    string
	adminClientCA                string
	logLevel                     string
	pprofAddr                    string
	maxRecvBytes                 int
	shutdownTimeout              time.Duration
	decisionTimeout              time.Duration
	maxQueue, maxConnections     int
	decisionLog                  decisionlog.Options
	ledger                       ledgerOptions
	security                     securityOptions
}

// defaultDecisionTimeout is --decision-timeout's default: a decision takes
// about 100 µs, a 4,096-character text under a millisecond.
const defaultDecisionTimeout = 50 * time.Millisecond

// defaultBundleMaxRules is --bundle-max-rules' default: the default bundle
// has 310 rules, tests included, and 10,000 rules compile in about 1.5 s on
// 2 cores; 50,000 took 31 s, during which callers' p99 rose from 8 to
// 113 ms.
const defaultBundleMaxRules = 10000

// listening, when set (by tests), is told the addresses the server bound.
var listening func(grpcAddr, adminAddr, metricsAddr string)

// keyList collects a repeatable --verification-key flag.
type keyList []string

func (k *keyList) String() string     { return strings.Join(*k, ",") }
func (k *keyList) Set(v string) error { *k = append(*k, v); return nil }

// serveFlags defines the flags of "sendgate serve" on a new flag set
// filling o. Each is also a key of the --config file and an environment
// variable SENDGATE_<FLAG> (see loadServeConfig).
func serveFlags(o *serveOptions, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.configFile, "config", "", "YAML file whose keys are these flags' names (env SENDGATE_CONFIG); flags and environment variables override it")
	fs.StringVar(&o.addr, "addr", ":9090", "gRPC listen address")
	fs.StringVar(&o.httpAddr, "http-addr", ":8080", "HTTP/JSON API listen address (POST /v1/check, /v1/check:batch, /v1/ledger/…, GET /openapi.json); empty turns it off")
	fs.StringVar(&o.bundle, "bundle", "", "bundle directory, .tar.gz file, http(s) URL, oci://REGISTRY/REPO[:TAG] or file:// URL (default: the embedded default bundle)")
	fs.StringVar(&o.bundleService, "bundle-service-config", "", "OPA service configuration (YAML or JSON) for http(s) and oci bundle sources: credentials (bearer, oauth2, client_tls, s3_signing, gcp_metadata, azure_managed_identity), headers, tls")
	fs.StringVar(&o.bundleToken, "bundle-bearer-token", "", "bearer token presented to the bundle server (prefer --bundle-bearer-token-file)")
	fs.StringVar(&o.bundleTokenFile, "bundle-bearer-token-file", "", "file holding the bearer token presented to the bundle server, re-read on each fetch")
	fs.StringVar(&o.dataDir, "data-dir", defaultDataDir, "directory keeping the embedded ledger, its generated key and the last good bundle for start-ups while the source is down")
	fs.Var((*keyList)(&o.verificationKeys), "verification-key", "PEM public key or certificate (or hmac:FILE for an HMAC secret; either as ID=...) that bundles must be signed with; repeat to rotate keys")
	fs.StringVar(&o.verificationAlg, "verification-alg", "", "JWS algorithm of the verification keys (e.g. PS256, RS384, HS384); inferred from the key when empty")
	fs.DurationVar(&o.pollInterval, "poll-interval", 0, "re-fetch the bundle source this often (default 30s for http sources, none for watched files)")
	fs.BoolVar(&o.skipBundleTests, "skip-bundle-tests", false, "activate bundles without running their own Rego tests")
	fs.Var((*nameList)(&o.allowBuiltins), "allow-builtin", allowBuiltinUsage)
	fs.Int64Var(&o.bundleSizeLimit, "bundle-size-limit", bundles.DefaultSizeLimit, "largest bundle accepted, in bytes")
	fs.IntVar(&o.bundleMaxRules, "bundle-max-rules", defaultBundleMaxRules, "refuse bundles with more Rego rules than this, tests included (0: no limit); compiling takes time and memory in proportion")
	fs.StringVar(&o.adminAddr, "admin-addr", "127.0.0.1:9091", "AdminService listen address; empty turns it off")
	fs.StringVar(&o.adminTokenFile, "admin-token-file", "", "file holding the bearer token admin calls must present")
	fs.StringVar(&o.adminTLSCert, "admin-tls-cert", "", "TLS certificate of the admin listener")
	fs.StringVar(&o.adminTLSKey, "admin-tls-key", "", "TLS key of the admin listener")
	fs.StringVar(&o.adminClientCA, "admin-client-ca", "", "CA bundle admitting admin callers by client certificate (mTLS)")
	fs.StringVar(&o.metricsAddr, "metrics-addr", metrics.DefaultAddr, "/metrics, /healthz and /readyz listen address; empty turns it off")
	fs.StringVar(&o.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.StringVar(&o.pprofAddr, "pprof-addr", "", "serve Go's /debug/pprof/ profiles on this address, e.g. 127.0.0.1:6060 (default off)")
	fs.IntVar(&o.maxRecvBytes, "max-request-bytes", server.DefaultMaxRecvBytes, "largest request accepted, in bytes")
	fs.DurationVar(&o.shutdownTimeout, "shutdown-timeout", 15*time.Second, "how long in-flight calls may take to finish on SIGTERM")
	fs.DurationVar(&o.decisionTimeout, "decision-timeout", defaultDecisionTimeout, "longest one decision's evaluation may take; the bundle manifest's metadata.sendgate.decision_timeout overrides it")
	fs.IntVar(&o.maxQueue, "max-queue", 0, fmt.Sprintf("decisions that may wait for a free processor; beyond, calls get RESOURCE_EXHAUSTED at once (default %d per processor)", opafast.QueuePerWorker))
	fs.IntVar(&o.maxConnections, "max-connections", 0, "connections the gRPC port keeps open at once (default: the descriptor limit less 64)")
	decisionlog.BindFlags(fs, &o.decisionLog)
	bindLedgerFlags(fs, &o.ledger)
	bindSecurityFlags(fs, &o.security)
	return fs
}

func runServe(ctx context.Context, args []string, stderr io.Writer) int {
	var o serveOptions
	fs := serveFlags(&o, stderr)
	if _, code, ok := loadServeConfig(fs, &o, args, stderr); !ok {
		return code
	}
	var level slog.Level
	_ = level.UnmarshalText([]byte(o.logLevel)) // checked by loadServeConfig
	log := slog.New(slog.NewJSONHandler(stderr, logOptions(level)))
	opafast.TuneGC(log)
	if err := serve(ctx, o, log); err != nil {
		log.Error("sendgate serve", "error", err)
		return exitUnusable
	}
	return exitOK
}

// serve runs the server until ctx ends (SIGINT or SIGTERM), then drains:
// health turns NOT_SERVING, in-flight calls finish, logs are flushed.
//
// Every port is bound and every file read before anything serves, so a
// taken port or a bad file stops start-up at once. Then every listener and
// background job runs in one errgroup: the first to fail stops them all,
// and serve returns its error. Whatever was opened is closed on every way
// out.
func serve(ctx context.Context, o serveOptions, log *slog.Logger) (err error) {
	var closers []func(context.Context)
	defer func() {
		flushCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i](flushCtx)
		}
	}()

	m := metrics.New()
	o.decisionLog.OnDrop, o.decisionLog.OnWriteError, o.decisionLog.Log = m.DecisionLogDropped, m.DecisionLogWriteFailed, log
	rec, err := decisionlog.Open(o.decisionLog)
	if err != nil {
		return err
	}
	closers = append(closers, func(ctx context.Context) {
		if err := rec.Close(ctx); err != nil {
			log.Warn("decision log not fully flushed", "error", err)
		}
	})
	traceOpts, traceShutdown, err := tracing.Setup(ctx)
	if err != nil {
		return err
	}
	closers = append(closers, func(ctx context.Context) {
		if err := traceShutdown(ctx); err != nil {
			log.Warn("trace exporter shutdown", "error", err)
		}
	})

	led, err := openServeLedger(ctx, o.ledger, o.dataDir, m.Registry(), log)
	if err != nil {
		return err
	}
	closers = append(closers, func(context.Context) { led.Close() })
	sec, err := loadSecurity(o, log)
	if err != nil {
		return err
	}
	m.PreRegisterCallers(sec.callerNames()...)

	eng := engine.New(engine.Options{
		MaxQueue:        o.maxQueue,
		DecisionTimeout: o.decisionTimeout,
		Ledger:          led.engineOptions(),
	})
	srv := server.New(server.Config{
		Ledger:            led.ledger(),
		Engine:            eng,
		Logger:            log,
		Observer:          observe.New(rec, m),
		MaxRecvBytes:      o.maxRecvBytes,
		UnaryInterceptors: []grpc.UnaryServerInterceptor{m.UnaryServerInterceptor(), m.CallerInterceptor()},
		ServerOptions:     append(traceOpts, grpc.ChainStreamInterceptor(m.StreamServerInterceptor())),
		TLS:               sec.serverTLS(),
		Auth:              sec.auth,
	})
	m.InitializeGRPC(srv.GRPC())
	m.ObserveEngine(func() metrics.EngineStats {
		c := eng.CacheStats()
		busy, _ := eng.Load()
		return metrics.EngineStats{Queued: busy, Cache: metrics.MessageCacheStats(c)}
	})
	mgr, err := newBundleManager(o, eng, srv, m, log)
	if err != nil {
		return err
	}
	var adminSrv *grpc.Server
	if o.adminAddr != "" {
		if adminSrv, err = newAdminServer(o, mgr, sec.adminTLS(), log); err != nil {
			return err
		}
	}
	var apiSrv *http.Server
	if o.httpAddr != "" {
		if apiSrv, err = httpAPI(o, srv, sec.auth, len(traceOpts) > 0); err != nil {
			return err
		}
		secureHTTP(apiSrv, sec.main)
	}

	// Every port, before anything serves.
	lis, err := listen.Listen(o.addr, listen.Options{MaxConns: o.maxConnections})
	if err != nil {
		return err
	}
	closers = append(closers, func(context.Context) { lis.Close() })
	var hlis, mlis, alis, plis net.Listener
	for _, l := range []struct {
		addr string
		lis  *net.Listener
	}{{o.httpAddr, &hlis}, {o.metricsAddr, &mlis}, {o.adminAddr, &alis}, {o.pprofAddr, &plis}} {
		if l.addr == "" {
			continue
		}
		if *l.lis, err = net.Listen("tcp", l.addr); err != nil {
			return fmt.Errorf("listen on %s: %w", l.addr, err)
		}
		closers = append(closers, func(context.Context) { (*l.lis).Close() })
	}

	g, gctx := errgroup.WithContext(ctx)
	var stopping atomic.Bool
	// serveOn runs one server until shutdown; a server that stops on its
	// own stops everything.
	serveOn := func(name string, run func() error) {
		g.Go(func() error {
			err := run()
			if gctx.Err() != nil || errors.Is(err, http.ErrServerClosed) || errors.Is(err, grpc.ErrServerStopped) {
				return nil
			}
			if err == nil {
				err = errors.New("stopped")
			}
			return fmt.Errorf("%s server: %w", name, err)
		})
	}
	serveOn("gRPC", func() error { return srv.Serve(lis) })
	var httpSrv, pprofSrv *http.Server
	if mlis != nil {
		live := func() error { return lis.Health(healthWindow) }
		httpSrv = m.NewServer(o.metricsAddr, live, func() error {
			switch {
			case stopping.Load():
				return errors.New("shutting down")
			case eng.Active() == nil:
				return bundles.ErrNotReady
			}
			return live()
		})
		secureHTTP(httpSrv, sec.metrics)
		if o.security.metricsTLS.ClientCA != "" {
			httpSrv.Handler = metrics.ClientCertRequired(httpSrv.Handler)
		}
		serveOn("metrics", func() error { return serveHTTP(httpSrv, mlis) })
	}
	if alis != nil {
		serveOn("admin", func() error { return adminSrv.Serve(alis) })
	}
	if hlis != nil {
		serveOn("HTTP/JSON", func() error { return serveHTTP(apiSrv, hlis) })
	}
	if plis != nil {
		pprofSrv = pprofServer()
		log.Info("serving profiles", "pprof_addr", plis.Addr().String())
		serveOn("pprof", func() error { return pprofSrv.Serve(plis) })
	}

	// The first activation (from the source, else the last good bundle)
	// runs while the ports already answer: until it succeeds health says
	// NOT_SERVING and Checks get UNAVAILABLE at once.
	g.Go(func() error {
		if err := mgr.Start(gctx); err != nil && gctx.Err() == nil {
			log.Warn("no bundle active yet; retrying the source", "error", err)
		}
		return mgr.Run(gctx)
	})
	g.Go(func() error { return sec.watch(gctx) })
	g.Go(func() error {
		hup := make(chan os.Signal, 1)
		signal.Notify(hup, syscall.SIGHUP)
		defer signal.Stop(hup)
		for {
			select {
			case <-gctx.Done():
				return nil
			case <-hup:
				log.Info("SIGHUP: reloading the bundle")
				mgr.Trigger(bundles.TriggerSignal)
			}
		}
	})
	g.Go(func() error {
		<-gctx.Done()
		if ctx.Err() != nil {
			log.Info("shutting down: draining in-flight calls", "timeout", o.shutdownTimeout.String())
		}
		stopping.Store(true)
		if apiSrv != nil {
			apiCtx, cancelAPI := context.WithTimeout(context.Background(), o.shutdownTimeout)
			_ = apiSrv.Shutdown(apiCtx)
			cancelAPI()
		}
		srv.Stop(o.shutdownTimeout)
		if adminSrv != nil {
			adminSrv.Stop()
		}
		shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for _, h := range []*http.Server{httpSrv, pprofSrv} {
			if h != nil {
				_ = h.Shutdown(shutCtx)
			}
		}
		return nil
	})

	log.Info("serving", "addr", lis.Addr().String(), "http_addr", addrOf(hlis), "admin_addr", addrOf(alis), "metrics_addr", addrOf(mlis))
	if listening != nil {
		listening(lis.Addr().String(), addrOf(alis), addrOf(mlis))
	}
	if httpListening != nil && hlis != nil {
		httpListening(hlis.Addr().String())
	}
	if err := g.Wait(); err != nil {
		return err
	}
	log.Info("stopped")
	return nil
}

// healthWindow is how long an accept that failed for want of descriptors
// keeps /healthz and /readyz failing.
const healthWindow = 30 * time.Second

func addrOf(l net.Listener) string {
	if l == nil {
		return ""
	}
	return l.Addr().String()
}

// newBundleManager wires the activation pipeline to the engine, health and
// metrics.
func newBundleManager(o serveOptions, eng *engine.Engine, srv *server.Server, m *metrics.Metrics, log *slog.Logger) (*bundles.Manager, error) {
	var src bundles.Source = &bundlesrc.FSSource{FS: policies.FS(), Dir: ".", Name: "embedded default bundle"}
	if o.bundle != "" {
		var err error
		service, err := bundleService(o)
		if err != nil {
			return nil, err
		}
		src, err = bundlesrc.NewSource(o.bundle, bundlesrc.SourceOptions{SizeLimit: o.bundleSizeLimit, Service: service})
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
		MaxRules:     o.bundleMaxRules,
		PollInterval: o.pollInterval,
		Logger:       log,
		Hooks: bundles.Hooks{
			Prepare: func() func() { return opafast.RaiseMemoryLimit(opafast.CompileHeadroom) },
			Compile: func(ctx context.Context, b *bundle.Bundle) (bundles.Compiled, error) {
				return engine.CompileWith(ctx, b, engine.CompileOptions{AllowBuiltins: o.allowBuiltins})
			},
			Test: func(ctx context.Context, b *bundle.Bundle) error {
				_, err := engine.RunTests(ctx, b, engine.TestOptions{Parallel: 1, AllowBuiltins: o.allowBuiltins, DecisionTimeout: o.decisionTimeout})
				return err
			},
			Bench: func(ctx context.Context, c bundles.Compiled) error {
				return benchPolicy(ctx, c.(*engine.PolicySet), o.decisionTimeout)
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
func newAdminServer(o serveOptions, mgr *bundles.Manager, tlsCfg *tls.Config, log *slog.Logger) (*grpc.Server, error) {
	if o.adminTokenFile == "" && o.adminClientCA == "" {
		log.Warn("admin calls are refused: give --admin-token-file or --admin-client-ca to allow them")
	}
	return server.NewAdminServer(server.AdminConfig{
		Controller: mgr,
		TokenFile:  o.adminTokenFile,
		TLS:        tlsCfg,
		Logger:     log,
	})
}
