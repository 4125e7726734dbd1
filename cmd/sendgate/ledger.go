package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/sendgate/sendgate/internal/engine/opafast"
	"github.com/sendgate/sendgate/internal/ledger"
	iserver "github.com/sendgate/sendgate/internal/server"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

const ledgerUsage = `usage:
  sendgate ledger import [--addr HOST:PORT | --ledger STORE --data-dir DIR --ledger-key-file FILE] FILE
  sendgate ledger export [--addr HOST:PORT | --ledger STORE --data-dir DIR --ledger-key-file FILE] [--business-id ID] [-o FILE]

import records the opt-ins and opt-outs of a CSV or JSONL file (or of an
export) and prints how many rows it accepted and which it refused, by line.
export writes every event and erasure entry as JSON lines. Both talk to a
running server with --addr, or else open the store directly (the embedded
store in --data-dir by default, which a running server holds locked).
Exit status: 0 done, 1 some rows were refused, 2 it could not run.
`

// runLedger runs "sendgate ledger import|export".
func runLedger(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, ledgerUsage)
		return exitUnusable
	}
	switch args[0] {
	case "import":
		return runLedgerImport(ctx, args[1:], stdout, stderr)
	case "export":
		return runLedgerExport(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, ledgerUsage)
		return exitOK
	}
	fmt.Fprintf(stderr, "sendgate ledger: unknown command %q\n\n%s", args[0], ledgerUsage)
	return exitUnusable
}

// ledgerTarget is where a ledger command reads or writes: a server, or a
// store opened in this process.
type ledgerTarget struct {
	addr    string
	dataDir string
	store   ledgerOptions
}

func (t *ledgerTarget) bind(fs *flag.FlagSet) {
	fs.StringVar(&t.addr, "addr", "", "talk to a running server at HOST:PORT instead of opening the store")
	fs.StringVar(&t.dataDir, "data-dir", defaultDataDir, "data directory of the embedded store")
	bindLedgerStoreFlags(fs, &t.store, "embedded")
}

// open connects to the server or opens the store; close releases either.
func (t *ledgerTarget) open(ctx context.Context, stderr io.Writer) (sendgatev1.LedgerServiceClient, *ledger.Ledger, func(), error) {
	if t.addr != "" {
		conn, err := grpc.NewClient(t.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			return nil, nil, nil, fmt.Errorf("connect to %s: %w", t.addr, err)
		}
		return sendgatev1.NewLedgerServiceClient(conn), nil, func() { _ = conn.Close() }, nil
	}
	if t.store.spec == "off" {
		return nil, nil, nil, errors.New("--ledger off: there is no ledger to use")
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	l, err := openLedgerStore(ctx, t.store, t.dataDir, false, log)
	if err != nil {
		return nil, nil, nil, err
	}
	return nil, l, func() { _ = l.Store().Close() }, nil
}

func runLedgerExport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var target ledgerTarget
	fs := flag.NewFlagSet("ledger export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	target.bind(fs)
	business := fs.String("business-id", "", "export only this business (and erasures of every business)")
	out := fs.String("o", "", "write to FILE instead of standard output")
	if err := fs.Parse(args); err != nil {
		return exitUnusable
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "sendgate ledger export: unexpected argument %q\n", fs.Arg(0))
		return exitUnusable
	}
	w := stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			fmt.Fprintf(stderr, "sendgate ledger export: %v\n", err)
			return exitUnusable
		}
		defer f.Close()
		w = f
	}
	n, err := export(ctx, &target, *business, w, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "sendgate ledger export: %v\n", err)
		return exitUnusable
	}
	fmt.Fprintf(stderr, "exported %d events\n", n)
	return exitOK
}

// export writes every event as one line of JSON (a LedgerEvent).
func export(ctx context.Context, target *ledgerTarget, business string, w io.Writer, stderr io.Writer) (int, error) {
	client, l, closeIt, err := target.open(ctx, stderr)
	if err != nil {
		return 0, err
	}
	defer closeIt()
	bw := bufio.NewWriterSize(w, 1<<16)
	n := 0
	write := func(e *sendgatev1.LedgerEvent) error {
		b, err := exportLine(e)
		if err == nil {
			_, err = bw.Write(b)
		}
		n++
		return err
	}
	if client != nil {
		stream, err := client.ExportEvents(ctx, &sendgatev1.ExportEventsRequest{BusinessId: business})
		if err != nil {
			return 0, err
		}
		for {
			resp, err := stream.Recv()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return n, err
			}
			for _, e := range resp.GetEvents() {
				if err := write(e); err != nil {
					return n, err
				}
			}
		}
	} else {
		err := l.Store().Export(ctx, business, func(e ledger.Event) error { return write(iserver.EventProto(e)) })
		if err != nil {
			return n, err
		}
	}
	return n, bw.Flush()
}

// exportLine is e as one compact line of JSON.
func exportLine(e *sendgatev1.LedgerEvent) ([]byte, error) {
	b, err := protojson.Marshal(e)
	if err != nil {
		return nil, err
	}
	var line []byte
	line, err = compactJSON(b)
	return append(line, '\n'), err
}

func compactJSON(b []byte) ([]byte, error) {
	var v json.RawMessage = b
	out, err := json.Marshal(v) // RawMessage marshals compacted
	return out, err
}

func runLedgerImport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var target ledgerTarget
	var o importOptions
	fs := flag.NewFlagSet("ledger import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	target.bind(fs)
	fs.StringVar(&o.format, "format", "", "csv or jsonl (default: from the file name, else from its first line)")
	fs.IntVar(&o.batch, "batch", 100_000, "rows written to a store at once")
	fs.IntVar(&o.concurrency, "concurrency", 16, "calls in flight to a server")
	fs.IntVar(&o.showRefused, "show-refused", 100, "refused rows listed in the summary")
	if err := fs.Parse(args); err != nil {
		return exitUnusable
	}
	if fs.NArg() != 1 {
		fmt.Fprint(stderr, ledgerUsage)
		return exitUnusable
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "sendgate ledger import: %v\n", err)
		return exitUnusable
	}
	defer f.Close()
	o.name = fs.Arg(0)
	if fi, err := f.Stat(); err == nil {
		o.size = fi.Size()
	}
	o.progress = progressTo(stderr)
	if _, set := os.LookupEnv("GOGC"); !set {
		// An import makes garbage by the batch: collect a quarter as often.
		debug.SetGCPercent(opafast.DefaultGCPercent)
	}
	client, l, closeIt, err := target.open(ctx, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "sendgate ledger import: %v\n", err)
		return exitUnusable
	}
	defer closeIt()
	start := time.Now()
	sum, err := importFile(ctx, f, o, client, l)
	sum.took = time.Since(start)
	sum.print(stdout, o.showRefused)
	if err != nil {
		fmt.Fprintf(stderr, "sendgate ledger import: %v\n", err)
		return exitUnusable
	}
	if len(sum.refused) > 0 {
		return exitDeny
	}
	return exitOK
}
