package server_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sendgate/sendgate/internal/engine"
	"github.com/sendgate/sendgate/internal/testkit"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
	"github.com/sendgate/sendgate/server"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestInProcessRunsTheInterceptors calls the DecisionService in process
// and checks each call passed the configured interceptors, in order and
// under its gRPC method name, and was logged as an HTTP call.
func TestInProcessRunsTheInterceptors(t *testing.T) {
	var logs syncBuffer
	var seen []string
	record := func(name string) grpc.UnaryServerInterceptor {
		return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
			seen = append(seen, name+" "+info.FullMethod)
			return h(ctx, req)
		}
	}
	eng := engine.New(engine.Options{})
	eng.Activate(testkit.DefaultPolicy(t))
	srv := server.New(server.Config{
		Engine:            eng,
		Logger:            slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		UnaryInterceptors: []grpc.UnaryServerInterceptor{record("first"), record("second")},
	})
	svc := srv.InProcess("http")
	ctx := testkit.Context(t)

	resp, err := svc.Check(ctx, testkit.Utility())
	if err != nil || resp.GetDecision() != sendgatev1.Decision_DECISION_ALLOW {
		t.Fatalf("Check = %v, %v", resp, err)
	}
	if _, err := svc.CheckBatch(ctx, &sendgatev1.CheckBatchRequest{}); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("empty batch: %v, want INVALID_ARGUMENT", err)
	}
	want := []string{
		"first /sendgate.v1.DecisionService/Check", "second /sendgate.v1.DecisionService/Check",
		"first /sendgate.v1.DecisionService/CheckBatch", "second /sendgate.v1.DecisionService/CheckBatch",
	}
	if strings.Join(seen, "\n") != strings.Join(want, "\n") {
		t.Errorf("interceptors saw\n%s\nwant\n%s", strings.Join(seen, "\n"), strings.Join(want, "\n"))
	}
	log := logs.String()
	for _, w := range []string{"protocol=http grpc.component=server grpc.service=sendgate.v1.DecisionService grpc.method=Check", "grpc.method=CheckBatch", "grpc.code=InvalidArgument"} {
		if !strings.Contains(log, w) {
			t.Errorf("call log lacks %q:\n%s", w, log)
		}
	}
}
