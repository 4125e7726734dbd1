package bundles_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/bundle"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"

	"github.com/sendgate/sendgate/bundles"
)

// minimalDir is a tiny sendgate-shaped bundle with two passing tests.
const minimalDir = "testdata/minimal"

// keyPair is a private and a public key in PEM files.
type keyPair struct{ priv, pub string }

var (
	rsaOnce sync.Once
	rsaKey  *rsa.PrivateKey
)

// newRSAKeys writes one RSA key pair (generated once per test binary) to dir.
func newRSAKeys(t *testing.T, dir string) keyPair {
	t.Helper()
	rsaOnce.Do(func() {
		var err error
		if rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return writeKeys(t, dir, "rsa", rsaKey, &rsaKey.PublicKey)
}

// newECKeys writes a fresh P-256 key pair to dir.
func newECKeys(t *testing.T, dir, name string) keyPair {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return writeKeys(t, dir, name, k, &k.PublicKey)
}

func writeKeys(t *testing.T, dir, name string, priv, pub any) keyPair {
	t.Helper()
	privDER, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	kp := keyPair{priv: filepath.Join(dir, name+".key"), pub: filepath.Join(dir, name+".pub")}
	writeFile(t, kp.priv, string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privDER})))
	writeFile(t, kp.pub, string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})))
	return kp
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// copyDir copies the minimal bundle to a fresh directory, setting its
// revision, so a test can change it.
func copyMinimal(t *testing.T, revision string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "bundle")
	err := filepath.WalkDir(minimalDir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(minimalDir, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		writeFile(t, filepath.Join(dst, rel), string(data))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dst, ".manifest"), fmt.Sprintf(`{"revision": %q, "roots": ["sendgate"]}`, revision))
	return dst
}

// buildTarball builds dir with sendgate's builder and returns the tarball.
func buildTarball(t *testing.T, dir string, opts bundles.BuildOptions) []byte {
	t.Helper()
	b, err := bundles.Build(dir, opts)
	if err != nil {
		t.Fatalf("build %s: %v", dir, err)
	}
	var buf bytes.Buffer
	if err := bundles.WriteBundle(&buf, b); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// minimalTarball builds the minimal bundle with the given revision.
func minimalTarball(t *testing.T, revision string, signing *bundles.Key) []byte {
	t.Helper()
	return buildTarball(t, minimalDir, bundles.BuildOptions{Revision: revision, Signing: signing})
}

// tarEntry is one raw entry of a hand-made tarball.
type tarEntry struct {
	name     string
	body     string
	typeflag byte
	linkname string
}

// rawTarball writes entries as they are, including ones sendgate refuses.
func rawTarball(t *testing.T, entries ...tarEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		tf := e.typeflag
		if tf == 0 {
			tf = tar.TypeReg
		}
		hdr := &tar.Header{Name: e.name, Mode: 0o644, Typeflag: tf, Linkname: e.linkname}
		if tf == tar.TypeReg {
			hdr.Size = int64(len(e.body))
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if tf == tar.TypeReg {
			if _, err := tw.Write([]byte(e.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// unpack reads a tarball into an archive, failing the test on error.
func unpack(t *testing.T, tarball []byte) *bundles.Archive {
	t.Helper()
	a, err := bundles.ReadArchive(bytes.NewReader(tarball), 0)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// repack writes an archive back to a tarball after edit changed its files.
func repack(t *testing.T, tarball []byte, edit func(files map[string]string)) []byte {
	t.Helper()
	a := unpack(t, tarball)
	files := map[string]string{}
	for _, f := range a.Files {
		files[f.Path] = string(f.Data)
	}
	edit(files)
	out := &bundles.Archive{}
	for p, d := range files {
		out.Files = append(out.Files, bundles.File{Path: p, Data: []byte(d)})
	}
	var buf bytes.Buffer
	if _, err := out.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// repackSigned is repack followed by a fresh signature over the edited
// files, for bundles that are bad in ways other than their signature.
func repackSigned(t *testing.T, tarball []byte, priv string, edit func(files map[string]string)) []byte {
	t.Helper()
	return repack(t, tarball, func(files map[string]string) {
		edit(files)
		delete(files, ".signatures.json")
		h, err := bundle.NewSignatureHasher(bundle.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		infos := make([]bundle.FileInfo, 0, len(files))
		for p, d := range files {
			var v any = []byte(d)
			if bundle.IsStructuredDoc(p) {
				if err := json.Unmarshal([]byte(d), &v); err != nil {
					t.Fatal(err)
				}
			}
			sum, err := h.HashFile(v)
			if err != nil {
				t.Fatal(err)
			}
			infos = append(infos, bundle.NewFile(p, hex.EncodeToString(sum), string(bundle.SHA256)))
		}
		tok, err := bundle.GenerateSignedToken(infos, bundle.NewSigningConfig(priv, "RS256", ""), bundles.DefaultKeyID)
		if err != nil {
			t.Fatal(err)
		}
		files[".signatures.json"] = `{"signatures": ["` + tok + `"]}`
	})
}

// policySet stands in for the engine's compiled policy set.
type policySet struct{ revision string }

func (p *policySet) Revision() string { return p.revision }

// opaCompile compiles a bundle's modules with OPA's compiler, standing in
// for engine.Compile where the engine is not under test.
func opaCompile(_ context.Context, b *bundle.Bundle) (bundles.Compiled, error) {
	c := ast.NewCompiler()
	if c.Compile(b.ParsedModules("bundle")); c.Failed() {
		return nil, fmt.Errorf("compile: %w", c.Errors)
	}
	return &policySet{revision: b.Manifest.Revision}, nil
}

// opaTest runs a bundle's Rego tests with OPA's runner, standing in for
// engine.RunTests.
func opaTest(ctx context.Context, b *bundle.Bundle) error {
	store := inmem.New()
	txn, err := store.NewTransaction(ctx, storage.WriteParams)
	if err != nil {
		return err
	}
	defer store.Abort(ctx, txn)
	ch, err := tester.NewRunner().SetStore(store).
		SetBundles(map[string]*bundle.Bundle{"bundle": b}).RunTests(ctx, txn)
	if err != nil {
		return err
	}
	var failed []string
	passed := 0
	for r := range ch {
		if r.Pass() {
			passed++
		} else {
			failed = append(failed, r.Name)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("tests failed: %s", strings.Join(failed, ", "))
	}
	if passed == 0 {
		return errors.New("no tests")
	}
	return nil
}

// testLogger sends the manager's log lines to the test log.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
