// Package echo is a DecisionService that decides nothing: it answers every
// Check with a fixed ALLOW and every CheckBatch with one per item. Run beside
// sendgate under the same load, it measures the gRPC transport floor: what a
// call costs before any policy work. It is bench code, not part of sendgate's
// API.
package echo

import (
	"context"

	"google.golang.org/grpc"

	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// MaxMessageSize is the largest request the echo server accepts: the limit
// sendgate's server sets by default (server.DefaultMaxRecvBytes), so that
// both run with the same transport settings.
const MaxMessageSize = 8 << 20

// Fixed values the echo server puts in every response, as long as real ones.
const (
	DecisionID     = "00000000-0000-4000-8000-000000000000"
	BundleRevision = "echo-0000000000"
)

// Server implements sendgatev1.DecisionServiceServer without policy work.
type Server struct {
	sendgatev1.UnimplementedDecisionServiceServer
}

// Check answers ALLOW, echoing the request id.
func (Server) Check(_ context.Context, req *sendgatev1.CheckRequest) (*sendgatev1.CheckResponse, error) {
	return allow(req), nil
}

// CheckBatch answers ALLOW for every item, in request order.
func (Server) CheckBatch(_ context.Context, req *sendgatev1.CheckBatchRequest) (*sendgatev1.CheckBatchResponse, error) {
	results := make([]*sendgatev1.CheckBatchResult, len(req.GetRequests()))
	for i, r := range req.GetRequests() {
		results[i] = &sendgatev1.CheckBatchResult{
			Result: &sendgatev1.CheckBatchResult_Response{Response: allow(r)},
		}
	}
	return &sendgatev1.CheckBatchResponse{Results: results}, nil
}

func allow(req *sendgatev1.CheckRequest) *sendgatev1.CheckResponse {
	return &sendgatev1.CheckResponse{
		Decision:       sendgatev1.Decision_DECISION_ALLOW,
		DecisionId:     DecisionID,
		BundleRevision: BundleRevision,
		RequestId:      req.GetRequestId(),
	}
}

// NewGRPCServer returns a plain gRPC server, configured as sendgate's, with
// the echo DecisionService registered.
func NewGRPCServer() *grpc.Server {
	s := grpc.NewServer(grpc.MaxRecvMsgSize(MaxMessageSize))
	sendgatev1.RegisterDecisionServiceServer(s, Server{})
	return s
}
