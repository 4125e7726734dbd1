package load

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sendgate/sendgate/internal/workload"
)

func TestCheckLoopback(t *testing.T) {
	for addr, ok := range map[string]bool{
		"127.0.0.1:9090":        true,
		"127.8.9.10:1":          true,
		"[::1]:9090":            true,
		"localhost:9090":        true,
		"[::ffff:127.0.0.1]:80": true,
		"10.0.0.1:9090":         false,
		"0.0.0.0:9090":          false,
		"[::]:9090":             false,
		"example.com:443":       false,
		"localhost.evil.test:1": false,
		":9090":                 false,
		"127.0.0.1":             false,
	} {
		if err := CheckLoopback(addr); (err == nil) != ok {
			t.Errorf("CheckLoopback(%q) = %v, want ok=%v", addr, err, ok)
		}
	}
}

func TestRunRefusesRemoteAddress(t *testing.T) {
	cfg := Config{
		Addr: "192.0.2.1:9090", Mode: ModeClosed, Concurrency: 1, RPC: RPCCheck,
		Duration: time.Second, Timeout: time.Second, Mix: workload.DefaultMix(),
	}
	start := time.Now()
	_, err := Run(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("Run against a remote address: err = %v, want a loopback refusal", err)
	}
	if time.Since(start) > 500*time.Millisecond {
		t.Error("the refusal should come before any connection attempt")
	}
}
