package engine

import (
	"context"
	"strings"
	"testing"

	"github.com/sendgate/sendgate/internal/workload"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// TestTrafficsAreDecidedAsDescribed holds the benchmark traffics to what
// internal/workload and docs/PERFORMANCE.md say they are: a campaign
// mostly allowed, the rest denied for consent reasons only; transactional
// messages and in-window conversation replies allowed. (A campaign that
// was mostly denied would measure the deny path instead.)
func TestTrafficsAreDecidedAsDescribed(t *testing.T) {
	p, err := Compile(context.Background(), defaultBundle(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		traffic  string
		minAllow float64
	}{
		{"campaign", 0.6},
		{"transactional", 1},
		{"conversation", 1},
	} {
		allowed, n := 0, 2000
		others := map[string]int{}
		for _, req := range workload.Traffics[tt.traffic](1, n) {
			resp, err := p.Decide(context.Background(), req, workload.TrafficNow)
			if err != nil {
				t.Fatal(err)
			}
			if resp.GetDecision() == sendgatev1.Decision_DECISION_ALLOW {
				allowed++
				continue
			}
			for _, r := range resp.GetReasons() {
				if !strings.HasPrefix(r.GetCode(), "consent.") {
					others[r.GetCode()]++
				}
			}
		}
		if share := float64(allowed) / float64(n); share < tt.minAllow || len(others) > 0 {
			t.Errorf("%s: %.1f %% allowed (want at least %.0f %%), denials other than consent: %v", tt.traffic, 100*share, 100*tt.minAllow, others)
		} else {
			t.Logf("%s: %.1f %% allowed", tt.traffic, 100*share)
		}
	}
}
