package ledger

import (
	"context"
	"log/slog"
	"time"
)

// DefaultRetention is how long opt-in and inbound events are kept: five
// years, long enough to show consent evidence in an audit or a dispute.
const DefaultRetention = 5 * 365 * 24 * time.Hour

// DefaultPurgeInterval is how often the retention job runs.
const DefaultPurgeInterval = time.Hour

// RunPurge deletes, now and then every interval until ctx ends, the
// opt-in and inbound events older than retention; opt-outs and suppression
// entries are never purged. A failed run is logged and retried at the next
// interval.
func RunPurge(ctx context.Context, store Store, retention, interval time.Duration, now func() time.Time, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		cutoff := now().Add(-retention)
		n, err := store.Purge(ctx, cutoff)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			log.Warn("ledger retention: purge failed; retrying later", "error", err, "retry_in", interval)
		case n > 0:
			log.Info("ledger retention: purged old events", "events", n, "older_than", cutoff.Format(time.RFC3339))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
