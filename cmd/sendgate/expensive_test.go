package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sendgate/sendgate/internal/testkit"
)

// expensiveRule makes the minimal bundle's decision expensive for texts
// over 100 characters, which its own tests never send: a nested
// comprehension that, uncut, runs for minutes and takes gigabytes.
const expensiveRule = `package sendgate.main

reasons contains {"code": "test.products", "message": "too many products"} if {
	count(input.message.text) > 100
	products := {x | some i in numbers.range(1, 5000); some j in numbers.range(1, 5000); x := i * j}
	count(products) > 10
}
`

// TestServeRefusesAnExpensiveBundle serves the minimal bundle, then adds the
// expensive rule: the new revision passes its own tests but is refused at
// the bench stage, and the last good revision keeps deciding.
func TestServeRefusesAnExpensiveBundle(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "bundle")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("..", "..", "bundles", "testdata", "minimal"))); err != nil {
		t.Fatal(err)
	}
	setRevision(t, dir, "cheap-1")
	var logs testkit.Buffer
	r := startServeLogging(t, func(o *serveOptions) {
		o.bundle = dir
		o.decisionTimeout = 50 * time.Millisecond
	}, slog.New(slog.NewJSONHandler(&logs, nil)))
	r.waitServing(t)

	if err := os.WriteFile(filepath.Join(dir, "sendgate", "expensive.rego"), []byte(expensiveRule), 0o644); err != nil {
		t.Fatal(err)
	}
	setRevision(t, dir, "expensive-1")
	deadline := time.Now().Add(60 * time.Second)
	var line string
	for line == "" {
		if time.Now().After(deadline) {
			t.Fatalf("no refusal logged:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
		for _, l := range strings.Split(logs.String(), "\n") {
			if strings.Contains(l, "bundle not activated") && strings.Contains(l, "expensive-1") {
				line = l
			}
		}
	}
	for _, want := range []string{`"stage":"bench"`, "the policy took longer than the decision timeout (50ms)", `"serving":"cheap-1"`} {
		if !strings.Contains(line, want) {
			t.Errorf("the refusal does not say %s: %s", want, line)
		}
	}
	resp, err := r.client.Check(testkit.Context(t), testkit.Utility())
	if err != nil || resp.GetBundleRevision() != "cheap-1" {
		t.Fatalf("Check after the refusal: %v, %v; want revision cheap-1", resp, err)
	}
}
