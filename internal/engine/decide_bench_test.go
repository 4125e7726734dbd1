package engine_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sendgate/sendgate/internal/testkit"
	"github.com/sendgate/sendgate/policies"

	"github.com/sendgate/sendgate/internal/workload"

	"google.golang.org/protobuf/proto"

	"github.com/sendgate/sendgate/internal/engine"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// Benchmarks of the whole decision, proto in and response out, over the
// bench mix (see workload.DefaultMix). Sub-benchmarks are named key=value so
// benchstat can pivot them:
//
//	go test ./engine -run '^$' -bench 'Decide|Input' -benchmem -count 10 > new.txt
//	benchstat -col /text new.txt
//	benchstat old.txt new.txt
//
// text=repeated decides the same text again and again, as a campaign sends
// one text to many recipients, so the text findings cache answers;
// text=unique gives every decision a text never seen before (the mix text
// with a number appended), so the text analysis runs every time.

// benchEngine returns an engine with the embedded default bundle active.
func benchEngine(b *testing.B) *engine.Engine {
	b.Helper()
	e := engine.New(engine.Options{})
	e.Activate(testkit.DefaultPolicy(b))
	return e
}

// textModes are the values of the text= key.
var textModes = []string{"repeated", "unique"}

// source yields one mix message to decide, again and again: unchanged, or
// with a new text each time.
type source struct {
	req    *sendgatev1.CheckRequest
	base   string // the text, cut to leave room for the suffix
	suffix string // " ref " plus a prefix unique to the source's goroutine
	n      int    // texts made so far; 0 when texts repeat
	unique bool
}

func newSource(req *sendgatev1.CheckRequest, mode, tag string) *source {
	req = proto.Clone(req).(*sendgatev1.CheckRequest)
	return &source{
		req:    req,
		base:   workload.TruncateRunes(req.GetMessage().GetText(), workload.MaxTextRunes-24),
		suffix: " ref " + tag,
		unique: mode == "unique",
	}
}

func (s *source) next() *sendgatev1.CheckRequest {
	if s.unique {
		s.n++
		s.req.Message.Text = s.base + s.suffix + strconv.Itoa(s.n)
	}
	return s.req
}

func decide(b *testing.B, e *engine.Engine, req *sendgatev1.CheckRequest) {
	resp, err := e.Decide(context.Background(), req)
	if err != nil {
		b.Fatal(err)
	}
	if resp.GetDecision() == sendgatev1.Decision_DECISION_UNSPECIFIED {
		b.Fatal("no decision")
	}
}

func BenchmarkDecide(b *testing.B) {
	e := benchEngine(b)
	for _, m := range workload.DefaultMix() {
		for _, mode := range textModes {
			b.Run("msg="+m.Name+"/text="+mode, func(b *testing.B) {
				src := newSource(m.Request, mode, "s")
				b.ReportAllocs()
				for b.Loop() {
					decide(b, e, src.next())
				}
			})
		}
	}
}

// BenchmarkDecideParallel decides the mix in turn from GOMAXPROCS
// goroutines at once.
func BenchmarkDecideParallel(b *testing.B) {
	e := benchEngine(b)
	mix := workload.DefaultMix()
	for _, mode := range textModes {
		b.Run("msg=mix/text="+mode, func(b *testing.B) {
			var goroutines atomic.Int64
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				tag := "p" + strconv.FormatInt(goroutines.Add(1), 10) + "-"
				srcs := make([]*source, len(mix))
				for i, m := range mix {
					srcs[i] = newSource(m.Request, mode, tag)
				}
				for i := 0; pb.Next(); i++ {
					decide(b, e, srcs[i%len(srcs)].next())
				}
			})
		})
	}
}

// BenchmarkInput measures the proto → ast.Value conversion of the policy
// input alone, as Decide makes it for the default bundle.
func BenchmarkInput(b *testing.B) {
	p := benchEngine(b).Active()
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	for _, m := range workload.DefaultMix() {
		b.Run("msg="+m.Name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if p.Input(m.Request, now) == nil {
					b.Fatal("no input")
				}
			}
		})
	}
}

// BenchmarkDecideTraffic decides the traffics of workload.Traffics in turn
// (10,000 requests each, cycled): a campaign of one business's two
// templates to varied recipients, transactional and conversation messages
// whose texts are all different, and the mix. cache=on is how serving
// decides (message-level families once per distinct message), cache=off
// evaluates the whole decision for every request.
func BenchmarkDecideTraffic(b *testing.B) {
	bundle, err := policies.Bundle()
	if err != nil {
		b.Fatal(err)
	}
	for _, cache := range []string{"on", "off"} {
		p, err := engine.CompileWith(context.Background(), bundle, engine.CompileOptions{WholeDecisions: cache == "off"})
		if err != nil {
			b.Fatal(err)
		}
		e := engine.New(engine.Options{Now: func() time.Time { return workload.TrafficNow }})
		e.Activate(p)
		for _, name := range workload.TrafficNames {
			reqs := workload.Traffics[name](1, 10000)
			b.Run("traffic="+name+"/cache="+cache, func(b *testing.B) {
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					decide(b, e, reqs[i%len(reqs)])
					i++
				}
			})
		}
	}
}
