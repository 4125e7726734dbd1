package main

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/sendgate/sendgate/internal/metrics/metricstest"
	"github.com/sendgate/sendgate/internal/testkit"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// withMemoryLedger serves with a ledger in memory.
func withMemoryLedger(o *serveOptions) {
	o.ledger = ledgerOptions{spec: "memory"}
}

// postMessage posts body to url, wants 200 and reads the answer into out.
func postMessage(t *testing.T, url, body string, out proto.Message) {
	t.Helper()
	code, b := postJSON(t, url, []byte(body))
	if code != http.StatusOK {
		t.Fatalf("POST %s: HTTP %d %s", url, code, b)
	}
	if err := protojson.Unmarshal(b, out); err != nil {
		t.Fatalf("POST %s: %v\n%s", url, err, b)
	}
}

// marketingCheck is a marketing template with neither consent nor
// conversation: the ledger has them.
const marketingCheck = `{"requestId": "r-1",
 "business": {"id": "biz-acme", "displayName": "Acme Shoes", "vertical": "retail", "country": "NL"},
 "recipient": {"phone": "+31612345678", "country": "NL"},
 "message": {"category": "CATEGORY_MARKETING", "type": "MESSAGE_TYPE_TEMPLATE",
  "text": "Our winter collection is in: boots from EUR 59 this week only.",
  "template": {"name": "winter_boots", "language": "en", "status": "TEMPLATE_STATUS_APPROVED", "category": "CATEGORY_MARKETING"}}}`

// TestHTTPLedgerSequence is docs/LEDGER.md's sequence with curl, through
// serve's HTTP/JSON port: opt-in → a marketing Check allowed → inbound STOP
// → denied as opted out → the history → erased → nothing personal left.
// Every call is counted by the gRPC interceptors like a gRPC call.
func TestHTTPLedgerSequence(t *testing.T) {
	r, base := startServeHTTP(t, withMemoryLedger)
	grpcLedger := sendgatev1.NewLedgerServiceClient(r.conn)
	scrape := func() metricstest.Snapshot { return metricstest.ScrapeURL(t, "http://"+r.metrics+"/metrics") }
	before := scrape()

	var in sendgatev1.RecordOptInResponse
	postMessage(t, base+"/v1/ledger/opt-ins", `{"eventId": "signup-8812", "businessId": "biz-acme", "phone": "+31612345678",
	  "optedInAt": "2026-01-05T09:00:00Z", "channel": "web",
	  "wording": "Yes, send me order updates and offers from Acme Shoes on WhatsApp.",
	  "scopes": ["CATEGORY_UTILITY", "CATEGORY_MARKETING"], "evidence": {"form": "checkout", "ip": "`+testIP+`"}}`, &in)
	if in.GetEvent().GetKind() != sendgatev1.LedgerEventKind_LEDGER_EVENT_KIND_OPT_IN || in.GetDuplicate() ||
		in.GetEvent().GetEvidence()["ip"] != testIP || strings.Contains(in.GetEvent().GetRecipient(), "31612345678") {
		t.Fatalf("opt-in recorded as %v", &in)
	}
	// The same event id again records nothing.
	var again sendgatev1.RecordOptInResponse
	postMessage(t, base+"/v1/ledger/opt-ins", `{"event_id": "signup-8812", "business_id": "biz-acme", "phone": "+31612345678", "wording": "other"}`, &again)
	if !again.GetDuplicate() || !proto.Equal(again.GetEvent(), in.GetEvent()) {
		t.Fatalf("a retry: %v", &again)
	}

	var resp sendgatev1.CheckResponse
	postMessage(t, base+"/v1/check", marketingCheck, &resp)
	if resp.GetDecision() != sendgatev1.Decision_DECISION_ALLOW {
		t.Fatalf("after the opt-in: %v %v, want ALLOW", resp.GetDecision(), reasonCodes(&resp))
	}

	var inbound sendgatev1.RecordInboundResponse
	postMessage(t, base+"/v1/ledger/inbound", `{"eventId": "wamid.HBgLMzE2", "businessId": "biz-acme", "phone": "+31612345678", "text": "STOP"}`, &inbound)
	if inbound.GetAction() != sendgatev1.InboundAction_INBOUND_ACTION_OPT_OUT || inbound.GetKeyword() != "STOP" || inbound.GetConfirmation() == "" {
		t.Fatalf("STOP recorded as %v", &inbound)
	}
	postMessage(t, base+"/v1/check", marketingCheck, &resp)
	if got := reasonCodes(&resp); resp.GetDecision() != sendgatev1.Decision_DECISION_DENY || !slices.Equal(got, []string{"consent.opted_out"}) {
		t.Fatalf("after STOP: %v %v, want DENY [consent.opted_out]", resp.GetDecision(), got)
	}

	const who = `{"businessId": "biz-acme", "phone": "+31612345678"}`
	var history sendgatev1.GetRecipientResponse
	postMessage(t, base+"/v1/ledger/recipients:get", who, &history)
	var kinds []sendgatev1.LedgerEventKind
	for _, e := range history.GetEvents() {
		kinds = append(kinds, e.GetKind())
	}
	if !slices.Contains(kinds, sendgatev1.LedgerEventKind_LEDGER_EVENT_KIND_OPT_IN) ||
		!slices.Contains(kinds, sendgatev1.LedgerEventKind_LEDGER_EVENT_KIND_INBOUND) ||
		!slices.Contains(kinds, sendgatev1.LedgerEventKind_LEDGER_EVENT_KIND_OPT_OUT) ||
		history.GetState().GetOptedOutAt() == nil || history.GetState().GetOptedInAt() == nil {
		t.Fatalf("the history: %v", &history)
	}
	// The same answer as over gRPC.
	grpcHistory, err := grpcLedger.GetRecipient(testkit.Context(t), &sendgatev1.GetRecipientRequest{BusinessId: "biz-acme", Phone: testPhone})
	if err != nil || !proto.Equal(grpcHistory, &history) {
		t.Fatalf("gRPC GetRecipient %v, %v; HTTP %v", grpcHistory, err, &history)
	}

	var erased sendgatev1.EraseRecipientResponse
	postMessage(t, base+"/v1/ledger/recipients:erase", `{"phone": "+31612345678"}`, &erased)
	if erased.GetEventsErased() != int64(len(history.GetEvents())) || erased.GetErasedAt() == nil {
		t.Fatalf("erased %v, the history had %d events", &erased, len(history.GetEvents()))
	}
	code, body := postJSON(t, base+"/v1/ledger/recipients:get", []byte(who))
	if code != http.StatusOK {
		t.Fatalf("get after the erasure: HTTP %d %s", code, body)
	}
	var after sendgatev1.GetRecipientResponse
	if err := protojson.Unmarshal(body, &after); err != nil {
		t.Fatal(err)
	}
	st := after.GetState()
	if len(after.GetEvents()) != 0 || st.GetErasedAt() == nil || st.GetOptedInAt() != nil || st.GetChannel() != "" ||
		st.GetWording() != "" || len(st.GetScopes()) != 0 || st.GetOptedOutAt() != nil || st.GetLastInboundAt() != nil {
		t.Fatalf("after the erasure: %s", body)
	}
	for _, personal := range []string{"Acme Shoes on WhatsApp", testIP, "checkout", "signup-8812", "wamid"} {
		if strings.Contains(string(body), personal) {
			t.Errorf("after the erasure the answer still holds %q: %s", personal, body)
		}
	}
	postMessage(t, base+"/v1/check", marketingCheck, &resp)
	if got := reasonCodes(&resp); !slices.Equal(got, []string{"consent.erased"}) {
		t.Fatalf("after the erasure: %v, want [consent.erased]", got)
	}

	after2 := scrape()
	for method, want := range map[string]float64{"RecordOptIn": 2, "RecordInbound": 1, "GetRecipient": 1, "EraseRecipient": 1} {
		got := after2.Value("grpc_server_handled_total", "grpc_method", method, "grpc_code", "OK") -
			before.Value("grpc_server_handled_total", "grpc_method", method, "grpc_code", "OK")
		if method == "GetRecipient" {
			want = 3 // two over HTTP, one over gRPC
		}
		if got != want {
			t.Errorf("grpc_server_handled_total{%s,OK} moved by %v, want %v", method, got, want)
		}
	}
}

// TestHTTPLedgerRefusals sends bad ledger requests over gRPC and HTTP/JSON:
// INVALID_ARGUMENT and 400 with the same field violations.
func TestHTTPLedgerRefusals(t *testing.T) {
	r, base := startServeHTTP(t, withMemoryLedger)
	c := sendgatev1.NewLedgerServiceClient(r.conn)
	// viaGRPC reads body as the method's request and calls it over gRPC.
	type viaGRPC func(ctx context.Context, body []byte) error
	unary := func(req proto.Message, call func(context.Context) error) viaGRPC {
		return func(ctx context.Context, body []byte) error {
			proto.Reset(req)
			if err := protojson.Unmarshal(body, req); err != nil {
				t.Fatalf("not a %T: %v", req, err)
			}
			return call(ctx)
		}
	}
	var (
		optIn   sendgatev1.RecordOptInRequest
		optOut  sendgatev1.RecordOptOutRequest
		inbound sendgatev1.RecordInboundRequest
		get     sendgatev1.GetRecipientRequest
		erase   sendgatev1.EraseRecipientRequest
	)
	methods := map[string]viaGRPC{
		"opt-ins": unary(&optIn, func(ctx context.Context) error { _, err := c.RecordOptIn(ctx, &optIn); return err }),
		"opt-outs": unary(&optOut, func(ctx context.Context) error {
			_, err := c.RecordOptOut(ctx, &optOut)
			return err
		}),
		"inbound": unary(&inbound, func(ctx context.Context) error {
			_, err := c.RecordInbound(ctx, &inbound)
			return err
		}),
		"recipients:get":   unary(&get, func(ctx context.Context) error { _, err := c.GetRecipient(ctx, &get); return err }),
		"recipients:erase": unary(&erase, func(ctx context.Context) error { _, err := c.EraseRecipient(ctx, &erase); return err }),
	}
	for _, tc := range []struct {
		name, path, body string
		fields           []string
	}{
		{"opt_in_empty", "opt-ins", `{}`, []string{"business_id", "phone"}},
		{"opt_in_missing_business", "opt-ins", `{"phone": "+31612345678", "wording": "yes"}`, []string{"business_id"}},
		{"opt_in_bad_phone", "opt-ins", `{"businessId": "biz-acme", "phone": "0612345678"}`, []string{"phone"}},
		{"opt_in_unknown_scope", "opt-ins", `{"businessId": "biz-acme", "phone": "+31612345678", "scopes": [42]}`, []string{"scopes"}},
		{"opt_out_bad_phone_and_business", "opt-outs", `{"phone": "+31 6 abc"}`, []string{"business_id", "phone"}},
		{"opt_out_unknown_scope", "opt-outs", `{"businessId": "b", "phone": "+31612345678", "scope": 9}`, []string{"scope"}},
		{"inbound_missing_business", "inbound", `{"phone": "+31612345678", "text": "STOP"}`, []string{"business_id"}},
		{"get_missing_business", "recipients:get", `{"phone": "+31612345678"}`, []string{"business_id"}},
		{"get_bad_phone", "recipients:get", `{"businessId": "b", "phone": "12"}`, []string{"phone"}},
		{"erase_missing_phone", "recipients:erase", `{"businessId": "b"}`, []string{"phone"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			grpcErr := methods[tc.path](testkit.Context(t), []byte(tc.body))
			st := status.Convert(grpcErr)
			if st.Code() != codes.InvalidArgument {
				t.Fatalf("gRPC: %v, want INVALID_ARGUMENT", grpcErr)
			}
			code, body := postJSON(t, base+"/v1/ledger/"+tc.path, []byte(tc.body))
			if code != http.StatusBadRequest {
				t.Fatalf("HTTP %d %s, want 400", code, body)
			}
			hst := httpStatusOf(t, body)
			grpcV, httpV := violationsOf(st), violationsOf(hst)
			if hst.Code() != codes.InvalidArgument || len(grpcV) == 0 || !slices.Equal(grpcV, httpV) || hst.Message() != st.Message() {
				t.Fatalf("HTTP %v %q %v; gRPC %q %v", hst.Code(), hst.Message(), httpV, st.Message(), grpcV)
			}
			for _, f := range tc.fields {
				if !slices.ContainsFunc(httpV, func(v string) bool { return strings.HasPrefix(v, f+": ") || strings.HasPrefix(v, f+"[") }) {
					t.Errorf("violations %v do not name %s", httpV, f)
				}
			}
		})
	}
	// Not JSON, and a misspelt field: protojson's refusal, 400.
	for _, body := range []string{`{not json`, `{"phnoe": "+31612345678"}`} {
		code, out := postJSON(t, base+"/v1/ledger/opt-ins", []byte(body))
		if st := httpStatusOf(t, out); code != http.StatusBadRequest || st.Code() != codes.InvalidArgument {
			t.Errorf("%s: HTTP %d %s", body, code, out)
		}
	}
}

// TestHTTPLedgerOff: with --ledger off there is no LedgerService, and its
// paths answer as any path grpc-gateway has no route for: 404 with a
// google.rpc.Status NOT_FOUND. Checks still answer.
func TestHTTPLedgerOff(t *testing.T) {
	r, base := startServeHTTP(t, func(o *serveOptions) { o.ledger = ledgerOptions{spec: "off"} })
	for _, path := range []string{"opt-ins", "opt-outs", "inbound", "recipients:get", "recipients:erase"} {
		code, body := postJSON(t, base+"/v1/ledger/"+path, []byte(`{"businessId": "b", "phone": "+31612345678"}`))
		if st := httpStatusOf(t, body); code != http.StatusNotFound || st.Code() != codes.NotFound {
			t.Errorf("POST /v1/ledger/%s with the ledger off: HTTP %d %s, want 404 NOT_FOUND", path, code, body)
		}
	}
	_, err := sendgatev1.NewLedgerServiceClient(r.conn).GetRecipient(testkit.Context(t), &sendgatev1.GetRecipientRequest{BusinessId: "b", Phone: testPhone})
	if status.Code(err) != codes.Unimplemented {
		t.Errorf("gRPC GetRecipient with the ledger off: %v, want UNIMPLEMENTED", err)
	}
	if code, body := postJSON(t, base+"/v1/check", validRequestJSON); code != http.StatusOK {
		t.Errorf("Check with the ledger off: HTTP %d %s", code, body)
	}
}

// TestHTTPLedgerNeedsAToken: with a token file the ledger's paths, like
// Check, refuse callers without a known bearer token (401 with a challenge).
func TestHTTPLedgerNeedsAToken(t *testing.T) {
	p := newPKI(t)
	_, base := startSecure(t, p, func(o *serveOptions) {
		o.security.authTokenFile = p.tokens
		withMemoryLedger(o)
	}, nil)
	body := []byte(`{"businessId": "biz-acme", "phone": "+31612345678"}`)
	for _, path := range []string{"opt-ins", "opt-outs", "inbound", "recipients:get", "recipients:erase"} {
		for authorization, want := range map[string]int{
			"":                                    http.StatusUnauthorized,
			"Bearer " + billingToken + "x":        http.StatusUnauthorized,
			"Bearer " + billingToken:              http.StatusOK,
			"Basic " + billingToken:               http.StatusUnauthorized,
			"bearer " + campaignsToken:            http.StatusOK,
			"Bearer " + strings.Repeat("a", 32):   http.StatusUnauthorized,
			"Bearer " + campaignsToken + " extra": http.StatusUnauthorized,
		} {
			code, h, err := httpsDo(t, http.MethodPost, base+"/v1/ledger/"+path, body, p.clientTLS(), authorization)
			if err != nil || code != want {
				t.Errorf("POST /v1/ledger/%s (authorization %q…): %d, %v; want %d", path, authorization[:min(len(authorization), 8)], code, err, want)
			}
			if code == http.StatusUnauthorized && h.Get("WWW-Authenticate") != `Bearer realm="sendgate"` {
				t.Errorf("a 401 with WWW-Authenticate %q", h.Get("WWW-Authenticate"))
			}
		}
	}
}
