// Command compileload measures what activating a large bundle does to the
// latency of the Checks a server answers meanwhile. For each variant it
// starts a fresh server process (this command with -variant) serving the
// default bundle on 127.0.0.1, and a load generator process (this command
// with -client) sending it Checks open loop at a fixed rate; the server
// waits, then parses, compiles and tests the default bundle plus -rules
// generated rules as activation does, then waits again. It prints the p50,
// p99 and max latency and the failed calls of the Checks started in each
// window, and each window's p99 over the steady window's before it.
//
// Variants, run in alternating order -rounds times:
//
//	before  the bundle is parsed, compiled and tested under the default
//	        100 MiB memory limit, with no rule limit
//	after   as serve does now: the memory limit raised by
//	        opafast.CompileHeadroom meanwhile, and --bundle-max-rules 10000
//
//	go run ./bench/cmd/compileload                # 50,000 rules (refused after): about 4 minutes on 2 cores
//	go run ./bench/cmd/compileload -rules 9600    # about the largest bundle the limit admits
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/sendgate/sendgate/bundles"
	"github.com/sendgate/sendgate/internal/engine"
	"github.com/sendgate/sendgate/internal/engine/opafast"
	"github.com/sendgate/sendgate/internal/workload"
	"github.com/sendgate/sendgate/policies"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
	"github.com/sendgate/sendgate/server"
)

// maxRules is serve's default --bundle-max-rules.
const maxRules = 10000

func main() {
	rules := flag.Int("rules", 50000, "rules added to the default bundle")
	rate := flag.Int("rate", 300, "Checks per second, open loop")
	steady := flag.Duration("steady", 5*time.Second, "length of the steady windows")
	rounds := flag.Int("rounds", 2, "rounds of both variants, the order alternating")
	variant := flag.String("variant", "", "run one server process: before or after")
	client := flag.String("client", "", "be the load generator: send Checks to this address until standard input closes")
	flag.Parse()
	var err error
	switch {
	case *client != "":
		err = sendLoad(*client, *rate)
	case *variant != "":
		err = serveOne(*variant, *rules, *rate, *steady)
	default:
		err = orchestrate(*rules, *rate, *rounds, *steady)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "compileload:", err)
		os.Exit(1)
	}
}

func orchestrate(rules, rate, rounds int, steady time.Duration) error {
	fmt.Printf("%d rules added to the default bundle; %d Checks/s open loop from another process; GOMAXPROCS %d\n\n",
		rules, rate, runtime.GOMAXPROCS(0))
	fmt.Println("| variant | window | length | Checks | failed | p50 | p99 | max | p99 ÷ steady p99 |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|")
	var order []string
	for r := range rounds {
		if r%2 == 0 {
			order = append(order, "before", "after")
		} else {
			order = append(order, "after", "before")
		}
	}
	for _, v := range order {
		cmd := exec.Command(os.Args[0], "-variant", v, "-rules", fmt.Sprint(rules), "-rate", fmt.Sprint(rate), "-steady", steady.String())
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("variant %s: %w", v, err)
		}
	}
	return nil
}

type call struct {
	start time.Time
	took  time.Duration
	err   error
}

// serveOne serves the default bundle under load and activates the large
// bundle as variant says, printing one table row per window.
func serveOne(variant string, rules, rate int, steady time.Duration) error {
	ctx := context.Background()
	def, err := policies.Bundle()
	if err != nil {
		return err
	}
	ps, err := engine.Compile(ctx, def)
	if err != nil {
		return err
	}
	var limit int
	switch variant {
	case "after":
		limit = maxRules
	case "before":
	default:
		return fmt.Errorf("unknown variant %q", variant)
	}
	big, err := bigBundle(rules)
	if err != nil {
		return err
	}
	// As serve does: GOGC 400 and a 100 MiB memory limit.
	opafast.TuneGC(slog.New(slog.NewTextHandler(io.Discard, nil)))
	eng := engine.New(engine.Options{})
	eng.Activate(ps)
	srv := server.New(server.Config{Engine: eng, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	srv.SetServing(true)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go func() { _ = srv.Serve(lis) }()
	defer srv.Stop(5 * time.Second)
	// The load comes from another process, as callers' would: the
	// activation must not be able to slow the load generator itself.
	var out bytes.Buffer
	gen := exec.Command(os.Args[0], "-client", lis.Addr().String(), "-rate", fmt.Sprint(rate))
	gen.Stdout, gen.Stderr = &out, os.Stderr
	stdin, err := gen.StdinPipe()
	if err != nil {
		return err
	}
	if err := gen.Start(); err != nil {
		return err
	}

	type window struct {
		name     string
		from, to time.Time
	}
	var windows []window
	idle := func(name string) {
		from := time.Now()
		time.Sleep(steady)
		windows = append(windows, window{name, from, time.Now()})
	}
	time.Sleep(2 * time.Second) // warm-up, not counted
	idle("steady")
	from := time.Now()
	// What activation does: parse, compile, the bundle's own tests.
	work := func() (*engine.PolicySet, error) {
		b, err := bundles.Load(big, bundles.LoadOptions{MaxRules: limit})
		if err != nil {
			return nil, err
		}
		ps, err := engine.Compile(ctx, b)
		if err != nil {
			return nil, err
		}
		_, err = engine.RunTests(ctx, b, engine.TestOptions{Parallel: 1})
		return ps, err
	}
	if variant == "after" {
		restore := opafast.RaiseMemoryLimit(opafast.CompileHeadroom)
		_, err = work()
		restore()
	} else {
		_, err = work()
	}
	name := "activation"
	switch {
	case errors.Is(err, bundles.ErrTooManyRules):
		name = "activation, refused at parse"
	case err != nil:
		return err
	}
	windows = append(windows, window{name, from, time.Now()})
	idle("steady after")
	stdin.Close()
	if err := gen.Wait(); err != nil {
		return fmt.Errorf("load generator: %w", err)
	}
	var calls []call
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var startNS, tookNS int64
		var failed int
		if _, err := fmt.Sscan(line, &startNS, &tookNS, &failed); err != nil {
			return fmt.Errorf("load generator output %q: %w", line, err)
		}
		c := call{start: time.Unix(0, startNS), took: time.Duration(tookNS)}
		if failed != 0 {
			c.err = errors.New("failed")
		}
		calls = append(calls, c)
	}

	var base time.Duration
	for i, w := range windows {
		var took []time.Duration
		failed := 0
		for _, c := range calls {
			if c.start.Before(w.from) || !c.start.Before(w.to) {
				continue
			}
			if c.err != nil {
				failed++
				continue
			}
			took = append(took, c.took)
		}
		slices.Sort(took)
		q := func(p float64) time.Duration {
			if len(took) == 0 {
				return 0
			}
			return took[min(len(took)-1, int(p*float64(len(took))))]
		}
		if i == 0 {
			base = q(0.99)
		}
		fmt.Printf("| %s | %s | %.1f s | %d | %d | %s | %s | %s | %.2f |\n", variant, w.name, w.to.Sub(w.from).Seconds(),
			len(took)+failed, failed, ms(q(0.5)), ms(q(0.99)), ms(q(1)), float64(q(0.99))/float64(base))
	}
	return nil
}

// sendLoad sends Checks to addr at rate per second, open loop, until
// standard input closes, then writes one line per call: start (Unix ns),
// latency (ns), 1 if it failed.
func sendLoad(addr string, rate int) error {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	client := sendgatev1.NewDecisionServiceClient(conn)
	stop := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); close(stop) }()
	var mu sync.Mutex
	var calls []call
	var wg sync.WaitGroup
	mix := workload.DefaultMix()
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case <-stop:
			wg.Wait()
			w := bufio.NewWriter(os.Stdout)
			for _, c := range calls {
				failed := 0
				if c.err != nil {
					failed = 1
				}
				fmt.Fprintf(w, "%d %d %d\n", c.start.UnixNano(), c.took, failed)
			}
			return w.Flush()
		case <-tick.C:
		}
		req := mix[i%2].Request // the plain and the identifiers message
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			start := time.Now()
			_, err := client.Check(ctx, req)
			c := call{start: start, took: time.Since(start), err: err}
			mu.Lock()
			calls = append(calls, c)
			mu.Unlock()
		})
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

// bigBundle is the default bundle plus n rules in a package of their own,
// as the archive a source would deliver.
func bigBundle(n int) (*bundles.Archive, error) {
	dir, err := os.MkdirTemp("", "compileload-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	if err := os.CopyFS(dir, policies.FS()); err != nil {
		return nil, err
	}
	var sb strings.Builder
	sb.WriteString("package sendgate.extra\n\n")
	for i := range n {
		fmt.Fprintf(&sb, "blocked_%d if input.message.text == \"word-%d\"\n", i, i)
	}
	if err := os.WriteFile(filepath.Join(dir, "sendgate", "extra.rego"), []byte(sb.String()), 0o644); err != nil {
		return nil, err
	}
	b, err := bundles.Build(dir, bundles.BuildOptions{Revision: "big-1"})
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := bundles.WriteBundle(&buf, b); err != nil {
		return nil, err
	}
	return bundles.ReadArchive(&buf, 0)
}
