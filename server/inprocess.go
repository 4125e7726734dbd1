package server

import (
	"context"

	"google.golang.org/grpc"

	iserver "github.com/sendgate/sendgate/internal/server"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// InProcess returns the DecisionService for callers in this process, such
// as the HTTP/JSON gateway. Each call runs through the same unary
// interceptors as a gRPC call, in the same order and under the same method
// name — metrics, panic recovery and the call log — so a decision asked
// for over HTTP is counted, guarded and logged exactly like one asked for
// over gRPC, without a second gRPC hop. protocol names the caller in the
// call log ("http").
func (s *Server) InProcess(protocol string) sendgatev1.DecisionServiceServer {
	return &inProcess{svc: s.svc, chain: chainUnary(s.unary), protocol: protocol}
}

type inProcess struct {
	sendgatev1.UnimplementedDecisionServiceServer
	svc      sendgatev1.DecisionServiceServer
	chain    grpc.UnaryServerInterceptor
	protocol string
}

var (
	checkInfo = &grpc.UnaryServerInfo{FullMethod: sendgatev1.DecisionService_Check_FullMethodName}
	batchInfo = &grpc.UnaryServerInfo{FullMethod: sendgatev1.DecisionService_CheckBatch_FullMethodName}
)

// Check implements sendgatev1.DecisionServiceServer.
func (p *inProcess) Check(ctx context.Context, req *sendgatev1.CheckRequest) (*sendgatev1.CheckResponse, error) {
	resp, err := p.chain(iserver.WithProtocol(ctx, p.protocol), req, checkInfo, func(ctx context.Context, req any) (any, error) {
		return p.svc.Check(ctx, req.(*sendgatev1.CheckRequest))
	})
	if err != nil {
		return nil, err
	}
	return resp.(*sendgatev1.CheckResponse), nil
}

// CheckBatch implements sendgatev1.DecisionServiceServer.
func (p *inProcess) CheckBatch(ctx context.Context, req *sendgatev1.CheckBatchRequest) (*sendgatev1.CheckBatchResponse, error) {
	resp, err := p.chain(iserver.WithProtocol(ctx, p.protocol), req, batchInfo, func(ctx context.Context, req any) (any, error) {
		return p.svc.CheckBatch(ctx, req.(*sendgatev1.CheckBatchRequest))
	})
	if err != nil {
		return nil, err
	}
	return resp.(*sendgatev1.CheckBatchResponse), nil
}

// chainUnary composes interceptors the way grpc.ChainUnaryInterceptor
// does: the first is outermost.
func chainUnary(ints []grpc.UnaryServerInterceptor) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		return next(ints, 0, info, handler)(ctx, req)
	}
}

func next(ints []grpc.UnaryServerInterceptor, i int, info *grpc.UnaryServerInfo, final grpc.UnaryHandler) grpc.UnaryHandler {
	if i == len(ints) {
		return final
	}
	return func(ctx context.Context, req any) (any, error) {
		return ints[i](ctx, req, info, next(ints, i+1, info, final))
	}
}
