package load

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// Names of the runs bench/run.sh makes, as MarkdownTable expects them: each
// scenario once against the echo server ("echo-…") and once against
// sendgate ("pdp-…").
const (
	RunClosed    = "closed"
	RunOpen1000  = "open-1000"
	RunOpen2000  = "open-2000"
	RunBatch100  = "batch-100"
	RunBatch1000 = "batch-1000"
)

// Targets from the performance issue, checked by MarkdownTable.
const (
	TargetThroughputRatio = 0.5
	TargetOpenP99Micros   = 2000
	TargetBatchPerSec     = 15000
	TargetRSSMiB          = 150
)

// Targets of the traffic table (the message-level caching issue).
const (
	TargetCampaignThroughputRatio = 0.6
	TargetCampaignBatchPerSec     = 60000
	TargetCampaignOpenP99Ratio    = 2.0
)

// TrafficRuns are the runs bench/run.sh makes for each traffic, named
// RUN-TRAFFIC ("closed-campaign").
var TrafficRuns = []string{RunClosed, RunOpen2000, RunBatch1000}

// TrafficTable writes one block of rows per traffic: Check in a closed
// loop against echo, the open loop at 2,000/s, CheckBatch of 1,000, with
// the campaign's targets.
func TrafficTable(w io.Writer, runs map[string]*Result, traffics []string) error {
	var b strings.Builder
	b.WriteString("| traffic | measurement | echo | sendgate | sendgate vs echo | target | met |\n")
	b.WriteString("|---|---|---:|---:|---:|---|:-:|\n")
	for _, t := range traffics {
		e := func(s string) *Result { return runs["echo-"+s+"-"+t] }
		p := func(s string) *Result { return runs["pdp-"+s+"-"+t] }
		campaign := t == "campaign"
		row := func(cells ...string) { b.WriteString("| " + t + " | " + strings.Join(cells, " | ") + " |\n") }

		ratio := ratioOf(p(RunClosed), e(RunClosed), perSec)
		target, ok := "", ""
		if campaign {
			target = fmt.Sprintf("≥ %.1f × echo", TargetCampaignThroughputRatio)
			ok = verdict(ratio, func(v float64) bool { return v >= TargetCampaignThroughputRatio })
		}
		row("Check closed loop, calls/s", num(e(RunClosed), perSec), num(p(RunClosed), perSec), fmtRatio(ratio), target, ok)
		row("server CPU µs per decision, closed loop", num(e(RunClosed), serverCPU), num(p(RunClosed), serverCPU), diff(p(RunClosed), e(RunClosed), serverCPU), "", "")

		p99 := func(r *Result) float64 { return r.Latency.P99 }
		ratio = ratioOf(p(RunOpen2000), e(RunOpen2000), p99)
		target, ok = "", ""
		if campaign {
			target = fmt.Sprintf("p99 ≤ %.0f × echo's", TargetCampaignOpenP99Ratio)
			if r := p(RunOpen2000); r != nil {
				ok = verdict(ratio, func(v float64) bool { return v <= TargetCampaignOpenP99Ratio && clean(r) })
			}
		}
		row("open loop 2,000/s, p50 / p99 µs", pcts(e(RunOpen2000)), pcts(p(RunOpen2000)), fmtRatio(ratio), target, ok)

		target, ok = "", ""
		if campaign {
			target = "≥ " + thousands(TargetCampaignBatchPerSec)
			if r := p(RunBatch1000); r != nil {
				ok = verdict(r.DecisionsPerSec, func(v float64) bool { return v >= TargetCampaignBatchPerSec && clean(r) })
			}
		}
		row("CheckBatch of 1,000, decisions/s", num(e(RunBatch1000), decisionsPerSec), num(p(RunBatch1000), decisionsPerSec),
			fmtRatio(ratioOf(p(RunBatch1000), e(RunBatch1000), decisionsPerSec)), target, ok)
		row("server CPU µs per decision, batch of 1,000", num(e(RunBatch1000), serverCPU), num(p(RunBatch1000), serverCPU), diff(p(RunBatch1000), e(RunBatch1000), serverCPU), "", "")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// MarkdownTable writes the side-by-side table of a bench run: runs maps
// "echo-"+scenario and "pdp-"+scenario to results. Missing runs show as "—".
func MarkdownTable(w io.Writer, runs map[string]*Result) error {
	e := func(s string) *Result { return runs["echo-"+s] }
	p := func(s string) *Result { return runs["pdp-"+s] }
	var rows [][]string
	add := func(cells ...string) { rows = append(rows, cells) }

	ec, pc := e(RunClosed), p(RunClosed)
	conc := ""
	if pc != nil {
		conc = fmt.Sprintf(", %d callers", pc.Concurrency)
	}
	ratio := ratioOf(pc, ec, func(r *Result) float64 { return r.CallsPerSec })
	add("Check closed loop, calls/s"+conc, num(ec, perSec), num(pc, perSec),
		fmtRatio(ratio), fmt.Sprintf("≥ %.1f × echo", TargetThroughputRatio), verdict(ratio, func(v float64) bool { return v >= TargetThroughputRatio }))
	add("Server CPU µs per decision, closed loop", num(ec, serverCPU), num(pc, serverCPU), diff(pc, ec, serverCPU), "", "")
	add("Client CPU µs per call, closed loop", num(ec, clientCPU), num(pc, clientCPU), "", "", "")
	add("Closed-loop latency p50 / p99, µs", pcts(ec), pcts(pc), "", "", "")
	for _, s := range []string{RunOpen1000, RunOpen2000} {
		rate := thousands(float64(map[string]int{RunOpen1000: 1000, RunOpen2000: 2000}[s]))
		target, ok := "", ""
		if s == RunOpen2000 {
			target = "p99 ≤ " + thousands(TargetOpenP99Micros) + " µs"
			if r := p(s); r != nil {
				ok = verdict(r.Latency.P99, func(v float64) bool { return v <= TargetOpenP99Micros && clean(r) })
			}
		}
		add("Open loop "+rate+" decisions/s, p50 / p99 µs", pcts(e(s)), pcts(p(s)), "", target, ok)
		add("Server CPU µs per decision at "+rate+"/s", num(e(s), serverCPU), num(p(s), serverCPU), diff(p(s), e(s), serverCPU), "", "")
	}
	for _, s := range []string{RunBatch100, RunBatch1000} {
		size := thousands(float64(map[string]int{RunBatch100: 100, RunBatch1000: 1000}[s]))
		ok := ""
		if r := p(s); r != nil {
			ok = verdict(r.DecisionsPerSec, func(v float64) bool { return v >= TargetBatchPerSec && clean(r) })
		}
		add("CheckBatch of "+size+", decisions/s", num(e(s), decisionsPerSec), num(p(s), decisionsPerSec),
			fmtRatio(ratioOf(p(s), e(s), decisionsPerSec)), "≥ "+thousands(TargetBatchPerSec), ok)
		add("Server CPU µs per decision, batch of "+size, num(e(s), serverCPU), num(p(s), serverCPU), diff(p(s), e(s), serverCPU), "", "")
	}
	eMem, pMem := peakMiB(runs, "echo-"), peakMiB(runs, "pdp-")
	add("Server RSS peak under load (VmHWM), MiB", mib(eMem), mib(pMem), "", fmt.Sprintf("≤ %d MiB", TargetRSSMiB),
		verdict(pMem, func(v float64) bool { return v <= TargetRSSMiB }))
	add("Failed calls / unsent, all runs", failures(runs, "echo-"), failures(runs, "pdp-"), "", "0", "")

	var b strings.Builder
	b.WriteString("| measurement | echo | sendgate | sendgate vs echo | target | met |\n")
	b.WriteString("|---|---:|---:|---:|---|:-:|\n")
	for _, r := range rows {
		b.WriteString("| " + strings.Join(r, " | ") + " |\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func perSec(r *Result) float64          { return r.CallsPerSec }
func decisionsPerSec(r *Result) float64 { return r.DecisionsPerSec }
func clientCPU(r *Result) float64       { return r.ClientCPUMicrosPerCall }

// serverCPU is NaN when the run had no server figures.
func serverCPU(r *Result) float64 {
	if r.ServerCPUMicrosPerDecision == nil {
		return nan
	}
	return *r.ServerCPUMicrosPerDecision
}

var nan = math.NaN()

func num(r *Result, f func(*Result) float64) string {
	if r == nil || math.IsNaN(f(r)) {
		return "—"
	}
	v := f(r)
	if v >= 1000 {
		return thousands(v)
	}
	return fmt.Sprintf("%.1f", v)
}

// thousands formats v rounded, with commas: 12,345.
func thousands(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func pcts(r *Result) string {
	if r == nil {
		return "—"
	}
	return num(r, func(r *Result) float64 { return r.Latency.P50 }) + " / " + num(r, func(r *Result) float64 { return r.Latency.P99 })
}

func ratioOf(a, b *Result, f func(*Result) float64) float64 {
	if a == nil || b == nil || f(b) == 0 {
		return nan
	}
	return f(a) / f(b)
}

func fmtRatio(v float64) string {
	if math.IsNaN(v) {
		return ""
	}
	return fmt.Sprintf("%.2f ×", v)
}

func diff(a, b *Result, f func(*Result) float64) string {
	if a == nil || b == nil || math.IsNaN(f(a)) || math.IsNaN(f(b)) {
		return ""
	}
	return fmt.Sprintf("%+.1f", f(a)-f(b))
}

func verdict(v float64, ok func(float64) bool) string {
	switch {
	case math.IsNaN(v):
		return ""
	case ok(v):
		return "yes"
	default:
		return "**no**"
	}
}

// clean reports whether a run had no failed or unsent calls.
func clean(r *Result) bool {
	return r.Failed+itemErrors(r) == 0 && r.Unsent == 0
}

func itemErrors(r *Result) int64 {
	var n int64
	for _, c := range r.ItemErrors {
		n += c
	}
	return n
}

func peakMiB(runs map[string]*Result, prefix string) float64 {
	peak := nan
	for name, r := range runs {
		if strings.HasPrefix(name, prefix) && r.ServerMemory != nil {
			v := float64(r.ServerMemory.PeakKiB) / 1024
			if math.IsNaN(peak) || v > peak {
				peak = v
			}
		}
	}
	return peak
}

func mib(v float64) string {
	if math.IsNaN(v) {
		return "—"
	}
	return fmt.Sprintf("%.1f", v)
}

func failures(runs map[string]*Result, prefix string) string {
	var failed, unsent int64
	seen := false
	for name, r := range runs {
		if !strings.HasPrefix(name, prefix) {
			continue
		}
		seen = true
		failed += r.Failed + itemErrors(r)
		unsent += r.Unsent
	}
	if !seen {
		return "—"
	}
	return fmt.Sprintf("%d / %d", failed, unsent)
}
