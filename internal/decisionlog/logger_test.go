package decisionlog

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sendgate/sendgate/internal/leakcheck"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

const testPhone = "+31612345678"

func quietLog() *slog.Logger { return slog.New(slog.DiscardHandler) }

func denyEntry(id string) Entry {
	return Entry{
		DecisionID:     id,
		Time:           time.Date(2025, 3, 4, 5, 6, 7, 890000000, time.FixedZone("CET", 3600)),
		RequestID:      "req-" + id,
		BusinessID:     "acme",
		RecipientPhone: testPhone,
		Category:       "CATEGORY_UTILITY",
		Type:           "MESSAGE_TYPE_TEXT",
		Decision:       DecisionDeny,
		Reasons: []Reason{
			{Code: "identifier.disclosed.payment_card", Policy: "sendgate.identifiers", Evidence: "your card 4111 1111 1111 1111"},
			{Code: "window.closed", Policy: "sendgate.window"},
		},
		Advice:         []Reason{{Code: "advice.opt_out_instructions", Policy: "sendgate.advice"}},
		BundleRevision: "rev-42",
		EvalDuration:   1234567 * time.Nanosecond,
	}
}

func allowEntry(id string) Entry {
	e := denyEntry(id)
	e.Decision, e.Reasons, e.Advice = DecisionAllow, nil, nil
	return e
}

func newLogger(t *testing.T, cfg Config) *Logger {
	t.Helper()
	if cfg.Log == nil {
		cfg.Log = quietLog()
	}
	if cfg.RecipientKey == nil {
		cfg.RecipientKey = testKey
	}
	l, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func closeLogger(t *testing.T, l *Logger) {
	t.Helper()
	if err := l.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func parseLines(t *testing.T, b []byte) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q is not JSON: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

func TestLoggerWritesEveryField(t *testing.T) {
	var buf bytes.Buffer
	l := newLogger(t, Config{Sink: &buf})
	l.Log(denyEntry("d1"))
	closeLogger(t, l)

	lines := parseLines(t, buf.Bytes())
	if len(lines) != 1 {
		t.Fatalf("got %d lines, want 1", len(lines))
	}
	mac := hmac.New(sha256.New, testKey)
	mac.Write([]byte(testPhone))
	want := map[string]any{
		"decision_id": "d1",
		"timestamp":   "2025-03-04T04:06:07.89Z",
		"request_id":  "req-d1",
		"business_id": "acme",
		"recipient":   hex.EncodeToString(mac.Sum(nil)),
		"category":    "CATEGORY_UTILITY",
		"type":        "MESSAGE_TYPE_TEXT",
		"decision":    "DECISION_DENY",
		"reasons": []any{
			map[string]any{"code": "identifier.disclosed.payment_card", "policy": "sendgate.identifiers", "evidence": "your card **** **** **** 1111"},
			map[string]any{"code": "window.closed", "policy": "sendgate.window"},
		},
		"advice":             []any{map[string]any{"code": "advice.opt_out_instructions", "policy": "sendgate.advice"}},
		"bundle_revision":    "rev-42",
		"evaluation_time_us": float64(1234),
	}
	if !reflect.DeepEqual(lines[0], want) {
		t.Errorf("line = %#v\nwant   %#v", lines[0], want)
	}
	leakcheck.AssertNoLeak(t, buf.String(), []string{testPhone, "4111 1111 1111 1111"})
}

func TestLoggerAllowHasEmptyArrays(t *testing.T) {
	var buf bytes.Buffer
	l := newLogger(t, Config{Sink: &buf})
	l.Log(allowEntry("a1"))
	closeLogger(t, l)
	if !strings.Contains(buf.String(), `"reasons":[],"advice":[]`) {
		t.Errorf("allow line lacks empty arrays: %s", buf.String())
	}
}

func TestLoggerRecipientKeyed(t *testing.T) {
	hashes := map[string]bool{}
	for _, key := range [][]byte{testKey, []byte("another-key-of-enough-length")} {
		var buf bytes.Buffer
		l := newLogger(t, Config{Sink: &buf, RecipientKey: key})
		l.Log(denyEntry("k"))
		closeLogger(t, l)
		r := parseLines(t, buf.Bytes())[0]["recipient"].(string)
		if len(r) != 64 {
			t.Fatalf("recipient %q is not a hex SHA-256", r)
		}
		hashes[r] = true
	}
	if len(hashes) != 2 {
		t.Error("different keys gave the same recipient hash")
	}
}

func TestLoggerEphemeralKey(t *testing.T) {
	var logged bytes.Buffer
	l, err := New(Config{Sink: io.Discard, Log: slog.New(slog.NewTextHandler(&logged, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer closeLogger(t, l)
	if !l.EphemeralKey() {
		t.Error("EphemeralKey() = false without a key")
	}
	if !strings.Contains(logged.String(), "random per-process key") {
		t.Errorf("no warning about the random key: %q", logged.String())
	}
	if newLogger(t, Config{Sink: io.Discard}).EphemeralKey() {
		t.Error("EphemeralKey() = true with a key")
	}
}

func TestLoggerDenialsOnly(t *testing.T) {
	var buf bytes.Buffer
	l := newLogger(t, Config{Sink: &buf, DenialsOnly: true})
	l.Log(allowEntry("a1"))
	l.Log(denyEntry("d1"))
	odd := allowEntry("u1")
	odd.Decision = "DECISION_UNSPECIFIED"
	l.Log(odd)
	closeLogger(t, l)
	var ids []string
	for _, m := range parseLines(t, buf.Bytes()) {
		ids = append(ids, m["decision_id"].(string))
	}
	if !reflect.DeepEqual(ids, []string{"d1", "u1"}) {
		t.Errorf("logged %v, want [d1 u1]", ids)
	}
	if l.Dropped() != 0 {
		t.Errorf("filtered allows counted as dropped: %d", l.Dropped())
	}
}

// blockingSink blocks every write until released.
type blockingSink struct {
	release chan struct{}
	mu      sync.Mutex
	buf     bytes.Buffer
}

func (s *blockingSink) Write(p []byte) (int, error) {
	<-s.release
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func TestLoggerBlockedSinkDrops(t *testing.T) {
	const total, queue = 10000, 16
	sink := &blockingSink{release: make(chan struct{})}
	var hooked atomic.Uint64
	l := newLogger(t, Config{Sink: sink, QueueSize: queue, OnDrop: func() { hooked.Add(1) }})

	// With the sink blocked, all of these must return: Log never waits.
	for i := range total {
		l.Log(denyEntry(fmt.Sprint(i)))
	}
	// The writer may hold one batch besides the queue; the rest is dropped.
	dropped := l.Dropped()
	if dropped < total/2 {
		t.Errorf("dropped only %d of %d with a queue of %d", dropped, total, queue)
	}
	if hooked.Load() != dropped {
		t.Errorf("OnDrop called %d times, Dropped() = %d", hooked.Load(), dropped)
	}

	close(sink.release)
	closeLogger(t, l)
	written := uint64(len(parseLines(t, sink.buf.Bytes())))
	if written+dropped != total {
		t.Errorf("written %d + dropped %d != %d", written, dropped, total)
	}
}

func TestLoggerCloseFlushes(t *testing.T) {
	const n = 2000
	var buf bytes.Buffer
	l := newLogger(t, Config{Sink: &buf, QueueSize: n})
	for i := range n {
		l.Log(denyEntry(fmt.Sprint(i)))
	}
	closeLogger(t, l)
	lines := parseLines(t, buf.Bytes())
	if len(lines) != n {
		t.Fatalf("after Close %d lines, want %d", len(lines), n)
	}
	for i, m := range lines {
		if m["decision_id"] != fmt.Sprint(i) {
			t.Fatalf("line %d has decision_id %v: order lost", i, m["decision_id"])
		}
	}
	l.Log(denyEntry("late"))
	if l.Dropped() != 1 {
		t.Errorf("entry after Close: Dropped() = %d, want 1", l.Dropped())
	}
}

func TestLoggerCloseHonoursContext(t *testing.T) {
	sink := &blockingSink{release: make(chan struct{})}
	l := newLogger(t, Config{Sink: sink})
	l.Log(denyEntry("stuck"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.Close(ctx); err == nil {
		t.Error("Close with a blocked sink and a cancelled context returned nil")
	}
	close(sink.release)
	closeLogger(t, l)
}

func TestNop(t *testing.T) {
	var r Recorder = Nop{}
	r.Log(denyEntry("x"))
	if r.Dropped() != 0 || r.Close(context.Background()) != nil {
		t.Error("Nop is not inert")
	}
}

func TestLoggerCanLeaveEvidenceOut(t *testing.T) {
	var buf bytes.Buffer
	l := newLogger(t, Config{Sink: &buf, OmitEvidence: true})
	l.Log(denyEntry("d1"))
	closeLogger(t, l)
	out := buf.String()
	if strings.Contains(out, "evidence") || strings.Contains(out, "your card") {
		t.Fatalf("evidence written with OmitEvidence: %s", out)
	}
	if !strings.Contains(out, `"identifier.disclosed.payment_card"`) {
		t.Fatalf("reason codes missing: %s", out)
	}
}

func TestEvidenceFlag(t *testing.T) {
	for args, omit := range map[string]bool{"": false, "--decision-log-evidence=false": true, "--decision-log-evidence": false} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		var o Options
		BindFlags(fs, &o)
		var argv []string
		if args != "" {
			argv = []string{args}
		}
		if err := fs.Parse(argv); err != nil {
			t.Fatal(err)
		}
		if o.OmitEvidence != omit {
			t.Errorf("%q: OmitEvidence = %v, want %v", args, o.OmitEvidence, omit)
		}
	}
}

// failingSink refuses every write, as a full disk does.
type failingSink struct{}

func (failingSink) Write([]byte) (int, error) { return 0, fmt.Errorf("no space left on device") }

func TestLoggerCountsWriteFailures(t *testing.T) {
	var failures atomic.Int64
	l := newLogger(t, Config{Sink: failingSink{}, OnWriteError: func() { failures.Add(1) }})
	for i := range 3 {
		l.Log(denyEntry(fmt.Sprint(i)))
		time.Sleep(5 * time.Millisecond) // each entry its own batch, most likely
	}
	closeLogger(t, l)
	if n := failures.Load(); n < 1 || uint64(n) != l.WriteErrors() {
		t.Fatalf("OnWriteError called %d times, WriteErrors %d; want the same, at least 1", n, l.WriteErrors())
	}
}
