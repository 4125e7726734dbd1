package workload

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/sendgate/sendgate/internal/validate"
)

func TestTrafficsAreValidRepeatableAndShapedAsNamed(t *testing.T) {
	for _, name := range TrafficNames {
		make := Traffics[name]
		a, b := make(1, 2000), make(1, 2000)
		texts := map[string]bool{}
		for i := range a {
			if vs := validate.CheckRequest(a[i]); len(vs) != 0 {
				t.Fatalf("%s request %d invalid: %v", name, i, vs)
			}
			if !proto.Equal(a[i], b[i]) {
				t.Fatalf("%s request %d differs between two calls with one seed", name, i)
			}
			texts[a[i].GetMessage().GetText()] = true
		}
		switch name {
		case "campaign":
			if len(texts) != 2 {
				t.Errorf("campaign has %d texts, want its two templates'", len(texts))
			}
		case "transactional", "conversation":
			if len(texts) < 1900 {
				t.Errorf("%s has %d distinct texts in 2,000, want nearly all unique", name, len(texts))
			}
		}
	}
}
