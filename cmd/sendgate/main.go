// Command sendgate is the sendgate policy decision point: serve decisions
// over gRPC and HTTP/JSON, check one request, test a bundle, and build
// bundles.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `sendgate — a policy decision point for WhatsApp Business messages

Usage:
  sendgate serve  [--config FILE] [--addr HOST:PORT] [--bundle SOURCE] [flags]   serve decisions over gRPC and HTTP/JSON
  sendgate check  [--bundle PATH | --addr HOST:PORT] [FILE]      decide one CheckRequest (JSON)
  sendgate test   [--run REGEX] [--format text|json|junit] [DIR] run a bundle's Rego tests
  sendgate bundle build|verify|inspect ...                       build, sign and inspect bundles
  sendgate ledger import|export ...                              bulk opt-ins and opt-outs in, the consent ledger out
  sendgate config [--config FILE] [serve flags]                  print serve's effective configuration
  sendgate capabilities [-o FILE]                                OPA capabilities JSON with sendgate's built-ins
  sendgate version                                               version and VCS revision (also --version)

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
	case "config":
		return runConfig(args[1:], stdout, stderr)
	case "capabilities":
		return runCapabilities(args[1:], stdout, stderr)
	case "version", "--version", "-version":
		return runVersion(args[1:], stdout, stderr)
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "sendgate: unknown command %q\n\n%s", args[0], usage)
		return exitUnusable
	}
}

// parseExit is the exit status after a flag set failed to parse: -h and
// --help asked for the usage, which the flag set printed, and succeed.
func parseExit(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	return exitUnusable
}

// isCharDevice reports whether r is a terminal (or another character
// device), from which reading a request would wait for someone to type it.
func isCharDevice(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
