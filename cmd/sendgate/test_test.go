package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// failingBundle is the bundles package's minimal bundle plus a test that
// fails: it expects two reasons where the policy gives one.
func failingBundle(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("..", "..", "bundles", "testdata", "minimal"))); err != nil {
		t.Fatal(err)
	}
	failing := `package sendgate.wrong_test

import data.sendgate.main

test_expects_two_reasons if {
	n := count(main.decision.reasons) with input as {"message": {"text": "blocked"}}
	n == 2
}
`
	if err := os.WriteFile(filepath.Join(dir, "sendgate", "wrong_test.rego"), []byte(failing), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

func runTestCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), append([]string{"test"}, args...), nil, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestFailingTestShowsTheComparedValues(t *testing.T) {
	code, out, _ := runTestCmd(t, failingBundle(t))
	if code != exitDeny {
		t.Fatalf("exit %d, want %d", code, exitDeny)
	}
	// The failed expression with the value of n, the count it compared.
	for _, want := range []string{"FAIL  data.sendgate.wrong_test.test_expects_two_reasons", "wrong_test.rego:7", "n == 2", "1"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, "rego: 2 passed, 1 failed") {
		t.Errorf("summary missing:\n%s", out)
	}
}

func TestRunMatchingNothingExitsNonZero(t *testing.T) {
	code, _, stderr := runTestCmd(t, "--run", "^no_such_test$", filepath.Join("..", "..", "bundles", "testdata", "minimal"))
	if code != exitUnusable || !strings.Contains(stderr, "no test matches") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	code, _, _ = runTestCmd(t, "--run", "test_blocked", filepath.Join("..", "..", "bundles", "testdata", "minimal"))
	if code != exitOK {
		t.Fatalf("--run matching one passing test: exit %d", code)
	}
}

func TestFormatJSON(t *testing.T) {
	code, out, _ := runTestCmd(t, "--format", "json", failingBundle(t))
	if code != exitDeny {
		t.Fatalf("exit %d", code)
	}
	var rep struct {
		Passed, Failed int
		Tests          []testJSON
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	results := map[string]testJSON{}
	for _, tj := range rep.Tests {
		results[tj.Name] = tj
	}
	if rep.Passed != 2 || rep.Failed != 1 || results["test_blocked_text_denied"].Result != "pass" ||
		results["test_expects_two_reasons"].Result != "fail" || !strings.Contains(results["test_expects_two_reasons"].Failure, "n == 2") {
		t.Fatalf("report %+v", rep)
	}
}

func TestFormatJUnit(t *testing.T) {
	code, out, _ := runTestCmd(t, "--format", "junit", failingBundle(t))
	if code != exitDeny {
		t.Fatalf("exit %d", code)
	}
	var suites junitSuites
	if err := xml.Unmarshal([]byte(out), &suites); err != nil {
		t.Fatalf("not XML: %v\n%s", err, out)
	}
	if suites.Tests != 3 || suites.Fail != 1 || len(suites.Suites) != 2 {
		t.Fatalf("suites %+v", suites)
	}
	var failed *junitCase
	for _, s := range suites.Suites {
		for i, c := range s.Cases {
			if c.Failure != nil {
				failed = &s.Cases[i]
			}
		}
	}
	if failed == nil || failed.Name != "test_expects_two_reasons" || !strings.Contains(failed.Failure.Text, "n == 2") {
		t.Fatalf("failed case %+v", failed)
	}
	if code, _, _ := runTestCmd(t, "--format", "yaml"); code != exitUnusable {
		t.Errorf("--format yaml: exit %d, want %d", code, exitUnusable)
	}
}
