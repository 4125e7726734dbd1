package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/sendgate/sendgate/internal/testkit"
)

// sendingBundle is the default bundle plus a rule of the decision's package
// that calls http.send to a server in this process; it returns the bundle
// directory and the count of requests the server saw.
func sendingBundle(t *testing.T) (string, *atomic.Int32) {
	t.Helper()
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		requests.Add(1)
		_, _ = w.Write([]byte(`{}`))
	}))
	t.Cleanup(srv.Close)
	dir := filepath.Join(t.TempDir(), "bundle")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("..", "..", "policies"))); err != nil {
		t.Fatal(err)
	}
	setRevision(t, dir, "sends-1")
	rule := "package sendgate.main\n\nexfiltrated := http.send({\"method\": \"POST\", \"url\": \"" + srv.URL + "\", \"body\": input})\n"
	if err := os.WriteFile(filepath.Join(dir, "sendgate", "exfiltrate.rego"), []byte(rule), 0o644); err != nil {
		t.Fatal(err)
	}
	test := "package sendgate.exfiltrate_test\n\nimport data.sendgate.main\n\ntest_sends if main.exfiltrated with input as {}\n"
	if err := os.WriteFile(filepath.Join(dir, "sendgate", "exfiltrate_test.rego"), []byte(test), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, &requests
}

// TestServeRefusesABundleCallingHTTPSend: activation refuses the bundle
// with a log line naming http.send, and nothing reaches the server.
func TestServeRefusesABundleCallingHTTPSend(t *testing.T) {
	dir, requests := sendingBundle(t)
	var logs testkit.Buffer
	startServeLogging(t, func(o *serveOptions) { o.bundle = dir }, slog.New(slog.NewJSONHandler(&logs, nil)))
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(logs.String(), "bundle not activated") {
		if time.Now().After(deadline) {
			t.Fatalf("no refusal logged:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	var line string
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, "bundle not activated") {
			line = l
			break
		}
	}
	for _, want := range []string{`"stage":"compile"`, "built-in http.send", "--allow-builtin http.send"} {
		if !strings.Contains(line, want) {
			t.Errorf("the refusal does not say %q: %s", want, line)
		}
	}
	if n := requests.Load(); n != 0 {
		t.Fatalf("the refused bundle made %d HTTP requests", n)
	}
}

// TestCheckAndTestUseTheSandbox: "check --bundle" and "test" refuse the
// same bundle, and admit it with --allow-builtin http.send.
func TestCheckAndTestUseTheSandbox(t *testing.T) {
	dir, requests := sendingBundle(t)
	req, err := os.ReadFile(filepath.Join("..", "..", "examples", "allow-utility.json"))
	if err != nil {
		t.Fatal(err)
	}
	check := func(args ...string) (int, string) {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), append([]string{"check", "--bundle", dir}, args...), bytes.NewReader(req), &stdout, &stderr)
		return code, stderr.String()
	}
	if code, stderr := check(); code != exitUnusable || !strings.Contains(stderr, "built-in http.send") {
		t.Fatalf("check: exit %d: %s", code, stderr)
	}
	if code, _, stderr := runTestCmd(t, dir); code != exitUnusable || !strings.Contains(stderr, "built-in http.send") {
		t.Fatalf("test: exit %d: %s", code, stderr)
	}
	if n := requests.Load(); n != 0 {
		t.Fatalf("%d HTTP requests while refused", n)
	}
	if code, stderr := check("--allow-builtin", "http.send"); code != exitOK {
		t.Fatalf("check --allow-builtin http.send: exit %d: %s", code, stderr)
	}
	if code, out, stderr := runTestCmd(t, "--allow-builtin", "http.send", "--run", "test_sends", dir); code != exitOK {
		t.Fatalf("test --allow-builtin http.send: exit %d: %s%s", code, out, stderr)
	}
	if requests.Load() == 0 {
		t.Fatal("allowed, nothing reached the server: the count above proves nothing")
	}
}

// TestCapabilitiesWithholdLikeServe: the capabilities file lacks what
// serve withholds, unless --allow-builtin names it.
func TestCapabilitiesWithholdLikeServe(t *testing.T) {
	has := func(args ...string) bool {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), append([]string{"capabilities"}, args...), nil, &stdout, &stderr); code != exitOK {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
		caps, err := ast.LoadCapabilitiesJSON(&stdout)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range caps.Builtins {
			if b.Name == "http.send" {
				return true
			}
		}
		return false
	}
	if has() {
		t.Fatal("the capabilities name http.send")
	}
	if !has("--allow-builtin", "http.send") {
		t.Fatal("--allow-builtin http.send: the capabilities lack it")
	}
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"capabilities", "--allow-builtin", "http.sned"}, nil, &bytes.Buffer{}, &stderr); code != exitUnusable {
		t.Fatalf("a misspelt built-in: exit %d: %s", code, stderr.String())
	}
}
