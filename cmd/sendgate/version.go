package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/sendgate/sendgate/internal/buildinfo"
)

// runVersion prints the module version, the VCS revision and the Go
// version the binary was built with, as stamped by the Go toolchain.
func runVersion(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: sendgate version\n\nPrints the version, VCS revision and commit time this binary was built from.")
	}
	if err := fs.Parse(args); err != nil {
		return parseExit(err)
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return exitUnusable
	}
	bi := buildinfo.Read()
	fmt.Fprintf(stdout, "sendgate %s\nrevision %s\n", bi.Version, bi.Short())
	if bi.Time != "" {
		fmt.Fprintf(stdout, "committed %s\n", bi.Time)
	}
	fmt.Fprintf(stdout, "built with %s\n", bi.GoVersion)
	return exitOK
}
