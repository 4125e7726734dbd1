package workload

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/sendgate/sendgate/internal/validate"
)

func TestVariedRequestsAreValidAndRepeatable(t *testing.T) {
	a, b := VariedRequests(1, 500), VariedRequests(1, 500)
	other := VariedRequests(2, 500)
	same := 0
	for i := range a {
		if v := validate.CheckRequest(a[i]); v != nil {
			t.Fatalf("request %d is invalid: %v", i, v)
		}
		if !proto.Equal(a[i], b[i]) {
			t.Fatalf("request %d differs between two calls with one seed", i)
		}
		if proto.Equal(a[i], other[i]) {
			same++
		}
	}
	if same == len(a) {
		t.Error("another seed gave the same requests")
	}
}
