package load

import (
	"context"
	"strconv"
	"time"

	"github.com/sendgate/sendgate/internal/workload"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// uniqueSuffixRunes is the room kept at the end of a text for the suffix
// that makes it unique.
const uniqueSuffixRunes = 24

// worker issues calls one at a time and tallies their outcomes.
type worker struct {
	id     int
	client sendgatev1.DecisionServiceClient

	reqs  []*sendgatev1.CheckRequest // the mix in turn, or the batch's items
	batch *sendgatev1.CheckBatchRequest
	base  []string // with UniqueText: the texts of reqs, which are its own copies
	next  int
	seq   uint64

	hist       Histogram
	calls      int64 // measured calls, failed ones included
	decisions  int64
	outcomes   [3]int64 // by sendgatev1.Decision
	errs       map[codes.Code]int64
	itemErrs   map[codes.Code]int64
	unsent     int64
	maxSendLag time.Duration
}

func newWorker(id int, client sendgatev1.DecisionServiceClient, cfg *Config) *worker {
	w := &worker{
		id: id, client: client,
		errs: map[codes.Code]int64{}, itemErrs: map[codes.Code]int64{},
	}
	// Workers share the mix's messages, which gRPC only reads, unless
	// they rewrite the texts.
	n := len(cfg.Mix)
	count := n
	if cfg.RPC == RPCBatch {
		count = cfg.BatchSize
	}
	for i := range count {
		r := cfg.Mix[(id+i)%n].Request
		if cfg.UniqueText {
			r = proto.Clone(r).(*sendgatev1.CheckRequest)
			w.base = append(w.base, workload.TruncateRunes(r.GetMessage().GetText(), workload.MaxTextRunes-uniqueSuffixRunes))
		}
		w.reqs = append(w.reqs, r)
	}
	if cfg.RPC == RPCBatch {
		w.batch = &sendgatev1.CheckBatchRequest{Requests: w.reqs}
	}
	return w
}

// uniquify gives req a text no earlier call carried.
func (w *worker) uniquify(i int, req *sendgatev1.CheckRequest) {
	if req.Message == nil {
		return
	}
	w.seq++
	req.Message.Text = w.base[i] + " ~" + strconv.Itoa(w.id) + "." + strconv.FormatUint(w.seq, 10)
}

// call issues one Check or CheckBatch. When record is set it adds the
// outcome to the tallies, with the latency measured from since.
func (w *worker) call(ctx context.Context, record bool, since time.Time) {
	var (
		err       error
		decisions int64
	)
	if w.batch != nil {
		if w.base != nil {
			for i, r := range w.batch.Requests {
				w.uniquify(i, r)
			}
		}
		var resp *sendgatev1.CheckBatchResponse
		resp, err = w.client.CheckBatch(ctx, w.batch)
		if err == nil && record {
			for _, res := range resp.GetResults() {
				if st := res.GetError(); st != nil {
					w.itemErrs[codes.Code(st.GetCode())]++
					continue
				}
				decisions++
				w.countOutcome(res.GetResponse().GetDecision())
			}
		}
	} else {
		i := w.next
		w.next = (w.next + 1) % len(w.reqs)
		req := w.reqs[i]
		if w.base != nil {
			w.uniquify(i, req)
		}
		var resp *sendgatev1.CheckResponse
		resp, err = w.client.Check(ctx, req)
		if err == nil && record {
			decisions = 1
			w.countOutcome(resp.GetDecision())
		}
	}
	if !record {
		return
	}
	w.calls++
	if err != nil {
		w.errs[status.Code(err)]++
		return
	}
	w.hist.Record(int64(time.Since(since)))
	w.decisions += decisions
}

func (w *worker) countOutcome(d sendgatev1.Decision) {
	if int(d) >= 0 && int(d) < len(w.outcomes) {
		w.outcomes[d]++
	}
}

// runClosed issues calls back to back until end, recording those started at
// or after measureFrom, each timed from its own start.
func (w *worker) runClosed(ctx context.Context, measureFrom, end time.Time) {
	for {
		t0 := time.Now()
		if !t0.Before(end) || ctx.Err() != nil {
			return
		}
		w.call(ctx, !t0.Before(measureFrom), t0)
	}
}

// runOpen takes intended send times from jobs and issues one call for each,
// timed from the intended time, so time spent waiting for a free worker or a
// late dispatcher counts as latency. Jobs left at stop, or when ctx ends,
// are unsent.
func (w *worker) runOpen(ctx context.Context, jobs <-chan time.Time, measureFrom, stop time.Time) {
	for t := range jobs {
		record := !t.Before(measureFrom)
		if ctx.Err() != nil || !time.Now().Before(stop) {
			if record {
				w.unsent++
			}
			continue
		}
		if record {
			w.maxSendLag = max(w.maxSendLag, time.Since(t))
		}
		w.call(ctx, record, t)
	}
}
