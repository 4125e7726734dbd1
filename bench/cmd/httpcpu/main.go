// Command httpcpu measures what the HTTP/JSON API costs the server over
// gRPC: it sends the same mix of Checks to one running "sendgate serve" over
// gRPC and over HTTP/JSON, in alternating rounds, and reports the server's
// CPU time per decision for each (from /proc/PID/stat) and their ratio.
// bench/http.sh builds and starts the server and runs it.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/sendgate/sendgate/bench/load"
	"github.com/sendgate/sendgate/internal/workload"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

func main() {
	grpcAddr := flag.String("grpc", "127.0.0.1:19090", "the server's gRPC address")
	httpAddr := flag.String("http", "127.0.0.1:19093", "the server's HTTP/JSON address")
	pid := flag.Int("server-pid", 0, "the server's process id (required)")
	concurrency := flag.Int("concurrency", 8, "callers at once")
	duration := flag.Duration("duration", 5*time.Second, "measured time per round and protocol")
	warmup := flag.Duration("warmup", 2*time.Second, "unmeasured calls per protocol before the rounds")
	rounds := flag.Int("rounds", 3, "rounds, each measuring gRPC then HTTP/JSON")
	unique := flag.Bool("unique-text", false, "make every text unique so no text cache can answer, as for personalised messages")
	flag.Parse()
	if err := run(*grpcAddr, *httpAddr, *pid, *concurrency, *duration, *warmup, *rounds, *unique); err != nil {
		fmt.Fprintln(os.Stderr, "httpcpu:", err)
		os.Exit(1)
	}
}

// caller sends one request of the mix, the i-th.
type caller func(ctx context.Context, i int) error

func run(grpcAddr, httpAddr string, pid, concurrency int, duration, warmup time.Duration, rounds int, unique bool) error {
	if pid <= 0 {
		return errors.New("-server-pid is required")
	}
	for _, a := range []string{grpcAddr, httpAddr} {
		if !loopback(a) {
			return fmt.Errorf("%s is not a loopback address", a)
		}
	}
	mix := workload.DefaultMix()
	// request is the i-th call's request: the mix in turn, with a text no
	// earlier call carried when unique. The texts are cut to length once,
	// and each HTTP body is a copy of the item's JSON with the call's
	// number written in, so that the client's own CPU, on the same cores
	// as the server, is small and alike for both protocols.
	const mark = " #0000000000"
	texts := make([]string, len(mix))
	for i, m := range mix {
		texts[i] = workload.TruncateRunes(m.Request.GetMessage().GetText(), workload.MaxTextRunes-len(mark))
	}
	request := func(i int) *sendgatev1.CheckRequest {
		r := mix[i%len(mix)].Request
		if !unique {
			return r
		}
		r = proto.Clone(r).(*sendgatev1.CheckRequest)
		r.Message.Text = texts[i%len(mix)] + fmt.Sprintf(" #%010d", i)
		return r
	}
	bodies := make([][]byte, len(mix))
	marks := make([]int, len(mix)) // where the number goes in bodies[i]
	for i, m := range mix {
		r := m.Request
		if unique {
			r = proto.Clone(r).(*sendgatev1.CheckRequest)
			r.Message.Text = texts[i] + mark
		}
		b, err := protojson.Marshal(r)
		if err != nil {
			return err
		}
		bodies[i] = b
		if marks[i] = bytes.LastIndex(b, []byte(mark)); unique && marks[i] < 0 {
			return fmt.Errorf("%s: no room for the call's number", m.Name)
		}
	}
	body := func(i int) ([]byte, error) {
		b := bodies[i%len(bodies)]
		if !unique {
			return b, nil
		}
		b = bytes.Clone(b)
		at := marks[i%len(bodies)] + 2
		copy(b[at:at+10], fmt.Sprintf("%010d", i))
		return b, nil
	}
	conn, err := grpc.NewClient(grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	client := sendgatev1.NewDecisionServiceClient(conn)
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: concurrency, MaxConnsPerHost: concurrency}, Timeout: 10 * time.Second}
	url := "http://" + httpAddr + "/v1/check"

	protocols := []struct {
		name string
		call caller
	}{
		{"gRPC", func(ctx context.Context, i int) error {
			_, err := client.Check(ctx, request(i))
			return err
		}},
		{"HTTP/JSON", func(ctx context.Context, i int) error {
			b, err := body(i)
			if err != nil {
				return err
			}
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
			if err != nil {
				return err
			}
			req.Header.Set("Content-Type", "application/json")
			resp, err := hc.Do(req)
			if err != nil {
				return err
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("HTTP %s", resp.Status)
			}
			return nil
		}},
	}
	for _, p := range protocols {
		if _, err := drive(p.call, concurrency, warmup); err != nil {
			return fmt.Errorf("%s warm-up: %w", p.name, err)
		}
	}
	cpu := make([]time.Duration, len(protocols))
	calls := make([]int64, len(protocols))
	for range rounds {
		for i, p := range protocols {
			before, err := load.ProcessCPU(pid)
			if err != nil {
				return err
			}
			n, err := drive(p.call, concurrency, duration)
			if err != nil {
				return fmt.Errorf("%s: %w", p.name, err)
			}
			after, err := load.ProcessCPU(pid)
			if err != nil {
				return err
			}
			cpu[i] += after - before
			calls[i] += n
		}
	}
	text := "repeated (the text findings cache answers)"
	if unique {
		text = "unique (the text analysis runs on every call)"
	}
	fmt.Printf("Default mix, %d callers, %d rounds of %s per protocol, text %s.\n\n", concurrency, rounds, duration, text)
	fmt.Printf("| protocol | decisions | server CPU | server CPU per decision |\n|---|---:|---:|---:|\n")
	per := make([]float64, len(protocols))
	for i, p := range protocols {
		per[i] = float64(cpu[i].Microseconds()) / float64(calls[i])
		fmt.Printf("| %s | %d | %.2f s | %.1f µs |\n", p.name, calls[i], cpu[i].Seconds(), per[i])
	}
	fmt.Printf("\nHTTP/JSON ÷ gRPC server CPU per decision: %.3f (%+.1f %%)\n", per[1]/per[0], 100*(per[1]/per[0]-1))
	return nil
}

// drive runs callers back to back for d and returns how many calls
// succeeded; the first failure ends it.
func drive(call caller, concurrency int, d time.Duration) (int64, error) {
	deadline := time.Now().Add(d)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	var n atomic.Int64
	var next atomic.Int64
	var once sync.Once
	var firstErr error
	var wg sync.WaitGroup
	for range concurrency {
		wg.Go(func() {
			for ctx.Err() == nil {
				err := call(ctx, int(next.Add(1)))
				switch {
				case err == nil:
					n.Add(1)
				case ctx.Err() != nil || !time.Now().Before(deadline):
					return // a call cut off by the end of the run
				default:
					once.Do(func() { firstErr = err; cancel() })
					return
				}
			}
		})
	}
	wg.Wait()
	return n.Load(), firstErr
}

func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
