// Command decisions decides a fixed set of generated requests and prints
// one line per decision (the configuration, the request and the response
// without its decision id), so that two versions of the engine or the
// bundle can be compared with cmp: a change meant only to make decisions
// faster must leave every line as it was.
//
// The requests are the bench mix and workload.VariedRequests, decided under
// four configurations of data.sendgate.config (as shipped, marketing
// disabled, opt-ins that need not name WhatsApp, a 48-hour window):
//
//	go run ./bench/cmd/decisions > new.txt              # on each tree
//	go run ./bench/cmd/decisions -bundle policies -n 20000 > new.txt
//	cmp old.txt new.txt
//	go run ./bench/cmd/decisions -whole > whole.txt    # without the message cache
//	cmp new.txt whole.txt
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/sendgate/sendgate/internal/workload"

	"github.com/open-policy-agent/opa/v1/bundle"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/sendgate/sendgate/bundles"
	"github.com/sendgate/sendgate/internal/engine"
	"github.com/sendgate/sendgate/policies"
)

func main() {
	dir := flag.String("bundle", "", "bundle directory (default: the embedded default bundle)")
	n := flag.Int("n", 6000, "generated requests per configuration")
	seed := flag.Uint64("seed", 1, "seed of the generated requests")
	whole := flag.Bool("whole", false, "evaluate the whole decision for every request, without the message cache (the output must not change)")
	flag.Parse()

	reqs := workload.DecisionRequests(*seed, *n)
	w := bufio.NewWriter(os.Stdout)
	for _, c := range workload.Configs {
		b, err := readBundle(*dir)
		if err != nil {
			fatal(err)
		}
		if err := c.Apply(b); err != nil {
			fatal(err)
		}
		p, err := engine.CompileWith(context.Background(), b, engine.CompileOptions{WholeDecisions: *whole})
		if err != nil {
			fatal(err)
		}
		for _, req := range reqs {
			line := "error: "
			if resp, err := p.Decide(context.Background(), req, workload.VariedNow); err != nil {
				line += err.Error()
			} else {
				resp.DecisionId = ""
				line = compact(resp)
			}
			fmt.Fprintf(w, "%s %s => %s\n", c.Name, compact(req), line)
		}
	}
	if err := w.Flush(); err != nil {
		fatal(err)
	}
}

func readBundle(dir string) (*bundle.Bundle, error) {
	if dir == "" {
		return policies.Bundle()
	}
	return bundles.ReadDir(dir)
}

// compact is m as one line of JSON; protojson's own spacing varies between
// builds, so it is compacted.
func compact(m proto.Message) string {
	raw, err := protojson.Marshal(m)
	if err != nil {
		fatal(err)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		fatal(err)
	}
	return buf.String()
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "decisions:", err)
	os.Exit(1)
}
