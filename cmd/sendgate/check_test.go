package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sendgate/sendgate/internal/testkit"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/sendgate/sendgate/internal/engine"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
	"github.com/sendgate/sendgate/server"
)

// decisionCase is one line of testdata/cases.jsonl or of the public corpus.
type decisionCase struct {
	Name     string          `json:"name"`
	Request  json.RawMessage `json:"request"`
	Decision string          `json:"decision"`
	Codes    []string        `json:"codes"`
	Optional []string        `json:"optional"`
	Advice   []string        `json:"advice"`
	Error    bool            `json:"error"`
}

func readCases(t *testing.T, path string) []decisionCase {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []decisionCase
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var c decisionCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, c)
	}
	return out
}

// allCases is the project's own table plus the public corpus when the
// shared folder stands beside the checkout.
func allCases(t *testing.T) []decisionCase {
	cases := readCases(t, filepath.Join("testdata", "cases.jsonl"))
	if corpus := filepath.Join("..", "..", "..", "shared", "corpus", "public.jsonl"); fileExists(corpus) {
		cases = append(cases, readCases(t, corpus)...)
	}
	return cases
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

func codesOf(rs []*sendgatev1.Reason) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.GetCode())
	}
	sort.Strings(out)
	return out
}

// startServer serves the embedded default bundle on 127.0.0.1.
func startServer(t *testing.T) (sendgatev1.DecisionServiceClient, string) {
	t.Helper()
	ps, err := compileBundle(context.Background(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	eng := engine.New(engine.Options{})
	eng.Activate(ps)
	srv, conn := testkit.Serve(t, server.Config{Engine: eng})
	srv.SetServing(true)
	return sendgatev1.NewDecisionServiceClient(conn), conn.Target()
}

// checkCLI runs "sendgate check FILE" in-process and returns its exit
// status and parsed response.
func checkCLI(t *testing.T, request []byte, extra ...string) (int, *sendgatev1.CheckResponse, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "req.json")
	if err := os.WriteFile(path, request, 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), append(append([]string{"check"}, extra...), path), nil, &stdout, &stderr)
	if code == exitUnusable {
		return code, nil, stderr.String()
	}
	resp := &sendgatev1.CheckResponse{}
	if err := protojson.Unmarshal(stdout.Bytes(), resp); err != nil {
		t.Fatalf("check printed no CheckResponse (exit %d): %v\n%s\n%s", code, err, stdout.String(), stderr.String())
	}
	return code, resp, stderr.String()
}

// TestDecisionsAgreeOverGRPCAndCLI feeds every case through the gRPC server
// on 127.0.0.1 and through "sendgate check", and checks both against the
// expected decision, reason codes and advice.
func TestDecisionsAgreeOverGRPCAndCLI(t *testing.T) {
	client, _ := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for i, c := range allCases(t) {
		// Each case compiles the bundle again for the CLI: with -short
		// (the race detector's run in CI) every eighth case does.
		if testing.Short() && i%8 != 0 && !c.Error {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			req := &sendgatev1.CheckRequest{}
			parseErr := protojson.Unmarshal(c.Request, req)
			exit, cliResp, stderr := checkCLI(t, c.Request)
			if c.Error {
				if exit != exitUnusable {
					t.Fatalf("check exit %d, want %d", exit, exitUnusable)
				}
				if parseErr == nil {
					if _, err := client.Check(ctx, req); status.Code(err) != codes.InvalidArgument {
						t.Fatalf("gRPC: %v, want INVALID_ARGUMENT", err)
					}
				}
				return
			}
			if parseErr != nil {
				t.Fatal(parseErr)
			}
			if exit == exitUnusable {
				t.Fatalf("check refused the request: %s", stderr)
			}
			grpcResp, err := client.Check(ctx, req)
			if err != nil {
				t.Fatalf("gRPC: %v", err)
			}
			if grpcResp.GetDecision() != cliResp.GetDecision() || !slices.Equal(codesOf(grpcResp.GetReasons()), codesOf(cliResp.GetReasons())) {
				t.Fatalf("gRPC and CLI disagree: %v %v vs %v %v", grpcResp.GetDecision(), codesOf(grpcResp.GetReasons()), cliResp.GetDecision(), codesOf(cliResp.GetReasons()))
			}
			wantExit := exitOK
			if c.Decision == "DECISION_DENY" {
				wantExit = exitDeny
			}
			if got := grpcResp.GetDecision().String(); got != c.Decision || exit != wantExit {
				t.Fatalf("decision %s (exit %d), want %s; reasons %v", got, exit, c.Decision, codesOf(grpcResp.GetReasons()))
			}
			got := codesOf(grpcResp.GetReasons())
			for _, want := range c.Codes {
				if !slices.Contains(got, want) {
					t.Errorf("missing reason %s; got %v", want, got)
				}
			}
			for _, g := range got {
				if !slices.Contains(c.Codes, g) && !slices.Contains(c.Optional, g) {
					t.Errorf("unexpected reason %s; want %v", g, c.Codes)
				}
			}
			advice := codesOf(grpcResp.GetAdvice())
			for _, want := range c.Advice {
				if !slices.Contains(advice, want) {
					t.Errorf("missing advice %s; got %v", want, advice)
				}
			}
			if len(c.Advice) == 0 && len(advice) > 0 && !isCorpus(c) {
				t.Errorf("unexpected advice %v", advice)
			}
			if grpcResp.GetDecisionId() == "" || grpcResp.GetBundleRevision() == "" {
				t.Errorf("response lacks decision id or bundle revision: %v", grpcResp)
			}
		})
	}
}

// isCorpus tells the public corpus's cases, which do not list every
// advice they tolerate, from the project's own.
func isCorpus(c decisionCase) bool { return len(c.Name) > 7 && c.Name[:7] == "public-" }

func TestCheckExitStatuses(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"check"}, bytes.NewReader([]byte("{not json")), &stdout, &stderr); code != exitUnusable {
		t.Errorf("malformed JSON: exit %d, want %d", code, exitUnusable)
	}
	if code := run(context.Background(), []string{"check", "--bundle", t.TempDir() + "/missing"}, bytes.NewReader([]byte(`{}`)), &stdout, &stderr); code != exitUnusable {
		t.Errorf("missing bundle: exit %d, want %d", code, exitUnusable)
	}
	if code := run(context.Background(), []string{"check", "--addr", "127.0.0.1:1", "--timeout", "200ms"}, bytes.NewReader(validRequestJSON), &stdout, &stderr); code != exitUnusable {
		t.Errorf("unreachable server: exit %d, want %d", code, exitUnusable)
	}
}

var validRequestJSON = []byte(`{"business": {"id": "b", "displayName": "Acme Shoes", "vertical": "retail"},
 "recipient": {"phone": "+31612345678"},
 "message": {"category": "CATEGORY_SERVICE", "type": "MESSAGE_TYPE_TEXT", "text": "Your size 43 is back in stock."},
 "conversation": {"lastInboundAt": "2030-01-01T00:00:00Z"}, "sendTime": "2030-01-01T01:00:00Z"}`)

// TestCheckSources decides one request with each source "check" accepts:
// the embedded bundle, a bundle directory and a running server.
func TestCheckSources(t *testing.T) {
	_, addr := startServer(t)
	for name, extra := range map[string][]string{
		"embedded":  nil,
		"directory": {"--bundle", filepath.Join("..", "..", "policies")},
		"server":    {"--addr", addr},
	} {
		t.Run(name, func(t *testing.T) {
			exit, resp, stderr := checkCLI(t, validRequestJSON, extra...)
			if exit != exitOK || resp.GetDecision() != sendgatev1.Decision_DECISION_ALLOW {
				t.Fatalf("exit %d, %v; stderr %s", exit, resp, stderr)
			}
		})
	}
}

// TestCheckExplainsOnlyWithTheServersRevision asks a running server and
// explains with a local bundle: the explanation is given when the local
// bundle is the revision the server decided with, and refused (exit 2)
// when it is another.
func TestCheckExplainsOnlyWithTheServersRevision(t *testing.T) {
	_, addr := startServer(t)
	other := filepath.Join(t.TempDir(), "bundle")
	if err := os.CopyFS(other, os.DirFS(filepath.Join("..", "..", "policies"))); err != nil {
		t.Fatal(err)
	}
	setRevision(t, other, "not-the-servers")

	exit, resp, stderr := checkCLI(t, validRequestJSON, "--addr", addr, "--explain")
	if exit != exitOK || resp.GetBundleRevision() == "" || !strings.Contains(stderr, "Decision") {
		t.Fatalf("same revision: exit %d, %v, stderr %q; want an explained allow", exit, resp, stderr)
	}
	exit, _, stderr = checkCLI(t, validRequestJSON, "--addr", addr, "--explain", "--bundle", other)
	if exit != exitUnusable || !strings.Contains(stderr, `revision "not-the-servers"`) {
		t.Fatalf("other revision: exit %d, stderr %q; want exit 2 naming both revisions", exit, stderr)
	}
	if exit, _, _ = checkCLI(t, validRequestJSON, "--addr", addr, "--bundle", other); exit != exitUnusable {
		t.Fatalf("--addr with --bundle but no --explain: exit %d, want 2", exit)
	}
}
