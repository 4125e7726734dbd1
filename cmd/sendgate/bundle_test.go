package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sendgate/sendgate/bundles"
)

// writeECKeys writes a P-256 key pair as PEM files and returns their paths.
func writeECKeys(t *testing.T, dir, name string) (priv, pub string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	privDER, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	priv, pub = filepath.Join(dir, name+".key"), filepath.Join(dir, name+".pub")
	if err := os.WriteFile(priv, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o644); err != nil {
		t.Fatal(err)
	}
	return priv, pub
}

func bundleCmd(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = runBundle(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestBundleBuildVerifyInspect(t *testing.T) {
	dir := t.TempDir()
	priv, pub := writeECKeys(t, dir, "signing")
	_, otherPub := writeECKeys(t, dir, "other")
	out := filepath.Join(dir, "bundle.tar.gz")

	code, stdout, stderr := bundleCmd("build", "../../policies", "-o", out, "--revision", "cli-1", "--signing-key", priv)
	if code != exitOK {
		t.Fatalf("build: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "revision cli-1") {
		t.Fatalf("build output: %s", stdout)
	}

	if code, stdout, stderr = bundleCmd("verify", out, "--verification-key", pub); code != exitOK || !strings.Contains(stdout, "signature verified") {
		t.Fatalf("verify: exit %d: %s%s", code, stdout, stderr)
	}
	if code, _, stderr = bundleCmd("verify", out, "--verification-key", otherPub); code != exitDeny || !strings.Contains(stderr, "signature") {
		t.Fatalf("verify with another key: exit %d: %s", code, stderr)
	}

	code, stdout, stderr = bundleCmd("inspect", "--json", out)
	if code != exitOK {
		t.Fatalf("inspect: exit %d: %s", code, stderr)
	}
	var info bundles.Info
	if err := json.Unmarshal([]byte(stdout), &info); err != nil {
		t.Fatal(err)
	}
	if info.Revision != "cli-1" || !info.Signed || info.Tests == 0 || len(info.Roots) != 1 || info.Roots[0] != "sendgate" {
		t.Fatalf("inspect = %+v", info)
	}
	hasTestFile := false
	for _, f := range info.Files {
		hasTestFile = hasTestFile || strings.HasSuffix(f, "_test.rego")
	}
	if !hasTestFile {
		t.Fatalf("the built bundle lost its test files: %v", info.Files)
	}

	if code, stdout, _ = bundleCmd("inspect", out); code != exitOK || !strings.Contains(stdout, "revision:  cli-1") {
		t.Fatalf("inspect text: exit %d: %s", code, stdout)
	}
}

func TestBundleUsageErrors(t *testing.T) {
	for name, args := range map[string][]string{
		"no_subcommand":        nil,
		"unknown_subcommand":   {"frobnicate"},
		"build_without_output": {"build", "../../policies"},
		"verify_without_key":   {"verify", "x.tar.gz"},
		"inspect_missing_file": {"inspect", filepath.Join(t.TempDir(), "missing.tar.gz")},
		"unknown_flag":         {"build", "--nope"},
	} {
		t.Run(name, func(t *testing.T) {
			if code, _, _ := bundleCmd(args...); code != exitUnusable {
				t.Fatalf("exit %d, want %d", code, exitUnusable)
			}
		})
	}
}
