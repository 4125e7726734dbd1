package server

import (
	"context"
	"log/slog"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/sendgate/sendgate/internal/engine"
	"github.com/sendgate/sendgate/internal/ledger"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// LedgerProbeInterval is how often the ledger's health is probed.
var LedgerProbeInterval = 5 * time.Second

// RegisterLedgerService registers the LedgerService over l on g and keeps
// its health status (sendgate.v1.LedgerService) SERVING while the store
// answers, NOT_SERVING while it does not, until the returned stop is called.
// It returns the service too, for callers in the process (the HTTP/JSON
// gateway).
func RegisterLedgerService(g *grpc.Server, h *health.Server, l *ledger.Ledger, e *engine.Engine, log *slog.Logger) (svc *LedgerService, stop context.CancelFunc) {
	svc = NewLedgerService(l, e, log)
	sendgatev1.RegisterLedgerServiceServer(g, svc)
	ctx, cancel := context.WithCancel(context.Background())
	name := sendgatev1.LedgerService_ServiceDesc.ServiceName
	// Read once here: the probe goroutine must not read the variable a
	// test may set for the next server.
	interval := LedgerProbeInterval
	probe := func() {
		pctx, pcancel := context.WithTimeout(ctx, interval)
		defer pcancel()
		st := healthpb.HealthCheckResponse_SERVING
		if err := l.Ping(pctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			st = healthpb.HealthCheckResponse_NOT_SERVING
			log.Warn("the consent ledger does not answer", "error", err)
		}
		h.SetServingStatus(name, st)
	}
	probe()
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				probe()
			}
		}
	}()
	return svc, cancel
}
