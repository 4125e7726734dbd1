package tlsconf_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sendgate/sendgate/internal/filewatch"
	"github.com/sendgate/sendgate/internal/testkit"
	"github.com/sendgate/sendgate/internal/tlsconf"
)

// result is one handshake seen from both ends.
type result struct {
	serverErr error
	client    tls.ConnectionState
	clientErr error
	server    tls.ConnectionState
}

// handshake serves one TLS handshake with srv on 127.0.0.1 and makes it
// with cli. Under TLS 1.3 a client finishes before the server has checked
// its certificate, so the server's error is the verdict.
func handshake(t *testing.T, srv, cli *tls.Config) result {
	t.Helper()
	lis, err := tls.Listen("tcp", "127.0.0.1:0", srv)
	if err != nil {
		t.Fatal(err)
	}
	defer lis.Close()
	type side struct {
		st  tls.ConnectionState
		err error
	}
	done := make(chan side, 1)
	go func() {
		c, err := lis.Accept()
		if err != nil {
			done <- side{err: err}
			return
		}
		defer c.Close()
		tc := c.(*tls.Conn)
		_ = tc.SetDeadline(time.Now().Add(10 * time.Second))
		err = tc.Handshake()
		done <- side{st: tc.ConnectionState(), err: err}
	}()
	var r result
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", lis.Addr().String(), cli)
	if err == nil {
		r.client = c.ConnectionState()
		defer c.Close()
	}
	r.clientErr = err
	s := <-done
	r.server, r.serverErr = s.st, s.err
	return r
}

// fixture is a CA, a server certificate in dir and a client trusting the CA.
type fixture struct {
	dir            string
	ca             *testkit.CA
	cert, key, cas string
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{dir: t.TempDir(), ca: testkit.NewCA(t, "test CA")}
	f.cert, f.key = f.ca.Issue(t, "server", testkit.CertOptions{}).Write(t, f.dir, "server")
	f.cas = f.ca.WritePEM(t, f.dir, "clients-ca.pem")
	return f
}

// client trusts the fixture's CA and presents cert, if given, whatever CAs
// the server asks for (Go's client would otherwise send none that another
// CA signed).
func (f *fixture) client(cert ...tls.Certificate) *tls.Config {
	cfg := &tls.Config{RootCAs: f.ca.Pool(), ServerName: "localhost"}
	if len(cert) > 0 {
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &cert[0], nil }
	}
	return cfg
}

func load(t *testing.T, files tlsconf.Files, o tlsconf.Options) *tlsconf.Reloader {
	t.Helper()
	if o.Logger == nil {
		o.Logger = testkit.Quiet()
	}
	r, err := tlsconf.Load(files, o)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestLoadRefusesUnusableFiles(t *testing.T) {
	f := newFixture(t)
	other := testkit.NewCA(t, "other CA")
	_, otherKey := other.Issue(t, "other", testkit.CertOptions{}).Write(t, f.dir, "other")
	notPEM := filepath.Join(f.dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(f.dir, "missing.pem")
	for _, tc := range []struct {
		name  string
		files tlsconf.Files
		want  string
	}{
		{"no_key", tlsconf.Files{Cert: f.cert}, "admin TLS: a certificate and its key are both needed"},
		{"client_ca_alone", tlsconf.Files{ClientCA: f.cas}, "a certificate and its key are both needed"},
		{"missing_cert", tlsconf.Files{Cert: missing, Key: f.key}, "admin TLS certificate: open"},
		{"missing_key", tlsconf.Files{Cert: f.cert, Key: missing}, "admin TLS key: open"},
		{"key_of_another_certificate", tlsconf.Files{Cert: f.cert, Key: otherKey}, "private key does not match public key"},
		{"cert_not_pem", tlsconf.Files{Cert: notPEM, Key: f.key}, "admin TLS certificate"},
		{"client_ca_not_pem", tlsconf.Files{Cert: f.cert, Key: f.key, ClientCA: notPEM}, "admin TLS client CA: no certificate in"},
		{"missing_client_ca", tlsconf.Files{Cert: f.cert, Key: f.key, ClientCA: missing}, "admin TLS client CA: open"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tlsconf.Load(tc.files, tlsconf.Options{Name: "admin", Logger: testkit.Quiet()})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Load: %v, want an error with %q", err, tc.want)
			}
		})
	}
}

func TestServerConfig(t *testing.T) {
	f := newFixture(t)
	srv := load(t, tlsconf.Files{Cert: f.cert, Key: f.key}, tlsconf.Options{}).ServerConfig("h2", "http/1.1")

	t.Run("presents_the_certificate", func(t *testing.T) {
		r := handshake(t, srv, f.client())
		if r.clientErr != nil || r.serverErr != nil {
			t.Fatalf("handshake: client %v, server %v", r.clientErr, r.serverErr)
		}
		if cn := r.client.PeerCertificates[0].Subject.CommonName; cn != "server" {
			t.Fatalf("peer certificate %q, want server", cn)
		}
	})
	t.Run("negotiates_the_listeners_protocols", func(t *testing.T) {
		cli := f.client()
		cli.NextProtos = []string{"h2"}
		if r := handshake(t, srv, cli); r.client.NegotiatedProtocol != "h2" {
			t.Fatalf("ALPN %q, want h2", r.client.NegotiatedProtocol)
		}
	})
	t.Run("refuses_tls_1_1", func(t *testing.T) {
		cli := f.client()
		cli.MinVersion, cli.MaxVersion = tls.VersionTLS10, tls.VersionTLS11
		if r := handshake(t, srv, cli); r.serverErr == nil || r.clientErr == nil {
			t.Fatalf("a TLS 1.1 handshake succeeded: client %v, server %v", r.clientErr, r.serverErr)
		}
	})
	t.Run("tls_1_2_works", func(t *testing.T) {
		cli := f.client()
		cli.MaxVersion = tls.VersionTLS12
		if r := handshake(t, srv, cli); r.serverErr != nil || r.client.Version != tls.VersionTLS12 {
			t.Fatalf("TLS 1.2: %v, version %x", r.serverErr, r.client.Version)
		}
	})
}

func TestClientCertificates(t *testing.T) {
	f := newFixture(t)
	good := f.ca.Issue(t, "billing", testkit.CertOptions{Client: true}).TLS(t)
	expired := f.ca.Issue(t, "billing", testkit.CertOptions{Client: true,
		NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(-24 * time.Hour)}).TLS(t)
	wrongCA := testkit.NewCA(t, "wrong CA").Issue(t, "billing", testkit.CertOptions{Client: true}).TLS(t)
	files := tlsconf.Files{Cert: f.cert, Key: f.key, ClientCA: f.cas}

	for _, tc := range []struct {
		mode      tls.ClientAuthType
		cert      []tls.Certificate
		name      string
		admitted  bool
		verifiedN int
	}{
		{tls.RequireAndVerifyClientCert, []tls.Certificate{good}, "required/good", true, 1},
		{tls.RequireAndVerifyClientCert, nil, "required/none", false, 0},
		{tls.RequireAndVerifyClientCert, []tls.Certificate{expired}, "required/expired", false, 0},
		{tls.RequireAndVerifyClientCert, []tls.Certificate{wrongCA}, "required/wrong_ca", false, 0},
		{tls.VerifyClientCertIfGiven, []tls.Certificate{good}, "if_given/good", true, 1},
		{tls.VerifyClientCertIfGiven, nil, "if_given/none", true, 0},
		{tls.VerifyClientCertIfGiven, []tls.Certificate{expired}, "if_given/expired", false, 0},
		{tls.VerifyClientCertIfGiven, []tls.Certificate{wrongCA}, "if_given/wrong_ca", false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := tlsconf.Options{}
			if tc.mode != tls.RequireAndVerifyClientCert {
				o.ClientAuth = tc.mode // the default is to require
			}
			r := handshake(t, load(t, files, o).ServerConfig(), f.client(tc.cert...))
			if (r.serverErr == nil) != tc.admitted {
				t.Fatalf("server handshake error %v, want admitted=%v", r.serverErr, tc.admitted)
			}
			if len(r.server.VerifiedChains) != tc.verifiedN {
				t.Fatalf("%d verified chains, want %d", len(r.server.VerifiedChains), tc.verifiedN)
			}
		})
	}
}

// logBuffer is a logger writing JSON lines to a buffer.
func logBuffer() (*slog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	return slog.New(slog.NewJSONHandler(&buf, nil)), &buf
}

func TestReload(t *testing.T) {
	f := newFixture(t)
	log, logs := logBuffer()
	r := load(t, tlsconf.Files{Cert: f.cert, Key: f.key, ClientCA: f.cas}, tlsconf.Options{Logger: log,
		ClientAuth: tls.VerifyClientCertIfGiven})
	srv := r.ServerConfig()
	first := r.Certificate().SerialNumber

	if changed, err := r.Reload(); changed || err != nil {
		t.Fatalf("Reload of unchanged files: %v, %v", changed, err)
	}

	t.Run("new_pair_serves_new_handshakes", func(t *testing.T) {
		next := f.ca.Issue(t, "server", testkit.CertOptions{})
		next.Write(t, f.dir, "server")
		if changed, err := r.Reload(); !changed || err != nil {
			t.Fatalf("Reload: %v, %v", changed, err)
		}
		got := handshake(t, srv, f.client()).client.PeerCertificates[0].SerialNumber
		if got.Cmp(next.Cert.SerialNumber) != 0 || got.Cmp(first) == 0 {
			t.Fatalf("serial %v after reload, want %v", got, next.Cert.SerialNumber)
		}
		if !strings.Contains(logs.String(), "TLS files reloaded") {
			t.Fatalf("no reload logged: %s", logs)
		}
	})

	t.Run("bad_new_files_keep_the_pair_in_use", func(t *testing.T) {
		serving := r.Certificate().SerialNumber
		logs.Reset()
		// A certificate whose key has not been written yet.
		testkit.WriteAtomic(t, f.cert, f.ca.Issue(t, "server", testkit.CertOptions{}).CertPEM)
		for range 2 {
			if changed, err := r.Reload(); changed || err == nil {
				t.Fatalf("Reload of a mismatched pair: %v, %v", changed, err)
			}
		}
		if got := handshake(t, srv, f.client()).client.PeerCertificates[0].SerialNumber; got.Cmp(serving) != 0 {
			t.Fatalf("serial %v, want the one in use, %v", got, serving)
		}
		if n := strings.Count(logs.String(), `"level":"ERROR"`); n != 1 || !strings.Contains(logs.String(), "keeping the certificate in use") {
			t.Fatalf("want one error line for the bad pair, got %d:\n%s", n, logs)
		}
		if err := os.WriteFile(f.cas, []byte("garbage"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := r.Reload(); err == nil || !strings.Contains(err.Error(), "TLS certificate") {
			t.Fatalf("Reload: %v", err)
		}
		if err := os.Remove(f.key); err != nil {
			t.Fatal(err)
		}
		if _, err := r.Reload(); err == nil || !strings.Contains(err.Error(), "TLS key") {
			t.Fatalf("Reload without a key file: %v", err)
		}
		if got := handshake(t, srv, f.client()).client.PeerCertificates[0].SerialNumber; got.Cmp(serving) != 0 {
			t.Fatalf("serial %v, want the one in use, %v", got, serving)
		}
	})

	t.Run("client_ca_rotation", func(t *testing.T) {
		newCA := testkit.NewCA(t, "new clients CA")
		f.ca.Issue(t, "server", testkit.CertOptions{}).Write(t, f.dir, "server")
		testkit.WriteAtomic(t, f.cas, newCA.PEM)
		if changed, err := r.Reload(); !changed || err != nil {
			t.Fatalf("Reload: %v, %v", changed, err)
		}
		oldClient := f.ca.Issue(t, "old", testkit.CertOptions{Client: true}).TLS(t)
		newClient := newCA.Issue(t, "new", testkit.CertOptions{Client: true}).TLS(t)
		if res := handshake(t, srv, f.client(oldClient)); res.serverErr == nil {
			t.Fatal("a client of the replaced CA was admitted")
		}
		if res := handshake(t, srv, f.client(newClient)); res.serverErr != nil || len(res.server.VerifiedChains) == 0 {
			t.Fatalf("a client of the new CA: %v", res.serverErr)
		}
	})
}

func TestWatchReloads(t *testing.T) {
	f := newFixture(t)
	r := load(t, tlsconf.Files{Cert: f.cert, Key: f.key}, tlsconf.Options{Watch: filewatch.Options{Settle: 10 * time.Millisecond, Interval: -1}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Watch(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Watch: %v", err)
		}
	}()
	time.Sleep(50 * time.Millisecond) // the watcher sets up

	next := f.ca.Issue(t, "server", testkit.CertOptions{})
	next.Write(t, f.dir, "server")
	deadline := time.Now().Add(10 * time.Second)
	for r.Certificate().SerialNumber.Cmp(next.Cert.SerialNumber) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("still serving serial %v 10 s after the files changed", r.Certificate().SerialNumber)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
