package main

import (
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestNonPEMVerificationKeyIsRefused replays the attack of a verification
// key that is not PEM: a DER public key, and a bundle signed HS256 with that
// file's bytes as the secret (which anyone holding the public key can make).
// Both "bundle verify" and "serve" must refuse the key itself, naming it,
// rather than take it as an HMAC secret.
func TestNonPEMVerificationKeyIsRefused(t *testing.T) {
	dir := t.TempDir()
	_, pub := writeECKeys(t, dir, "signing")
	pemData, err := os.ReadFile(pub)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(pemData)
	der := filepath.Join(dir, "signing.der")
	if err := os.WriteFile(der, block.Bytes, 0o644); err != nil {
		t.Fatal(err)
	}
	forged := filepath.Join(dir, "forged.tar.gz")
	if code, _, stderr := bundleCmd("build", "../../policies", "-o", forged, "--revision", "forged-1",
		"--signing-key", "hmac:"+der); code != exitOK {
		t.Fatalf("build the forged bundle: exit %d: %s", code, stderr)
	}

	t.Run("bundle_verify", func(t *testing.T) {
		code, stdout, stderr := bundleCmd("verify", forged, "--verification-key", der)
		if code != exitUnusable || !strings.Contains(stderr, der) || !strings.Contains(stderr, "not a PEM public key") {
			t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d naming %s", code, stdout, stderr, exitUnusable, der)
		}
	})
	t.Run("bundle_verify_marked_secret", func(t *testing.T) {
		// Marked as an HMAC secret, the same file verifies the bundle: the
		// refusal is the key's format, and it takes an explicit choice.
		if code, _, stderr := bundleCmd("verify", forged, "--verification-key", "hmac:"+der); code != exitOK {
			t.Fatalf("exit %d: %s", code, stderr)
		}
	})
	t.Run("serve", func(t *testing.T) {
		stderr, _ := runToExit(t, exec.Command(sendgateBinary(t), "serve", "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0",
			"--admin-addr", "", "--http-addr", "", "--decision-log", "off", "--data-dir", t.TempDir(),
			"--bundle", forged, "--verification-key", der), exitUnusable)
		if !strings.Contains(stderr, der) || !strings.Contains(stderr, "not a PEM public key") {
			t.Fatalf("want an error naming %s; stderr:\n%s", der, stderr)
		}
		if strings.Contains(stderr, "bundle activated") {
			t.Fatalf("the forged bundle was activated:\n%s", stderr)
		}
	})
}
