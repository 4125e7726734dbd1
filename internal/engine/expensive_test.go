package engine

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// expensiveBundle passes its own tests, but a message text over 100
// characters (none of the tests has one) reaches a nested comprehension
// that, uncut, runs for minutes and takes gigabytes.
func expensiveBundle(t testing.TB) map[string]string {
	return map[string]string{
		".manifest": `{"revision": "expensive-1", "roots": ["sendgate"]}`,
		"sendgate/main.rego": `package sendgate.main

decision := {"reasons": reasons, "advice": []}

reasons contains {"code": "test.blocked_text", "message": "this text is blocked"} if input.message.text == "blocked"

reasons contains {"code": "test.products", "message": "too many products"} if {
	count(input.message.text) > 100
	products := {x | some i in numbers.range(1, 5000); some j in numbers.range(1, 5000); x := i * j}
	count(products) > 10
}
`,
		"sendgate/main_test.rego": `package sendgate.main_test

import data.sendgate.main

test_blocked if count(main.decision.reasons) == 1 with input as {"message": {"text": "blocked"}}

test_other if count(main.decision.reasons) == 0 with input as {"message": {"text": "hello"}}
`,
	}
}

func textRequest(text string) *sendgatev1.CheckRequest {
	return &sendgatev1.CheckRequest{Message: &sendgatev1.Message{Text: text}}
}

// TestExpensiveDecisionIsCutOff activates the expensive bundle anyway: its
// expensive decisions end with ErrDecisionTimeout at the decision timeout,
// while the other callers' decisions, running alongside on the same
// workers, all succeed.
func TestExpensiveDecisionIsCutOff(t *testing.T) {
	b := regoBundle(t, expensiveBundle(t))
	if _, err := RunTests(context.Background(), b, TestOptions{DecisionTimeout: 50 * time.Millisecond}); err != nil {
		t.Fatalf("the bundle's own tests: %v", err)
	}
	ps, err := Compile(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	e := New(Options{Workers: 2, DecisionTimeout: 50 * time.Millisecond})
	e.Activate(ps)

	// Bounds the test only: without the decision timeout an expensive
	// decision would end with this context's error instead.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const expensive, normal = 6, 300
	var wg sync.WaitGroup
	var cut, normalFailed atomic.Int32
	var longest atomic.Int64
	for range 2 {
		wg.Go(func() {
			for range expensive / 2 {
				start := time.Now()
				_, err := e.Decide(ctx, textRequest(strings.Repeat("x", 200)))
				if took := time.Since(start); int64(took) > longest.Load() {
					longest.Store(int64(took))
				}
				if !errors.Is(err, ErrDecisionTimeout) {
					t.Errorf("expensive decision: err = %v, want ErrDecisionTimeout", err)
					continue
				}
				cut.Add(1)
			}
		})
	}
	for range 4 {
		wg.Go(func() {
			for range normal / 4 {
				resp, err := e.Decide(ctx, textRequest("blocked"))
				if err != nil || len(resp.GetReasons()) != 1 {
					normalFailed.Add(1)
					t.Errorf("normal decision: %v, %v", resp, err)
				}
			}
		})
	}
	wg.Wait()
	t.Logf("%d expensive decisions cut off (the longest took %v); %d of %d normal decisions failed",
		cut.Load(), time.Duration(longest.Load()).Round(time.Millisecond), normalFailed.Load(), normal)
}

// TestExpensiveTestsAreRefused: tests bounded by the decision timeout
// refuse a bundle whose own test takes too long, naming the limit.
func TestExpensiveTestsAreRefused(t *testing.T) {
	files := expensiveBundle(t)
	files["sendgate/slow_test.rego"] = "package sendgate.slow_test\n\nimport data.sendgate.main\n\n" +
		"test_long_text if count(main.decision.reasons) == 1 with input as {\"message\": {\"text\": \"" + strings.Repeat("y", 120) + "\"}}\n"
	b := regoBundle(t, files)
	rep, err := RunTests(context.Background(), b, TestOptions{DecisionTimeout: 10 * time.Millisecond, Parallel: 1})
	if !errors.Is(err, ErrTestsFailed) || !strings.Contains(err.Error(), "1 ran past the per-test limit of 250ms") {
		t.Fatalf("err = %v, want the slow test refused at 250ms", err)
	}
	if rep.Passed != 2 || rep.Errored != 1 {
		t.Fatalf("passed %d, errored %d", rep.Passed, rep.Errored)
	}
	if got := TestTimeout(50 * time.Millisecond); got != time.Second {
		t.Fatalf("TestTimeout(50ms) = %v, want 1s", got)
	}
}
