// Package tlsconf loads a listener's TLS certificate, key and client CAs
// from files and keeps them current: once Watch runs, a changed file is read
// again and new handshakes get the new certificate and CAs, while
// connections already open carry on. A new set that cannot be used (a
// certificate without its key, a key that does not match, a CA file with
// no certificate) changes nothing: the set in use keeps serving and the
// error is logged once.
//
// Every listener sendgate serves over TLS (the gRPC and HTTP/JSON ports,
// metrics, admin) gets its tls.Config here, so they all refuse TLS below
// 1.2 and reload the same way.
package tlsconf

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sendgate/sendgate/internal/filewatch"
)

// Files name a listener's TLS files, all PEM.
type Files struct {
	// Cert is the server certificate, followed by any intermediates.
	Cert string
	// Key is the certificate's private key.
	Key string
	// ClientCA, when set, holds the CA certificates that sign the client
	// certificates the listener accepts.
	ClientCA string
}

// Enabled reports whether any file is named: the listener serves TLS.
func (f Files) Enabled() bool { return f.Cert != "" || f.Key != "" || f.ClientCA != "" }

// Options tune Load; the zero value is usable.
type Options struct {
	// Name names the listener in errors and log lines ("admin" gives
	// "admin TLS certificate: …"); empty for the main ports.
	Name string
	// ClientAuth applies when Files.ClientCA is set:
	// tls.RequireAndVerifyClientCert (the default) refuses a handshake
	// without a certificate the CAs signed; tls.VerifyClientCertIfGiven
	// lets a client without one connect (to present a token instead) but
	// still refuses a certificate that does not verify.
	ClientAuth tls.ClientAuthType
	// Logger receives reloads and refused files; slog.Default() when nil.
	Logger *slog.Logger
	// Watch tunes how changes are noticed.
	Watch filewatch.Options
}

// Reloader holds a listener's current TLS settings.
type Reloader struct {
	files  Files
	opts   Options
	log    *slog.Logger
	cur    atomic.Pointer[state]
	mu     sync.Mutex // serialises reloads
	failed [sha256.Size]byte
}

// state is one usable set of files.
type state struct {
	cfg    *tls.Config
	digest [sha256.Size]byte
	leaf   *x509.Certificate
}

// Load reads files, refusing a set that cannot serve.
func Load(files Files, o Options) (*Reloader, error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.ClientAuth == tls.NoClientCert {
		o.ClientAuth = tls.RequireAndVerifyClientCert
	}
	r := &Reloader{files: files, opts: o, log: o.Logger}
	if files.Cert == "" || files.Key == "" {
		return nil, fmt.Errorf("%s: a certificate and its key are both needed", r.what("TLS"))
	}
	raw, digest, err := r.readFiles()
	if err != nil {
		return nil, err
	}
	st, err := r.parse(raw, digest)
	if err != nil {
		return nil, err
	}
	r.cur.Store(st)
	r.warnExpiry(st.leaf)
	return r, nil
}

// what prefixes a noun with the listener's name.
func (r *Reloader) what(noun string) string {
	return strings.TrimSpace(r.opts.Name + " " + noun)
}

// contents are the bytes of the files.
type contents struct{ cert, key, ca []byte }

func (r *Reloader) readFiles() (contents, [sha256.Size]byte, error) {
	var c contents
	var err error
	if c.cert, err = os.ReadFile(r.files.Cert); err != nil {
		return c, [sha256.Size]byte{}, fmt.Errorf("%s: %w", r.what("TLS certificate"), err)
	}
	if c.key, err = os.ReadFile(r.files.Key); err != nil {
		return c, [sha256.Size]byte{}, fmt.Errorf("%s: %w", r.what("TLS key"), err)
	}
	if r.files.ClientCA != "" {
		if c.ca, err = os.ReadFile(r.files.ClientCA); err != nil {
			return c, [sha256.Size]byte{}, fmt.Errorf("%s: %w", r.what("TLS client CA"), err)
		}
	}
	h := sha256.New()
	for _, b := range [][]byte{c.cert, c.key, c.ca} {
		fmt.Fprintf(h, "%d:", len(b))
		h.Write(b)
	}
	var d [sha256.Size]byte
	h.Sum(d[:0])
	return c, d, nil
}

func (r *Reloader) parse(c contents, digest [sha256.Size]byte) (*state, error) {
	pair, err := tls.X509KeyPair(c.cert, c.key)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", r.what("TLS certificate"), r.files.Cert, err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
	if r.files.ClientCA != "" {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(c.ca) {
			return nil, fmt.Errorf("%s: no certificate in %s", r.what("TLS client CA"), r.files.ClientCA)
		}
		cfg.ClientCAs = pool
		cfg.ClientAuth = r.opts.ClientAuth
	}
	return &state{cfg: cfg, digest: digest, leaf: pair.Leaf}, nil
}

// Reload reads the files again. When they changed and can serve, new
// handshakes get them and changed is true; when they cannot, the set in
// use stays and the error is returned (and logged, once per bad content).
func (r *Reloader) Reload() (changed bool, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	raw, digest, err := r.readFiles()
	if err == nil {
		if digest == r.cur.Load().digest {
			return false, nil
		}
		var st *state
		if st, err = r.parse(raw, digest); err == nil {
			r.cur.Store(st)
			r.failed = [sha256.Size]byte{}
			r.log.Info("TLS files reloaded; new connections get them", "listener", r.listener(),
				"subject", st.leaf.Subject.String(), "serial", fmt.Sprintf("%X", st.leaf.SerialNumber),
				"not_after", st.leaf.NotAfter.UTC().Format(time.RFC3339))
			r.warnExpiry(st.leaf)
			return true, nil
		}
	} else {
		digest = sha256.Sum256([]byte(err.Error()))
	}
	if digest != r.failed {
		r.failed = digest
		cur := r.cur.Load().leaf
		r.log.Error("TLS files not reloaded; keeping the certificate in use", "listener", r.listener(), "error", err,
			"serving_serial", fmt.Sprintf("%X", cur.SerialNumber))
	}
	return false, err
}

func (r *Reloader) listener() string {
	if r.opts.Name == "" {
		return "main"
	}
	return r.opts.Name
}

func (r *Reloader) warnExpiry(leaf *x509.Certificate) {
	if now := time.Now(); now.After(leaf.NotAfter) || now.Before(leaf.NotBefore) {
		r.log.Warn("the TLS certificate is not valid now; clients will refuse it", "listener", r.listener(),
			"not_before", leaf.NotBefore.UTC().Format(time.RFC3339), "not_after", leaf.NotAfter.UTC().Format(time.RFC3339))
	}
}

// Watch reloads the files whenever they may have changed, until ctx ends.
func (r *Reloader) Watch(ctx context.Context) error {
	paths := []string{r.files.Cert, r.files.Key, r.files.ClientCA}
	return filewatch.Watch(ctx, paths, r.opts.Watch, func() { _, _ = r.Reload() })
}

// Certificate is the server certificate new handshakes present.
func (r *Reloader) Certificate() *x509.Certificate { return r.cur.Load().leaf }

// ServerConfig returns a tls.Config that gives each new handshake the
// current certificate and client CAs. nextProtos are the ALPN protocols
// the listener speaks (net/http needs "h2" and "http/1.1"; gRPC adds its
// own "h2").
func (r *Reloader) ServerConfig(nextProtos ...string) *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: nextProtos,
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			cfg := r.cur.Load().cfg
			if len(nextProtos) == 0 {
				return cfg, nil
			}
			cfg = cfg.Clone()
			cfg.NextProtos = nextProtos
			return cfg, nil
		},
	}
}
