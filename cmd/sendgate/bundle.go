package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/sendgate/sendgate/bundles"
)

const bundleUsage = `Usage:
  sendgate bundle build DIR -o FILE [--revision REV] [--signing-key PEM|hmac:FILE] [--signing-alg ALG] [--signing-key-id ID]
  sendgate bundle verify FILE --verification-key [ID=]PEM|hmac:FILE [--verification-key ...] [--signing-alg ALG]
  sendgate bundle inspect FILE [--json]

FILE is an OPA bundle (.tar.gz) or an unpacked bundle directory. Keys are PEM
files (a private key to sign, a public key or certificate to verify); an HMAC
secret must be marked hmac:FILE, anything else is refused.
`

// runBundle implements "sendgate bundle": build, verify and inspect OPA
// bundles. Exit status: 0 success, 1 the bundle failed verification, 2 the
// flags, files or keys could not be used.
func runBundle(_ context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, bundleUsage)
		return exitUnusable
	}
	switch args[0] {
	case "build":
		return runBundleBuild(args[1:], stdout, stderr)
	case "verify":
		return runBundleVerify(args[1:], stdout, stderr)
	case "inspect":
		return runBundleInspect(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, bundleUsage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "sendgate bundle: unknown command %q\n\n%s", args[0], bundleUsage)
		return exitUnusable
	}
}

func runBundleBuild(args []string, stdout, stderr io.Writer) int {
	fs := newBundleFlags("build", stderr)
	out := fs.String("o", "", "write the bundle to this .tar.gz file (required)")
	fs.StringVar(out, "output", "", "same as -o")
	revision := fs.String("revision", "", "bundle revision (default: the one in DIR/.manifest)")
	signingKey := fs.String("signing-key", "", "PEM private key to sign the bundle with, or hmac:FILE for an HMAC secret")
	alg := fs.String("signing-alg", "", "JWS algorithm, e.g. RS256, PS256, ES256, HS256 (default: from the key)")
	keyID := fs.String("signing-key-id", bundles.DefaultKeyID, "key id recorded in the signature")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return parseExit(err)
	}
	if len(pos) != 1 || *out == "" {
		fmt.Fprintf(stderr, "sendgate bundle build: need one DIR and -o FILE\n\n%s", bundleUsage)
		return exitUnusable
	}
	opts := bundles.BuildOptions{Revision: *revision}
	if *signingKey != "" {
		file, hmac := strings.CutPrefix(*signingKey, "hmac:")
		opts.Signing = &bundles.Key{ID: *keyID, File: file, HMAC: hmac, Algorithm: *alg}
	}
	b, err := bundles.Build(pos[0], opts)
	if err != nil {
		fmt.Fprintf(stderr, "sendgate bundle build: %v\n", err)
		return exitUnusable
	}
	if err := writeFileAtomic(*out, func(w io.Writer) error { return bundles.WriteBundle(w, b) }); err != nil {
		fmt.Fprintf(stderr, "sendgate bundle build: %v\n", err)
		return exitUnusable
	}
	signed := "unsigned"
	if opts.Signing != nil {
		signed = "signed with key " + *keyID
	}
	fmt.Fprintf(stdout, "wrote %s: revision %s, %d modules (%d tests), %s\n",
		*out, b.Manifest.Revision, len(b.Modules), bundles.CountTests(b), signed)
	return exitOK
}

func runBundleVerify(args []string, stdout, stderr io.Writer) int {
	fs := newBundleFlags("verify", stderr)
	var keys keyFlags
	fs.Var(&keys, "verification-key", "PEM public key or certificate, or hmac:FILE for an HMAC secret, optionally ID=...; repeat for several keys")
	alg := fs.String("signing-alg", "", "JWS algorithm of the keys (default: from each key)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return parseExit(err)
	}
	if len(pos) != 1 || len(keys) == 0 {
		fmt.Fprintf(stderr, "sendgate bundle verify: need one FILE and --verification-key\n\n%s", bundleUsage)
		return exitUnusable
	}
	for i := range keys {
		keys[i].Algorithm = *alg
	}
	vc, err := bundles.NewVerificationConfig(keys...)
	if err != nil {
		fmt.Fprintf(stderr, "sendgate bundle verify: %v\n", err)
		return exitUnusable
	}
	a, err := readArchive(pos[0])
	if err != nil {
		fmt.Fprintf(stderr, "sendgate bundle verify: %v\n", err)
		return exitUnusable
	}
	b, err := bundles.Load(a, bundles.LoadOptions{Verification: vc, AllowMissingRevision: true})
	if err != nil {
		fmt.Fprintf(stderr, "sendgate bundle verify: %s: %v\n", pos[0], err)
		return exitDeny
	}
	fmt.Fprintf(stdout, "%s: signature verified; revision %s; %d files\n", pos[0], revisionOrNone(b.Manifest.Revision), len(a.Files))
	if b.Manifest.Revision == "" {
		fmt.Fprintf(stderr, "warning: %v; sendgate serve will refuse this bundle\n", bundles.ErrMissingRevision)
	}
	return exitOK
}

func runBundleInspect(args []string, stdout, stderr io.Writer) int {
	fs := newBundleFlags("inspect", stderr)
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return parseExit(err)
	}
	if len(pos) != 1 {
		fmt.Fprintf(stderr, "sendgate bundle inspect: need one FILE\n\n%s", bundleUsage)
		return exitUnusable
	}
	a, err := readArchive(pos[0])
	if err != nil {
		fmt.Fprintf(stderr, "sendgate bundle inspect: %v\n", err)
		return exitUnusable
	}
	b, err := bundles.Load(a, bundles.LoadOptions{AllowMissingRevision: true})
	if err != nil {
		fmt.Fprintf(stderr, "sendgate bundle inspect: %s: %v\n", pos[0], err)
		return exitUnusable
	}
	info := bundles.Inspect(a, b)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(info); err != nil {
			fmt.Fprintf(stderr, "sendgate bundle inspect: %v\n", err)
			return exitUnusable
		}
		return exitOK
	}
	signed := "no"
	if info.Signed {
		signed = "yes (not verified; use 'sendgate bundle verify')"
	}
	fmt.Fprintf(stdout, "revision:  %s\n", revisionOrNone(info.Revision))
	fmt.Fprintf(stdout, "roots:     %s\n", strings.Join(quoteRoots(info.Roots), ", "))
	fmt.Fprintf(stdout, "signed:    %s\n", signed)
	fmt.Fprintf(stdout, "modules:   %d\n", info.Modules)
	fmt.Fprintf(stdout, "tests:     %d\n", info.Tests)
	fmt.Fprintf(stdout, "files:     %d\n", len(info.Files))
	for _, f := range info.Files {
		fmt.Fprintf(stdout, "  %s\n", f)
	}
	return exitOK
}

func newBundleFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("bundle "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseInterleaved parses flags placed before, between or after the
// positional arguments ("build DIR -o FILE" as well as "build -o FILE DIR").
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// readArchive reads a bundle tarball or an unpacked bundle directory.
func readArchive(path string) (*bundles.Archive, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("open bundle: %w", err)
	}
	if fi.IsDir() {
		return bundles.ReadArchiveDir(path, 0)
	}
	return bundles.ReadArchiveFile(path, 0)
}

// writeFileAtomic writes through a temporary file renamed over path, so a
// server watching path never reads half a bundle.
func writeFileAtomic(path string, write func(io.Writer) error) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err = write(tmp); err != nil {
		return err
	}
	if err = tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func revisionOrNone(rev string) string {
	if rev == "" {
		return "(none)"
	}
	return rev
}

func quoteRoots(roots []string) []string {
	out := make([]string, 0, len(roots))
	for _, r := range roots {
		if r == "" {
			r = `"" (everything)`
		}
		out = append(out, r)
	}
	return out
}

// keyFlags collects repeated --verification-key flags.
type keyFlags []bundles.Key

// String implements flag.Value.
func (k *keyFlags) String() string {
	if k == nil {
		return ""
	}
	files := make([]string, 0, len(*k))
	for _, key := range *k {
		files = append(files, key.File)
	}
	return strings.Join(files, ",")
}

// Set implements flag.Value.
func (k *keyFlags) Set(v string) error {
	if v == "" {
		return errors.New("empty key")
	}
	*k = append(*k, bundles.ParseKeySpec(v))
	return nil
}
