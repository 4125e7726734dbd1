package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sendgate/sendgate/internal/testkit"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// sendgateBinary builds the sendgate command once per test binary, for
// tests that must see the process itself: its exit status and its signals.
func sendgateBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "sendgate-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "sendgate")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = errors.New(string(out))
		}
	})
	if binErr != nil {
		t.Fatalf("build sendgate: %v", binErr)
	}
	return binPath
}

// TestStartupFailuresStopTheProcess starts "sendgate serve" with one thing
// wrong at a time: the process must log one error line naming it and exit
// with status 2 promptly, not hang with its other listeners up (as it did
// with the metrics server still answering /healthz).
func TestStartupFailuresStopTheProcess(t *testing.T) {
	bin := sendgateBinary(t)
	busy := testkit.Listen(t).Addr().String()
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"missing_admin_token_file", []string{"--admin-token-file", filepath.Join(dir, "missing")}, "admin token file"},
		{"bad_admin_tls_files", []string{"--admin-tls-cert", notPEM, "--admin-tls-key", notPEM}, "admin TLS certificate"},
		{"bad_tls_files", []string{"--tls-cert", notPEM, "--tls-key", notPEM}, "TLS certificate"},
		{"tls_cert_without_key", []string{"--tls-cert", notPEM}, "a certificate and its key are both needed"},
		{"client_ca_without_cert", []string{"--tls-client-ca", notPEM}, "a certificate and its key are both needed"},
		{"missing_auth_token_file", []string{"--auth-token-file", filepath.Join(dir, "missing")}, "auth token file"},
		{"bad_auth_token_file", []string{"--auth-token-file", notPEM}, "line 1: want name:token"},
		{"bad_metrics_tls_files", []string{"--metrics-tls-cert", notPEM, "--metrics-tls-key", notPEM}, "metrics TLS certificate"},
		{"admin_port_taken", []string{"--admin-addr", busy}, busy},
		{"pprof_port_taken", []string{"--pprof-addr", busy}, busy},
		{"metrics_port_taken", []string{"--metrics-addr", busy}, busy},
		{"grpc_port_taken", []string{"--addr", busy}, busy},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0",
				"--admin-addr", "127.0.0.1:0", "--decision-log", "off", "--data-dir", t.TempDir()}, tc.args...)
			stderr, took := runToExit(t, exec.Command(bin, args...), exitUnusable)
			var errorLines []string
			for _, line := range strings.Split(stderr, "\n") {
				if strings.Contains(line, `"level":"ERROR"`) {
					errorLines = append(errorLines, line)
				}
			}
			if len(errorLines) != 1 || !strings.Contains(errorLines[0], tc.want) {
				t.Fatalf("want one error line naming %q, got:\n%s", tc.want, stderr)
			}
			t.Logf("exited after %v: %s", took.Round(time.Millisecond), errorLines[0])
		})
	}
}

// runToExit runs cmd and waits, at most 20 s, for it to exit with status
// want; it returns what cmd wrote to stderr and how long it ran.
func runToExit(t *testing.T, cmd *exec.Cmd, want int) (stderr string, took time.Duration) {
	t.Helper()
	var buf bytes.Buffer
	cmd.Stderr = &buf
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var exit *exec.ExitError
		if (want == 0 && err != nil) || (want != 0 && (!errors.As(err, &exit) || exit.ExitCode() != want)) {
			t.Fatalf("exit %v, want status %d; stderr:\n%s", err, want, buf.String())
		}
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("still running after 20 s; stderr:\n%s", buf.String())
	}
	return buf.String(), time.Since(start)
}
