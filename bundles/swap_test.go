package bundles_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sendgate/sendgate/internal/bundlesrc"

	"github.com/sendgate/sendgate/internal/testkit"

	"github.com/open-policy-agent/opa/v1/bundle"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/sendgate/sendgate/bundles"
	"github.com/sendgate/sendgate/internal/engine"
	"github.com/sendgate/sendgate/policies"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
	"github.com/sendgate/sendgate/server"
)

// call is one Check made during the swap test.
type call struct {
	start, end time.Time
	revision   string
	err        error
}

// swap is one activation as the engine saw it: the pointer changed
// somewhere between before and after.
type swap struct {
	revision      string
	before, after time.Time
}

// defaultBundle is the embedded default bundle with its revision replaced
// and, when extra is set, an added file.
func defaultBundle(t *testing.T, revision string, extra *bundles.File) []byte {
	t.Helper()
	a, err := bundles.ReadArchiveFS(policies.FS(), ".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range a.Files {
		if f.Path == ".manifest" {
			a.Files[i].Data = fmt.Appendf(nil, `{"revision": %q, "roots": ["sendgate"]}`, revision)
		}
	}
	if extra != nil {
		a.Files = append(a.Files, *extra)
	}
	var buf bytes.Buffer
	if _, err := a.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestSwapUnderLoad activates good, bad and good bundles of the default
// policy while Check calls run against a real gRPC server on 127.0.0.1:
// no call fails, each carries a revision that served while it ran, and
// calls after a swap see the new revision.
func TestSwapUnderLoad(t *testing.T) {
	const workers = 8
	path := filepath.Join(t.TempDir(), "bundle.tar.gz")
	writeAtomic(t, path, defaultBundle(t, "swap-0", nil))

	eng := engine.New(engine.Options{})
	srv := server.New(server.Config{Engine: eng, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	var (
		mu    sync.Mutex
		swaps []swap
	)
	m, err := bundles.NewManager(bundles.Config{
		Source: unwatched{&bundlesrc.FileSource{Path: path}},
		Logger: testLogger(t),
		Hooks: bundles.Hooks{
			Compile: func(ctx context.Context, b *bundle.Bundle) (bundles.Compiled, error) {
				return engine.Compile(ctx, b)
			},
			Test: func(ctx context.Context, b *bundle.Bundle) error {
				_, err := engine.RunTests(ctx, b, engine.TestOptions{Parallel: 1}) // one test at a time, as serve tests a new bundle
				return err
			},
			Activate: func(c bundles.Compiled) {
				s := swap{revision: c.Revision(), before: time.Now()}
				eng.Activate(c.(*engine.PolicySet))
				s.after = time.Now()
				mu.Lock()
				swaps = append(swaps, s)
				mu.Unlock()
			},
			OnActivated: func(string, time.Time) { srv.SetServing(true) },
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(t.Context()); err != nil {
		t.Fatal(err)
	}

	lis := testkit.Listen(t)
	go func() { _ = srv.Serve(lis) }()
	defer srv.Stop(5 * time.Second)
	cc := testkit.Dial(t, lis.Addr().String())
	client := sendgatev1.NewDecisionServiceClient(cc)
	req := &sendgatev1.CheckRequest{
		RequestId: "swap-test",
		Business:  &sendgatev1.Business{Id: "b-1", DisplayName: "Acme Shoes", Vertical: "retail", Country: "NL"},
		Recipient: &sendgatev1.Recipient{Phone: "+31612345678", Country: "NL"},
		Message: &sendgatev1.Message{
			Category: sendgatev1.Category_CATEGORY_UTILITY,
			Type:     sendgatev1.MessageType_MESSAGE_TYPE_TEXT,
			Text:     "Your order 1234 has shipped and arrives tomorrow.",
		},
		Conversation: &sendgatev1.Conversation{LastInboundAt: timestamppb.New(time.Now().Add(-time.Hour))},
	}

	// Load: workers call Check until stopped (bounded by the phases below).
	stop := make(chan struct{})
	results := make([][]call, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				c := call{start: time.Now()}
				resp, err := client.Check(ctx, req)
				c.end, c.err = time.Now(), err
				cancel()
				c.revision = resp.GetBundleRevision()
				results[w] = append(results[w], c)
			}
		})
	}

	// Phases: steady state, then good → bad → good three times, each
	// reload a window whose calls count as "during a swap".
	type window struct{ start, end time.Time }
	var windows []window
	reload := func(tarball []byte, want bundles.Result) {
		writeAtomic(t, path, tarball)
		w := window{start: time.Now()}
		a, err := m.Reload(context.Background(), true)
		w.end = time.Now()
		windows = append(windows, w)
		if err != nil || a.Result != want {
			t.Errorf("reload: %+v, %v; want %s", a, err, want)
		}
	}
	bad := []struct {
		name    string
		tarball []byte
	}{
		{"own_tests_fail", defaultBundle(t, "bad-tests", &bundles.File{Path: "sendgate/zz_fail_test.rego",
			Data: []byte("package sendgate.zz_fail_test\n\ntest_always_fails if false\n")})},
		{"invalid_rego", defaultBundle(t, "bad-rego", &bundles.File{Path: "sendgate/zz_broken.rego",
			Data: []byte("package sendgate.zz_broken\n\nx if y > 1\n")})},
		{"corrupt_gzip", []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff, 1, 2, 3}},
	}
	time.Sleep(400 * time.Millisecond)
	for i, b := range bad {
		reload(b.tarball, bundles.ResultRefused)
		time.Sleep(150 * time.Millisecond)
		reload(defaultBundle(t, fmt.Sprintf("swap-%d", i+1), nil), bundles.ResultActivated)
		time.Sleep(150 * time.Millisecond)
	}
	close(stop)
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	if len(swaps) != len(bad)+1 {
		t.Fatalf("%d activations, want %d", len(swaps), len(bad)+1)
	}
	var all []call
	for _, r := range results {
		all = append(all, r...)
	}
	failed := 0
	afterSwap := make([]int, len(swaps))
	for _, c := range all {
		if c.err != nil {
			failed++
			if failed <= 5 {
				t.Errorf("call failed: %v", c.err)
			}
			continue
		}
		j := slices.IndexFunc(swaps, func(s swap) bool { return s.revision == c.revision })
		if j < 0 {
			t.Fatalf("call answered with revision %q, which never served", c.revision)
		}
		// Revision j served from swaps[j] until swaps[j+1]; the call must
		// have overlapped that span.
		if c.end.Before(swaps[j].before) || (j+1 < len(swaps) && c.start.After(swaps[j+1].after)) {
			t.Fatalf("call [%v, %v] saw %q outside the time it served", c.start, c.end, c.revision)
		}
		if c.start.After(swaps[j].after) {
			afterSwap[j]++
		}
	}
	if failed > 0 {
		t.Fatalf("%d of %d calls failed during swaps", failed, len(all))
	}
	for j, n := range afterSwap[1:] {
		if n == 0 {
			t.Errorf("no call saw %s after it was activated", swaps[j+1].revision)
		}
	}

	var during, steady []time.Duration
	for _, c := range all {
		in := slices.ContainsFunc(windows, func(w window) bool { return !c.end.Before(w.start) && !c.start.After(w.end) })
		if in {
			during = append(during, c.end.Sub(c.start))
		} else {
			steady = append(steady, c.end.Sub(c.start))
		}
	}
	pd, ps := p99(during), p99(steady)
	t.Logf("%d calls, 0 failed; %d activations, %d refusals; p99 during swaps %v (%d calls), steady %v (%d calls), ratio %.2f",
		len(all), len(swaps)-1, len(bad), pd, len(during), ps, len(steady), float64(pd)/float64(max(ps, 1)))
	if os.Getenv("SENDGATE_SWAP_REPORT") != "" {
		fmt.Printf("swap_p99_ratio=%.2f during=%v steady=%v calls=%d\n", float64(pd)/float64(max(ps, 1)), pd, ps, len(all))
	}
}

func p99(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[(len(s)*99)/100]
}
