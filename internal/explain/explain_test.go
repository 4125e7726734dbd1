package explain_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sendgate/sendgate/internal/testkit"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/sendgate/sendgate/internal/explain"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestGolden explains corpus cases and compares with testdata/*.golden;
// run with -update to regenerate them after a deliberate change.
func TestGolden(t *testing.T) {
	ps := testkit.DefaultPolicy(t)
	inputs, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	if len(inputs) < 3 {
		t.Fatalf("want at least three golden cases, found %d", len(inputs))
	}
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".json")
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			req := &sendgatev1.CheckRequest{}
			if err := protojson.Unmarshal(raw, req); err != nil {
				t.Fatal(err)
			}
			resp, err := ps.Decide(context.Background(), req, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if err := explain.Write(&out, ps, req, resp); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./explain -update to create it)", err)
			}
			if !bytes.Equal(out.Bytes(), want) {
				t.Fatalf("explanation differs from %s:\n--- got\n%s\n--- want\n%s", golden, out.String(), want)
			}
			for _, leak := range []string{"5390 0754 7034", "BE68"} {
				if strings.Contains(out.String(), leak) {
					t.Fatalf("explanation leaks %q", leak)
				}
			}
		})
	}
}
