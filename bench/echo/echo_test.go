package echo_test

import (
	"context"
	"net"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/sendgate/sendgate/bench/echo"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
	"github.com/sendgate/sendgate/server"
)

func TestSameMessageLimitAsSendgate(t *testing.T) {
	if echo.MaxMessageSize != server.DefaultMaxRecvBytes {
		t.Errorf("echo accepts %d bytes, sendgate %d", echo.MaxMessageSize, server.DefaultMaxRecvBytes)
	}
}

func client(t *testing.T) sendgatev1.DecisionServiceClient {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := echo.NewGRPCServer()
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallSendMsgSize(echo.MaxMessageSize)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return sendgatev1.NewDecisionServiceClient(conn)
}

func TestCheck(t *testing.T) {
	resp, err := client(t).Check(context.Background(), &sendgatev1.CheckRequest{RequestId: "r-1"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetDecision() != sendgatev1.Decision_DECISION_ALLOW || resp.GetRequestId() != "r-1" ||
		resp.GetDecisionId() != echo.DecisionID || resp.GetBundleRevision() != echo.BundleRevision ||
		len(resp.GetReasons()) != 0 {
		t.Errorf("Check = %v", resp)
	}
}

func TestCheckBatchInOrder(t *testing.T) {
	// 1,000 texts of 4,096 characters: more than gRPC's default 4 MiB
	// limit, within sendgate's.
	text := strings.Repeat("x", 4096)
	req := &sendgatev1.CheckBatchRequest{}
	for i := range 1000 {
		req.Requests = append(req.Requests, &sendgatev1.CheckRequest{
			RequestId: string(rune('a' + i%26)),
			Message:   &sendgatev1.Message{Text: text},
		})
	}
	resp, err := client(t).CheckBatch(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.GetResults()) != 1000 {
		t.Fatalf("%d results", len(resp.GetResults()))
	}
	for i, r := range resp.GetResults() {
		if r.GetResponse().GetDecision() != sendgatev1.Decision_DECISION_ALLOW ||
			r.GetResponse().GetRequestId() != req.Requests[i].GetRequestId() {
			t.Fatalf("result %d = %v", i, r)
		}
	}
}

func TestCheckBatchEmpty(t *testing.T) {
	resp, err := client(t).CheckBatch(context.Background(), &sendgatev1.CheckBatchRequest{})
	if err != nil || len(resp.GetResults()) != 0 {
		t.Errorf("empty batch: %v, %v", resp, err)
	}
}
