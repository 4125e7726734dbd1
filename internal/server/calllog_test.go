package server

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	"github.com/sendgate/sendgate/internal/auth"
)

func TestLogCalls(t *testing.T) {
	ok := func(context.Context, any) (any, error) { return "resp", nil }
	internal := func(context.Context, any) (any, error) { return nil, status.Error(codes.Internal, "boom") }
	unauthenticated := func(context.Context, any) (any, error) { return nil, errNoCaller }
	check := &grpc.UnaryServerInfo{FullMethod: "/sendgate.v1.DecisionService/Check"}
	health := &grpc.UnaryServerInfo{FullMethod: "/grpc.health.v1.Health/Check"}
	for _, tc := range []struct {
		name    string
		level   slog.Level
		info    *grpc.UnaryServerInfo
		handler grpc.UnaryHandler
		want    map[string]string // fields of the one line expected; nil for none
		id      *auth.Identity    // the call's identity, if recorded
	}{
		{"ok_is_debug", slog.LevelDebug, check, ok, map[string]string{
			"level": "DEBUG", "msg": "finished call", "protocol": "grpc", "grpc.component": "server",
			"grpc.service": "sendgate.v1.DecisionService", "grpc.method": "Check", "grpc.method_type": "unary",
			"peer.address": "127.0.0.1:5555", "grpc.code": "OK", "caller": "anonymous",
		}, nil},
		{"names_the_caller", slog.LevelDebug, check, ok, map[string]string{
			"grpc.code": "OK", "caller": "billing",
		}, &auth.Identity{Caller: auth.Caller{Name: "billing", By: auth.ByToken}}},
		{"refused_caller_with_why", slog.LevelDebug, check, unauthenticated, map[string]string{
			"level": "DEBUG", "grpc.code": "Unauthenticated", "caller": "unauthenticated", "auth.error": "unknown bearer token",
		}, &auth.Identity{Err: auth.ErrUnknownToken}},
		{"ok_not_logged_at_info", slog.LevelInfo, check, ok, nil, nil},
		{"internal_is_error", slog.LevelInfo, check, internal, map[string]string{
			"level": "ERROR", "grpc.code": "Internal", "grpc.error": "rpc error: code = Internal desc = boom",
		}, nil},
		{"health_not_logged", slog.LevelDebug, health, ok, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: tc.level}))
			ctx := peer.NewContext(context.Background(), &peer.Peer{Addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5555}})
			if tc.id != nil {
				ctx = auth.WithIdentity(ctx, *tc.id)
			}
			wantResp, wantErr := tc.handler(ctx, "req")
			resp, err := LogCalls(log)(ctx, "req", tc.info, tc.handler)
			if resp != wantResp || status.Code(err) != status.Code(wantErr) {
				t.Errorf("LogCalls returned %v, %v; want the handler's %v, %v", resp, err, wantResp, wantErr)
			}
			lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
			if tc.want == nil {
				if buf.Len() != 0 {
					t.Fatalf("logged %q, want nothing", buf.String())
				}
				return
			}
			if len(lines) != 1 {
				t.Fatalf("logged %d lines, want 1: %q", len(lines), buf.String())
			}
			var got map[string]any
			if err := json.Unmarshal([]byte(lines[0]), &got); err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("%s = %v, want %q", k, got[k], v)
				}
			}
			for _, k := range []string{"grpc.start_time", "grpc.time_ms"} {
				if _, ok := got[k]; !ok {
					t.Errorf("no %s in %v", k, got)
				}
			}
		})
	}
}
