package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/sendgate/sendgate/internal/metrics/metricstest"
	"github.com/sendgate/sendgate/internal/testkit"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// Tokens of the test token file; never expected in any log.
const (
	billingToken   = "billing-Zm9vYmFyYmF6cXV4MTIzNDU2"
	campaignsToken = "campaigns-cXV4MTIzNDU2Zm9vYmFyYmF6"
)

// pki is a server certificate from one CA, callers' certificates from
// another, and a token file, in a temporary directory.
type pki struct {
	dir                string
	serverCA, callerCA *testkit.CA
	cert, key          string // the server's
	clientCA           string // the callers' CA file
	tokens             string // the token file
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	p := &pki{dir: t.TempDir(), serverCA: testkit.NewCA(t, "server CA"), callerCA: testkit.NewCA(t, "callers CA")}
	p.cert, p.key = p.serverCA.Issue(t, "sendgate", testkit.CertOptions{}).Write(t, p.dir, "server")
	p.clientCA = p.callerCA.WritePEM(t, p.dir, "callers-ca.pem")
	p.tokens = filepath.Join(p.dir, "tokens")
	testkit.WriteAtomic(t, p.tokens, []byte("# callers of the decision port\nbilling:"+billingToken+"\ncampaigns:"+campaignsToken+"\n"))
	return p
}

// clientTLS trusts the server CA and presents cert, if given, whatever
// CAs the server names (as grpcurl and curl do).
func (p *pki) clientTLS(cert ...tls.Certificate) *tls.Config {
	cfg := &tls.Config{RootCAs: p.serverCA.Pool(), ServerName: "localhost"}
	if len(cert) > 0 {
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &cert[0], nil }
	}
	return cfg
}

// clientCerts are callers' certificates: valid, expired and from a CA the
// server does not trust.
type clientCerts struct{ good, expired, wrongCA tls.Certificate }

func (p *pki) clients(t *testing.T) clientCerts {
	return clientCerts{
		good: p.callerCA.Issue(t, "billing-svc", testkit.CertOptions{Client: true}).TLS(t),
		expired: p.callerCA.Issue(t, "billing-svc", testkit.CertOptions{Client: true,
			NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(-24 * time.Hour)}).TLS(t),
		wrongCA: testkit.NewCA(t, "wrong CA").Issue(t, "billing-svc", testkit.CertOptions{Client: true}).TLS(t),
	}
}

// startSecure runs serve with TLS from p, the HTTP/JSON API on, logging
// at debug into logs; the test client presents cert, if given. It returns
// the server and the API's https base URL.
func startSecure(t *testing.T, p *pki, mutate func(*serveOptions), logs *testkit.Buffer, cert ...tls.Certificate) (*running, string) {
	t.Helper()
	addr := make(chan string, 1)
	httpListening = func(a string) { addr <- a }
	t.Cleanup(func() { httpListening = nil })
	var log *slog.Logger
	if logs != nil {
		log = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	} else {
		log = testkit.Quiet()
	}
	r := startServeLogging(t, func(o *serveOptions) {
		o.httpAddr = "127.0.0.1:0"
		o.security.tls.Cert, o.security.tls.Key = p.cert, p.key
		mutate(o)
	}, log, grpc.WithTransportCredentials(credentials.NewTLS(p.clientTLS(cert...))))
	base := "https://" + <-addr
	r.waitServing(t)
	return r, base
}

// checkOver dials addr with tlsCfg and asks for one Check, with the given
// authorization header if any.
func checkOver(t *testing.T, addr string, tlsCfg *tls.Config, authorization string) (*sendgatev1.CheckResponse, error) {
	t.Helper()
	creds := grpc.WithTransportCredentials(credentials.NewTLS(tlsCfg))
	cc, err := grpc.NewClient(addr, creds)
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if authorization != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", authorization)
	}
	return sendgatev1.NewDecisionServiceClient(cc).Check(ctx, testkit.Utility())
}

// postOver posts a Check to base over HTTPS with tlsCfg.
func postOver(t *testing.T, base string, tlsCfg *tls.Config, authorization string) (int, http.Header, error) {
	t.Helper()
	body, err := protojson.Marshal(testkit.Utility())
	if err != nil {
		t.Fatal(err)
	}
	return httpsDo(t, http.MethodPost, base+"/v1/check", body, tlsCfg, authorization)
}

func httpsDo(t *testing.T, method, url string, body []byte, tlsCfg *tls.Config, authorization string) (int, http.Header, error) {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsCfg, ForceAttemptHTTP2: true}}
	defer client.CloseIdleConnections()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header, nil
}

// TestMutualTLS serves with --tls-client-ca (and a token file): only
// callers with a certificate the callers' CA signed get through the
// handshake, on the gRPC and the HTTP/JSON port alike; a token given as
// well names the caller and must be right.
func TestMutualTLS(t *testing.T) {
	p := newPKI(t)
	c := p.clients(t)
	logs := &testkit.Buffer{}
	r, base := startSecure(t, p, func(o *serveOptions) {
		o.security.tls.ClientCA = p.clientCA
		o.security.authTokenFile = p.tokens
	}, logs, c.good)

	for _, tc := range []struct {
		name          string
		cfg           *tls.Config
		authorization string
		wantCode      codes.Code // for gRPC
		wantHTTP      int        // 0: the handshake fails
	}{
		{"good_certificate", p.clientTLS(c.good), "", codes.OK, http.StatusOK},
		{"good_certificate_and_token", p.clientTLS(c.good), "Bearer " + campaignsToken, codes.OK, http.StatusOK},
		{"good_certificate_wrong_token", p.clientTLS(c.good), "Bearer " + campaignsToken + "x", codes.Unauthenticated, http.StatusUnauthorized},
		{"no_certificate", p.clientTLS(), "", codes.Unavailable, 0},
		{"no_certificate_right_token", p.clientTLS(), "Bearer " + billingToken, codes.Unavailable, 0},
		{"expired_certificate", p.clientTLS(c.expired), "", codes.Unavailable, 0},
		{"wrong_ca_certificate", p.clientTLS(c.wrongCA), "", codes.Unavailable, 0},
	} {
		t.Run(tc.name+"/grpc", func(t *testing.T) {
			resp, err := checkOver(t, r.grpc, tc.cfg, tc.authorization)
			if status.Code(err) != tc.wantCode {
				t.Fatalf("Check: %v, want %v", err, tc.wantCode)
			}
			if err == nil && resp.GetDecision() != sendgatev1.Decision_DECISION_ALLOW {
				t.Fatalf("decision %v", resp.GetDecision())
			}
		})
		t.Run(tc.name+"/http", func(t *testing.T) {
			code, _, err := postOver(t, base, tc.cfg, tc.authorization)
			if tc.wantHTTP == 0 {
				if err == nil {
					t.Fatalf("POST answered %d; want the handshake refused", code)
				}
				return
			}
			if err != nil || code != tc.wantHTTP {
				t.Fatalf("POST: %d, %v; want %d", code, err, tc.wantHTTP)
			}
		})
	}

	t.Run("plain_text_refused", func(t *testing.T) {
		if _, err := r.client.Check(testkit.Context(t), testkit.Utility()); err != nil {
			t.Fatalf("the TLS client: %v", err)
		}
		plain := sendgatev1.NewDecisionServiceClient(testkit.Dial(t, r.grpc))
		if _, err := plain.Check(testkit.Context(t), testkit.Utility()); status.Code(err) != codes.Unavailable {
			t.Fatalf("plain-text Check: %v, want UNAVAILABLE", err)
		}
		if resp, err := http.Post(strings.Replace(base, "https", "http", 1)+"/v1/check", "application/json", strings.NewReader("{}")); err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("plain HTTP got %d, want net/http's 400 for HTTP on a TLS port", resp.StatusCode)
			}
		}
	})

	t.Run("callers_named_in_metrics_and_log", func(t *testing.T) {
		s := metricstest.ScrapeURL(t, "http://"+r.metrics+"/metrics")
		for caller, min := range map[string]float64{"billing-svc": 3, "campaigns": 2, "unauthenticated": 2} {
			if got := s.Value("sendgate_calls_total", "caller", caller); got < min {
				t.Errorf("sendgate_calls_total{caller=%q} = %v, want at least %v", caller, got, min)
			}
		}
		if got := s.Value("sendgate_calls_total", "caller", "campaigns", "method", "Check", "code", "OK"); got != 2 {
			t.Errorf("campaigns' Checks (gRPC and HTTP) = %v, want 2", got)
		}
		log := logs.String()
		for _, want := range []string{`"caller":"billing-svc"`, `"caller":"campaigns"`, `"protocol":"http","grpc.component":"server"`, `"auth.error":"unknown bearer token"`} {
			if !strings.Contains(log, want) {
				t.Errorf("the call log lacks %s", want)
			}
		}
		for _, secret := range []string{billingToken, campaignsToken} {
			if strings.Contains(log, secret) || s.Has("sendgate_calls_total", "caller", secret) {
				t.Errorf("a token reached the log or metrics")
			}
		}
	})
}

// TestBearerTokens serves TLS without client CAs and with a token file:
// every call but health checks needs a known token, on gRPC and HTTP/JSON.
func TestBearerTokens(t *testing.T) {
	p := newPKI(t)
	c := p.clients(t)
	r, base := startSecure(t, p, func(o *serveOptions) { o.security.authTokenFile = p.tokens }, nil)

	for _, tc := range []struct {
		name, authorization string
		cfg                 *tls.Config
		wantCode            codes.Code
		wantHTTP            int
	}{
		{"right_token", "Bearer " + billingToken, p.clientTLS(), codes.OK, http.StatusOK},
		{"right_token_lower_case_scheme", "bearer " + campaignsToken, p.clientTLS(), codes.OK, http.StatusOK},
		{"wrong_token", "Bearer " + billingToken[:len(billingToken)-1], p.clientTLS(), codes.Unauthenticated, http.StatusUnauthorized},
		{"missing_token", "", p.clientTLS(), codes.Unauthenticated, http.StatusUnauthorized},
		{"not_bearer", "Basic " + billingToken, p.clientTLS(), codes.Unauthenticated, http.StatusUnauthorized},
		// Without --tls-client-ca a certificate names no one.
		{"client_certificate_without_client_ca", "", p.clientTLS(c.good), codes.Unauthenticated, http.StatusUnauthorized},
	} {
		t.Run(tc.name+"/grpc", func(t *testing.T) {
			if _, err := checkOver(t, r.grpc, tc.cfg, tc.authorization); status.Code(err) != tc.wantCode {
				t.Fatalf("Check: %v, want %v", err, tc.wantCode)
			}
		})
		t.Run(tc.name+"/http", func(t *testing.T) {
			code, h, err := postOver(t, base, tc.cfg, tc.authorization)
			if err != nil || code != tc.wantHTTP {
				t.Fatalf("POST: %d, %v; want %d", code, err, tc.wantHTTP)
			}
			if got := h.Get("WWW-Authenticate"); code == http.StatusUnauthorized && got != `Bearer realm="sendgate"` {
				t.Errorf("a 401 with WWW-Authenticate %q", got)
			}
		})
	}

	t.Run("health_is_open", func(t *testing.T) {
		st, err := r.health.Check(testkit.Context(t), &healthpb.HealthCheckRequest{Service: sendgatev1.DecisionService_ServiceDesc.ServiceName})
		if err != nil || st.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			t.Fatalf("health: %v, %v", st, err)
		}
	})
	t.Run("reflection_needs_a_token", func(t *testing.T) {
		list := func(authorization string) error {
			ctx := testkit.Context(t)
			if authorization != "" {
				ctx = metadata.AppendToOutgoingContext(ctx, "authorization", authorization)
			}
			stream, err := reflectionpb.NewServerReflectionClient(r.conn).ServerReflectionInfo(ctx)
			if err != nil {
				return err
			}
			// A refused stream ends before the request is sent: Recv has
			// the status.
			if err := stream.Send(&reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{}}); err != nil && err != io.EOF {
				return err
			}
			_, err = stream.Recv()
			return err
		}
		if err := list(""); status.Code(err) != codes.Unauthenticated {
			t.Fatalf("reflection without a token: %v", err)
		}
		if err := list("Bearer " + billingToken); err != nil {
			t.Fatalf("reflection with a token: %v", err)
		}
	})
	t.Run("openapi_needs_a_token", func(t *testing.T) {
		for authorization, want := range map[string]int{"": http.StatusUnauthorized, "Bearer " + billingToken: http.StatusOK} {
			if code, _, err := httpsDo(t, http.MethodGet, base+"/openapi.json", nil, p.clientTLS(), authorization); err != nil || code != want {
				t.Errorf("GET /openapi.json (authorization %v): %d, %v; want %d", authorization != "", code, err, want)
			}
		}
	})
	t.Run("rotated_token_file", func(t *testing.T) {
		const rotated = "billing-rotated-YmF6cXV4MTIzNDU2"
		testkit.WriteAtomic(t, p.tokens, []byte("billing:"+rotated+"\n"))
		deadline := time.Now().Add(10 * time.Second)
		for {
			_, errOld := checkOver(t, r.grpc, p.clientTLS(), "Bearer "+billingToken)
			_, errNew := checkOver(t, r.grpc, p.clientTLS(), "Bearer "+rotated)
			if status.Code(errOld) == codes.Unauthenticated && errNew == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("10 s after the token file changed: old token %v, new token %v", errOld, errNew)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

// TestCertificateRotationUnderLoad replaces the server's certificate and
// key twice while callers on long-lived connections and on a stream of
// new connections keep asking for decisions, with client certificates
// required: every call must succeed, and new connections must see each
// new certificate.
func TestCertificateRotationUnderLoad(t *testing.T) {
	p := newPKI(t)
	c := p.clients(t)
	r, _ := startSecure(t, p, func(o *serveOptions) { o.security.tls.ClientCA = p.clientCA }, nil, c.good)
	cfg := p.clientTLS(c.good)

	const longLived = 4
	var calls, failures, dials atomic.Int64
	var firstErr atomic.Value
	fail := func(err error) {
		failures.Add(1)
		firstErr.CompareAndSwap(nil, err)
	}
	var seen sync.Map // serial (string) → new connections that saw it
	ctx, stop := context.WithTimeout(context.Background(), 60*time.Second)
	defer stop()
	var wg sync.WaitGroup
	for range longLived {
		client := sendgatev1.NewDecisionServiceClient(testkit.Dial(t, r.grpc, grpc.WithTransportCredentials(credentials.NewTLS(cfg))))
		wg.Go(func() {
			for ctx.Err() == nil {
				callCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				_, err := client.Check(callCtx, testkit.Utility())
				cancel()
				calls.Add(1)
				if err != nil {
					fail(err)
				}
			}
		})
	}
	// New connections, one after another: each handshake meets whatever
	// certificate the server holds then.
	wg.Go(func() {
		for ctx.Err() == nil {
			cc, err := grpc.NewClient(r.grpc, grpc.WithTransportCredentials(credentials.NewTLS(cfg)))
			if err != nil {
				fail(err)
				return
			}
			var pr peer.Peer
			callCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			_, err = sendgatev1.NewDecisionServiceClient(cc).Check(callCtx, testkit.Utility(), grpc.Peer(&pr))
			cancel()
			cc.Close()
			calls.Add(1)
			dials.Add(1)
			if err != nil {
				fail(err)
				continue
			}
			serial := pr.AuthInfo.(credentials.TLSInfo).State.PeerCertificates[0].SerialNumber.String()
			n, _ := seen.LoadOrStore(serial, new(atomic.Int64))
			n.(*atomic.Int64).Add(1)
		}
	})

	waitSeen := func(serial *big.Int) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(5 * time.Millisecond) {
			if n, ok := seen.Load(serial.String()); ok && n.(*atomic.Int64).Load() >= 3 {
				return
			}
			if time.Now().After(deadline) || ctx.Err() != nil {
				t.Errorf("new connections did not get certificate %v within 20 s", serial)
				return
			}
		}
	}
	start := time.Now()
	for range 2 {
		before := calls.Load()
		for calls.Load() < before+200 && ctx.Err() == nil {
			time.Sleep(5 * time.Millisecond)
		}
		next := p.serverCA.Issue(t, "sendgate", testkit.CertOptions{})
		// The key first, then the certificate, each by rename, as a
		// certificate manager writing two files does: between the two the
		// files do not match, and the pair in use must keep serving.
		testkit.WriteAtomic(t, p.key, next.KeyPEM)
		testkit.WriteAtomic(t, p.cert, next.CertPEM)
		waitSeen(next.Cert.SerialNumber)
	}
	stop()
	wg.Wait()
	took := time.Since(start)

	distinct := 0
	seen.Range(func(_, _ any) bool { distinct++; return true })
	t.Logf("%d calls (%d on new connections) over %d long-lived connections and one dialer in %v, %d certificates seen, %d failed",
		calls.Load(), dials.Load(), longLived, took.Round(time.Millisecond), distinct, failures.Load())
	if failures.Load() != 0 {
		t.Fatalf("%d calls failed during rotation; first: %v", failures.Load(), firstErr.Load())
	}
	if distinct != 3 {
		t.Errorf("new connections saw %d certificates, want 3 (the first and two rotations)", distinct)
	}
}

// TestMetricsPortTLS serves the metrics port over TLS with a client CA:
// /metrics needs a certificate it signed, the probes stay open.
func TestMetricsPortTLS(t *testing.T) {
	p := newPKI(t)
	c := p.clients(t)
	mcert, mkey := p.serverCA.Issue(t, "sendgate-metrics", testkit.CertOptions{}).Write(t, p.dir, "metrics")
	r := startServe(t, func(o *serveOptions) {
		o.security.metricsTLS.Cert, o.security.metricsTLS.Key, o.security.metricsTLS.ClientCA = mcert, mkey, p.clientCA
	})
	base := "https://" + r.metrics
	for _, tc := range []struct {
		path string
		cfg  *tls.Config
		want int
	}{
		{"/metrics", p.clientTLS(c.good), http.StatusOK},
		{"/metrics", p.clientTLS(), http.StatusUnauthorized},
		{"/healthz", p.clientTLS(), http.StatusOK},
		{"/readyz", p.clientTLS(), http.StatusOK},
	} {
		if code, _, err := httpsDo(t, http.MethodGet, base+tc.path, nil, tc.cfg, ""); err != nil || code != tc.want {
			t.Errorf("GET %s (client certificate %v): %d, %v; want %d", tc.path, tc.cfg.GetClientCertificate != nil, code, err, tc.want)
		}
	}
	if _, _, err := httpsDo(t, http.MethodGet, base+"/metrics", nil, p.clientTLS(c.wrongCA), ""); err == nil {
		t.Error("a certificate from another CA got through the handshake")
	}
}
