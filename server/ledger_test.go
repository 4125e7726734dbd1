package server_test

import (
	"context"
	"errors"
	"io"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/sendgate/sendgate/internal/engine"
	"github.com/sendgate/sendgate/internal/ledger"
	"github.com/sendgate/sendgate/internal/ledger/memory"
	iserver "github.com/sendgate/sendgate/internal/server"
	"github.com/sendgate/sendgate/internal/testkit"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
	"github.com/sendgate/sendgate/server"
)

const phone = "+31612345678"

// flaky is a store that fails every call while down is set.
type flaky struct {
	ledger.Store
	down atomic.Bool
}

var errDown = errors.New("store is down")

func (f *flaky) Record(ctx context.Context, evs []ledger.Event) ([]ledger.Recorded, error) {
	if f.down.Load() {
		return nil, errDown
	}
	return f.Store.Record(ctx, evs)
}

func (f *flaky) States(ctx context.Context, s []ledger.Subject) ([]ledger.State, error) {
	if f.down.Load() {
		return nil, errDown
	}
	return f.Store.States(ctx, s)
}

func (f *flaky) Ping(context.Context) error {
	if f.down.Load() {
		return errDown
	}
	return nil
}

type ledgerHarness struct {
	client sendgatev1.LedgerServiceClient
	health healthpb.HealthClient
	store  *flaky
	ledger *ledger.Ledger
	refl   reflectionpb.ServerReflectionClient
}

func startLedger(t *testing.T) *ledgerHarness {
	t.Helper()
	store := &flaky{Store: memory.New()}
	h, err := ledger.NewHasher([]byte("a test key of thirty-two bytes!!"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := ledger.Open(context.Background(), store, h)
	if err != nil {
		t.Fatal(err)
	}
	eng := engine.New(engine.Options{})
	eng.Activate(testkit.DefaultPolicy(t))
	srv, conn := testkit.Serve(t, server.Config{Engine: eng, Ledger: l})
	srv.SetServing(true)
	return &ledgerHarness{
		client: sendgatev1.NewLedgerServiceClient(conn), health: healthpb.NewHealthClient(conn),
		store: store, ledger: l, refl: reflectionpb.NewServerReflectionClient(conn),
	}
}

func TestLedgerServiceRecordsAndErases(t *testing.T) {
	h := startLedger(t)
	ctx := testkit.Context(t)
	optedIn := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	in, err := h.client.RecordOptIn(ctx, &sendgatev1.RecordOptInRequest{
		EventId: "form-1", BusinessId: "biz-acme", Phone: phone, OptedInAt: timestamppb.New(optedIn), Channel: "web",
		Wording: "Yes, send me WhatsApp messages from Acme Shoes.", Scopes: []sendgatev1.Category{sendgatev1.Category_CATEGORY_MARKETING},
		Evidence: map[string]string{"ip": "192.0.2.7"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if in.GetDuplicate() || in.GetEvent().GetRecipient() == "" || in.GetEvent().GetRecipient() == phone {
		t.Errorf("opt-in answer: %v", in)
	}
	stop, err := h.client.RecordInbound(ctx, &sendgatev1.RecordInboundRequest{EventId: "wamid.1", BusinessId: "biz-acme", Phone: phone, Text: " Stop "})
	if err != nil {
		t.Fatal(err)
	}
	if stop.GetAction() != sendgatev1.InboundAction_INBOUND_ACTION_OPT_OUT || stop.GetKeyword() != "STOP" || stop.GetLanguage() != "en" || stop.GetConfirmation() == "" {
		t.Errorf("STOP answer: %v", stop)
	}
	got, err := h.client.GetRecipient(ctx, &sendgatev1.GetRecipientRequest{BusinessId: "biz-acme", Phone: phone})
	if err != nil {
		t.Fatal(err)
	}
	st := got.GetState()
	if !st.GetOptedInAt().AsTime().Equal(optedIn) || st.GetOptedOutAt() == nil || st.GetLastInboundAt() == nil || st.GetErasedAt() != nil {
		t.Errorf("state after STOP: %v", st)
	}
	var kinds []sendgatev1.LedgerEventKind
	for _, e := range got.GetEvents() {
		kinds = append(kinds, e.GetKind())
	}
	want := []sendgatev1.LedgerEventKind{sendgatev1.LedgerEventKind_LEDGER_EVENT_KIND_OPT_IN, sendgatev1.LedgerEventKind_LEDGER_EVENT_KIND_INBOUND, sendgatev1.LedgerEventKind_LEDGER_EVENT_KIND_OPT_OUT}
	if !slices.Equal(kinds, want) {
		t.Errorf("history kinds %v, want %v", kinds, want)
	}
	if src := got.GetEvents()[2].GetOptOutSource(); src != sendgatev1.OptOutSource_OPT_OUT_SOURCE_KEYWORD {
		t.Errorf("keyword opt-out source = %v", src)
	}

	erased, err := h.client.EraseRecipient(ctx, &sendgatev1.EraseRecipientRequest{Phone: phone})
	if err != nil {
		t.Fatal(err)
	}
	if erased.GetEventsErased() != 3 || erased.GetErasedAt() == nil {
		t.Errorf("erase answer: %v", erased)
	}
	got, err = h.client.GetRecipient(ctx, &sendgatev1.GetRecipientRequest{BusinessId: "biz-acme", Phone: phone})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.GetEvents()) != 0 || got.GetState().GetErasedAt() == nil || got.GetState().GetOptedInAt() != nil {
		t.Errorf("after erasure: %v", got)
	}
}

func TestLedgerServiceDuplicatesAndUnknownBusinesses(t *testing.T) {
	h := startLedger(t)
	ctx := testkit.Context(t)
	req := &sendgatev1.RecordOptOutRequest{EventId: "web-9", BusinessId: "a-business-never-seen", Phone: phone,
		OptedOutAt: timestamppb.New(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)), Scope: sendgatev1.OptOutScope_OPT_OUT_SCOPE_MARKETING}
	first, err := h.client.RecordOptOut(ctx, req)
	if err != nil {
		t.Fatalf("an unknown business id was refused: %v", err)
	}
	req.OptedOutAt = timestamppb.Now()
	again, err := h.client.RecordOptOut(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if first.GetDuplicate() || !again.GetDuplicate() || !again.GetEvent().GetAt().AsTime().Equal(first.GetEvent().GetAt().AsTime()) {
		t.Errorf("retry with the same event id: first %v, again %v", first, again)
	}
	got, err := h.client.GetRecipient(ctx, &sendgatev1.GetRecipientRequest{BusinessId: "a-business-never-seen", Phone: phone})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.GetEvents()) != 1 || got.GetState().GetMarketingOptedOutAt() == nil || got.GetState().GetOptedOutAt() != nil {
		t.Errorf("after a retried marketing opt-out: %v", got)
	}
	// A retried STOP records neither the message nor the opt-out again.
	for range 2 {
		if _, err := h.client.RecordInbound(ctx, &sendgatev1.RecordInboundRequest{EventId: "wamid.7", BusinessId: "b", Phone: phone, Text: "STOP"}); err != nil {
			t.Fatal(err)
		}
	}
	got, err = h.client.GetRecipient(ctx, &sendgatev1.GetRecipientRequest{BusinessId: "b", Phone: phone})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.GetEvents()) != 2 {
		t.Errorf("a retried STOP left %d events, want 2", len(got.GetEvents()))
	}
}

func TestLedgerServiceRefusesMalformedRequests(t *testing.T) {
	h := startLedger(t)
	ctx := testkit.Context(t)
	tests := []struct {
		name string
		call func() error
		want []string
	}{
		{"opt_in_bad_phone_and_timestamp", func() error {
			_, err := h.client.RecordOptIn(ctx, &sendgatev1.RecordOptInRequest{BusinessId: "b", Phone: "0612345678",
				OptedInAt: &timestamppb.Timestamp{Seconds: 1, Nanos: -5}})
			return err
		}, []string{"phone", "opted_in_at"}},
		{"opt_out_missing_everything", func() error {
			_, err := h.client.RecordOptOut(ctx, &sendgatev1.RecordOptOutRequest{})
			return err
		}, []string{"business_id", "phone"}},
		{"inbound_bad_timestamp", func() error {
			_, err := h.client.RecordInbound(ctx, &sendgatev1.RecordInboundRequest{BusinessId: "b", Phone: phone,
				ReceivedAt: &timestamppb.Timestamp{Seconds: -99999999999}})
			return err
		}, []string{"received_at"}},
		{"get_without_business", func() error {
			_, err := h.client.GetRecipient(ctx, &sendgatev1.GetRecipientRequest{Phone: phone})
			return err
		}, []string{"business_id"}},
		{"erase_bad_phone", func() error {
			_, err := h.client.EraseRecipient(ctx, &sendgatev1.EraseRecipientRequest{Phone: "+31 6 12"})
			return err
		}, []string{"phone"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if status.Code(err) != codes.InvalidArgument {
				t.Fatalf("got %v, want INVALID_ARGUMENT", err)
			}
			var fields []string
			for _, d := range status.Convert(err).Details() {
				if br, ok := d.(*errdetails.BadRequest); ok {
					for _, v := range br.GetFieldViolations() {
						fields = append(fields, v.GetField())
					}
				}
			}
			if !slices.Equal(fields, tt.want) {
				t.Errorf("field violations %v, want %v", fields, tt.want)
			}
		})
	}
}

func TestLedgerServiceStoreDown(t *testing.T) {
	old := iserver.LedgerProbeInterval
	iserver.LedgerProbeInterval = 20 * time.Millisecond
	t.Cleanup(func() { iserver.LedgerProbeInterval = old })
	h := startLedger(t)
	ctx := testkit.Context(t)
	health := func() healthpb.HealthCheckResponse_ServingStatus {
		resp, err := h.health.Check(ctx, &healthpb.HealthCheckRequest{Service: "sendgate.v1.LedgerService"})
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetStatus()
	}
	waitFor := func(want healthpb.HealthCheckResponse_ServingStatus) {
		t.Helper()
		for health() != want {
			if ctx.Err() != nil {
				t.Fatalf("health never became %v", want)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitFor(healthpb.HealthCheckResponse_SERVING)
	h.store.down.Store(true)
	_, err := h.client.RecordOptOut(ctx, &sendgatev1.RecordOptOutRequest{BusinessId: "b", Phone: phone})
	if status.Code(err) != codes.Unavailable {
		t.Fatalf("RecordOptOut with the store down: %v, want UNAVAILABLE", err)
	}
	if _, err := h.client.GetRecipient(ctx, &sendgatev1.GetRecipientRequest{BusinessId: "b", Phone: phone}); status.Code(err) != codes.Unavailable {
		t.Fatalf("GetRecipient with the store down: %v, want UNAVAILABLE", err)
	}
	waitFor(healthpb.HealthCheckResponse_NOT_SERVING)
	h.store.down.Store(false)
	waitFor(healthpb.HealthCheckResponse_SERVING)
	if _, err := h.client.RecordOptOut(ctx, &sendgatev1.RecordOptOutRequest{BusinessId: "b", Phone: phone}); err != nil {
		t.Fatalf("after the store came back: %v", err)
	}
}

func TestLedgerServiceListedByReflection(t *testing.T) {
	h := startLedger(t)
	stream, err := h.refl.ServerReflectionInfo(testkit.Context(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Send(&reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{}}); err != nil {
		t.Fatal(err)
	}
	resp, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range resp.GetListServicesResponse().GetService() {
		names = append(names, s.GetName())
	}
	if !slices.Contains(names, "sendgate.v1.LedgerService") || !slices.Contains(names, "sendgate.v1.DecisionService") {
		t.Errorf("reflection lists %v", names)
	}
}

func TestLedgerServiceExports(t *testing.T) {
	h := startLedger(t)
	ctx := testkit.Context(t)
	for i := range 1200 {
		if _, err := h.client.RecordOptIn(ctx, &sendgatev1.RecordOptInRequest{BusinessId: "biz-export",
			Phone: "+3161234" + string(rune('0'+i%10)) + string(rune('0'+i/10%10)) + string(rune('0'+i/100%10)) + string(rune('0'+i/1000))}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.client.EraseRecipient(ctx, &sendgatev1.EraseRecipientRequest{Phone: phone}); err != nil {
		t.Fatal(err)
	}
	stream, err := h.client.ExportEvents(ctx, &sendgatev1.ExportEventsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	optIns, erasures, batches := 0, 0, 0
	for {
		resp, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		batches++
		for _, e := range resp.GetEvents() {
			switch e.GetKind() {
			case sendgatev1.LedgerEventKind_LEDGER_EVENT_KIND_OPT_IN:
				optIns++
			case sendgatev1.LedgerEventKind_LEDGER_EVENT_KIND_ERASURE:
				erasures++
			}
		}
	}
	if optIns != 1200 || erasures != 1 || batches != 3 {
		t.Errorf("exported %d opt-ins and %d erasures in %d batches, want 1200, 1 and 3", optIns, erasures, batches)
	}
}
