package bundles_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/bundle"
	"github.com/open-policy-agent/opa/v1/compile"

	"github.com/sendgate/sendgate/bundles"
)

func TestBuildInspectRoundTrip(t *testing.T) {
	tarball := minimalTarball(t, "rev-7", nil)
	a := unpack(t, tarball)
	b, err := bundles.Load(a, bundles.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	info := bundles.Inspect(a, b)
	if info.Revision != "rev-7" || info.Signed || info.Modules != 2 || info.Tests != 2 {
		t.Fatalf("inspect = %+v", info)
	}
	if !equal(info.Roots, []string{"sendgate"}) {
		t.Fatalf("roots = %v", info.Roots)
	}
	want := []string{".manifest", "data.json", "sendgate/main.rego", "sendgate/main_test.rego"}
	if !equal(info.Files, want) {
		t.Fatalf("files = %v, want %v", info.Files, want)
	}
	if err := opaTest(context.Background(), b); err != nil {
		t.Fatalf("the built bundle's own tests: %v", err)
	}
}

func TestBuildKeepsManifestRevision(t *testing.T) {
	b, err := bundles.Build(minimalDir, bundles.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if b.Manifest.Revision != "minimal-1" {
		t.Fatalf("revision = %q", b.Manifest.Revision)
	}
}

func TestBuildRefusesMissingRevision(t *testing.T) {
	dir := copyMinimal(t, "")
	_, err := bundles.Build(dir, bundles.BuildOptions{})
	if !errors.Is(err, bundles.ErrMissingRevision) {
		t.Fatalf("err = %v, want ErrMissingRevision", err)
	}
}

func TestSignedBundleVerifies(t *testing.T) {
	dir := t.TempDir()
	for _, kp := range []keyPair{newRSAKeys(t, dir), newECKeys(t, dir, "ec")} {
		t.Run(filepath.Base(kp.priv), func(t *testing.T) {
			tarball := minimalTarball(t, "signed-1", &bundles.Key{File: kp.priv})
			vc, err := bundles.NewVerificationConfig(bundles.Key{File: kp.pub})
			if err != nil {
				t.Fatal(err)
			}
			b, err := bundles.Load(unpack(t, tarball), bundles.LoadOptions{Verification: vc})
			if err != nil {
				t.Fatalf("sendgate's reader: %v", err)
			}
			if b.Manifest.Revision != "signed-1" || !unpack(t, tarball).Signed() {
				t.Fatalf("revision %q", b.Manifest.Revision)
			}
			// OPA's own reader accepts what sendgate signed.
			ob, err := bundle.NewCustomReader(bundle.NewTarballLoaderWithBaseURL(bytes.NewReader(tarball), "")).
				WithBundleVerificationConfig(vc).Read()
			if err != nil {
				t.Fatalf("OPA's reader: %v", err)
			}
			if ob.Manifest.Revision != "signed-1" || len(ob.Modules) != 2 {
				t.Fatalf("OPA read revision %q with %d modules", ob.Manifest.Revision, len(ob.Modules))
			}
		})
	}
}

func TestVerifyRefuses(t *testing.T) {
	dir := t.TempDir()
	good, other := newRSAKeys(t, dir), newECKeys(t, dir, "other")
	signed := minimalTarball(t, "signed-1", &bundles.Key{File: good.priv})
	vc, err := bundles.NewVerificationConfig(bundles.Key{File: good.pub})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		tarball []byte
	}{
		{"unsigned_when_key_configured", minimalTarball(t, "unsigned-1", nil)},
		{"signed_with_wrong_key", minimalTarball(t, "other-1", &bundles.Key{File: other.priv})},
		{"file_changed_after_signing", repack(t, signed, func(f map[string]string) {
			f["sendgate/main.rego"] += "\nextra := true\n"
		})},
		{"data_changed_after_signing", repack(t, signed, func(f map[string]string) {
			f["data.json"] = `{"sendgate": {"blocked_texts": []}}`
		})},
		{"file_added_after_signing", repack(t, signed, func(f map[string]string) {
			f["sendgate/extra.rego"] = "package sendgate.extra\n"
		})},
		{"signed_file_removed", repack(t, signed, func(f map[string]string) {
			delete(f, "sendgate/main_test.rego")
		})},
		{"manifest_changed_after_signing", repack(t, signed, func(f map[string]string) {
			f[".manifest"] = `{"revision": "forged", "roots": ["sendgate"]}`
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := bundles.Load(unpack(t, tt.tarball), bundles.LoadOptions{Verification: vc})
			if !errors.Is(err, bundles.ErrSignature) {
				t.Fatalf("err = %v, want ErrSignature", err)
			}
			t.Logf("refused: %v", err)
		})
	}
}

func TestKeyRotation(t *testing.T) {
	dir := t.TempDir()
	oldKey, newKey := newECKeys(t, dir, "old"), newECKeys(t, dir, "new")
	vc, err := bundles.NewVerificationConfig(
		bundles.ParseKeySpec("2024="+oldKey.pub),
		bundles.ParseKeySpec("2025="+newKey.pub))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []bundles.Key{{ID: "2024", File: oldKey.priv}, {ID: "2025", File: newKey.priv}} {
		tarball := minimalTarball(t, "rot-"+k.ID, &k)
		if _, err := bundles.Load(unpack(t, tarball), bundles.LoadOptions{Verification: vc}); err != nil {
			t.Fatalf("key %s: %v", k.ID, err)
		}
	}
	// The key id picks the key: a new signature claiming the old id fails.
	forged := minimalTarball(t, "rot-x", &bundles.Key{ID: "2024", File: newKey.priv})
	if _, err := bundles.Load(unpack(t, forged), bundles.LoadOptions{Verification: vc}); !errors.Is(err, bundles.ErrSignature) {
		t.Fatalf("err = %v, want ErrSignature", err)
	}
}

// TestStockOPABundleLoads loads a bundle that stock `opa build -b .
// --signing-key` produced (see testdata/opa-signed/README.md).
func TestStockOPABundleLoads(t *testing.T) {
	vc, err := bundles.NewVerificationConfig(bundles.Key{File: "testdata/opa-signed/public.pem"})
	if err != nil {
		t.Fatal(err)
	}
	a, err := bundles.ReadArchiveFile("testdata/opa-signed/bundle.tar.gz", 0)
	if err != nil {
		t.Fatal(err)
	}
	b, err := bundles.Load(a, bundles.LoadOptions{Verification: vc})
	if err != nil {
		t.Fatal(err)
	}
	if b.Manifest.Revision != "opa-built-1" {
		t.Fatalf("revision = %q", b.Manifest.Revision)
	}
	if err := opaTest(context.Background(), b); err != nil {
		t.Fatal(err)
	}
}

// TestOPACompiledBundleLoads signs a bundle with OPA's own build pipeline
// (what `opa build --signing-key` runs) and loads it.
func TestOPACompiledBundleLoads(t *testing.T) {
	kp := newRSAKeys(t, t.TempDir())
	var buf bytes.Buffer
	err := compile.New().
		WithAsBundle(true).
		WithPaths(minimalDir).
		WithRevision("opa-compiled-1").
		WithRegoVersion(ast.RegoV1).
		WithBundleSigningConfig(bundle.NewSigningConfig(kp.priv, "RS256", "")).
		WithBundleVerificationKeyID("default").
		WithOutput(&buf).
		Build(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	vc, err := bundles.NewVerificationConfig(bundles.Key{File: kp.pub})
	if err != nil {
		t.Fatal(err)
	}
	b, err := bundles.Load(unpack(t, buf.Bytes()), bundles.LoadOptions{Verification: vc})
	if err != nil {
		t.Fatal(err)
	}
	if b.Manifest.Revision != "opa-compiled-1" || bundles.CountTests(b) != 2 {
		t.Fatalf("revision %q, %d tests", b.Manifest.Revision, bundles.CountTests(b))
	}
}

func TestLoadRefusesMissingRevision(t *testing.T) {
	tarball := repack(t, minimalTarball(t, "r1", nil), func(f map[string]string) {
		f[".manifest"] = `{"roots": ["sendgate"]}`
	})
	_, err := bundles.Load(unpack(t, tarball), bundles.LoadOptions{})
	if !errors.Is(err, bundles.ErrMissingRevision) {
		t.Fatalf("err = %v, want ErrMissingRevision", err)
	}
}

func TestHMACKeyMarked(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("s3cret-s3cret-s3cret-s3cret-s3cret"), 0o600); err != nil {
		t.Fatal(err)
	}
	key := bundles.ParseKeySpec("hmac:" + secret)
	tarball := minimalTarball(t, "hmac-1", &key)
	vc, err := bundles.NewVerificationConfig(key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bundles.Load(unpack(t, tarball), bundles.LoadOptions{Verification: vc}); err != nil {
		t.Fatal(err)
	}
}

func TestParseKeySpec(t *testing.T) {
	for spec, want := range map[string]bundles.Key{
		"k.pem":               {File: "k.pem"},
		"2025=k.pem":          {ID: "2025", File: "k.pem"},
		"hmac:secret":         {File: "secret", HMAC: true},
		"2025=hmac:secret":    {ID: "2025", File: "secret", HMAC: true},
		"/etc/keys/a=b.pem":   {File: "/etc/keys/a=b.pem"},
		"hmac:/etc/a=b":       {File: "/etc/a=b", HMAC: true},
		"id=hmac:/etc/a=b.pw": {ID: "id", File: "/etc/a=b.pw", HMAC: true},
	} {
		if got := bundles.ParseKeySpec(spec); got != want {
			t.Errorf("ParseKeySpec(%q) = %+v, want %+v", spec, got, want)
		}
	}
}

// TestVerificationKeysMustBePEMPublicKeys: a verification key that is not a
// PEM public key is refused, naming the file, instead of being taken as an
// HMAC secret. Before, a DER public key became the secret of HS256, so
// anyone holding the public key could sign bundles that verified.
func TestVerificationKeysMustBePEMPublicKeys(t *testing.T) {
	dir := t.TempDir()
	kp := newRSAKeys(t, dir)
	block, _ := pem.Decode(mustRead(t, kp.pub))
	der := filepath.Join(dir, "public.der")
	writeFile(t, der, string(block.Bytes))
	garbage := filepath.Join(dir, "garbage")
	writeFile(t, garbage, "not a key at all")

	// The attack: a bundle signed HS256 with the DER file's bytes as secret.
	forged := minimalTarball(t, "forged-1", &bundles.Key{File: der, HMAC: true})
	if _, err := bundles.NewVerificationConfig(bundles.Key{File: der}); err == nil || !strings.Contains(err.Error(), der) {
		t.Fatalf("a DER public key was accepted (err %v); the forged bundle would verify", err)
	}
	// Marked as the secret it is, the same file does verify it: the refusal
	// above is about the key's format, not the bundle.
	vc, err := bundles.NewVerificationConfig(bundles.Key{File: der, HMAC: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bundles.Load(unpack(t, forged), bundles.LoadOptions{Verification: vc}); err != nil {
		t.Fatal(err)
	}

	for name, tc := range map[string]struct {
		key  bundles.Key
		want string
	}{
		"der_public_key":       {bundles.Key{File: der}, "not a PEM public key"},
		"pem_private_key":      {bundles.Key{File: kp.priv}, "is a private key"},
		"garbage":              {bundles.Key{File: garbage}, "not a PEM public key"},
		"rsa_key_as_es256":     {bundles.Key{File: kp.pub, Algorithm: "ES256"}, "cannot be used with ES256"},
		"hmac_secret_as_rs256": {bundles.Key{File: garbage, HMAC: true, Algorithm: "RS256"}, "cannot be used with RS256"},
		"missing_file":         {bundles.Key{File: filepath.Join(dir, "missing.pem")}, "missing.pem"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := bundles.NewVerificationConfig(tc.key)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.key.File) {
				t.Fatalf("err = %v, want one naming %s and saying %q", err, tc.key.File, tc.want)
			}
		})
	}
	if _, err := bundles.NewVerificationConfig(bundles.Key{File: kp.pub, Algorithm: "PS256"}); err != nil {
		t.Fatalf("an RSA key with PS256: %v", err)
	}
}

func TestSigningKeysMustBePEMPrivateKeys(t *testing.T) {
	dir := t.TempDir()
	kp := newRSAKeys(t, dir)
	for name, key := range map[string]bundles.Key{
		"public_key":      {File: kp.pub},
		"unmarked_secret": {File: filepath.Join("testdata", "minimal", "sendgate", "data.json")},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := bundles.Build(minimalDir, bundles.BuildOptions{Revision: "r", Signing: &key}); err == nil || !strings.Contains(err.Error(), key.File) {
				t.Fatalf("err = %v, want a refusal naming %s", err, key.File)
			}
		})
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// countingVerifier is OPA's default signature verifier, counting its calls.
type countingVerifier struct{ calls atomic.Int32 }

func (v *countingVerifier) VerifyBundleSignature(sc bundle.SignaturesConfig, vc *bundle.VerificationConfig) (map[string]bundle.FileInfo, error) {
	v.calls.Add(1)
	return (&bundle.DefaultVerifier{}).VerifyBundleSignature(sc, vc)
}

// TestLoadVerifiesTheSignatureOnce names a counting verifier in a signed
// bundle's .signatures.json (OPA picks the verifier a bundle names) and
// loads it: the signature is checked once, not once by sendgate and again
// by OPA's reader.
func TestLoadVerifiesTheSignatureOnce(t *testing.T) {
	counter := &countingVerifier{}
	if err := bundle.RegisterVerifier("sendgate-test-counting", counter); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	kp := newECKeys(t, dir, "ec")
	tarball := repack(t, minimalTarball(t, "signed-1", &bundles.Key{File: kp.priv}), func(files map[string]string) {
		var sc map[string]any
		if err := json.Unmarshal([]byte(files[".signatures.json"]), &sc); err != nil {
			t.Fatal(err)
		}
		sc["plugin"] = "sendgate-test-counting"
		raw, _ := json.Marshal(sc)
		files[".signatures.json"] = string(raw)
	})
	vc, err := bundles.NewVerificationConfig(bundles.Key{File: kp.pub})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bundles.Load(unpack(t, tarball), bundles.LoadOptions{Verification: vc}); err != nil {
		t.Fatal(err)
	}
	if n := counter.calls.Load(); n != 1 {
		t.Fatalf("the signature was verified %d times, want once", n)
	}
}
