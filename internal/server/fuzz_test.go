package server_test

import (
	"context"
	"testing"

	"github.com/sendgate/sendgate/internal/testkit"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/sendgate/sendgate/internal/engine"
	"github.com/sendgate/sendgate/internal/server"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// FuzzCheck feeds arbitrary wire bytes to the Check handler: every request
// either gets a decision consistent with its reasons or INVALID_ARGUMENT;
// nothing panics and nothing fails inside the policy.
func FuzzCheck(f *testing.F) {
	seed := testkit.Utility()
	for _, mutate := range []func(*sendgatev1.CheckRequest){
		func(*sendgatev1.CheckRequest) {},
		func(r *sendgatev1.CheckRequest) {
			r.Message.Text = "Please send us your card number 4111 1111 1111 1111"
		},
		func(r *sendgatev1.CheckRequest) {
			r.Message.Text = "Stuur ons een kopie van uw paspoort en uw BSN 111222333"
		},
		func(r *sendgatev1.CheckRequest) { r.Consent = nil; r.Message.Category = 9 },
	} {
		r := proto.Clone(seed).(*sendgatev1.CheckRequest)
		mutate(r)
		b, err := proto.Marshal(r)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	eng := engine.New(engine.Options{})
	eng.Activate(testkit.DefaultPolicy(f))
	svc := server.NewDecisionService(eng, nil, testkit.Quiet())
	f.Fuzz(func(t *testing.T, wire []byte) {
		req := &sendgatev1.CheckRequest{}
		if err := proto.Unmarshal(wire, req); err != nil {
			return // grpc-go would refuse these bytes before the handler
		}
		resp, err := svc.Check(context.Background(), req)
		if err != nil {
			if status.Code(err) != codes.InvalidArgument {
				t.Fatalf("Check error %v, want a decision or INVALID_ARGUMENT", err)
			}
			return
		}
		deny := resp.GetDecision() == sendgatev1.Decision_DECISION_DENY
		if deny != (len(resp.GetReasons()) > 0) || resp.GetDecision() == sendgatev1.Decision_DECISION_UNSPECIFIED {
			t.Fatalf("decision %v with reasons %v", resp.GetDecision(), resp.GetReasons())
		}
		if resp.GetDecisionId() == "" || resp.GetBundleRevision() == "" {
			t.Fatalf("response lacks decision id or revision: %v", resp)
		}
	})
}
