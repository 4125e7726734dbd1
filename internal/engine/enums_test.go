package engine

import (
	"context"
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"

	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// The default bundle writes some conditions as the enum values they hold
// for ("input.message.type in {...every type but TEMPLATE...}"), so that
// OPA's rule index can skip the rule. A value added to the API later would
// fall outside such a set and the rule would never fire for it; these tests
// decide a request with every value of the enum, so that an addition fails
// here until the bundle lists it.

func enumNames(d protoreflect.EnumDescriptor) []string {
	var names []string
	for i := range d.Values().Len() {
		names = append(names, string(d.Values().Get(i).Name()))
	}
	return names
}

func TestEveryNonTemplateTypeNeedsTheWindow(t *testing.T) {
	p, err := Compile(context.Background(), defaultBundle(t))
	if err != nil {
		t.Fatal(err)
	}
	sent := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	for _, name := range enumNames(sendgatev1.MessageType(0).Descriptor()) {
		req := &sendgatev1.CheckRequest{
			RequestId: "r",
			SendTime:  timestamppb.New(sent),
			Business:  &sendgatev1.Business{Id: "b", DisplayName: "Acme Shoes", Vertical: "retail"},
			Recipient: &sendgatev1.Recipient{Phone: "+31612345678"},
			Message: &sendgatev1.Message{
				Category: sendgatev1.Category_CATEGORY_UTILITY,
				Type:     sendgatev1.MessageType(sendgatev1.MessageType_value[name]),
				Text:     "Your order has shipped.",
			},
			Conversation: &sendgatev1.Conversation{LastInboundAt: timestamppb.New(sent.Add(-48 * time.Hour))},
		}
		resp, err := p.Decide(context.Background(), req, sent)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var codes []string
		for _, r := range resp.GetReasons() {
			codes = append(codes, r.GetCode())
		}
		if want := name != "MESSAGE_TYPE_TEMPLATE"; slices.Contains(codes, "window.closed") != want {
			t.Errorf("%s outside the window: reasons %v, want window.closed %v", name, codes, want)
		}
	}
}
