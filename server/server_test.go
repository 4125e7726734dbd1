package server_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sendgate/sendgate/internal/testkit"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/sendgate/sendgate/internal/engine"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
	"github.com/sendgate/sendgate/server"
)

type harness struct {
	srv    *server.Server
	eng    *engine.Engine
	conn   *grpc.ClientConn
	client sendgatev1.DecisionServiceClient
	health healthpb.HealthClient
}

// start serves on 127.0.0.1 with the default bundle active unless inactive.
func start(t *testing.T, inactive bool, observer server.DecisionObserver) *harness {
	t.Helper()
	eng := engine.New(engine.Options{})
	srv, conn := testkit.Serve(t, server.Config{Engine: eng, Observer: observer})
	if !inactive {
		eng.Activate(testkit.DefaultPolicy(t))
		srv.SetServing(true)
	}
	return &harness{srv: srv, eng: eng, conn: conn,
		client: sendgatev1.NewDecisionServiceClient(conn), health: healthpb.NewHealthClient(conn)}
}

func TestHealthFollowsActivation(t *testing.T) {
	h := start(t, true, nil)
	ctx := testkit.Context(t)
	for _, svc := range []string{"", "sendgate.v1.DecisionService"} {
		resp, err := h.health.Check(ctx, &healthpb.HealthCheckRequest{Service: svc})
		if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
			t.Fatalf("before activation, health(%q) = %v, %v; want NOT_SERVING", svc, resp, err)
		}
	}
	if _, err := h.client.Check(ctx, testkit.Utility()); status.Code(err) != codes.Unavailable {
		t.Fatalf("Check with no bundle: %v, want UNAVAILABLE", err)
	}
	h.eng.Activate(testkit.DefaultPolicy(t))
	h.srv.SetServing(true)
	for _, svc := range []string{"", "sendgate.v1.DecisionService"} {
		resp, err := h.health.Check(ctx, &healthpb.HealthCheckRequest{Service: svc})
		if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			t.Fatalf("after activation, health(%q) = %v, %v; want SERVING", svc, resp, err)
		}
	}
}

func TestCheckDecides(t *testing.T) {
	h := start(t, false, nil)
	ctx := testkit.Context(t)
	resp, err := h.client.Check(ctx, testkit.Utility())
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetDecision() != sendgatev1.Decision_DECISION_ALLOW || len(resp.GetReasons()) != 0 {
		t.Fatalf("utility template: %v, want ALLOW without reasons", resp)
	}
	if resp.GetDecisionId() == "" || resp.GetBundleRevision() == "" || resp.GetRequestId() != "req-1" {
		t.Fatalf("response lacks decision id, revision or request id: %v", resp)
	}
	again, err := h.client.Check(ctx, testkit.Utility())
	if err != nil {
		t.Fatal(err)
	}
	if again.GetDecisionId() == resp.GetDecisionId() {
		t.Fatalf("two decisions share the id %s", resp.GetDecisionId())
	}

	req := testkit.Utility()
	req.Consent = nil
	resp, err = h.client.Check(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetDecision() != sendgatev1.Decision_DECISION_DENY || len(resp.GetReasons()) != 1 || resp.GetReasons()[0].GetCode() != "consent.missing" {
		t.Fatalf("no opt-in: %v, want DENY consent.missing", resp)
	}
	r := resp.GetReasons()[0]
	if r.GetMessage() == "" || r.GetPolicy() == "" {
		t.Fatalf("reason lacks message or policy: %v", r)
	}
}

// violations returns the BadRequest field names of an INVALID_ARGUMENT error.
func violations(t *testing.T, err error) []string {
	t.Helper()
	st, ok := status.FromError(err)
	if !ok || st.Code() != codes.InvalidArgument {
		t.Fatalf("error = %v, want INVALID_ARGUMENT", err)
	}
	var out []string
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				out = append(out, v.GetField())
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("INVALID_ARGUMENT without field violations: %v", err)
	}
	return out
}

func TestMalformedRequestsAreInvalidArgument(t *testing.T) {
	h := start(t, false, nil)
	ctx := testkit.Context(t)
	cases := map[string]func(*sendgatev1.CheckRequest){
		"empty_body":           func(r *sendgatev1.CheckRequest) { *r = sendgatev1.CheckRequest{} },
		"missing_business_id":  func(r *sendgatev1.CheckRequest) { r.Business.Id = "" },
		"missing_display_name": func(r *sendgatev1.CheckRequest) { r.Business.DisplayName = "" },
		"missing_phone":        func(r *sendgatev1.CheckRequest) { r.Recipient.Phone = "" },
		"non_e164_phone":       func(r *sendgatev1.CheckRequest) { r.Recipient.Phone = "+31 6 abc" },
		"text_too_long": func(r *sendgatev1.CheckRequest) {
			r.Message.Text = string(make([]byte, 4097))
		},
		"unknown_category":        func(r *sendgatev1.CheckRequest) { r.Message.Category = 17 },
		"unknown_template_status": func(r *sendgatev1.CheckRequest) { r.Message.Template.Status = 17 },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			req := testkit.Utility()
			mutate(req)
			_, err := h.client.Check(ctx, req)
			violations(t, err)
		})
	}
}

func TestCheckBatch(t *testing.T) {
	h := start(t, false, nil)
	ctx := testkit.Context(t)
	bad := testkit.Utility()
	bad.Recipient.Phone = "nope"
	denied := testkit.Utility()
	denied.Consent = nil
	resp, err := h.client.CheckBatch(ctx, &sendgatev1.CheckBatchRequest{Requests: []*sendgatev1.CheckRequest{testkit.Utility(), bad, denied}})
	if err != nil {
		t.Fatal(err)
	}
	res := resp.GetResults()
	if len(res) != 3 {
		t.Fatalf("got %d results, want 3", len(res))
	}
	if res[0].GetResponse().GetDecision() != sendgatev1.Decision_DECISION_ALLOW {
		t.Errorf("item 0 = %v, want ALLOW", res[0])
	}
	if e := res[1].GetError(); e == nil || codes.Code(e.GetCode()) != codes.InvalidArgument || len(e.GetDetails()) == 0 {
		t.Errorf("item 1 = %v, want its own INVALID_ARGUMENT with details", res[1])
	}
	if res[2].GetResponse().GetDecision() != sendgatev1.Decision_DECISION_DENY {
		t.Errorf("item 2 = %v, want DENY", res[2])
	}

	many := make([]*sendgatev1.CheckRequest, 1001)
	for i := range many {
		many[i] = testkit.Utility()
	}
	if _, err := h.client.CheckBatch(ctx, &sendgatev1.CheckBatchRequest{Requests: many}); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("1,001 items: %v, want INVALID_ARGUMENT", err)
	}
	resp, err = h.client.CheckBatch(ctx, &sendgatev1.CheckBatchRequest{Requests: many[:1000]})
	if err != nil || len(resp.GetResults()) != 1000 {
		t.Fatalf("1,000 items: %d results, %v", len(resp.GetResults()), err)
	}
	for i, r := range resp.GetResults() {
		if r.GetResponse().GetDecision() != sendgatev1.Decision_DECISION_ALLOW {
			t.Fatalf("item %d = %v, want ALLOW", i, r)
		}
	}
}

type panicObserver struct{}

func (panicObserver) ObserveDecision(context.Context, *sendgatev1.CheckRequest, *sendgatev1.CheckResponse, time.Duration) {
	panic("observer exploded")
}

func TestPanicBecomesInternalNotACrash(t *testing.T) {
	h := start(t, false, panicObserver{})
	_, err := h.client.Check(testkit.Context(t), testkit.Utility())
	if status.Code(err) != codes.Internal {
		t.Fatalf("Check with a panicking observer: %v, want INTERNAL", err)
	}
	// The server keeps serving.
	if _, err := h.health.Check(testkit.Context(t), &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatalf("health after panic: %v", err)
	}
}

// gate holds every decision until released, to keep calls in flight.
type gate struct {
	entered chan struct{}
	release chan struct{}
}

func (g *gate) ObserveDecision(context.Context, *sendgatev1.CheckRequest, *sendgatev1.CheckResponse, time.Duration) {
	g.entered <- struct{}{}
	<-g.release
}

func TestStopFinishesInFlightCalls(t *testing.T) {
	g := &gate{entered: make(chan struct{}, 8), release: make(chan struct{})}
	h := start(t, false, g)
	ctx := testkit.Context(t)
	const inFlight = 4
	errs := make(chan error, inFlight)
	for range inFlight {
		go func() {
			_, err := h.client.Check(ctx, testkit.Utility())
			errs <- err
		}()
	}
	for range inFlight {
		<-g.entered
	}
	stopped := make(chan struct{})
	go func() {
		h.srv.Stop(10 * time.Second)
		close(stopped)
	}()
	// Health turns NOT_SERVING as soon as the stop begins.
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := h.health.Check(ctx, &healthpb.HealthCheckRequest{})
		if err != nil || resp.GetStatus() == healthpb.HealthCheckResponse_NOT_SERVING {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("health still SERVING during shutdown")
		}
		time.Sleep(5 * time.Millisecond)
	}
	select {
	case <-stopped:
		t.Fatal("Stop returned while calls were in flight")
	default:
	}
	close(g.release)
	for range inFlight {
		if err := <-errs; err != nil {
			t.Errorf("in-flight call failed during shutdown: %v", err)
		}
	}
	<-stopped
	if _, err := h.client.Check(ctx, testkit.Utility()); err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Check after stop: %v, want a refused call", err)
	}
}
