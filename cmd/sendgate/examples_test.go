package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"

	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

var (
	// A README block: the curl command and the answer it documents.
	curlBlock = regexp.MustCompile("(?s)\\$ curl -s localhost:8080/v1/check -d @(examples/[a-z0-9-]+\\.json)\n(\\{.*?\n\\})\n```")
	// A row of the README's examples table.
	exampleRow = regexp.MustCompile("(?m)^\\| `(examples/[a-z0-9-]+\\.json)` \\| `(DECISION_[A-Z]+)` \\| (.*) \\|$")
	codeSpan   = regexp.MustCompile("`([a-z_.]+)`")
)

// TestREADMEExamples sends the README's example requests to the HTTP/JSON
// API as its curl commands do and checks the answers it documents: the
// full answer of each curl block (but its decisionId) and the decision,
// reasons and advice of each row of the examples table.
func TestREADMEExamples(t *testing.T) {
	_, base := startServeHTTP(t, nil)
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	answer := func(t *testing.T, file string) map[string]any {
		body, err := os.ReadFile(filepath.Join("..", "..", file))
		if err != nil {
			t.Fatal(err)
		}
		code, out := postJSON(t, base+"/v1/check", body)
		if code != http.StatusOK {
			t.Fatalf("%s: HTTP %d %s", file, code, out)
		}
		var got map[string]any
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatal(err)
		}
		return got
	}

	blocks := curlBlock.FindAllStringSubmatch(string(readme), -1)
	if len(blocks) == 0 {
		t.Fatal("README.md has no curl example with its answer")
	}
	for _, b := range blocks {
		t.Run("curl "+b[1], func(t *testing.T) {
			var want map[string]any
			if err := json.Unmarshal([]byte(b[2]), &want); err != nil {
				t.Fatalf("the documented answer is not JSON: %v", err)
			}
			got := answer(t, b[1])
			delete(got, "decisionId")
			delete(want, "decisionId")
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(want)
			if string(g) != string(w) {
				t.Errorf("README documents\n%s\nthe server answers\n%s", w, g)
			}
		})
	}

	rows := exampleRow.FindAllStringSubmatch(string(readme), -1)
	documented := map[string]bool{}
	for _, row := range rows {
		file, decision, codes := row[1], row[2], row[3]
		documented[file] = true
		t.Run("table "+file, func(t *testing.T) {
			got := answer(t, file)
			resp := &sendgatev1.CheckResponse{}
			raw, _ := json.Marshal(got)
			if err := protojson.Unmarshal(raw, resp); err != nil {
				t.Fatal(err)
			}
			var wantReasons, wantAdvice []string
			for _, part := range strings.Split(codes, ", ") {
				for _, m := range codeSpan.FindAllStringSubmatch(part, -1) {
					if strings.HasPrefix(part, "(") {
						wantAdvice = append(wantAdvice, m[1])
					} else {
						wantReasons = append(wantReasons, m[1])
					}
				}
			}
			sort.Strings(wantReasons)
			if resp.GetDecision().String() != decision || !slices.Equal(codesOf(resp.GetReasons()), wantReasons) ||
				!slices.Equal(codesOf(resp.GetAdvice()), sortedCopy(wantAdvice)) {
				t.Errorf("README: %s %v (%v); server: %s %v (%v)", decision, wantReasons, wantAdvice,
					resp.GetDecision(), codesOf(resp.GetReasons()), codesOf(resp.GetAdvice()))
			}
		})
	}
	files, _ := filepath.Glob(filepath.Join("..", "..", "examples", "*.json"))
	for _, f := range files {
		name := "examples/" + filepath.Base(f)
		if name != "examples/batch.json" && !documented[name] {
			t.Errorf("%s is not in the README's examples table", name)
		}
	}
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	sort.Strings(out)
	return out
}

// TestExampleBatch checks examples/batch.json answers in request order
// with an error for its bad item.
func TestExampleBatch(t *testing.T) {
	_, base := startServeHTTP(t, nil)
	body, err := os.ReadFile(filepath.Join("..", "..", "examples", "batch.json"))
	if err != nil {
		t.Fatal(err)
	}
	code, out := postJSON(t, base+"/v1/check:batch", body)
	resp := &sendgatev1.CheckBatchResponse{}
	if err := protojson.Unmarshal(out, resp); code != http.StatusOK || err != nil {
		t.Fatalf("HTTP %d %v %s", code, err, out)
	}
	rs := resp.GetResults()
	if len(rs) != 3 || rs[0].GetResponse().GetDecision() != sendgatev1.Decision_DECISION_ALLOW ||
		rs[1].GetResponse().GetDecision() != sendgatev1.Decision_DECISION_DENY || rs[2].GetError().GetCode() != 3 {
		t.Fatalf("results %v", rs)
	}
	code, out = postJSON(t, base+"/v1/check", []byte(`{"recipient": {"phone": "0612"}}`))
	if code != http.StatusBadRequest {
		t.Fatalf("README's refused request: HTTP %d %s", code, out)
	}
}
