package engine

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/open-policy-agent/opa/v1/bundle"
)

// regoBundle reads files (path → content, .manifest included) as a bundle
// directory.
func regoBundle(t testing.TB, files map[string]string) *bundle.Bundle {
	t.Helper()
	dir := t.TempDir()
	for p, content := range files {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := bundle.NewCustomReader(bundle.NewDirectoryLoader(dir)).WithProcessAnnotations(true).Read()
	if err != nil {
		t.Fatal(err)
	}
	return &b
}

// callingBundle is a bundle whose decision calls call, with a test that
// evaluates the decision.
func callingBundle(t testing.TB, call string) *bundle.Bundle {
	return regoBundle(t, map[string]string{
		".manifest": `{"revision": "sandbox-1", "roots": ["sendgate"]}`,
		"sendgate/main.rego": "package sendgate.main\n\n" +
			"fetched := " + call + "\n\n" +
			"decision := {\"reasons\": [], \"advice\": [], \"fetched\": fetched}\n",
		"sendgate/main_test.rego": "package sendgate.main_test\n\nimport data.sendgate.main\n\n" +
			"test_decides if main.decision\n",
	})
}

// TestSandboxRefusesNetworkBuiltins compiles and tests a bundle calling
// http.send to a server in this process: both are refused naming the
// built-in, and the server sees no request. Allowed by name, the same
// bundle's tests do reach it, which shows the count would see a call.
func TestSandboxRefusesNetworkBuiltins(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		requests.Add(1)
		_, _ = w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	b := callingBundle(t, `http.send({"method": "GET", "url": "`+srv.URL+`"})`)
	ctx := context.Background()

	_, err := Compile(ctx, b)
	if !errors.Is(err, ErrWithheldBuiltin) || !strings.Contains(err.Error(), "built-in http.send at /sendgate/main.rego:3") {
		t.Fatalf("compile: err = %v, want a refusal naming http.send and where it is called", err)
	}
	if _, err := RunTests(ctx, b, TestOptions{}); !errors.Is(err, ErrWithheldBuiltin) || !strings.Contains(err.Error(), "http.send") {
		t.Fatalf("tests: err = %v, want a refusal naming http.send", err)
	}
	if n := requests.Load(); n != 0 {
		t.Fatalf("the bundle made %d HTTP requests while refused", n)
	}

	allow := []string{"http.send"}
	if _, err := CompileWith(ctx, b, CompileOptions{AllowBuiltins: allow}); err != nil {
		t.Fatalf("compile with --allow-builtin http.send: %v", err)
	}
	if _, err := RunTests(ctx, b, TestOptions{AllowBuiltins: allow}); err != nil {
		t.Fatalf("tests with --allow-builtin http.send: %v", err)
	}
	if requests.Load() == 0 {
		t.Fatal("allowed, the tests made no request: the count above proves nothing")
	}
}

func TestSandboxWithholds(t *testing.T) {
	for name, call := range map[string]string{
		"net.lookup_ip_addr": `net.lookup_ip_addr("localhost")`,
		"opa.runtime":        `opa.runtime()`,
		"time.now_ns":        `time.now_ns()`,
		"rand.intn":          `rand.intn("x", 10)`,
		"nested_call":        `[x | x := opa.runtime().env]`,
	} {
		t.Run(name, func(t *testing.T) {
			b := callingBundle(t, call)
			want := strings.SplitN(strings.TrimPrefix(call, "[x | x := "), "(", 2)[0]
			if _, err := Compile(context.Background(), b); !errors.Is(err, ErrWithheldBuiltin) || !strings.Contains(err.Error(), "built-in "+want) {
				t.Fatalf("compile: err = %v, want a refusal naming %s", err, want)
			}
			if _, err := RunTests(context.Background(), b, TestOptions{}); !errors.Is(err, ErrWithheldBuiltin) {
				t.Fatalf("tests: err = %v, want a refusal", err)
			}
		})
	}
	// Address arithmetic and time formatting stay: no network, no clock.
	for _, call := range []string{`net.cidr_contains("10.0.0.0/8", "10.1.2.3")`, `time.format([0, "Europe/Amsterdam"])`} {
		if _, err := Compile(context.Background(), callingBundle(t, call)); err != nil {
			t.Errorf("%s: %v", call, err)
		}
	}
}

func TestCapabilities(t *testing.T) {
	withheld := Withheld()
	for _, name := range []string{"http.send", "net.lookup_ip_addr", "opa.runtime", "time.now_ns"} {
		if !slices.Contains(withheld, name) {
			t.Errorf("%s is not withheld: %v", name, withheld)
		}
	}
	caps, err := Capabilities(nil)
	if err != nil {
		t.Fatal(err)
	}
	has := func(c []string, name string) bool { return slices.Contains(c, name) }
	var names []string
	for _, b := range caps.Builtins {
		names = append(names, b.Name)
	}
	if has(names, "http.send") || !has(names, "sendgate.text.analyze") || !has(names, "time.format") {
		t.Fatalf("capabilities: http.send %v, sendgate.text.analyze %v, time.format %v",
			has(names, "http.send"), has(names, "sendgate.text.analyze"), has(names, "time.format"))
	}
	if _, err := Capabilities([]string{"http.sned"}); err == nil || !strings.Contains(err.Error(), "http.sned") {
		t.Fatalf("a misspelt --allow-builtin: err = %v", err)
	}
}
