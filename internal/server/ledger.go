package server

import (
	"context"
	"errors"
	"log/slog"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sendgate/sendgate/internal/engine"
	"github.com/sendgate/sendgate/internal/ledger"
	"github.com/sendgate/sendgate/internal/validate"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// LedgerService records opt-ins, opt-outs and inbound messages in the
// consent ledger and answers what it holds.
type LedgerService struct {
	sendgatev1.UnimplementedLedgerServiceServer
	ledger *ledger.Ledger
	engine *engine.Engine // its active bundle's lexicon classifies inbound messages
	log    *slog.Logger
}

var _ sendgatev1.LedgerServiceServer = (*LedgerService)(nil)

// NewLedgerService returns the service over l; e provides the lexicon.
func NewLedgerService(l *ledger.Ledger, e *engine.Engine, log *slog.Logger) *LedgerService {
	return &LedgerService{ledger: l, engine: e, log: log}
}

// RecordOptIn records an opt-in.
func (s *LedgerService) RecordOptIn(ctx context.Context, req *sendgatev1.RecordOptInRequest) (*sendgatev1.RecordOptInResponse, error) {
	if v := validate.RecordOptIn(req); v != nil {
		return nil, badRequest(v).Err()
	}
	rec, err := s.record(ctx, ledger.Event{
		ID: req.GetEventId(), BusinessID: req.GetBusinessId(), Recipient: s.ledger.Recipient(req.GetPhone()),
		Kind: ledger.KindOptIn, At: timeOf(req.GetOptedInAt()),
		Channel: req.GetChannel(), Wording: req.GetWording(), Scopes: categoryNames(req.GetScopes()), Evidence: req.GetEvidence(),
	})
	if err != nil {
		return nil, err
	}
	return &sendgatev1.RecordOptInResponse{Event: EventProto(rec.Event), Duplicate: rec.Duplicate}, nil
}

// RecordOptOut records an opt-out.
func (s *LedgerService) RecordOptOut(ctx context.Context, req *sendgatev1.RecordOptOutRequest) (*sendgatev1.RecordOptOutResponse, error) {
	if v := validate.RecordOptOut(req); v != nil {
		return nil, badRequest(v).Err()
	}
	rec, err := s.record(ctx, ledger.Event{
		ID: req.GetEventId(), BusinessID: req.GetBusinessId(), Recipient: s.ledger.Recipient(req.GetPhone()),
		Kind: ledger.KindOptOut, At: timeOf(req.GetOptedOutAt()),
		Scope: scopeOf(req.GetScope()), Source: sourceName(req.GetSource()),
	})
	if err != nil {
		return nil, err
	}
	return &sendgatev1.RecordOptOutResponse{Event: EventProto(rec.Event), Duplicate: rec.Duplicate}, nil
}

func (s *LedgerService) record(ctx context.Context, e ledger.Event) (ledger.Recorded, error) {
	rec, err := s.ledger.Record(ctx, []ledger.Event{e})
	if err != nil {
		return ledger.Recorded{}, s.storeError(ctx, "record", err)
	}
	return rec[0], nil
}

// RecordInbound records a message from the recipient and, when the whole
// message is an opt-out or opt-in keyword of the active bundle's lexicon,
// the opt-out or opt-in it stands for.
func (s *LedgerService) RecordInbound(ctx context.Context, req *sendgatev1.RecordInboundRequest) (*sendgatev1.RecordInboundResponse, error) {
	if v := validate.RecordInbound(req); v != nil {
		return nil, badRequest(v).Err()
	}
	p := s.engine.Active()
	if p == nil {
		return nil, status.Error(codes.Unavailable, "no policy bundle is active yet, so keywords cannot be recognised; retry")
	}
	in := ledger.Classify(p.Builtins().Lexicon(), req.GetText(), req.GetLocale())
	rec, err := s.ledger.RecordInbound(ctx, ledger.Event{
		ID: req.GetEventId(), BusinessID: req.GetBusinessId(), Recipient: s.ledger.Recipient(req.GetPhone()),
		At: timeOf(req.GetReceivedAt()),
	}, in)
	if err != nil {
		return nil, s.storeError(ctx, "record", err)
	}
	return &sendgatev1.RecordInboundResponse{
		Event: EventProto(rec.Event), Duplicate: rec.Duplicate,
		Action: inboundActions[in.Action], Keyword: in.Keyword, Language: in.Language, Confirmation: in.Confirmation,
	}, nil
}

var inboundActions = map[ledger.InboundAction]sendgatev1.InboundAction{
	ledger.InboundMessage: sendgatev1.InboundAction_INBOUND_ACTION_MESSAGE,
	ledger.InboundOptOut:  sendgatev1.InboundAction_INBOUND_ACTION_OPT_OUT,
	ledger.InboundOptIn:   sendgatev1.InboundAction_INBOUND_ACTION_OPT_IN,
}

// GetRecipient returns a recipient's state and event history at one business.
func (s *LedgerService) GetRecipient(ctx context.Context, req *sendgatev1.GetRecipientRequest) (*sendgatev1.GetRecipientResponse, error) {
	if v := validate.GetRecipient(req); v != nil {
		return nil, badRequest(v).Err()
	}
	st, evs, err := s.ledger.History(ctx, req.GetBusinessId(), req.GetPhone())
	if err != nil {
		return nil, s.storeError(ctx, "read", err)
	}
	resp := &sendgatev1.GetRecipientResponse{State: StateProto(st), Recipient: s.ledger.Recipient(req.GetPhone()).String()}
	for _, e := range evs {
		resp.Events = append(resp.Events, EventProto(e))
	}
	return resp, nil
}

// EraseRecipient deletes a recipient's records, leaving a suppression entry.
func (s *LedgerService) EraseRecipient(ctx context.Context, req *sendgatev1.EraseRecipientRequest) (*sendgatev1.EraseRecipientResponse, error) {
	if v := validate.EraseRecipient(req); v != nil {
		return nil, badRequest(v).Err()
	}
	n, at, err := s.ledger.Erase(ctx, req.GetBusinessId(), req.GetPhone())
	if err != nil {
		return nil, s.storeError(ctx, "erase", err)
	}
	// The hash, never the number: the log outlives the erasure.
	s.log.InfoContext(ctx, "recipient erased", "business_id", req.GetBusinessId(),
		"recipient", s.ledger.Recipient(req.GetPhone()).String(), "events", n)
	return &sendgatev1.EraseRecipientResponse{EventsErased: int64(n), ErasedAt: timestampOf(at)}, nil
}

// exportBatch is how many events one ExportEventsResponse carries.
const exportBatch = 500

// ExportEvents streams the ledger's events and suppression entries.
func (s *LedgerService) ExportEvents(req *sendgatev1.ExportEventsRequest, stream grpc.ServerStreamingServer[sendgatev1.ExportEventsResponse]) error {
	ctx := stream.Context()
	batch := &sendgatev1.ExportEventsResponse{}
	send := func() error {
		if len(batch.Events) == 0 {
			return nil
		}
		err := stream.Send(batch)
		batch = &sendgatev1.ExportEventsResponse{}
		return err
	}
	var sendErr error
	err := s.ledger.Store().Export(ctx, req.GetBusinessId(), func(e ledger.Event) error {
		batch.Events = append(batch.Events, EventProto(e))
		if len(batch.Events) == exportBatch {
			sendErr = send()
			return sendErr
		}
		return nil
	})
	switch {
	case sendErr != nil:
		return sendErr
	case err != nil:
		return s.storeError(ctx, "export", err)
	}
	return send()
}

// storeError turns a ledger error into a status: the store could not be
// used, so the caller should retry; details go to the log.
func (s *LedgerService) storeError(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return status.FromContextError(ctx.Err()).Err()
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return status.FromContextError(err).Err()
	}
	s.log.ErrorContext(ctx, "ledger "+op+" failed", "error", err)
	return status.Error(codes.Unavailable, "the consent ledger cannot be used right now; retry (nothing was "+pastTense[op]+")")
}

var pastTense = map[string]string{"record": "recorded", "read": "read", "erase": "erased", "export": "exported"}
