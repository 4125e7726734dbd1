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
)

func TestLogCalls(t *testing.T) {
	ok := func(context.Context, any) (any, error) { return "resp", nil }
	internal := func(context.Context, any) (any, error) { return nil, status.Error(codes.Internal, "boom") }
	check := &grpc.UnaryServerInfo{FullMethod: "/sendgate.v1.DecisionService/Check"}
	health := &grpc.UnaryServerInfo{FullMethod: "/grpc.health.v1.Health/Check"}
	for _, tc := range []struct {
		name    string
		level   slog.Level
		info    *grpc.UnaryServerInfo
		handler grpc.UnaryHandler
		want    map[string]string // fields of the one line expected; nil for none
	}{
		{"ok_is_debug", slog.LevelDebug, check, ok, map[string]string{
			"level": "DEBUG", "msg": "finished call", "protocol": "grpc", "grpc.component": "server",
			"grpc.service": "sendgate.v1.DecisionService", "grpc.method": "Check", "grpc.method_type": "unary",
			"peer.address": "127.0.0.1:5555", "grpc.code": "OK",
		}},
		{"ok_not_logged_at_info", slog.LevelInfo, check, ok, nil},
		{"internal_is_error", slog.LevelInfo, check, internal, map[string]string{
			"level": "ERROR", "grpc.code": "Internal", "grpc.error": "rpc error: code = Internal desc = boom",
		}},
		{"health_not_logged", slog.LevelDebug, health, ok, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: tc.level}))
			ctx := peer.NewContext(context.Background(), &peer.Peer{Addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5555}})
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
