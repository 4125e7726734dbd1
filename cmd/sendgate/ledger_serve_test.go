package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/sendgate/sendgate/internal/leakcheck"
	"github.com/sendgate/sendgate/internal/ledger/postgres/pgtest"
	"github.com/sendgate/sendgate/internal/metrics/metricstest"
	"github.com/sendgate/sendgate/internal/testkit"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

const (
	testPhone   = "+31612345678"
	testWording = "Yes, send me order updates from Acme Shoes on WhatsApp, signed Jan Klaassen"
	testIP      = "198.51.100.23"
)

// ledgerServe is a serve run in-process with a ledger, its log kept.
type ledgerServe struct {
	*running
	log       *testkit.Buffer
	decisions string
	ledger    sendgatev1.LedgerServiceClient
}

// startLedgerServe runs serve with the ledger o names in dataDir, logging
// at debug level into a buffer.
func startLedgerServe(t *testing.T, o ledgerOptions, dataDir string) *ledgerServe {
	t.Helper()
	buf := &testkit.Buffer{}
	opts := serveOptions{
		addr: "127.0.0.1:0", metricsAddr: "127.0.0.1:0", adminAddr: "", dataDir: dataDir,
		maxRecvBytes: 32 << 20, shutdownTimeout: 10 * time.Second, bundleSizeLimit: 64 << 20,
		logLevel: "debug", ledger: o,
	}
	if opts.ledger.retention == 0 {
		opts.ledger.retention = 5 * 365 * 24 * time.Hour
	}
	// The decision log must not hold the number either.
	decisions := filepath.Join(t.TempDir(), "decisions.log")
	opts.decisionLog.Target = decisions
	addrs := make(chan [3]string, 1)
	listening = func(g, a, m string) { addrs <- [3]string{g, a, m} }
	t.Cleanup(func() { listening = nil })
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{cancel: cancel, done: make(chan error, 1)}
	log := slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	go func() { r.done <- serve(ctx, opts, log) }()
	select {
	case a := <-addrs:
		r.grpc, r.admin, r.metrics = a[0], a[1], a[2]
	case err := <-r.done:
		cancel()
		t.Fatalf("serve ended before listening: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not start listening")
	}
	conn := testkit.Dial(t, r.grpc)
	r.conn = conn
	r.client = sendgatev1.NewDecisionServiceClient(conn)
	r.health = healthpb.NewHealthClient(conn)
	t.Cleanup(func() { r.stop(t) })
	waitServing(t, r.health)
	return &ledgerServe{running: r, log: buf, decisions: decisions, ledger: sendgatev1.NewLedgerServiceClient(conn)}
}

// logs is what serve logged and its decision log (complete once stopped).
func (s *ledgerServe) logs(t *testing.T) string {
	t.Helper()
	d, err := os.ReadFile(s.decisions)
	if err != nil {
		t.Fatal(err)
	}
	if len(d) == 0 {
		t.Fatal("the decision log is empty: searching it would prove nothing")
	}
	return s.log.String() + string(d)
}

func waitServing(t *testing.T, h healthpb.HealthClient) {
	t.Helper()
	ctx := testkit.Context(t)
	for {
		resp, err := h.Check(ctx, &healthpb.HealthCheckRequest{Service: "sendgate.v1.DecisionService"})
		if err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING {
			return
		}
		if ctx.Err() != nil {
			t.Fatal("serve never became SERVING")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// checkOnly is a Check that carries only the business, the recipient and
// the message: the consent comes from the ledger.
func checkOnly() *sendgatev1.CheckRequest {
	req := testkit.Utility()
	req.Consent = nil
	req.SendTime = nil
	return req
}

func reasonCodes(resp *sendgatev1.CheckResponse) []string { return codesOf(resp.GetReasons()) }

// runSequence is the README's sequence: opt-in → allowed → STOP → opted
// out → erased. It returns the number it used.
func runSequence(t *testing.T, s *ledgerServe) {
	t.Helper()
	ctx := testkit.Context(t)
	if _, err := s.ledger.RecordOptIn(ctx, &sendgatev1.RecordOptInRequest{
		EventId: "signup-1", BusinessId: "biz-acme", Phone: testPhone, OptedInAt: timestamppb.New(time.Now().Add(-time.Hour)),
		Channel: "web", Wording: testWording, Scopes: []sendgatev1.Category{sendgatev1.Category_CATEGORY_UTILITY},
		Evidence: map[string]string{"ip": testIP, "form": "checkout-form-77"},
	}); err != nil {
		t.Fatal(err)
	}
	resp, err := s.client.Check(ctx, checkOnly())
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetDecision() != sendgatev1.Decision_DECISION_ALLOW {
		t.Fatalf("after the opt-in: %v, want ALLOW", reasonCodes(resp))
	}
	in, err := s.ledger.RecordInbound(ctx, &sendgatev1.RecordInboundRequest{EventId: "wamid.1", BusinessId: "biz-acme", Phone: testPhone, Text: "STOP"})
	if err != nil {
		t.Fatal(err)
	}
	if in.GetAction() != sendgatev1.InboundAction_INBOUND_ACTION_OPT_OUT {
		t.Fatalf("STOP recorded %v", in.GetAction())
	}
	resp, err = s.client.Check(ctx, checkOnly())
	if err != nil {
		t.Fatal(err)
	}
	if got := reasonCodes(resp); len(got) != 1 || got[0] != "consent.opted_out" {
		t.Fatalf("after STOP: %v, want [consent.opted_out]", got)
	}
	if _, err := s.ledger.EraseRecipient(ctx, &sendgatev1.EraseRecipientRequest{Phone: testPhone}); err != nil {
		t.Fatal(err)
	}
	resp, err = s.client.Check(ctx, checkOnly())
	if err != nil {
		t.Fatal(err)
	}
	if got := reasonCodes(resp); len(got) != 1 || got[0] != "consent.erased" {
		t.Fatalf("after the erasure: %v, want [consent.erased]", got)
	}
}

func writeKey(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ledger.key")
	if err := os.WriteFile(path, []byte("0123456789abcdef0123456789abcdef-test\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLedgerSequenceEmbedded(t *testing.T) {
	dir := t.TempDir()
	s := startLedgerServe(t, ledgerOptions{spec: "embedded"}, dir)
	runSequence(t, s)
	s.stop(t)
	// No file of the data directory and no log line holds the number, the
	// wording or the evidence (the key file holds the key, nothing else).
	leakcheck.AssertNoLeak(t, s.logs(t), []string{testPhone, testWording, testIP, "checkout-form-77"})
	assertNoTrace(t, testkit.DumpDir(t, dir))
}

func TestLedgerSequencePostgres(t *testing.T) {
	url, schema := pgtest.Schema(t)
	s := startLedgerServe(t, ledgerOptions{spec: url, keyFile: writeKey(t)}, t.TempDir())
	runSequence(t, s)
	s.stop(t)
	leakcheck.AssertNoLeak(t, s.logs(t), []string{testPhone, testWording, testIP, "checkout-form-77"})
	assertNoTrace(t, pgtest.Dump(t, schema))
}

func assertNoTrace(t *testing.T, dump []byte) {
	t.Helper()
	if len(dump) == 0 {
		t.Fatal("nothing to search")
	}
	leakcheck.AssertNoLeak(t, string(dump), []string{testPhone, testWording, "Jan Klaassen", testIP, "checkout-form-77"})
}

func TestServeGeneratesTheEmbeddedKeyOnce(t *testing.T) {
	dir := t.TempDir()
	s := startLedgerServe(t, ledgerOptions{spec: "embedded"}, dir)
	ctx := testkit.Context(t)
	if _, err := s.ledger.RecordOptOut(ctx, &sendgatev1.RecordOptOutRequest{EventId: "o-1", BusinessId: "b", Phone: testPhone}); err != nil {
		t.Fatal(err)
	}
	s.stop(t)
	if !strings.Contains(s.log.String(), "generated a ledger key") {
		t.Error("the log does not say a key was generated")
	}
	keyPath := filepath.Join(dir, keyFileName)
	fi, err := os.Stat(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	key, _ := os.ReadFile(keyPath)

	// A restart uses the same key: the opt-out is found again by number.
	s = startLedgerServe(t, ledgerOptions{spec: "embedded"}, dir)
	got, err := s.ledger.GetRecipient(testkit.Context(t), &sendgatev1.GetRecipientRequest{BusinessId: "b", Phone: testPhone})
	if err != nil {
		t.Fatal(err)
	}
	if got.GetState().GetOptedOutAt() == nil {
		t.Error("the opt-out was not found after a restart")
	}
	s.stop(t)
	if strings.Contains(s.log.String(), "generated a ledger key") {
		t.Error("a second key was generated")
	}
	if again, _ := os.ReadFile(keyPath); !bytes.Equal(again, key) {
		t.Error("the key file changed")
	}

	// Another key is refused: the hashes would not match.
	err = serveErr(t, ledgerOptions{spec: "embedded", keyFile: writeKey(t)}, dir)
	if err == nil || !strings.Contains(err.Error(), "another key") {
		t.Errorf("serve with another key: %v, want a refusal", err)
	}
}

// serveErr runs serve expecting it to fail at start-up.
func serveErr(t *testing.T, o ledgerOptions, dataDir string) error {
	t.Helper()
	opts := serveOptions{addr: "127.0.0.1:0", dataDir: dataDir, maxRecvBytes: 1 << 20, bundleSizeLimit: 64 << 20, ledger: o, shutdownTimeout: time.Second}
	opts.decisionLog.Target = "off"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	listening = func(string, string, string) { cancel() } // started after all: stop it
	defer func() { listening = nil }()
	err := serve(ctx, opts, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err == nil && ctx.Err() != nil {
		return nil
	}
	return err
}

func TestServeRefusesAPersistentLedgerWithoutAKey(t *testing.T) {
	url, _ := pgtest.Schema(t)
	if err := serveErr(t, ledgerOptions{spec: url}, t.TempDir()); err == nil || !strings.Contains(err.Error(), "--ledger-key-file") {
		t.Errorf("PostgreSQL without a key: %v", err)
	}
	if err := serveErr(t, ledgerOptions{spec: "sqlite:ledger.db"}, t.TempDir()); err == nil {
		t.Error("an unknown --ledger was accepted")
	}
}

func TestServeFailsWhenTheLedgerIsDownAtStartUp(t *testing.T) {
	// Nothing listens on the port: the database is down.
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close()
	url := "postgres://postgres@" + addr + "/test?sslmode=disable&connect_timeout=2"
	if err := serveErr(t, ledgerOptions{spec: url, keyFile: writeKey(t)}, t.TempDir()); err == nil {
		t.Fatal("serve started with its ledger database down")
	}
}

// proxy forwards 127.0.0.1 connections to target until cut.
type proxy struct {
	lis    net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
	down   bool
}

func startProxy(t *testing.T, target string) *proxy {
	t.Helper()
	p := &proxy{lis: testkit.Listen(t), target: target}
	go func() {
		for {
			c, err := p.lis.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			down := p.down
			p.mu.Unlock()
			if down {
				c.Close()
				continue
			}
			u, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, u)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(u, c); u.Close() }()
			go func() { _, _ = io.Copy(c, u); c.Close() }()
		}
	}()
	return p
}

// cut closes every connection and refuses new ones until restore.
func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *proxy) restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = false
}

func TestLedgerDownMidRun(t *testing.T) {
	for _, decideWithout := range []bool{false, true} {
		name := "refuses"
		if decideWithout {
			name = "decides_without"
		}
		t.Run(name, func(t *testing.T) {
			_, schema := pgtest.Schema(t)
			p := startProxy(t, pgtest.Host+":"+pgtest.Port)
			url := "postgres://postgres@" + p.lis.Addr().String() + "/" + pgtest.Database + "?sslmode=disable&connect_timeout=2&search_path=" + schema
			s := startLedgerServe(t, ledgerOptions{spec: url, keyFile: writeKey(t), decideWithout: decideWithout, timeout: 2 * time.Second}, t.TempDir())
			ctx := testkit.Context(t)
			if _, err := s.ledger.RecordOptOut(ctx, &sendgatev1.RecordOptOutRequest{EventId: "o-1", BusinessId: "biz-acme", Phone: testPhone}); err != nil {
				t.Fatal(err)
			}
			resp, err := s.client.Check(ctx, testkit.Utility())
			if err != nil || reasonCodes(resp)[0] != "consent.opted_out" {
				t.Fatalf("with the database up: %v, %v", resp, err)
			}
			p.cut()
			resp, err = s.client.Check(ctx, testkit.Utility())
			if !decideWithout {
				if status.Code(err) != codes.Unavailable {
					t.Fatalf("Check with the database down: %v, %v; want UNAVAILABLE", resp, err)
				}
				batch, err := s.client.CheckBatch(ctx, &sendgatev1.CheckBatchRequest{Requests: []*sendgatev1.CheckRequest{testkit.Utility()}})
				if status.Code(err) != codes.Unavailable {
					t.Fatalf("CheckBatch with the database down: %v, %v; want UNAVAILABLE", batch, err)
				}
			} else {
				// Decided on the request alone, which holds a valid opt-in:
				// the ledger's opt-out is not seen, which is what the flag is for.
				if err != nil || resp.GetDecision() != sendgatev1.Decision_DECISION_ALLOW {
					t.Fatalf("Check with the database down: %v, %v; want a decision without the ledger", resp, err)
				}
			}
			snap := metricstest.ScrapeURL(t, "http://"+s.metrics+"/metrics")
			outcome := map[bool]string{false: "refused", true: "decided_without"}[decideWithout]
			if got := snap.Value("sendgate_ledger_unreadable_total", "outcome", outcome); got < 1 {
				t.Errorf("sendgate_ledger_unreadable_total{outcome=%q} = %v, want at least 1", outcome, got)
			}
			if _, err := s.ledger.RecordOptIn(ctx, &sendgatev1.RecordOptInRequest{BusinessId: "b", Phone: testPhone}); status.Code(err) != codes.Unavailable {
				t.Errorf("RecordOptIn with the database down: %v, want UNAVAILABLE", err)
			}
			p.restore()
			deadline := time.Now().Add(15 * time.Second)
			for {
				resp, err = s.client.Check(ctx, testkit.Utility())
				if err == nil {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("Check never recovered: %v", err)
				}
				time.Sleep(50 * time.Millisecond)
			}
			if reasonCodes(resp)[0] != "consent.opted_out" {
				t.Errorf("after recovery: %v", reasonCodes(resp))
			}
		})
	}
}
