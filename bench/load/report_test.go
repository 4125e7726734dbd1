package load

import (
	"strings"
	"testing"
)

func result(callsPerSec, decisionsPerSec, p50, p99, serverCPU float64, peakKiB int64) *Result {
	return &Result{
		Concurrency: 16, CallsPerSec: callsPerSec, DecisionsPerSec: decisionsPerSec,
		Latency:                    Latency{P50: p50, P99: p99},
		ServerCPUMicrosPerDecision: &serverCPU,
		ServerMemory:               &Memory{PeakKiB: peakKiB},
	}
}

func TestMarkdownTable(t *testing.T) {
	runs := map[string]*Result{
		"echo-closed":    result(20000, 20000, 500, 2000, 40, 20*1024),
		"pdp-closed":     result(12000, 12000, 800, 3000, 90, 100*1024),
		"echo-open-2000": result(2000, 2000, 300, 900, 60, 20*1024),
		"pdp-open-2000":  result(2000, 2000, 400, 2500, 110, 120*1024),
		"pdp-batch-1000": result(20, 20000, 0, 0, 50, 160*1024),
	}
	runs["pdp-batch-1000"].Failed = 2
	var b strings.Builder
	if err := MarkdownTable(&b, runs); err != nil {
		t.Fatal(err)
	}
	table := b.String()
	for _, want := range []string{
		"| Check closed loop, calls/s, 16 callers | 20,000 | 12,000 | 0.60 × | ≥ 0.5 × echo | yes |",
		"| Server CPU µs per decision, closed loop | 40.0 | 90.0 | +50.0 |",
		"| Open loop 2,000 decisions/s, p50 / p99 µs | 300.0 / 900.0 | 400.0 / 2,500 |  | p99 ≤ 2,000 µs | **no** |",
		"| Open loop 1,000 decisions/s, p50 / p99 µs | — | — |",
		// Fast enough, but a batch with errors does not meet the target.
		"| CheckBatch of 1,000, decisions/s | — | 20,000 |  | ≥ 15,000 | **no** |",
		"| Server RSS peak under load (VmHWM), MiB | 20.0 | 160.0 |  | ≤ 150 MiB | **no** |",
		"| Failed calls / unsent, all runs | 0 / 0 | 2 / 0 |",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
}

func TestMarkdownTableEchoOnly(t *testing.T) {
	var b strings.Builder
	if err := MarkdownTable(&b, map[string]*Result{"echo-closed": result(20000, 20000, 1, 2, 40, 1024)}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "| Check closed loop, calls/s | 20,000 | — |  | ≥ 0.5 × echo |  |") {
		t.Errorf("echo-only table:\n%s", b.String())
	}
}

func TestThousands(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 999: "999", 1000: "1,000", 1234567.4: "1,234,567"} {
		if got := thousands(v); got != want {
			t.Errorf("thousands(%v) = %q, want %q", v, got, want)
		}
	}
}
