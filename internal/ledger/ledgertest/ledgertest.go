// Package ledgertest is the conformance suite every ledger.Store passes:
// the memory, embedded and PostgreSQL stores each run it from their tests.
package ledgertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sendgate/sendgate/internal/ledger"
)

// Harness opens the store under test.
type Harness struct {
	// Open returns a new, empty store; the suite closes it.
	Open func(t *testing.T) ledger.Store
	// Reopen closes s and opens the same store again. Nil for a store
	// that keeps nothing across a restart.
	Reopen func(t *testing.T, s ledger.Store) ledger.Store
	// Dump returns every byte the store keeps (its files, or a dump of its
	// database), for the erasure test to search. Nil for a store that
	// keeps nothing outside the process.
	Dump func(t *testing.T, s ledger.Store) []byte
}

// T0 is the time the suite's events happen around.
var T0 = time.Date(2026, 3, 1, 12, 0, 0, 123456000, time.UTC)

// Recipient returns a recipient hash for a test name.
func Recipient(name string) ledger.Recipient {
	h, err := ledger.NewHasher(bytes.Repeat([]byte("k"), ledger.MinKeyBytes))
	if err != nil {
		panic(err)
	}
	return h.Recipient(name)
}

var (
	alice = Recipient("+31600000001")
	bob   = Recipient("+31600000002")
)

// OptIn is an opt-in event of r at business, at T0 plus d.
func OptIn(id, business string, r ledger.Recipient, d time.Duration) ledger.Event {
	return ledger.Event{
		ID: id, BusinessID: business, Recipient: r, Kind: ledger.KindOptIn,
		At: T0.Add(d), RecordedAt: T0.Add(d),
		Channel: "web", Wording: "Yes, send me WhatsApp messages from " + business + " (" + id + ")",
		Scopes:   []string{"CATEGORY_UTILITY", "CATEGORY_MARKETING"},
		Evidence: map[string]string{"ip": "192.0.2.10", "form": "signup-" + id},
	}
}

// OptOut is an opt-out event.
func OptOut(id, business string, r ledger.Recipient, d time.Duration, scope ledger.Scope) ledger.Event {
	return ledger.Event{ID: id, BusinessID: business, Recipient: r, Kind: ledger.KindOptOut,
		At: T0.Add(d), RecordedAt: T0.Add(d), Scope: scope, Source: "web"}
}

// Inbound is an inbound message event.
func Inbound(id, business string, r ledger.Recipient, d time.Duration) ledger.Event {
	return ledger.Event{ID: id, BusinessID: business, Recipient: r, Kind: ledger.KindInbound,
		At: T0.Add(d), RecordedAt: T0.Add(d)}
}

// Run runs the suite against the store h opens.
func Run(t *testing.T, h Harness) {
	tests := []struct {
		name string
		run  func(t *testing.T, h Harness)
	}{
		{"record_then_state", testRecordThenState},
		{"duplicate_ids_are_idempotent", testDuplicates},
		{"order_does_not_matter", testOrder},
		{"states_in_one_read", testStates},
		{"erase_one_business", testEraseOne},
		{"erase_every_business", testEraseAll},
		{"erasure_entries_record_without_deleting", testRecordErasure},
		{"purge_keeps_opt_outs", testPurge},
		{"export", testExport},
		{"bind_key", testBindKey},
		{"concurrent_records", testConcurrent},
		{"cancelled_context", testCancelled},
	}
	if h.Reopen != nil {
		tests = append(tests, struct {
			name string
			run  func(t *testing.T, h Harness)
		}{"survives_reopen", testReopen})
	}
	if h.Dump != nil {
		tests = append(tests, struct {
			name string
			run  func(t *testing.T, h Harness)
		}{"erase_leaves_no_trace", testNoTrace})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, h) })
	}
}

func open(t *testing.T, h Harness) ledger.Store {
	t.Helper()
	s := h.Open(t)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}

func record(t *testing.T, s ledger.Store, evs ...ledger.Event) []ledger.Recorded {
	t.Helper()
	rec, err := s.Record(ctx(t), evs)
	if err != nil {
		t.Fatalf("Record: %v", err)
	}
	if len(rec) != len(evs) {
		t.Fatalf("Record returned %d outcomes for %d events", len(rec), len(evs))
	}
	return rec
}

func state(t *testing.T, s ledger.Store, business string, r ledger.Recipient) ledger.State {
	t.Helper()
	st, err := s.States(ctx(t), []ledger.Subject{{BusinessID: business, Recipient: r}})
	if err != nil {
		t.Fatalf("States: %v", err)
	}
	if len(st) != 1 {
		t.Fatalf("States returned %d states for 1 subject", len(st))
	}
	return st[0]
}

func history(t *testing.T, s ledger.Store, business string, r ledger.Recipient) []ledger.Event {
	t.Helper()
	evs, err := s.History(ctx(t), ledger.Subject{BusinessID: business, Recipient: r})
	if err != nil {
		t.Fatalf("History: %v", err)
	}
	return evs
}

// sameEvent compares events as stored: times to the microsecond, nil and
// empty collections alike.
func sameEvent(a, b ledger.Event) bool {
	return a.ID == b.ID && a.BusinessID == b.BusinessID && a.Recipient == b.Recipient && a.Kind == b.Kind &&
		a.At.Equal(ledger.Micro(b.At)) && a.RecordedAt.Equal(ledger.Micro(b.RecordedAt)) &&
		a.Channel == b.Channel && a.Wording == b.Wording && slices.Equal(a.Scopes, b.Scopes) &&
		maps.Equal(a.Evidence, b.Evidence) && scopeOf(a) == scopeOf(b) && a.Source == b.Source && a.Keyword == b.Keyword
}

func scopeOf(e ledger.Event) ledger.Scope {
	if e.Kind != ledger.KindOptOut {
		return 0
	}
	if e.Scope == ledger.ScopeMarketing {
		return ledger.ScopeMarketing
	}
	return ledger.ScopeAll
}

func assertEvents(t *testing.T, got, want []ledger.Event) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d events, want %d:\n got %s\nwant %s", len(got), len(want), describe(got), describe(want))
	}
	for i := range got {
		if !sameEvent(got[i], want[i]) {
			t.Errorf("event %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

func describe(evs []ledger.Event) string {
	var b bytes.Buffer
	for _, e := range evs {
		fmt.Fprintf(&b, "[%s %s %s %s] ", e.Kind, e.BusinessID, e.ID, e.At.Format(time.RFC3339Nano))
	}
	return b.String()
}

func assertState(t *testing.T, got, want ledger.State) {
	t.Helper()
	same := got.OptedOutAt.Equal(want.OptedOutAt) && got.MarketingOptedOutAt.Equal(want.MarketingOptedOutAt) &&
		got.LastInboundAt.Equal(want.LastInboundAt) && got.ErasedAt.Equal(want.ErasedAt) &&
		(got.OptIn == nil) == (want.OptIn == nil)
	if same && got.OptIn != nil {
		g, w := got.OptIn, want.OptIn
		same = g.At.Equal(w.At) && g.EventID == w.EventID && g.Channel == w.Channel && g.Wording == w.Wording &&
			slices.Equal(g.Scopes, w.Scopes) && g.Keyword == w.Keyword
	}
	if !same {
		t.Errorf("state:\n got %s\nwant %s", showState(got), showState(want))
	}
}

func showState(s ledger.State) string {
	out := fmt.Sprintf("opted_out=%v marketing_opted_out=%v last_inbound=%v erased=%v", s.OptedOutAt, s.MarketingOptedOutAt, s.LastInboundAt, s.ErasedAt)
	if s.OptIn != nil {
		out += fmt.Sprintf(" opt_in=%+v", *s.OptIn)
	}
	return out
}

func optInState(e ledger.Event) *ledger.OptIn {
	return &ledger.OptIn{At: ledger.Micro(e.At), EventID: e.ID, Channel: e.Channel, Wording: e.Wording, Scopes: e.Scopes, Keyword: e.Keyword}
}

func testRecordThenState(t *testing.T, h Harness) {
	s := open(t, h)
	in := OptIn("e1", "biz-a", alice, 0)
	in.At = T0.Add(789) // nanoseconds are dropped
	out := OptOut("e2", "biz-a", alice, time.Hour, ledger.ScopeMarketing)
	msg := Inbound("e3", "biz-a", alice, 2*time.Hour)
	msg.Keyword = "STOP"
	rec := record(t, s, in, out, msg)
	for i, r := range rec {
		if r.Duplicate {
			t.Errorf("event %d reported as a duplicate", i)
		}
	}
	if !rec[0].Event.At.Equal(T0) {
		t.Errorf("recorded at %v, want %v (microseconds)", rec[0].Event.At, T0)
	}
	assertState(t, state(t, s, "biz-a", alice), ledger.State{
		OptIn: optInState(in), MarketingOptedOutAt: out.At, LastInboundAt: msg.At,
	})
	assertEvents(t, history(t, s, "biz-a", alice), []ledger.Event{in, out, msg})
	// Another business and another recipient know nothing of it.
	assertState(t, state(t, s, "biz-b", alice), ledger.State{})
	assertState(t, state(t, s, "biz-a", bob), ledger.State{})
	if evs := history(t, s, "biz-b", alice); len(evs) != 0 {
		t.Errorf("history of another business: %s", describe(evs))
	}
}

func testDuplicates(t *testing.T, h Harness) {
	s := open(t, h)
	first := OptIn("same", "biz-a", alice, 0)
	record(t, s, first)
	retry := OptIn("same", "biz-a", alice, time.Hour)
	retry.Wording = "changed"
	rec := record(t, s, retry, OptOut("twice", "biz-a", alice, 2*time.Hour, ledger.ScopeAll), OptOut("twice", "biz-a", alice, 3*time.Hour, ledger.ScopeAll))
	if !rec[0].Duplicate || !sameEvent(rec[0].Event, first) {
		t.Errorf("retry: duplicate=%v event=%+v, want the first event", rec[0].Duplicate, rec[0].Event)
	}
	if rec[1].Duplicate || !rec[2].Duplicate || !rec[2].Event.At.Equal(T0.Add(2*time.Hour)) {
		t.Errorf("an id twice in one batch: %+v / %+v", rec[1], rec[2])
	}
	st := state(t, s, "biz-a", alice)
	assertState(t, st, ledger.State{OptIn: optInState(first), OptedOutAt: T0.Add(2 * time.Hour)})
	if n := len(history(t, s, "biz-a", alice)); n != 2 {
		t.Errorf("%d events kept, want 2", n)
	}
	// Ids are per business: the same id at another business is new.
	if rec := record(t, s, OptIn("same", "biz-b", alice, 0)); rec[0].Duplicate {
		t.Error("an id of another business counted as a duplicate")
	}
}

func testOrder(t *testing.T, h Harness) {
	evs := []ledger.Event{
		OptIn("a", "biz-a", alice, 0),
		OptIn("b", "biz-a", alice, 2*time.Hour),
		OptIn("c", "biz-a", alice, 2*time.Hour), // same instant: the later id wins
		OptOut("d", "biz-a", alice, time.Hour, ledger.ScopeAll),
		OptOut("e", "biz-a", alice, 30*time.Minute, ledger.ScopeAll),
		Inbound("f", "biz-a", alice, 5*time.Hour),
		Inbound("g", "biz-a", alice, 4*time.Hour),
	}
	want := ledger.State{OptIn: optInState(evs[2]), OptedOutAt: evs[3].At, LastInboundAt: evs[5].At}
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 3 {
		s := open(t, h)
		perm := slices.Clone(evs)
		rng.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		for _, e := range perm { // one at a time, so each update meets a stored state
			record(t, s, e)
		}
		t.Run(fmt.Sprint("round=", round), func(t *testing.T) {
			assertState(t, state(t, s, "biz-a", alice), want)
			got := history(t, s, "biz-a", alice)
			wantHist := slices.Clone(evs)
			slices.SortStableFunc(wantHist, ledger.CompareEvents)
			assertEvents(t, got, wantHist)
		})
	}
}

func testStates(t *testing.T, h Harness) {
	s := open(t, h)
	record(t, s, OptIn("1", "biz-a", alice, 0), Inbound("2", "biz-b", bob, time.Hour))
	subjects := []ledger.Subject{{BusinessID: "biz-b", Recipient: bob}, {BusinessID: "biz-x", Recipient: alice}, {BusinessID: "biz-a", Recipient: alice}, {BusinessID: "biz-b", Recipient: bob}}
	st, err := s.States(ctx(t), subjects)
	if err != nil {
		t.Fatal(err)
	}
	if len(st) != len(subjects) {
		t.Fatalf("%d states for %d subjects", len(st), len(subjects))
	}
	if !st[0].LastInboundAt.Equal(T0.Add(time.Hour)) || !st[3].LastInboundAt.Equal(T0.Add(time.Hour)) {
		t.Errorf("bob at biz-b: %s", showState(st[0]))
	}
	if !st[1].Empty() {
		t.Errorf("unknown subject: %s", showState(st[1]))
	}
	if st[2].OptIn == nil || st[2].OptIn.EventID != "1" {
		t.Errorf("alice at biz-a: %s", showState(st[2]))
	}
	if st, err := s.States(ctx(t), nil); err != nil || len(st) != 0 {
		t.Errorf("States(nil) = %v, %v", st, err)
	}
}

func testEraseOne(t *testing.T, h Harness) {
	s := open(t, h)
	record(t, s,
		OptIn("1", "biz-a", alice, 0), OptOut("2", "biz-a", alice, time.Hour, ledger.ScopeAll), Inbound("3", "biz-a", alice, 2*time.Hour),
		OptIn("4", "biz-b", alice, 0), OptIn("5", "biz-a", bob, 0))
	at := T0.Add(3 * time.Hour)
	n, err := s.Erase(ctx(t), "biz-a", alice, at)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("erased %d events, want 3", n)
	}
	assertState(t, state(t, s, "biz-a", alice), ledger.State{ErasedAt: at})
	if evs := history(t, s, "biz-a", alice); len(evs) != 0 {
		t.Errorf("history after erasure: %s", describe(evs))
	}
	// Other businesses and recipients are untouched.
	if st := state(t, s, "biz-b", alice); st.OptIn == nil || !st.ErasedAt.IsZero() {
		t.Errorf("alice at biz-b: %s", showState(st))
	}
	if st := state(t, s, "biz-a", bob); st.OptIn == nil || !st.ErasedAt.IsZero() {
		t.Errorf("bob at biz-a: %s", showState(st))
	}
	// The erased ids are free again, and a new opt-in is kept beside the entry.
	again := OptIn("1", "biz-a", alice, 4*time.Hour)
	if rec := record(t, s, again); rec[0].Duplicate {
		t.Error("an erased id still counts as recorded")
	}
	assertState(t, state(t, s, "biz-a", alice), ledger.State{OptIn: optInState(again), ErasedAt: at})
	// Erasing a recipient the ledger does not know still leaves an entry.
	if n, err := s.Erase(ctx(t), "biz-c", bob, at); err != nil || n != 0 {
		t.Errorf("erase unknown = %d, %v", n, err)
	}
	assertState(t, state(t, s, "biz-c", bob), ledger.State{ErasedAt: at})
}

func testEraseAll(t *testing.T, h Harness) {
	s := open(t, h)
	record(t, s, OptIn("1", "biz-a", alice, 0), OptIn("2", "biz-b", alice, 0), Inbound("3", "biz-b", alice, time.Hour), OptIn("4", "biz-a", bob, 0))
	at := T0.Add(2 * time.Hour)
	n, err := s.Erase(ctx(t), "", alice, at)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("erased %d events, want 3", n)
	}
	for _, b := range []string{"biz-a", "biz-b", "biz-never-seen"} {
		assertState(t, state(t, s, b, alice), ledger.State{ErasedAt: at})
		if evs := history(t, s, b, alice); len(evs) != 0 {
			t.Errorf("history at %s: %s", b, describe(evs))
		}
	}
	if st := state(t, s, "biz-a", bob); st.OptIn == nil || !st.ErasedAt.IsZero() {
		t.Errorf("bob: %s", showState(st))
	}
	// A later erasure of one business moves that business's date only.
	later := at.Add(time.Hour)
	if _, err := s.Erase(ctx(t), "biz-a", alice, later); err != nil {
		t.Fatal(err)
	}
	assertState(t, state(t, s, "biz-a", alice), ledger.State{ErasedAt: later})
	assertState(t, state(t, s, "biz-b", alice), ledger.State{ErasedAt: at})
}

func testRecordErasure(t *testing.T, h Harness) {
	s := open(t, h)
	in := OptIn("1", "biz-a", alice, 2*time.Hour)
	record(t, s, in)
	entry := ledger.Event{BusinessID: "biz-a", Recipient: alice, Kind: ledger.KindErasure, At: T0.Add(time.Hour), RecordedAt: T0}
	rec := record(t, s, entry, entry)
	if rec[0].Duplicate || rec[1].Duplicate {
		t.Error("an erasure entry counted as a duplicate")
	}
	assertState(t, state(t, s, "biz-a", alice), ledger.State{OptIn: optInState(in), ErasedAt: entry.At})
	if n := len(history(t, s, "biz-a", alice)); n != 1 {
		t.Errorf("%d events after recording an erasure entry, want the opt-in", n)
	}
}

func testPurge(t *testing.T, h Harness) {
	s := open(t, h)
	day := 24 * time.Hour
	oldIn, newIn := OptIn("1", "biz-a", alice, 0), OptIn("2", "biz-a", alice, 10*day)
	oldOut := OptOut("3", "biz-a", alice, day, ledger.ScopeAll)
	oldMsg, newMsg := Inbound("4", "biz-a", alice, 2*day), Inbound("5", "biz-a", alice, 11*day)
	onlyOld := OptIn("6", "biz-a", bob, 0)
	bobOut := OptOut("7", "biz-b", bob, 0, ledger.ScopeMarketing)
	record(t, s, oldIn, newIn, oldOut, oldMsg, newMsg, onlyOld, bobOut)
	if _, err := s.Erase(ctx(t), "biz-c", bob, T0); err != nil {
		t.Fatal(err)
	}
	n, err := s.Purge(ctx(t), T0.Add(5*day))
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("purged %d events, want 3 (two opt-ins and an inbound message)", n)
	}
	assertEvents(t, history(t, s, "biz-a", alice), []ledger.Event{oldOut, newIn, newMsg})
	assertState(t, state(t, s, "biz-a", alice), ledger.State{OptIn: optInState(newIn), OptedOutAt: oldOut.At, LastInboundAt: newMsg.At})
	assertState(t, state(t, s, "biz-a", bob), ledger.State{})
	assertState(t, state(t, s, "biz-b", bob), ledger.State{MarketingOptedOutAt: bobOut.At})
	assertState(t, state(t, s, "biz-c", bob), ledger.State{ErasedAt: T0})
	// The purged ids are free again.
	if rec := record(t, s, onlyOld); rec[0].Duplicate {
		t.Error("a purged id still counts as recorded")
	}
	// Purging everything still keeps opt-outs.
	if _, err := s.Purge(ctx(t), T0.Add(1000*day)); err != nil {
		t.Fatal(err)
	}
	assertEvents(t, history(t, s, "biz-a", alice), []ledger.Event{oldOut})
}

func testExport(t *testing.T, h Harness) {
	s := open(t, h)
	evs := []ledger.Event{
		OptIn("1", "biz-a", alice, 0), OptOut("2", "biz-a", alice, time.Hour, ledger.ScopeAll),
		OptIn("3", "biz-b", alice, 0), Inbound("4", "biz-a", bob, 0),
	}
	record(t, s, evs...)
	if _, err := s.Erase(ctx(t), "biz-b", alice, T0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Erase(ctx(t), "", bob, T0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	exported := func(business string) []ledger.Event {
		var got []ledger.Event
		if err := s.Export(ctx(t), business, func(e ledger.Event) error { got = append(got, e); return nil }); err != nil {
			t.Fatal(err)
		}
		return got
	}
	erased := func(business string, r ledger.Recipient, d time.Duration) ledger.Event {
		return ledger.Event{BusinessID: business, Recipient: r, Kind: ledger.KindErasure, At: T0.Add(d)}
	}
	for _, tt := range []struct {
		business string
		want     []ledger.Event
	}{
		{"", []ledger.Event{evs[0], evs[1], erased("biz-b", alice, time.Hour), erased("", bob, 2*time.Hour)}},
		{"biz-a", []ledger.Event{evs[0], evs[1], erased("", bob, 2*time.Hour)}},
		{"biz-b", []ledger.Event{erased("biz-b", alice, time.Hour), erased("", bob, 2*time.Hour)}},
	} {
		t.Run("business="+tt.business, func(t *testing.T) {
			got := exported(tt.business)
			// Grouped by recipient: once a recipient's events end, none follows.
			seen := map[ledger.Recipient]bool{}
			for i, e := range got {
				if seen[e.Recipient] && got[i-1].Recipient != e.Recipient {
					t.Errorf("export not grouped by recipient: %s", describe(got))
				}
				seen[e.Recipient] = true
			}
			slices.SortStableFunc(got, ledger.CompareExport)
			want := slices.Clone(tt.want)
			slices.SortStableFunc(want, ledger.CompareExport)
			for i := range got { // erasure entries carry no recorded time to compare
				if got[i].Kind == ledger.KindErasure {
					got[i].RecordedAt = time.Time{}
				}
			}
			assertEvents(t, got, want)
		})
	}
	stop := errors.New("stop")
	if err := s.Export(ctx(t), "", func(ledger.Event) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("Export returned %v, want the callback's error", err)
	}
}

func testBindKey(t *testing.T, h Harness) {
	s := open(t, h)
	if err := s.BindKey(ctx(t), "fingerprint-1"); err != nil {
		t.Fatalf("first bind: %v", err)
	}
	if err := s.BindKey(ctx(t), "fingerprint-1"); err != nil {
		t.Fatalf("same key again: %v", err)
	}
	if err := s.BindKey(ctx(t), "fingerprint-2"); !errors.Is(err, ledger.ErrKeyMismatch) {
		t.Fatalf("another key: %v, want ErrKeyMismatch", err)
	}
}

func testConcurrent(t *testing.T, h Harness) {
	s := open(t, h)
	const writers, each = 8, 25
	var wg sync.WaitGroup
	dups := make([]int, writers)
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				// Every writer records ids 0..each-1 for one shared recipient:
				// each id must be stored exactly once.
				id := fmt.Sprint("opt-out-", i)
				rec, err := s.Record(context.Background(), []ledger.Event{OptOut(id, "biz-a", alice, time.Duration(i)*time.Second, ledger.ScopeAll)})
				if err != nil {
					errs <- err
					return
				}
				if rec[0].Duplicate {
					dups[w]++
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	total := 0
	for _, d := range dups {
		total += d
	}
	if total != (writers-1)*each {
		t.Errorf("%d duplicates reported, want %d", total, (writers-1)*each)
	}
	if n := len(history(t, s, "biz-a", alice)); n != each {
		t.Errorf("%d events kept, want %d", n, each)
	}
	assertState(t, state(t, s, "biz-a", alice), ledger.State{OptedOutAt: T0.Add((each - 1) * time.Second)})
}

func testCancelled(t *testing.T, h Harness) {
	s := open(t, h)
	c, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Record(c, []ledger.Event{OptIn("1", "biz-a", alice, 0)}); err == nil {
		t.Error("Record with a cancelled context succeeded")
	}
	if _, err := s.States(c, []ledger.Subject{{BusinessID: "biz-a", Recipient: alice}}); err == nil {
		t.Error("States with a cancelled context succeeded")
	}
}

func testReopen(t *testing.T, h Harness) {
	s := h.Open(t)
	if err := s.BindKey(ctx(t), "fp"); err != nil {
		t.Fatal(err)
	}
	in := OptIn("1", "biz-a", alice, 0)
	record(t, s, in, OptOut("2", "biz-a", alice, time.Hour, ledger.ScopeAll))
	if _, err := s.Erase(ctx(t), "", bob, T0); err != nil {
		t.Fatal(err)
	}
	s = h.Reopen(t, s)
	t.Cleanup(func() { _ = s.Close() })
	assertState(t, state(t, s, "biz-a", alice), ledger.State{OptIn: optInState(in), OptedOutAt: T0.Add(time.Hour)})
	assertState(t, state(t, s, "biz-z", bob), ledger.State{ErasedAt: T0})
	if rec := record(t, s, in); !rec[0].Duplicate {
		t.Error("an id recorded before the restart was recorded again")
	}
	if err := s.BindKey(ctx(t), "other"); !errors.Is(err, ledger.ErrKeyMismatch) {
		t.Errorf("the key binding did not survive the restart: %v", err)
	}
}

// testNoTrace records a recipient with recognisable wording and evidence,
// erases them and searches every byte the store keeps.
func testNoTrace(t *testing.T, h Harness) {
	s := open(t, h)
	secret := OptIn("trace-event-7f3a", "biz-trace", alice, 0)
	secret.Wording = "I agree to WhatsApp messages from Trace Shoes, signed Zoë Tracewell"
	secret.Evidence = map[string]string{"ip": "203.0.113.77", "user_agent": "TraceBrowser/9.1", "form": "trace-form-55"}
	secret.Channel = "trace-channel"
	var filler []ledger.Event
	for i := range 200 { // others' records around it, which must stay
		filler = append(filler, OptIn(fmt.Sprint("other-", i), "biz-trace", Recipient(fmt.Sprint("+3161234", i)), time.Duration(i)*time.Minute))
	}
	record(t, s, filler[:100]...)
	record(t, s, secret)
	record(t, s, filler[100:]...)
	needles := []string{secret.Wording, "Tracewell", "203.0.113.77", "TraceBrowser", "trace-form-55", "trace-channel", "trace-event-7f3a"}
	if before := h.Dump(t, s); !bytes.Contains(before, []byte("Tracewell")) {
		t.Fatal("the dump does not hold the wording before the erasure: the search below would prove nothing")
	}
	if _, err := s.Erase(ctx(t), "biz-trace", alice, T0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	dump := h.Dump(t, s)
	for _, n := range needles {
		if i := bytes.Index(dump, []byte(n)); i >= 0 {
			t.Errorf("%q is still in the store after the erasure (byte %d)", n, i)
		}
	}
	if !bytes.Contains(dump, []byte(filler[150].Wording)) {
		t.Error("another recipient's wording went with the erasure")
	}
}
