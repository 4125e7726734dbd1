package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/sendgate/sendgate/internal/testkit"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// TestCrashKeepsAcknowledgedOptOuts builds sendgate, serves the embedded
// ledger as a child process on 127.0.0.1, sends 1,000 RecordOptOut calls at
// once, kills the process with SIGKILL while they are answered, restarts it
// and looks up every opt-out that was acknowledged: each must be there.
func TestCrashKeepsAcknowledgedOptOuts(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; run without -short")
	}
	bin := filepath.Join(t.TempDir(), "sendgate")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := t.TempDir()
	addr := freeAddr(t)

	child := startChild(t, bin, addr, dir)
	conn := testkit.Dial(t, addr)
	ledgerClient := sendgatev1.NewLedgerServiceClient(conn)
	waitChild(t, healthpb.NewHealthClient(conn))

	const calls = 1000
	var acked sync.Map // phone → event id
	var nAcked, nFailed atomic.Int32
	killAfter := int32(calls / 3)
	var kill sync.Once
	doKill := func() {
		kill.Do(func() { _ = child.Process.Signal(syscall.SIGKILL) })
	}
	start := make(chan struct{})
	var wg sync.WaitGroup
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for i := range calls {
		wg.Go(func() {
			<-start
			phone := fmt.Sprintf("+3161%07d", i)
			id := fmt.Sprintf("crash-%04d", i)
			_, err := ledgerClient.RecordOptOut(ctx, &sendgatev1.RecordOptOutRequest{EventId: id, BusinessId: "biz-crash", Phone: phone})
			if err != nil {
				nFailed.Add(1)
				return
			}
			acked.Store(phone, id)
			if nAcked.Add(1) == killAfter {
				doKill()
			}
		})
	}
	close(start)
	wg.Wait()
	doKill()
	_ = child.Wait()
	conn.Close()
	if nAcked.Load() < killAfter {
		t.Fatalf("only %d of %d calls were acknowledged before the kill", nAcked.Load(), calls)
	}

	// Restart on the same data directory and look for every acknowledged opt-out.
	startChild(t, bin, addr, dir)
	conn = testkit.Dial(t, addr)
	ledgerClient = sendgatev1.NewLedgerServiceClient(conn)
	waitChild(t, healthpb.NewHealthClient(conn))
	found, missing := 0, 0
	acked.Range(func(k, v any) bool {
		got, err := ledgerClient.GetRecipient(ctx, &sendgatev1.GetRecipientRequest{BusinessId: "biz-crash", Phone: k.(string)})
		if err != nil {
			t.Fatalf("GetRecipient: %v", err)
		}
		if got.GetState().GetOptedOutAt() != nil && len(got.GetEvents()) == 1 && got.GetEvents()[0].GetEventId() == v.(string) {
			found++
		} else {
			missing++
		}
		return true
	})
	t.Logf("SIGKILL during %d concurrent RecordOptOut: %d acknowledged, %d failed with the kill; after the restart %d of the %d acknowledged opt-outs are there, %d missing",
		calls, nAcked.Load(), nFailed.Load(), found, nAcked.Load(), missing)
	fmt.Printf("crash test: %d acknowledged opt-outs, %d found after restart, %d missing\n", nAcked.Load(), found, missing)
	if missing > 0 {
		t.Errorf("%d acknowledged opt-outs were lost", missing)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer lis.Close()
	return lis.Addr().String()
}

// startChild runs sendgate serve with the embedded ledger in dir; it is
// killed when the test ends if still running.
func startChild(t *testing.T, bin, addr, dir string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--addr", addr, "--admin-addr", "", "--metrics-addr", "",
		"--data-dir", dir, "--ledger", "embedded", "--log-level", "warn")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return cmd
}

func waitChild(t *testing.T, h healthpb.HealthClient) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		resp, err := h.Check(ctx, &healthpb.HealthCheckRequest{Service: "sendgate.v1.LedgerService"})
		if err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING {
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("the server did not come up: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
