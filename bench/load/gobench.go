package load

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// In-process targets from the performance issue, checked by
// DecideMarkdownTable over the benchmark mix.
const (
	TargetDecideMicros = 50
	TargetDecideAllocs = 250
)

// GoBench holds the samples of `go test -bench -benchmem` output by
// benchmark name (the -N GOMAXPROCS suffix dropped), in the order the names
// first appear.
type GoBench struct {
	Names   []string
	NsPerOp map[string][]float64
	Allocs  map[string][]float64
}

// ParseGoBench reads `go test -bench -benchmem` output; lines that are not
// benchmark results are skipped.
func ParseGoBench(r io.Reader) (*GoBench, error) {
	b := &GoBench{NsPerOp: map[string][]float64{}, Allocs: map[string][]float64{}}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := strings.TrimPrefix(f[0], "Benchmark")
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i]
			}
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			switch f[i+1] {
			case "ns/op":
				if _, seen := b.NsPerOp[name]; !seen {
					b.Names = append(b.Names, name)
				}
				b.NsPerOp[name] = append(b.NsPerOp[name], v)
			case "allocs/op":
				b.Allocs[name] = append(b.Allocs[name], v)
			}
		}
	}
	return b, sc.Err()
}

// DecideMarkdownTable writes the in-process decision benchmarks (the
// Decide/msg=…/text=… rows of b): the median µs/op and allocs/op of each
// row, then the median over the mix's rows against the targets.
func DecideMarkdownTable(w io.Writer, b *GoBench) error {
	var sb strings.Builder
	sb.WriteString("| in-process decision | µs/op (median) | allocs/op | samples |\n|---|---:|---:|---:|\n")
	var rowMicros, rowAllocs []float64
	for _, name := range b.Names {
		if !strings.HasPrefix(name, "Decide/") {
			continue
		}
		us := median(b.NsPerOp[name]) / 1000
		allocs := median(b.Allocs[name])
		rowMicros = append(rowMicros, us)
		rowAllocs = append(rowAllocs, allocs)
		fmt.Fprintf(&sb, "| %s | %s | %s | %d |\n", name, oneDecimal(us), thousands(allocs), len(b.NsPerOp[name]))
	}
	if len(rowMicros) == 0 {
		return fmt.Errorf("no Decide/ benchmarks in the results")
	}
	us, allocs := median(rowMicros), median(rowAllocs)
	fmt.Fprintf(&sb, "| **median over the mix** | **%s** (target ≤ %d: %s) | **%s** (target ≤ %d: %s) | %d rows |\n",
		oneDecimal(us), TargetDecideMicros, verdict(us, func(v float64) bool { return v <= TargetDecideMicros }),
		thousands(allocs), TargetDecideAllocs, verdict(allocs, func(v float64) bool { return v <= TargetDecideAllocs }), len(rowMicros))
	_, err := io.WriteString(w, sb.String())
	return err
}

// Targets of the in-process traffic benchmarks, by traffic: µs/op and
// allocs/op of a decision with the message cache on.
var TrafficDecideTargets = map[string][2]float64{
	"campaign":      {25, 120},
	"transactional": {70, 350},
}

// DecideTrafficMarkdownTable writes the medians of BenchmarkDecideTraffic:
// per traffic, with the message cache on and off, and the targets.
func DecideTrafficMarkdownTable(w io.Writer, b *GoBench) error {
	var sb strings.Builder
	sb.WriteString("| in-process decision, by traffic | cache | µs/op (median) | allocs/op | target | met |\n|---|---|---:|---:|---|:-:|\n")
	rows := 0
	for _, name := range b.Names {
		rest, ok := strings.CutPrefix(name, "DecideTraffic/traffic=")
		if !ok {
			continue
		}
		traffic, cache, _ := strings.Cut(rest, "/cache=")
		us, allocs := median(b.NsPerOp[name])/1000, median(b.Allocs[name])
		target, met := "", ""
		if t, ok := TrafficDecideTargets[traffic]; ok && cache == "on" {
			target = fmt.Sprintf("≤ %.0f µs, ≤ %.0f allocs", t[0], t[1])
			met = verdict(us, func(v float64) bool { return v <= t[0] && allocs <= t[1] })
		}
		fmt.Fprintf(&sb, "| %s | %s | %s | %s | %s | %s |\n", traffic, cache, oneDecimal(us), thousands(allocs), target, met)
		rows++
	}
	if rows == 0 {
		return nil
	}
	_, err := io.WriteString(w, sb.String())
	return err
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func oneDecimal(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
