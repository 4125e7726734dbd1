// Command loadgen drives a sendgate DecisionService (or the bench echo
// server) with Check or CheckBatch calls and reports throughput, latency
// percentiles, errors by gRPC code and CPU per call.
//
// Closed loop, 16 callers back to back:
//
//	loadgen -addr 127.0.0.1:9090 -mode closed -concurrency 16 -duration 10s
//
// Open loop at 2,000 decisions/s, latency measured from each call's intended
// send time, with the server's CPU per decision:
//
//	loadgen -mode open -rate 2000 -server-pid $(pgrep -n sendgate)
//
// It refuses a non-loopback address unless -allow-remote is given, and stops
// by itself after -warmup + -duration (+ at most -timeout for calls in
// flight).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/sendgate/sendgate/internal/workload"

	"github.com/sendgate/sendgate/bench/load"
)

func main() {
	cfg := load.Config{}
	flag.StringVar(&cfg.Addr, "addr", "127.0.0.1:9090", "server address HOST:PORT")
	flag.BoolVar(&cfg.AllowRemote, "allow-remote", false, "permit an address that is not loopback")
	flag.StringVar(&cfg.Mode, "mode", load.ModeClosed, "closed (callers back to back) or open (fixed rate)")
	flag.IntVar(&cfg.Concurrency, "concurrency", 16, "closed loop: number of callers")
	flag.Float64Var(&cfg.Rate, "rate", 1000, "open loop: decisions per second")
	flag.IntVar(&cfg.MaxInFlight, "max-in-flight", 512, "open loop: callers, the most calls in flight")
	flag.DurationVar(&cfg.Duration, "duration", 10*time.Second, "measured time")
	flag.DurationVar(&cfg.Warmup, "warmup", 2*time.Second, "unmeasured time before it")
	flag.DurationVar(&cfg.Timeout, "timeout", 5*time.Second, "grace for calls in flight at the end")
	flag.DurationVar(&cfg.ConnectTimeout, "connect-timeout", 10*time.Second, "wait for the server to accept the connection")
	flag.StringVar(&cfg.RPC, "rpc", load.RPCCheck, "check or batch")
	flag.IntVar(&cfg.BatchSize, "batch-size", 100, "batch: requests per CheckBatch call")
	mix := flag.String("mix", "", "JSONL file of CheckRequests (protojson) or corpus cases with a request field; default: built-in mix")
	traffic := flag.String("traffic", "", "send a generated traffic instead of the mix: "+strings.Join(workload.TrafficNames, ", ")+" (10,000 requests, sent in turn)")
	flag.BoolVar(&cfg.UniqueText, "unique-text", false, "make every text unique so no text cache can answer")
	flag.IntVar(&cfg.ServerPID, "server-pid", 0, "server process to report CPU and memory of")
	asJSON := flag.Bool("json", false, "print the result as JSON")
	flag.Parse()

	switch {
	case *traffic != "" && *mix != "":
		fatal(fmt.Errorf("-traffic and -mix exclude each other"))
	case *traffic != "":
		make, ok := workload.Traffics[*traffic]
		if !ok {
			fatal(fmt.Errorf("unknown traffic %q: want one of %s", *traffic, strings.Join(workload.TrafficNames, ", ")))
		}
		for i, req := range make(1, 10000) {
			cfg.Mix = append(cfg.Mix, workload.MixItem{Name: fmt.Sprint(*traffic, "-", i), Request: req})
		}
	case *mix == "":
		cfg.Mix = workload.DefaultMix()
	default:
		items, err := workload.ReadMixFile(*mix)
		if err != nil {
			fatal(err)
		}
		cfg.Mix = items
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := load.Run(ctx, cfg)
	if err != nil {
		fatal(err)
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(res)
	} else {
		err = res.WriteText(os.Stdout)
	}
	if err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "loadgen:", err)
	os.Exit(2)
}
