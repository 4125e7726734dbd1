package load

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"google.golang.org/grpc/codes"

	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// Result is what one load run measured. Latencies are in microseconds.
type Result struct {
	Target          string  `json:"target"`
	Mode            string  `json:"mode"`
	RPC             string  `json:"rpc"`
	Concurrency     int     `json:"concurrency,omitempty"`
	Rate            float64 `json:"rate,omitempty"`
	MaxInFlight     int     `json:"max_in_flight,omitempty"`
	BatchSize       int     `json:"batch_size"`
	MixSize         int     `json:"mix_size"`
	UniqueText      bool    `json:"unique_text"`
	WarmupSeconds   float64 `json:"warmup_seconds"`
	DurationSeconds float64 `json:"duration_seconds"`
	GOMAXPROCS      int     `json:"client_gomaxprocs"`

	// Calls counts measured calls, Failed those among them that ended in
	// an error; Decisions counts the decisions received (one per Check, one
	// per batch item without an error). CallsPerSec counts successful calls
	// only.
	Calls           int64   `json:"calls"`
	Failed          int64   `json:"failed"`
	Decisions       int64   `json:"decisions"`
	CallsPerSec     float64 `json:"calls_per_sec"`
	DecisionsPerSec float64 `json:"decisions_per_sec"`
	// Latency is over successful calls.
	Latency Latency `json:"latency_us"`
	// Outcomes counts decisions by value, e.g. DECISION_DENY.
	Outcomes map[string]int64 `json:"outcomes"`
	// Errors counts failed calls by gRPC code; ItemErrors counts batch
	// items answered with an error status, by code.
	Errors     map[string]int64 `json:"errors"`
	ItemErrors map[string]int64 `json:"item_errors"`
	// Unsent counts open-loop sends that were due but never made because
	// the run's time ran out.
	Unsent int64 `json:"unsent,omitempty"`
	// MaxSendLagMicros is the longest an open-loop send started after its
	// intended time (a busy client shows here).
	MaxSendLagMicros float64 `json:"max_send_lag_us,omitempty"`

	ClientCPUMicrosPerCall float64 `json:"client_cpu_us_per_call"`
	ServerPID              int     `json:"server_pid,omitempty"`
	// ServerCPUMicrosPerCall and ServerCPUMicrosPerDecision are set when a
	// server PID was given.
	ServerCPUMicrosPerCall     *float64 `json:"server_cpu_us_per_call,omitempty"`
	ServerCPUMicrosPerDecision *float64 `json:"server_cpu_us_per_decision,omitempty"`
	ServerMemory               *Memory  `json:"server_memory,omitempty"`
}

// Latency summarises a latency histogram, in microseconds.
type Latency struct {
	Min  float64 `json:"min"`
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p99_9"`
	Max  float64 `json:"max"`
}

// Summarize returns the latency summary of h, whose values are nanoseconds.
func Summarize(h *Histogram) Latency {
	us := func(ns int64) float64 { return float64(ns) / 1e3 }
	return Latency{
		Min: us(h.Min()), Mean: h.Mean() / 1e3,
		P50: us(h.Quantile(0.50)), P90: us(h.Quantile(0.90)),
		P99: us(h.Quantile(0.99)), P999: us(h.Quantile(0.999)),
		Max: us(h.Max()),
	}
}

func newResult(cfg *Config) *Result {
	r := &Result{
		Target: cfg.Addr, Mode: cfg.Mode, RPC: cfg.RPC, BatchSize: cfg.BatchSize,
		MixSize: len(cfg.Mix), UniqueText: cfg.UniqueText,
		WarmupSeconds: cfg.Warmup.Seconds(), DurationSeconds: cfg.Duration.Seconds(),
		ServerPID: cfg.ServerPID,
	}
	if cfg.Mode == ModeOpen {
		r.Rate, r.MaxInFlight = cfg.Rate, cfg.MaxInFlight
	} else {
		r.Concurrency = cfg.Concurrency
	}
	return r
}

// collect merges the workers' tallies into r.
func (r *Result) collect(workers []*worker, unsent int64) {
	var h Histogram
	var outcomes [3]int64
	errs, itemErrs := map[codes.Code]int64{}, map[codes.Code]int64{}
	var lag time.Duration
	for _, w := range workers {
		h.Merge(&w.hist)
		r.Calls += w.calls
		r.Decisions += w.decisions
		for i, n := range w.outcomes {
			outcomes[i] += n
		}
		for c, n := range w.errs {
			errs[c] += n
			r.Failed += n
		}
		for c, n := range w.itemErrs {
			itemErrs[c] += n
		}
		unsent += w.unsent
		lag = max(lag, w.maxSendLag)
	}
	r.Latency = Summarize(&h)
	r.Outcomes = map[string]int64{}
	for i, n := range outcomes {
		if n > 0 {
			r.Outcomes[sendgatev1.Decision(i).String()] = n
		}
	}
	r.Errors, r.ItemErrors = codeNames(errs), codeNames(itemErrs)
	r.Unsent = unsent
	r.MaxSendLagMicros = float64(lag) / 1e3
}

func codeNames(m map[codes.Code]int64) map[string]int64 {
	out := make(map[string]int64, len(m))
	for c, n := range m {
		out[c.String()] = n
	}
	return out
}

// cpuSample is the CPU time used so far by this process and the server.
type cpuSample struct {
	self, server time.Duration
	serverOK     bool
}

func sampleCPU(serverPID int) cpuSample {
	var s cpuSample
	s.self, _ = SelfCPU()
	if serverPID != 0 {
		var err error
		s.server, err = ProcessCPU(serverPID)
		s.serverOK = err == nil
	}
	return s
}

// finish derives rates and CPU costs from the counts and CPU samples.
func (r *Result) finish(d time.Duration, before, after cpuSample) {
	secs := d.Seconds()
	r.CallsPerSec = float64(r.Calls-r.Failed) / secs
	r.DecisionsPerSec = float64(r.Decisions) / secs
	if r.Calls > 0 {
		r.ClientCPUMicrosPerCall = float64(after.self-before.self) / 1e3 / float64(r.Calls)
	}
	if before.serverOK && after.serverOK && r.Calls > 0 {
		server := float64(after.server-before.server) / 1e3
		perCall := server / float64(r.Calls)
		r.ServerCPUMicrosPerCall = &perCall
		if r.Decisions > 0 {
			perDecision := server / float64(r.Decisions)
			r.ServerCPUMicrosPerDecision = &perDecision
		}
	}
}

// WriteText prints r for a person to read.
func (r *Result) WriteText(w io.Writer) error {
	var b strings.Builder
	loop := fmt.Sprintf("closed loop, concurrency %d", r.Concurrency)
	if r.Mode == ModeOpen {
		loop = fmt.Sprintf("open loop, %.0f decisions/s, %d callers", r.Rate, r.MaxInFlight)
	}
	rpc := "Check"
	if r.RPC == RPCBatch {
		rpc = fmt.Sprintf("CheckBatch of %d", r.BatchSize)
	}
	fmt.Fprintf(&b, "%s → %s: %s, %gs measured after %gs warmup, mix of %d\n",
		rpc, r.Target, loop, r.DurationSeconds, r.WarmupSeconds, r.MixSize)
	fmt.Fprintf(&b, "  calls       %d ok (%.1f/s)   decisions %d (%.1f/s)\n", r.Calls-r.Failed, r.CallsPerSec, r.Decisions, r.DecisionsPerSec)
	l := r.Latency
	fmt.Fprintf(&b, "  latency µs  p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f  mean %.1f\n",
		l.P50, l.P90, l.P99, l.P999, l.Max, l.Mean)
	fmt.Fprintf(&b, "  outcomes    %s\n", formatCounts(r.Outcomes))
	fmt.Fprintf(&b, "  errors      %s", formatCounts(r.Errors))
	if len(r.ItemErrors) > 0 {
		fmt.Fprintf(&b, "   item errors %s", formatCounts(r.ItemErrors))
	}
	if r.Unsent > 0 {
		fmt.Fprintf(&b, "   unsent %d", r.Unsent)
	}
	b.WriteString("\n")
	if r.Mode == ModeOpen {
		fmt.Fprintf(&b, "  send lag    max %.1f µs\n", r.MaxSendLagMicros)
	}
	fmt.Fprintf(&b, "  client CPU  %.1f µs/call\n", r.ClientCPUMicrosPerCall)
	if r.ServerCPUMicrosPerCall != nil {
		fmt.Fprintf(&b, "  server CPU  %.1f µs/call", *r.ServerCPUMicrosPerCall)
		if r.ServerCPUMicrosPerDecision != nil {
			fmt.Fprintf(&b, ", %.1f µs/decision", *r.ServerCPUMicrosPerDecision)
		}
		b.WriteString("\n")
	}
	if m := r.ServerMemory; m != nil {
		fmt.Fprintf(&b, "  server RSS  %.1f MiB (peak %.1f MiB)\n", float64(m.RSSKiB)/1024, float64(m.PeakKiB)/1024)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func formatCounts(m map[string]int64) string {
	if len(m) == 0 {
		return "none"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s=%d", k, m[k]))
	}
	return strings.Join(parts, " ")
}
