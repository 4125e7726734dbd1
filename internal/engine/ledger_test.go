package engine_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/sendgate/sendgate/bundles"
	"github.com/sendgate/sendgate/internal/engine"
	"github.com/sendgate/sendgate/internal/ledger"
	"github.com/sendgate/sendgate/internal/testkit"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// echoLedger is a policy whose one reason quotes input.ledger, or says it
// is absent.
const echoLedger = `package sendgate.main

decision := {"reasons": [{"code": "echo", "message": sprintf("%v", [input.ledger])}], "advice": []} if input.ledger

decision := {"reasons": [{"code": "echo", "message": "absent"}], "advice": []} if not input.ledger
`

func echoPolicy(t *testing.T) *engine.PolicySet {
	t.Helper()
	b, err := bundles.ReadFS(fstest.MapFS{
		".manifest":             {Data: []byte(`{"revision": "echo", "roots": ["sendgate"]}`)},
		"sendgate/main.rego":    {Data: []byte(echoLedger)},
		"sendgate/lexicon.json": {Data: []byte(`{}`)},
	}, ".")
	if err != nil {
		t.Fatal(err)
	}
	p, err := engine.Compile(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// reader answers from a map by business and phone, counting its reads.
type reader struct {
	states map[ledger.Lookup]ledger.State
	reads  atomic.Int32
	keys   atomic.Int32
	fail   error
}

func (r *reader) Lookup(_ context.Context, keys []ledger.Lookup) ([]ledger.State, error) {
	r.reads.Add(1)
	r.keys.Add(int32(len(keys)))
	if r.fail != nil {
		return nil, r.fail
	}
	out := make([]ledger.State, len(keys))
	for i, k := range keys {
		out[i] = r.states[k]
	}
	return out, nil
}

func TestLedgerInput(t *testing.T) {
	at := time.Date(2026, 1, 5, 9, 0, 0, 123000, time.UTC)
	r := &reader{states: map[ledger.Lookup]ledger.State{
		{BusinessID: "biz-acme", Phone: "+31612345678"}: {
			OptIn:      &ledger.OptIn{At: at, Channel: "web", Wording: "Yes", Scopes: []string{"CATEGORY_MARKETING"}, Keyword: "START"},
			OptedOutAt: at.Add(time.Hour), ErasedAt: at.Add(2 * time.Hour),
		},
	}}
	e := engine.New(engine.Options{Ledger: engine.LedgerOptions{Reader: r}})
	e.Activate(echoPolicy(t))
	ctx := testkit.Context(t)

	resp, err := e.Decide(ctx, testkit.Utility())
	if err != nil {
		t.Fatal(err)
	}
	ns := func(d time.Duration) int64 { return at.Add(d).UnixNano() }
	want := fmt.Sprintf(`{"channel": "web", "erased_at": %d, "keyword": "START", "opted_in_at": %d, "opted_out_at": %d, "scopes": ["CATEGORY_MARKETING"], "wording": "Yes"}`,
		ns(2*time.Hour), ns(0), ns(time.Hour))
	if got := resp.GetReasons()[0].GetMessage(); got != want {
		t.Errorf("input.ledger =\n%s\nwant\n%s", got, want)
	}

	// A recipient the ledger does not know is an empty object, not absent.
	other := testkit.Utility()
	other.Recipient.Phone = "+31600000000"
	if resp, err := e.Decide(ctx, other); err != nil || resp.GetReasons()[0].GetMessage() != "{}" {
		t.Errorf("unknown recipient: %v, %v", resp, err)
	}

	// One read for a whole batch.
	r.reads.Store(0)
	r.keys.Store(0)
	batch := []*sendgatev1.CheckRequest{testkit.Utility(), other, testkit.Utility()}
	results, err := e.DecideBatch(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	if r.reads.Load() != 1 || r.keys.Load() != 3 {
		t.Errorf("a batch of 3 made %d reads of %d keys, want 1 of 3", r.reads.Load(), r.keys.Load())
	}
	if results[1].Response.GetReasons()[0].GetMessage() != "{}" || results[2].Response.GetReasons()[0].GetMessage() != want {
		t.Errorf("batch results: %v", results)
	}

	// Without a ledger, input.ledger is absent.
	plain := engine.New(engine.Options{})
	plain.Activate(echoPolicy(t))
	if resp, err := plain.Decide(ctx, testkit.Utility()); err != nil || resp.GetReasons()[0].GetMessage() != "absent" {
		t.Errorf("without a ledger: %v, %v", resp, err)
	}
}

func TestLedgerUnreadable(t *testing.T) {
	down := errors.New("connection refused")
	ctx := testkit.Context(t)

	t.Run("fails_the_call", func(t *testing.T) {
		var told atomic.Int32
		e := engine.New(engine.Options{Ledger: engine.LedgerOptions{Reader: &reader{fail: down}, OnError: func(error) { told.Add(1) }}})
		e.Activate(echoPolicy(t))
		if _, err := e.Decide(ctx, testkit.Utility()); !errors.Is(err, engine.ErrLedgerUnavailable) || !errors.Is(err, down) {
			t.Errorf("Decide: %v, want ErrLedgerUnavailable wrapping the cause", err)
		}
		if _, err := e.DecideBatch(ctx, []*sendgatev1.CheckRequest{testkit.Utility()}); !errors.Is(err, engine.ErrLedgerUnavailable) {
			t.Errorf("DecideBatch: %v, want ErrLedgerUnavailable", err)
		}
		if told.Load() != 2 {
			t.Errorf("OnError told %d times, want 2", told.Load())
		}
	})
	t.Run("decides_without_when_asked", func(t *testing.T) {
		var told atomic.Int32
		e := engine.New(engine.Options{Ledger: engine.LedgerOptions{Reader: &reader{fail: down}, DecideWithout: true, OnError: func(error) { told.Add(1) }}})
		e.Activate(echoPolicy(t))
		resp, err := e.Decide(ctx, testkit.Utility())
		if err != nil || resp.GetReasons()[0].GetMessage() != "absent" {
			t.Errorf("Decide: %v, %v; want a decision without input.ledger", resp, err)
		}
		if told.Load() != 1 {
			t.Errorf("OnError told %d times, want 1", told.Load())
		}
	})
	t.Run("a_slow_ledger_times_out", func(t *testing.T) {
		e := engine.New(engine.Options{Ledger: engine.LedgerOptions{Reader: slowReader{}, Timeout: 20 * time.Millisecond}})
		e.Activate(echoPolicy(t))
		if _, err := e.Decide(ctx, testkit.Utility()); !errors.Is(err, engine.ErrLedgerUnavailable) || !strings.Contains(err.Error(), "deadline") {
			t.Errorf("Decide: %v, want ErrLedgerUnavailable after the timeout", err)
		}
	})
}

type slowReader struct{}

func (slowReader) Lookup(ctx context.Context, _ []ledger.Lookup) ([]ledger.State, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}
