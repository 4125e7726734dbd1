package main

import (
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sendgate/sendgate/internal/config"
)

var update = flag.Bool("update", false, "rewrite the generated parts of README.md")

const (
	flagsBegin = "<!-- BEGIN serve flags: generated from the flag definitions by `go test ./cmd/sendgate -run TestREADMEFlagReference -update`; do not edit -->\n"
	flagsEnd   = "<!-- END serve flags -->\n"
)

// TestREADMEFlagReference keeps the README's flag, environment and
// configuration-file reference equal to serve's flag definitions.
func TestREADMEFlagReference(t *testing.T) {
	var o serveOptions
	var ref bytes.Buffer
	config.Reference(&ref, serveFlags(&o, io.Discard), configOptions)

	path := filepath.Join("..", "..", "README.md")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	begin, end := strings.Index(readme, flagsBegin), strings.Index(readme, flagsEnd)
	if begin < 0 || end < begin {
		t.Fatalf("README.md lacks the markers %q … %q", flagsBegin, flagsEnd)
	}
	got := readme[begin+len(flagsBegin) : end]
	if got == ref.String() {
		return
	}
	if *update {
		out := readme[:begin+len(flagsBegin)] + ref.String() + readme[end:]
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md's flag reference differs from serve's flags; run: go test ./cmd/sendgate -run TestREADMEFlagReference -update\n--- README\n%s\n--- flags\n%s", got, ref.String())
}
