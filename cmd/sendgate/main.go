// Command sendgate is the sendgate policy decision point: serve decisions
// over gRPC, check one request, test a bundle, and build bundles.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `sendgate — a policy decision point for WhatsApp Business messages

Usage:
  sendgate serve  [--addr HOST:PORT] [--bundle SOURCE] [flags]   serve decisions over gRPC
  sendgate check  [--bundle PATH | --addr HOST:PORT] [FILE]      decide one CheckRequest (JSON)
  sendgate test   [DIR]                                          run a bundle's Rego tests
  sendgate bundle build|verify|inspect ...                       build, sign and inspect bundles
  sendgate ledger import|export ...                              bulk opt-ins and opt-outs in, the consent ledger out

Run "sendgate COMMAND -h" for the flags of a command.
`

// Exit statuses shared by the commands.
const (
	exitOK       = 0
	exitDeny     = 1 // check: the message was denied; test: a test failed
	exitUnusable = 2 // the request, the bundle or the flags could not be used
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUnusable
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], stderr)
	case "check":
		return runCheck(ctx, args[1:], stdin, stdout, stderr)
	case "test":
		return runTest(ctx, args[1:], stdout, stderr)
	case "bundle":
		return runBundle(ctx, args[1:], stdout, stderr)
	case "ledger":
		return runLedger(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "sendgate: unknown command %q\n\n%s", args[0], usage)
		return exitUnusable
	}
}
