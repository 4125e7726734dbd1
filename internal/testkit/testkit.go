// Package testkit is the set-up that the tests of several packages share:
// the embedded default bundle compiled once, a sendgate gRPC server on
// 127.0.0.1 with a client connected to it, a bounded context, a quiet
// logger and a request the default bundle allows. Tests only; nothing that
// serves imports it.
package testkit

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/sendgate/sendgate/internal/engine"
	"github.com/sendgate/sendgate/policies"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
	"github.com/sendgate/sendgate/server"
)

var (
	defaultOnce sync.Once
	defaultSet  *engine.PolicySet
	defaultErr  error
)

// DefaultPolicy returns the embedded default bundle, compiled once per test
// binary and shared (a PolicySet is immutable).
func DefaultPolicy(tb testing.TB) *engine.PolicySet {
	tb.Helper()
	defaultOnce.Do(func() {
		b, err := policies.Bundle()
		if err != nil {
			defaultErr = err
			return
		}
		defaultSet, defaultErr = engine.Compile(context.Background(), b)
	})
	if defaultErr != nil {
		tb.Fatalf("compile the default bundle: %v", defaultErr)
	}
	return defaultSet
}

// Listen listens on a free port of 127.0.0.1, closed when the test ends.
func Listen(tb testing.TB) net.Listener {
	tb.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = lis.Close() })
	return lis
}

// Dial connects to addr, in plain text unless opts give credentials; the
// connection is closed when the test ends.
func Dial(tb testing.TB, addr string, opts ...grpc.DialOption) *grpc.ClientConn {
	tb.Helper()
	opts = append([]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}, opts...)
	cc, err := grpc.NewClient(addr, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = cc.Close() })
	return cc
}

// Context is a context that ends with the test or after 20 seconds, so a
// hung call fails the test instead of the whole run.
func Context(tb testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	tb.Cleanup(cancel)
	return ctx
}

// Quiet is a logger that writes nothing.
func Quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// SendTime is the send time of Utility's request.
var SendTime = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

// Utility is an approved utility template to a recipient who opted in,
// which the default bundle allows; each call returns a fresh request.
func Utility() *sendgatev1.CheckRequest {
	return &sendgatev1.CheckRequest{
		RequestId: "req-1",
		SendTime:  timestamppb.New(SendTime),
		Business:  &sendgatev1.Business{Id: "biz-acme", DisplayName: "Acme Shoes", Vertical: "retail", Country: "NL"},
		Recipient: &sendgatev1.Recipient{Phone: "+31612345678", Country: "NL"},
		Message: &sendgatev1.Message{
			Category: sendgatev1.Category_CATEGORY_UTILITY,
			Type:     sendgatev1.MessageType_MESSAGE_TYPE_TEMPLATE,
			Text:     "Your order 4711 has shipped and will arrive on Tuesday.",
			Template: &sendgatev1.Template{Name: "order_shipped", Language: "en",
				Status: sendgatev1.TemplateStatus_TEMPLATE_STATUS_APPROVED, Category: sendgatev1.Category_CATEGORY_UTILITY},
		},
		Consent: &sendgatev1.Consent{
			OptedInAt: timestamppb.New(time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)), Channel: "web",
			Wording: "Yes, I want order updates from Acme Shoes on WhatsApp.",
			Scopes:  []sendgatev1.Category{sendgatev1.Category_CATEGORY_UTILITY},
		},
	}
}

// Serve starts a sendgate gRPC server built from cfg on 127.0.0.1 (with a
// quiet logger unless cfg has one) and returns it with a client connected
// to it; both stop when the test ends. Health stays as cfg's engine and
// the caller set it: SetServing is the caller's to call.
func Serve(tb testing.TB, cfg server.Config) (*server.Server, *grpc.ClientConn) {
	tb.Helper()
	if cfg.Logger == nil {
		cfg.Logger = Quiet()
	}
	srv := server.New(cfg)
	lis := Listen(tb)
	go func() { _ = srv.Serve(lis) }()
	tb.Cleanup(func() { srv.Stop(time.Second) })
	return srv, Dial(tb, lis.Addr().String())
}

// Buffer is a bytes.Buffer that goroutines may write to while a test reads
// it, such as a logger's output.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what has been written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
