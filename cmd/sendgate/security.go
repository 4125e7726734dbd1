package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"log/slog"
	"net"
	"net/http"

	"golang.org/x/sync/errgroup"

	"github.com/sendgate/sendgate/internal/auth"
	"github.com/sendgate/sendgate/internal/tlsconf"
)

// securityOptions are serve's TLS and caller authentication flags.
type securityOptions struct {
	tls, metricsTLS tlsconf.Files
	authTokenFile   string
}

func bindSecurityFlags(fs *flag.FlagSet, o *securityOptions) {
	fs.StringVar(&o.tls.Cert, "tls-cert", "", "TLS certificate (PEM, then any intermediates) of the gRPC and HTTP/JSON ports; re-read when the file changes")
	fs.StringVar(&o.tls.Key, "tls-key", "", "private key (PEM) of --tls-cert; re-read when the file changes")
	fs.StringVar(&o.tls.ClientCA, "tls-client-ca", "", "CA certificates (PEM) of callers' client certificates: the gRPC and HTTP/JSON ports then require one they signed (mTLS) and name callers by it; re-read when the file changes")
	fs.StringVar(&o.authTokenFile, "auth-token-file", "", "callers' bearer tokens, one name:token a line: calls without a known token or verified client certificate get UNAUTHENTICATED (health checks aside); re-read when the file changes")
	fs.StringVar(&o.metricsTLS.Cert, "metrics-tls-cert", "", "TLS certificate of the metrics port; re-read when the file changes")
	fs.StringVar(&o.metricsTLS.Key, "metrics-tls-key", "", "private key of --metrics-tls-cert")
	fs.StringVar(&o.metricsTLS.ClientCA, "metrics-client-ca", "", "CA certificates admitting /metrics scrapers by client certificate (mTLS); /healthz and /readyz stay open")
}

// security is what serve's TLS and authentication flags loaded: a TLS
// configuration per listener that serves TLS, the token file and the
// authenticator. watch keeps the files current.
type security struct {
	main, metrics, admin *tlsconf.Reloader
	tokens               *auth.Tokens
	auth                 *auth.Authenticator
}

// loadSecurity reads every TLS and token file, so a bad one stops
// start-up before anything serves.
func loadSecurity(o serveOptions, log *slog.Logger) (*security, error) {
	var s security
	var err error
	if o.security.tls.Enabled() {
		if s.main, err = tlsconf.Load(o.security.tls, tlsconf.Options{Logger: log}); err != nil {
			return nil, err
		}
	}
	if o.security.metricsTLS.Enabled() {
		if s.metrics, err = tlsconf.Load(o.security.metricsTLS, tlsconf.Options{Name: "metrics", Logger: log,
			ClientAuth: tls.VerifyClientCertIfGiven}); err != nil {
			return nil, err
		}
	}
	if admin := (tlsconf.Files{Cert: o.adminTLSCert, Key: o.adminTLSKey, ClientCA: o.adminClientCA}); o.adminAddr != "" && admin.Enabled() {
		// Admin callers may present the admin token instead of a certificate.
		if s.admin, err = tlsconf.Load(admin, tlsconf.Options{Name: "admin", Logger: log,
			ClientAuth: tls.VerifyClientCertIfGiven}); err != nil {
			return nil, err
		}
	}
	if o.security.authTokenFile != "" {
		if s.tokens, err = auth.LoadTokens(o.security.authTokenFile, log); err != nil {
			return nil, err
		}
		if s.main == nil {
			log.Warn("bearer tokens cross the network in clear: give --tls-cert and --tls-key")
		}
	}
	certs := o.security.tls.ClientCA != ""
	if s.tokens != nil || certs {
		s.auth = auth.New(auth.Config{Tokens: s.tokens, ClientCertificates: certs})
	}
	return &s, nil
}

// serverTLS is the TLS configuration of the gRPC port; nil serves plain
// text.
func (s *security) serverTLS() *tls.Config {
	if s.main == nil {
		return nil
	}
	return s.main.ServerConfig()
}

// adminTLS is the admin listener's.
func (s *security) adminTLS() *tls.Config {
	if s.admin == nil {
		return nil
	}
	return s.admin.ServerConfig()
}

// callerNames are the names the token file gives callers.
func (s *security) callerNames() []string {
	if s.tokens == nil {
		return nil
	}
	return s.tokens.Names()
}

// secureHTTP puts r's TLS on an HTTP server; nil leaves it plain text.
func secureHTTP(h *http.Server, r *tlsconf.Reloader) {
	if r != nil {
		h.TLSConfig = r.ServerConfig("h2", "http/1.1")
	}
}

// serveHTTP serves h on lis, over TLS when h has a TLS configuration.
func serveHTTP(h *http.Server, lis net.Listener) error {
	if h.TLSConfig != nil {
		return h.ServeTLS(lis, "", "")
	}
	return h.Serve(lis)
}

// watch re-reads every file when it changes, until ctx ends.
func (s *security) watch(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	for _, r := range []*tlsconf.Reloader{s.main, s.metrics, s.admin} {
		if r != nil {
			g.Go(func() error { return r.Watch(ctx) })
		}
	}
	if s.tokens != nil {
		g.Go(func() error { return s.tokens.Watch(ctx) })
	}
	err := g.Wait()
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
