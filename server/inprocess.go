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
	return call(ctx, p.chain, p.protocol, checkInfo, req, p.svc.Check)
}

// CheckBatch implements sendgatev1.DecisionServiceServer.
func (p *inProcess) CheckBatch(ctx context.Context, req *sendgatev1.CheckBatchRequest) (*sendgatev1.CheckBatchResponse, error) {
	return call(ctx, p.chain, p.protocol, batchInfo, req, p.svc.CheckBatch)
}

// InProcessLedger is InProcess for the LedgerService: its unary methods
// through the same interceptors as over gRPC (naming and refusing callers,
// metrics, recovery, the call log). It returns nil when the server has no
// ledger (--ledger off). ExportEvents, a stream, is not offered in process.
func (s *Server) InProcessLedger(protocol string) sendgatev1.LedgerServiceServer {
	if s.ledger == nil {
		return nil
	}
	return &inProcessLedger{svc: s.ledger, chain: chainUnary(s.unary), protocol: protocol}
}

type inProcessLedger struct {
	sendgatev1.UnimplementedLedgerServiceServer
	svc      sendgatev1.LedgerServiceServer
	chain    grpc.UnaryServerInterceptor
	protocol string
}

var (
	optInInfo   = &grpc.UnaryServerInfo{FullMethod: sendgatev1.LedgerService_RecordOptIn_FullMethodName}
	optOutInfo  = &grpc.UnaryServerInfo{FullMethod: sendgatev1.LedgerService_RecordOptOut_FullMethodName}
	inboundInfo = &grpc.UnaryServerInfo{FullMethod: sendgatev1.LedgerService_RecordInbound_FullMethodName}
	getInfo     = &grpc.UnaryServerInfo{FullMethod: sendgatev1.LedgerService_GetRecipient_FullMethodName}
	eraseInfo   = &grpc.UnaryServerInfo{FullMethod: sendgatev1.LedgerService_EraseRecipient_FullMethodName}
)

// RecordOptIn implements sendgatev1.LedgerServiceServer.
func (p *inProcessLedger) RecordOptIn(ctx context.Context, req *sendgatev1.RecordOptInRequest) (*sendgatev1.RecordOptInResponse, error) {
	return call(ctx, p.chain, p.protocol, optInInfo, req, p.svc.RecordOptIn)
}

// RecordOptOut implements sendgatev1.LedgerServiceServer.
func (p *inProcessLedger) RecordOptOut(ctx context.Context, req *sendgatev1.RecordOptOutRequest) (*sendgatev1.RecordOptOutResponse, error) {
	return call(ctx, p.chain, p.protocol, optOutInfo, req, p.svc.RecordOptOut)
}

// RecordInbound implements sendgatev1.LedgerServiceServer.
func (p *inProcessLedger) RecordInbound(ctx context.Context, req *sendgatev1.RecordInboundRequest) (*sendgatev1.RecordInboundResponse, error) {
	return call(ctx, p.chain, p.protocol, inboundInfo, req, p.svc.RecordInbound)
}

// GetRecipient implements sendgatev1.LedgerServiceServer.
func (p *inProcessLedger) GetRecipient(ctx context.Context, req *sendgatev1.GetRecipientRequest) (*sendgatev1.GetRecipientResponse, error) {
	return call(ctx, p.chain, p.protocol, getInfo, req, p.svc.GetRecipient)
}

// EraseRecipient implements sendgatev1.LedgerServiceServer.
func (p *inProcessLedger) EraseRecipient(ctx context.Context, req *sendgatev1.EraseRecipientRequest) (*sendgatev1.EraseRecipientResponse, error) {
	return call(ctx, p.chain, p.protocol, eraseInfo, req, p.svc.EraseRecipient)
}

// call runs method through chain as the gRPC server runs a unary method
// named by info, with protocol naming the caller in the call log.
func call[Req, Resp any](ctx context.Context, chain grpc.UnaryServerInterceptor, protocol string, info *grpc.UnaryServerInfo, req Req,
	method func(context.Context, Req) (Resp, error)) (Resp, error) {
	resp, err := chain(iserver.WithProtocol(ctx, protocol), req, info, func(ctx context.Context, req any) (any, error) {
		return method(ctx, req.(Req))
	})
	if err != nil {
		var zero Resp
		return zero, err
	}
	return resp.(Resp), nil
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
