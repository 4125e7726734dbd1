package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/sendgate/sendgate/engine"
	"github.com/sendgate/sendgate/server"
)

// envOr returns the environment variable name, or def when it is unset.
func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

func runServe(ctx context.Context, args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", envOr("SENDGATE_ADDR", ":9090"), "gRPC listen address (env SENDGATE_ADDR)")
	bundleSrc := fs.String("bundle", envOr("SENDGATE_BUNDLE", ""), "bundle directory or .tar.gz (default: the embedded default bundle; env SENDGATE_BUNDLE)")
	logLevel := fs.String("log-level", envOr("SENDGATE_LOG_LEVEL", "info"), "log level: debug, info, warn or error")
	maxRecv := fs.Int("max-request-bytes", server.DefaultMaxRecvBytes, "largest request accepted, in bytes")
	shutdownTimeout := fs.Duration("shutdown-timeout", 15*time.Second, "how long in-flight calls may take to finish on SIGTERM")
	if err := fs.Parse(args); err != nil {
		return exitUnusable
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(stderr, "sendgate serve: --log-level: %v\n", err)
		return exitUnusable
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))

	eng := engine.New()
	srv := server.New(server.Config{Engine: eng, Logger: log, MaxRecvBytes: *maxRecv})
	lis, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Error("listen", "addr", *addr, "error", err)
		return exitUnusable
	}

	ps, err := compileBundle(ctx, *bundleSrc)
	if err != nil {
		log.Error("bundle refused", "source", sourceName(*bundleSrc), "error", err)
		return exitUnusable
	}
	eng.Activate(ps)
	srv.SetServing(true)
	log.Info("bundle active", "source", sourceName(*bundleSrc), "revision", ps.Revision())

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(lis) }()
	log.Info("serving", "addr", lis.Addr().String())

	select {
	case <-ctx.Done():
		log.Info("shutting down: draining in-flight calls", "timeout", *shutdownTimeout)
		srv.Stop(*shutdownTimeout)
		log.Info("stopped")
		return exitOK
	case err := <-serveErr:
		if err != nil && !errors.Is(err, net.ErrClosed) {
			log.Error("serve", "error", err)
			return exitUnusable
		}
		return exitOK
	}
}

func sourceName(src string) string {
	if src == "" {
		return "embedded default bundle"
	}
	return src
}
