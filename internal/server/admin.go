package server

import (
	"context"
	"time"

	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/sendgate/sendgate/bundles"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// BundleController is the bundle manager as the AdminService sees it.
type BundleController interface {
	Reload(ctx context.Context, wait bool) (bundles.Attempt, error)
	Status() bundles.Status
}

var _ BundleController = (*bundles.Manager)(nil)

// AdminService implements sendgate.v1.AdminService over a BundleController.
type AdminService struct {
	sendgatev1.UnimplementedAdminServiceServer
	ctl BundleController
}

var _ sendgatev1.AdminServiceServer = (*AdminService)(nil)

// NewAdminService returns the AdminService for ctl.
func NewAdminService(ctl BundleController) *AdminService {
	return &AdminService{ctl: ctl}
}

// ReloadBundle implements sendgate.v1.AdminService. A refused bundle is a
// successful call whose attempt says why; only a call that ends before the
// attempt does is an error.
func (s *AdminService) ReloadBundle(ctx context.Context, req *sendgatev1.ReloadBundleRequest) (*sendgatev1.ReloadBundleResponse, error) {
	a, err := s.ctl.Reload(ctx, req.GetWait())
	if err != nil {
		return nil, status.FromContextError(err).Err()
	}
	if !req.GetWait() {
		return &sendgatev1.ReloadBundleResponse{Queued: true}, nil
	}
	return &sendgatev1.ReloadBundleResponse{Attempt: attemptProto(a)}, nil
}

// GetBundleStatus implements sendgate.v1.AdminService.
func (s *AdminService) GetBundleStatus(context.Context, *sendgatev1.GetBundleStatusRequest) (*sendgatev1.GetBundleStatusResponse, error) {
	st := s.ctl.Status()
	resp := &sendgatev1.GetBundleStatusResponse{
		Ready:           st.Ready,
		ActiveRevision:  st.ActiveRevision,
		Source:          st.Source,
		ActivatedAt:     timestamp(st.ActivatedAt),
		FromPersistence: st.FromPersistence,
		LastError:       st.LastError,
		LastErrorAt:     timestamp(st.LastErrorAt),
	}
	if st.LastAttempt != nil {
		resp.LastAttempt = attemptProto(*st.LastAttempt)
	}
	for _, a := range st.Attempts {
		resp.RecentAttempts = append(resp.RecentAttempts, attemptProto(a))
	}
	return resp, nil
}

func attemptProto(a bundles.Attempt) *sendgatev1.BundleAttempt {
	p := &sendgatev1.BundleAttempt{
		Trigger:         triggers[a.Trigger],
		Result:          results[a.Result],
		Stage:           string(a.Stage),
		Revision:        a.Revision,
		FromPersistence: a.FromPersistence,
		StartedAt:       timestamp(a.StartedAt),
		FinishedAt:      timestamp(a.FinishedAt),
	}
	if a.Err != nil {
		p.Error = a.Err.Error()
	}
	return p
}

var triggers = map[bundles.Trigger]sendgatev1.BundleTrigger{
	bundles.TriggerStartup: sendgatev1.BundleTrigger_BUNDLE_TRIGGER_STARTUP,
	bundles.TriggerWatch:   sendgatev1.BundleTrigger_BUNDLE_TRIGGER_WATCH,
	bundles.TriggerPoll:    sendgatev1.BundleTrigger_BUNDLE_TRIGGER_POLL,
	bundles.TriggerSignal:  sendgatev1.BundleTrigger_BUNDLE_TRIGGER_SIGNAL,
	bundles.TriggerAdmin:   sendgatev1.BundleTrigger_BUNDLE_TRIGGER_ADMIN,
}

var results = map[bundles.Result]sendgatev1.BundleAttemptResult{
	bundles.ResultActivated:   sendgatev1.BundleAttemptResult_BUNDLE_ATTEMPT_RESULT_ACTIVATED,
	bundles.ResultUnchanged:   sendgatev1.BundleAttemptResult_BUNDLE_ATTEMPT_RESULT_UNCHANGED,
	bundles.ResultRefused:     sendgatev1.BundleAttemptResult_BUNDLE_ATTEMPT_RESULT_REFUSED,
	bundles.ResultFetchFailed: sendgatev1.BundleAttemptResult_BUNDLE_ATTEMPT_RESULT_FETCH_FAILED,
}

func timestamp(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}
