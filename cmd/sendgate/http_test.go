package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	spb "google.golang.org/genproto/googleapis/rpc/status"

	"github.com/sendgate/sendgate/internal/metrics/metricstest"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// startServeHTTP is startServe with the HTTP/JSON API on 127.0.0.1; it
// returns the server and the API's base URL.
func startServeHTTP(t *testing.T, mutate func(*serveOptions)) (*running, string) {
	t.Helper()
	r, base := startServeHTTPUnready(t, mutate)
	r.waitServing(t)
	return r, base
}

// startServeHTTPUnready is startServeHTTP without waiting for a bundle.
func startServeHTTPUnready(t *testing.T, mutate func(*serveOptions)) (*running, string) {
	t.Helper()
	addr := make(chan string, 1)
	httpListening = func(a string) { addr <- a }
	t.Cleanup(func() { httpListening = nil })
	r := startServeUnready(t, func(o *serveOptions) {
		o.httpAddr = "127.0.0.1:0"
		if mutate != nil {
			mutate(o)
		}
	})
	return r, "http://" + <-addr
}

// postJSON posts body to url and returns the HTTP status and body.
func postJSON(t *testing.T, url string, body []byte) (int, []byte) {
	t.Helper()
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	return resp.StatusCode, out
}

// violationsOf are the BadRequest field violations of a status, as
// "field: description".
func violationsOf(st *status.Status) []string {
	var out []string
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				out = append(out, v.GetField()+": "+v.GetDescription())
			}
		}
	}
	return out
}

// httpStatusOf reads a google.rpc.Status JSON error body.
func httpStatusOf(t *testing.T, body []byte) *status.Status {
	t.Helper()
	var sp spb.Status
	if err := protojson.Unmarshal(body, &sp); err != nil {
		t.Fatalf("error body is not a google.rpc.Status: %v\n%s", err, body)
	}
	return status.FromProto(&sp)
}

// sameDecision compares what a decision says, leaving out its id.
func sameDecision(a, b *sendgatev1.CheckResponse) bool {
	a, b = proto.Clone(a).(*sendgatev1.CheckResponse), proto.Clone(b).(*sendgatev1.CheckResponse)
	a.DecisionId, b.DecisionId = "", ""
	return proto.Equal(a, b)
}

// malformedCases are requests every transport must refuse, with the
// fields the refusal must name.
var malformedCases = []struct {
	name, body string
	fields     []string
}{
	{"empty_object", `{}`, []string{"business", "recipient", "message"}},
	{"missing_message", `{"business": {"id": "b", "displayName": "Acme"}, "recipient": {"phone": "+31612345678"}}`, []string{"message"}},
	{"missing_display_name_and_bad_phone", `{"business": {"id": "b"}, "recipient": {"phone": "0612345678"}, "message": {"category": "CATEGORY_UTILITY", "text": "hi"}}`, []string{"business.display_name", "recipient.phone"}},
	{"unknown_enum_number", `{"business": {"id": "b", "displayName": "Acme"}, "recipient": {"phone": "+31612345678"}, "message": {"category": 99, "text": "hi"}}`, []string{"message.category"}},
	{"text_too_long", `{"business": {"id": "b", "displayName": "Acme"}, "recipient": {"phone": "+31612345678"}, "message": {"category": "CATEGORY_UTILITY", "text": "` + strings.Repeat("a", 4097) + `"}}`, []string{"message.text"}},
}

// TestDecisionsAgreeOverGRPCHTTPAndCLI sends every case of the project's
// table and of the public corpus, and the malformed cases, through gRPC,
// the HTTP/JSON API and "sendgate check": the decisions are the same, and
// refusals are INVALID_ARGUMENT / 400 / exit 2 naming the same fields.
func TestDecisionsAgreeOverGRPCHTTPAndCLI(t *testing.T) {
	r, base := startServeHTTP(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	type item struct {
		name   string
		body   []byte
		refuse bool
		fields []string
	}
	var items []item
	for i, c := range allCases(t) {
		// Each case compiles the bundle again for the CLI: with -short
		// (the race detector's run in CI) every eighth case does.
		if testing.Short() && i%8 != 0 && !c.Error {
			continue
		}
		items = append(items, item{name: c.Name, body: c.Request, refuse: c.Error})
	}
	for _, m := range malformedCases {
		items = append(items, item{name: "malformed_" + m.name, body: []byte(m.body), refuse: true, fields: m.fields})
	}
	for _, it := range items {
		t.Run(it.name, func(t *testing.T) {
			req := &sendgatev1.CheckRequest{}
			if err := protojson.Unmarshal(it.body, req); err != nil {
				t.Fatalf("case is not a CheckRequest: %v", err)
			}
			grpcResp, grpcErr := r.client.Check(ctx, req)
			code, httpBody := postJSON(t, base+"/v1/check", it.body)
			exit, cliResp, stderr := checkCLI(t, it.body)

			if it.refuse {
				st := status.Convert(grpcErr)
				if st.Code() != codes.InvalidArgument {
					t.Fatalf("gRPC: %v, want INVALID_ARGUMENT", grpcErr)
				}
				if code != http.StatusBadRequest {
					t.Fatalf("HTTP %d, want 400: %s", code, httpBody)
				}
				hst := httpStatusOf(t, httpBody)
				grpcV, httpV := violationsOf(st), violationsOf(hst)
				if hst.Code() != codes.InvalidArgument || len(grpcV) == 0 || !slices.Equal(grpcV, httpV) {
					t.Fatalf("HTTP status %v %v, gRPC violations %v", hst.Code(), httpV, grpcV)
				}
				for _, f := range it.fields {
					if !slices.ContainsFunc(httpV, func(v string) bool { return strings.HasPrefix(v, f+": ") }) {
						t.Errorf("violations %v do not name %s", httpV, f)
					}
				}
				if exit != exitUnusable {
					t.Fatalf("check exit %d, want %d", exit, exitUnusable)
				}
				for _, v := range grpcV {
					if !strings.Contains(stderr, v) {
						t.Errorf("check's refusal %q does not name %q", stderr, v)
					}
				}
				return
			}
			if grpcErr != nil {
				t.Fatalf("gRPC: %v", grpcErr)
			}
			if code != http.StatusOK {
				t.Fatalf("HTTP %d: %s", code, httpBody)
			}
			httpResp := &sendgatev1.CheckResponse{}
			if err := protojson.Unmarshal(httpBody, httpResp); err != nil {
				t.Fatalf("HTTP body is not a CheckResponse: %v", err)
			}
			if exit == exitUnusable {
				t.Fatalf("check refused the request: %s", stderr)
			}
			if !sameDecision(grpcResp, httpResp) || !sameDecision(grpcResp, cliResp) {
				t.Fatalf("transports disagree:\ngRPC %v\nHTTP %v\nCLI  %v", grpcResp, httpResp, cliResp)
			}
			if httpResp.GetDecisionId() == "" || httpResp.GetDecisionId() == grpcResp.GetDecisionId() {
				t.Errorf("decision ids gRPC %q, HTTP %q: want each call its own", grpcResp.GetDecisionId(), httpResp.GetDecisionId())
			}
		})
	}
}

// TestHTTPBodiesAreProtojson checks the wire form: lowerCamelCase names,
// enums by name, every field present, as "sendgate check" prints it.
func TestHTTPBodiesAreProtojson(t *testing.T) {
	_, base := startServeHTTP(t, nil)
	code, body := postJSON(t, base+"/v1/check", validRequestJSON)
	if code != http.StatusOK {
		t.Fatalf("HTTP %d: %s", code, body)
	}
	var got map[string]any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"decision", "reasons", "advice", "decisionId", "bundleRevision", "requestId"} {
		if _, ok := got[k]; !ok {
			t.Errorf("answer lacks %q: %s", k, body)
		}
	}
	if got["decision"] != "DECISION_ALLOW" {
		t.Errorf("decision %v", got["decision"])
	}
	// Byte for byte what protojson writes (the gateway writes answers
	// without it, see internal/gateway/checkjson).
	var parsed sendgatev1.CheckResponse
	if err := protojson.Unmarshal(body, &parsed); err != nil {
		t.Fatal(err)
	}
	if want, _ := (protojson.MarshalOptions{EmitUnpopulated: true}).Marshal(&parsed); !bytes.Equal(body, want) {
		t.Errorf("answer\n%s\nprotojson\n%s", body, want)
	}
	// What the fast decoder leaves to protojson gets protojson's refusal.
	code, body = postJSON(t, base+"/v1/check", []byte(`{"requestId": "a", "request_id": "b"}`))
	if code != http.StatusBadRequest || !strings.Contains(string(body), "duplicate field") {
		t.Errorf("duplicate field: HTTP %d %s", code, body)
	}
	// A misspelt field is refused, not ignored.
	code, body = postJSON(t, base+"/v1/check", []byte(`{"recipent": {"phone": "+31612345678"}}`))
	if code != http.StatusBadRequest || !strings.Contains(string(body), "recipent") {
		t.Errorf("unknown field: HTTP %d %s", code, body)
	}
	code, body = postJSON(t, base+"/v1/check", []byte(`{not json`))
	if st := httpStatusOf(t, body); code != http.StatusBadRequest || st.Code() != codes.InvalidArgument {
		t.Errorf("malformed JSON: HTTP %d %s", code, body)
	}
}

func TestHTTPBatch(t *testing.T) {
	r, base := startServeHTTP(t, nil)
	reqs := corpusRequests(t)
	var items []json.RawMessage
	for _, req := range reqs {
		b, err := protojson.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, b)
	}
	body, _ := json.Marshal(map[string]any{"requests": items})
	code, out := postJSON(t, base+"/v1/check:batch", body)
	if code != http.StatusOK {
		t.Fatalf("HTTP %d: %s", code, out)
	}
	httpResp := &sendgatev1.CheckBatchResponse{}
	if err := protojson.Unmarshal(out, httpResp); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	grpcResp, err := r.client.CheckBatch(ctx, &sendgatev1.CheckBatchRequest{Requests: reqs})
	if err != nil {
		t.Fatal(err)
	}
	if len(httpResp.GetResults()) != len(reqs) {
		t.Fatalf("%d results for %d requests", len(httpResp.GetResults()), len(reqs))
	}
	for i, g := range grpcResp.GetResults() {
		h := httpResp.GetResults()[i]
		switch {
		case g.GetError() != nil:
			if !proto.Equal(g.GetError(), h.GetError()) {
				t.Errorf("item %d: gRPC error %v, HTTP %v", i, g.GetError(), h.GetError())
			}
		case !sameDecision(g.GetResponse(), h.GetResponse()):
			t.Errorf("item %d: gRPC %v, HTTP %v", i, g.GetResponse(), h.GetResponse())
		}
	}
	if code, out := postJSON(t, base+"/v1/check:batch", []byte(`{"requests": []}`)); code != http.StatusBadRequest ||
		!slices.Contains(violationsOf(httpStatusOf(t, out)), "requests: must hold at least one request") {
		t.Errorf("empty batch: HTTP %d %s", code, out)
	}
}

func TestHTTPStatusWithoutBundleAndTooLarge(t *testing.T) {
	r, base := startServeHTTPUnready(t, func(o *serveOptions) {
		o.bundle = t.TempDir() + "/missing"
		o.maxRecvBytes = 4096
	})
	code, body := postJSON(t, base+"/v1/check", validRequestJSON)
	if st := httpStatusOf(t, body); code != http.StatusServiceUnavailable || st.Code() != codes.Unavailable {
		t.Errorf("no active bundle: HTTP %d %s, want 503 UNAVAILABLE", code, body)
	}
	code, body = postJSON(t, base+"/v1/check", bytes.Repeat([]byte(" "), 5000))
	if code != http.StatusRequestEntityTooLarge || httpStatusOf(t, body).Code() != codes.ResourceExhausted {
		t.Errorf("oversized body: HTTP %d %s, want 413", code, body)
	}
	// Chunked, so the size is only known while reading.
	resp, err := http.Post(base+"/v1/check", "application/json", io.MultiReader(strings.NewReader("{"), bytes.NewReader(bytes.Repeat([]byte(" "), 5000))))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized chunked body: HTTP %d, want 413", resp.StatusCode)
	}
	_ = r
}

// TestHTTPCallsGetTheGRPCInterceptors checks the one code path: calls over
// HTTP/JSON move the same gRPC server metrics as gRPC calls.
func TestHTTPCallsGetTheGRPCInterceptors(t *testing.T) {
	r, base := startServeHTTP(t, nil)
	scrape := func() metricstest.Snapshot { return metricstest.ScrapeURL(t, "http://"+r.metrics+"/metrics") }
	before := scrape()
	postJSON(t, base+"/v1/check", validRequestJSON)
	postJSON(t, base+"/v1/check", []byte(`{}`))
	after := scrape()
	for _, c := range []struct {
		code string
		want float64
	}{{"OK", 1}, {"InvalidArgument", 1}} {
		got := after.Value("grpc_server_handled_total", "grpc_method", "Check", "grpc_code", c.code) -
			before.Value("grpc_server_handled_total", "grpc_method", "Check", "grpc_code", c.code)
		if got != c.want {
			t.Errorf("grpc_server_handled_total{Check,%s} moved by %v, want %v", c.code, got, c.want)
		}
	}
	if d := after.Value("sendgate_decisions_total", "decision", "allow") - before.Value("sendgate_decisions_total", "decision", "allow"); d != 1 {
		t.Errorf("sendgate_decisions_total{allow} moved by %v, want 1", d)
	}
}

func TestOpenAPIServed(t *testing.T) {
	_, base := startServeHTTP(t, nil)
	resp, err := http.Get(base + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Swagger string                     `json:"swagger"`
		Paths   map[string]json.RawMessage `json:"paths"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || doc.Swagger != "2.0" || doc.Paths["/v1/check"] == nil || doc.Paths["/v1/check:batch"] == nil {
		t.Fatalf("GET /openapi.json: %d %+v", resp.StatusCode, doc)
	}
	// The ledger's unary methods, all POST; ExportEvents (a stream) is not there.
	for _, path := range []string{"/v1/ledger/opt-ins", "/v1/ledger/opt-outs", "/v1/ledger/inbound", "/v1/ledger/recipients:get", "/v1/ledger/recipients:erase"} {
		var ops map[string]json.RawMessage
		if err := json.Unmarshal(doc.Paths[path], &ops); err != nil || len(ops) != 1 || ops["post"] == nil {
			t.Errorf("/openapi.json's %s: %s", path, doc.Paths[path])
		}
	}
	for path := range doc.Paths {
		if strings.Contains(strings.ToLower(path), "export") {
			t.Errorf("/openapi.json has %s: ExportEvents is gRPC only", path)
		}
	}
}
