package bundles_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sendgate/sendgate/internal/bundlesrc"

	"github.com/open-policy-agent/opa/v1/bundle"
	"github.com/sendgate/sendgate/bundles"
)

// served records what the Activate hook was given, as the engine would.
type served struct {
	revision    atomic.Value
	activations atomic.Int32
}

func (s *served) Revision() string {
	v, _ := s.revision.Load().(string)
	return v
}

func (s *served) hooks() bundles.Hooks {
	return bundles.Hooks{
		Compile: opaCompile,
		Test:    opaTest,
		Activate: func(c bundles.Compiled) {
			s.revision.Store(c.Revision())
			s.activations.Add(1)
		},
	}
}

func newManager(t *testing.T, src bundles.Source, s *served, edit func(*bundles.Config)) *bundles.Manager {
	t.Helper()
	cfg := bundles.Config{
		Source:      src,
		SettleDelay: 20 * time.Millisecond,
		RetryMin:    10 * time.Millisecond,
		RetryMax:    50 * time.Millisecond,
		Logger:      testLogger(t),
		Hooks:       s.hooks(),
	}
	if edit != nil {
		edit(&cfg)
	}
	m, err := bundles.NewManager(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// run starts m.Run and stops it when the test ends.
func run(t *testing.T, m *bundles.Manager) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = m.Run(ctx) })
	t.Cleanup(func() { cancel(); wg.Wait() })
}

// eventually polls cond for up to 10s; it bounds the test, it times nothing.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// writeAtomic replaces path the way editors and `bundle build -o` do.
func writeAtomic(t *testing.T, path string, data []byte) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// editedMinimal builds and signs the minimal bundle after edit changed a
// copy of its directory.
func editedMinimal(t *testing.T, revision string, key *bundles.Key, edit func(dir string)) []byte {
	t.Helper()
	dir := copyMinimal(t, revision)
	edit(dir)
	return buildTarball(t, dir, bundles.BuildOptions{Signing: key})
}

func TestBadBundlesAreRefused(t *testing.T) {
	dir := t.TempDir()
	kp, other := newRSAKeys(t, dir), newECKeys(t, dir, "other")
	key := &bundles.Key{File: kp.priv}
	vc, err := bundles.NewVerificationConfig(bundles.Key{File: kp.pub})
	if err != nil {
		t.Fatal(err)
	}
	const limit = 64 << 10
	good := minimalTarball(t, "good-1", key)
	path := filepath.Join(dir, "bundle.tar.gz")
	writeAtomic(t, path, good)

	var s served
	m := newManager(t, &bundlesrc.FileSource{Path: path, SizeLimit: limit}, &s, func(c *bundles.Config) {
		c.Verification = vc
		c.SizeLimit = limit
		c.DataDir = filepath.Join(dir, "data")
	})
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		tarball []byte
		stage   bundles.Stage
	}{
		{"corrupt_gzip", append([]byte{0x1f, 0x8b}, bytes.Repeat([]byte{7}, 200)...), bundles.StageRead},
		{"tar_entry_with_parent_dir", rawTarball(t, tarEntry{name: "../../etc/cron.d/x", body: "* * * * * root true"}), bundles.StageRead},
		{"over_the_size_limit", editedMinimal(t, "big-1", key, func(d string) {
			writeFile(t, filepath.Join(d, "sendgate", "big", "data.json"), `{"pad": "`+strings.Repeat("x", limit)+`"}`)
		}), bundles.StageRead},
		{"invalid_rego_syntax", repackSigned(t, good, kp.priv, func(f map[string]string) {
			f["sendgate/broken.rego"] = "package sendgate.broken\n\nallow if {{{\n"
		}), bundles.StageParse},
		{"invalid_rego_unsafe_var", editedMinimal(t, "unsafe-1", key, func(d string) {
			writeFile(t, filepath.Join(d, "sendgate", "broken.rego"), "package sendgate.broken\n\nallow if x > 1\n")
		}), bundles.StageCompile},
		{"own_tests_fail", editedMinimal(t, "tests-1", key, func(d string) {
			writeFile(t, filepath.Join(d, "sendgate", "data.json"), `{"blocked_texts": []}`)
		}), bundles.StageTest},
		{"unsigned_when_key_configured", minimalTarball(t, "unsigned-1", nil), bundles.StageVerify},
		{"signed_with_wrong_key", minimalTarball(t, "wrongkey-1", &bundles.Key{File: other.priv}), bundles.StageVerify},
		{"file_changed_after_signing", repack(t, good, func(f map[string]string) {
			f["sendgate/main.rego"] = strings.Replace(f["sendgate/main.rego"], "in data", "in []", 1)
		}), bundles.StageVerify},
		{"missing_revision", repackSigned(t, good, kp.priv, func(f map[string]string) {
			f[".manifest"] = `{"roots": ["sendgate"]}`
		}), bundles.StageParse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			writeAtomic(t, path, tt.tarball)
			a, err := m.Reload(context.Background(), true)
			if err != nil {
				t.Fatal(err)
			}
			if a.Result != bundles.ResultRefused || a.Stage != tt.stage || a.Err == nil {
				t.Fatalf("attempt = %+v, want refused at %s", a, tt.stage)
			}
			t.Logf("refused at %s: %v", a.Stage, a.Err)
			if got := s.Revision(); got != "good-1" {
				t.Fatalf("serving %q after a bad bundle, want good-1", got)
			}
			st := m.Status()
			if st.ActiveRevision != "good-1" || !st.Ready || !strings.HasPrefix(st.LastError, string(tt.stage)+": ") {
				t.Fatalf("status = %+v", st)
			}
		})
	}
	if n := s.activations.Load(); n != 1 {
		t.Fatalf("%d activations, want 1", n)
	}
	// The persisted last good bundle is still the good one.
	p, err := bundles.ReadArchiveFile(bundles.PersistedPath(filepath.Join(dir, "data")), 0)
	if err != nil || p.Digest() != unpack(t, good).Digest() {
		t.Fatalf("persisted bundle changed: %v", err)
	}

	writeAtomic(t, path, minimalTarball(t, "good-2", key))
	a, err := m.Reload(context.Background(), true)
	if err != nil || a.Result != bundles.ResultActivated || s.Revision() != "good-2" {
		t.Fatalf("good bundle after bad ones: %+v, %v; serving %q", a, err, s.Revision())
	}
	st := m.Status()
	if len(st.Attempts) != len(tests)+2 || st.Attempts[0].Revision != "good-2" || st.LastAttempt.Result != bundles.ResultActivated {
		t.Fatalf("history: %d attempts, last %+v", len(st.Attempts), st.LastAttempt)
	}
}

func TestReloadOfSameBundleDoesNotReactivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bundle.tar.gz")
	writeAtomic(t, path, minimalTarball(t, "same-1", nil))
	var s served
	m := newManager(t, &bundlesrc.FileSource{Path: path}, &s, nil)
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	writeAtomic(t, path, minimalTarball(t, "same-1", nil))
	a, err := m.Reload(context.Background(), true)
	if err != nil || a.Result != bundles.ResultUnchanged || s.activations.Load() != 1 {
		t.Fatalf("attempt %+v, %v; %d activations", a, err, s.activations.Load())
	}
}

func TestSkipTests(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bundle.tar.gz")
	writeAtomic(t, path, editedMinimal(t, "untested-1", nil, func(d string) {
		writeFile(t, filepath.Join(d, "sendgate", "data.json"), `{"blocked_texts": []}`)
	}))
	var s served
	m := newManager(t, &bundlesrc.FileSource{Path: path}, &s, func(c *bundles.Config) { c.SkipTests = true })
	if err := m.Start(context.Background()); err != nil || s.Revision() != "untested-1" {
		t.Fatalf("start: %v; serving %q", err, s.Revision())
	}
}

func TestRestartWithSourceDownServesPersisted(t *testing.T) {
	dir := t.TempDir()
	path, data := filepath.Join(dir, "bundle.tar.gz"), filepath.Join(dir, "data")
	writeAtomic(t, path, minimalTarball(t, "kept-1", nil))
	var first served
	m := newManager(t, &bundlesrc.FileSource{Path: path}, &first, func(c *bundles.Config) { c.DataDir = data })
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}

	var second served
	m2 := newManager(t, &bundlesrc.FileSource{Path: path}, &second, func(c *bundles.Config) { c.DataDir = data })
	if err := m2.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	st := m2.Status()
	if second.Revision() != "kept-1" || !st.Ready || !st.FromPersistence || st.ActiveRevision != "kept-1" {
		t.Fatalf("serving %q, status %+v", second.Revision(), st)
	}
	// The last good bundle serves first; the source is asked afterwards, in
	// the background.
	if len(st.Attempts) != 1 || !st.Attempts[0].FromPersistence {
		t.Fatalf("attempts = %+v", st.Attempts)
	}
	run(t, m2)
	eventually(t, "the source is asked after start-up", func() bool {
		for _, at := range m2.Status().Attempts {
			if at.Trigger == bundles.TriggerStartup && at.Result == bundles.ResultFetchFailed {
				return true
			}
		}
		return false
	})

	// Once the source is back with the same bundle, it is confirmed, not
	// activated again.
	writeAtomic(t, path, minimalTarball(t, "kept-1", nil))
	a, err := m2.Reload(context.Background(), true)
	if err != nil || a.Result != bundles.ResultUnchanged || m2.Status().FromPersistence || second.activations.Load() != 1 {
		t.Fatalf("attempt %+v, %v; status %+v", a, err, m2.Status())
	}
}

func TestStartWithNothingRetriesUntilSourceAppears(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bundle.tar.gz")
	var s served
	m := newManager(t, &bundlesrc.FileSource{Path: path}, &s, func(c *bundles.Config) { c.DataDir = filepath.Join(dir, "data") })
	err := m.Start(context.Background())
	if !errors.Is(err, bundles.ErrNotReady) || m.Ready() {
		t.Fatalf("start: %v, ready %v", err, m.Ready())
	}
	t.Logf("not ready: %v", err)
	run(t, m)
	writeAtomic(t, path, minimalTarball(t, "late-1", nil))
	eventually(t, "the late bundle activates", func() bool { return m.Ready() && s.Revision() == "late-1" })
}

func TestWatchedDirectoryReloads(t *testing.T) {
	dir := copyMinimal(t, "dir-1")
	var s served
	m := newManager(t, &bundlesrc.DirSource{Path: dir}, &s, nil)
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	run(t, m)

	writeAtomic(t, filepath.Join(dir, ".manifest"), []byte(`{"revision": "dir-2", "roots": ["sendgate"]}`))
	eventually(t, "dir-2 activates", func() bool { return s.Revision() == "dir-2" })

	// A broken edit is refused and dir-2 keeps serving; fixing it reloads.
	rego := filepath.Join(dir, "sendgate", "main.rego")
	orig, err := os.ReadFile(rego)
	if err != nil {
		t.Fatal(err)
	}
	writeAtomic(t, rego, []byte("package sendgate.main\n\ndecision := {{{\n"))
	eventually(t, "the broken edit is refused", func() bool {
		la := m.Status().LastAttempt
		return la != nil && la.Result == bundles.ResultRefused && la.Trigger == bundles.TriggerWatch
	})
	if s.Revision() != "dir-2" {
		t.Fatalf("serving %q", s.Revision())
	}
	writeAtomic(t, filepath.Join(dir, ".manifest"), []byte(`{"revision": "dir-3", "roots": ["sendgate"]}`))
	writeAtomic(t, rego, orig)
	eventually(t, "dir-3 activates", func() bool { return s.Revision() == "dir-3" })
}

func TestWatchedFileReloads(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bundle.tar.gz")
	writeAtomic(t, path, minimalTarball(t, "file-1", nil))
	var s served
	m := newManager(t, &bundlesrc.FileSource{Path: path}, &s, nil)
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	run(t, m)
	writeAtomic(t, path, minimalTarball(t, "file-2", nil))
	eventually(t, "file-2 activates", func() bool { return s.Revision() == "file-2" })
}

func TestQueuedReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bundle.tar.gz")
	writeAtomic(t, path, minimalTarball(t, "q-1", nil))
	var s served
	// No watching here: only the queued reload can pick up q-2.
	m := newManager(t, unwatched{&bundlesrc.FileSource{Path: path}}, &s, nil)
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	run(t, m)
	writeAtomic(t, path, minimalTarball(t, "q-2", nil))
	if a, err := m.Reload(context.Background(), false); err != nil || a.Trigger != bundles.TriggerAdmin {
		t.Fatalf("queue: %+v, %v", a, err)
	}
	eventually(t, "q-2 activates", func() bool { return s.Revision() == "q-2" })
	m.Trigger(bundles.TriggerSignal)
	eventually(t, "the signal's attempt is recorded", func() bool {
		la := m.Status().LastAttempt
		return la != nil && la.Trigger == bundles.TriggerSignal && la.Result == bundles.ResultUnchanged
	})
}

// unwatched hides a source's Watcher.
type unwatched struct{ bundles.Source }

// TestBenchRefusesBeforeTheSwap: a bundle the Bench hook refuses is refused
// at StageBench, and the last good one keeps serving.
func TestBenchRefusesBeforeTheSwap(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bundle.tar.gz")
	writeAtomic(t, path, minimalTarball(t, "fast-1", nil))
	var s served
	var benched []string
	m := newManager(t, &bundlesrc.FileSource{Path: path}, &s, func(c *bundles.Config) {
		c.Bench = func(_ context.Context, p bundles.Compiled) error {
			benched = append(benched, p.Revision())
			if p.Revision() == "slow-1" {
				return errors.New("decision over the limit")
			}
			return nil
		}
	})
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	writeAtomic(t, path, minimalTarball(t, "slow-1", nil))
	a, err := m.Reload(context.Background(), true)
	if err != nil || a.Result != bundles.ResultRefused || a.Stage != bundles.StageBench || a.Revision != "slow-1" {
		t.Fatalf("attempt %+v, %v", a, err)
	}
	st := m.Status()
	if s.Revision() != "fast-1" || st.ActiveRevision != "fast-1" || !strings.HasPrefix(st.LastError, "bench: ") {
		t.Fatalf("serving %q, status %+v", s.Revision(), st)
	}
	if strings.Join(benched, ",") != "fast-1,slow-1" {
		t.Fatalf("benched %v", benched)
	}
}

// TestStartRemovesStaleTemporaryFiles: the temporary files a kill during
// persisting leaves in the data directory are removed at start-up, and
// nothing else is.
func TestStartRemovesStaleTemporaryFiles(t *testing.T) {
	dir := t.TempDir()
	path, data := filepath.Join(dir, "bundle.tar.gz"), filepath.Join(dir, "data")
	writeAtomic(t, path, minimalTarball(t, "clean-1", nil))
	stale := []string{filepath.Join(data, ".bundle-1234.tmp"), filepath.Join(data, ".bundle-99.tmp")}
	other := filepath.Join(data, "notes.txt")
	for _, p := range append(stale, other) {
		writeFile(t, p, "partial")
	}
	var s served
	m := newManager(t, &bundlesrc.FileSource{Path: path}, &s, func(c *bundles.Config) { c.DataDir = data })
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, p := range stale {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: %v, want it removed", p, err)
		}
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("%s: %v", other, err)
	}
	left, _ := filepath.Glob(filepath.Join(data, ".bundle-*.tmp"))
	if len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// TestWatchedFileChangingFasterThanSettleDelayActivates: a file rewritten
// more often than the settle delay still activates within SettleMax
// (before, each change postponed the reload again, for as long as the
// changes went on).
func TestWatchedFileChangingFasterThanSettleDelayActivates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bundle.tar.gz")
	writeAtomic(t, path, minimalTarball(t, "busy-0", nil))
	tarballs := [][]byte{minimalTarball(t, "busy-1", nil), minimalTarball(t, "busy-2", nil)}
	var s served
	m := newManager(t, &bundlesrc.FileSource{Path: path}, &s, func(c *bundles.Config) {
		// A settle delay no gap between the writes below reaches, even on
		// a loaded machine; the reload comes SettleMax after the first
		// change plus at most one delay.
		c.SettleDelay = time.Second
		c.SettleMax = 300 * time.Millisecond
	})
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	run(t, m)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
				tmp := path + ".tmp"
				if os.WriteFile(tmp, tarballs[i%2], 0o644) == nil {
					_ = os.Rename(tmp, path)
				}
			}
		}
	})
	defer func() { close(stop); wg.Wait() }()
	// While the writes go on, a new revision must activate.
	eventually(t, "a revision activates while the file keeps changing", func() bool { return s.Revision() != "busy-0" })
}

// TestTooManyRulesRefused: past MaxRules a bundle is refused at parse,
// before anything compiles it.
func TestTooManyRulesRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bundle.tar.gz")
	writeAtomic(t, path, minimalTarball(t, "small-1", nil))
	var s served
	compiled := 0
	m := newManager(t, &bundlesrc.FileSource{Path: path}, &s, func(c *bundles.Config) {
		c.MaxRules = 4 // the minimal bundle's: two rules, two tests
		compile := c.Compile
		c.Compile = func(ctx context.Context, b *bundle.Bundle) (bundles.Compiled, error) {
			compiled++
			return compile(ctx, b)
		}
	})
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	writeAtomic(t, path, editedMinimal(t, "big-1", nil, func(d string) {
		writeFile(t, filepath.Join(d, "sendgate", "more.rego"), "package sendgate.more\n\nextra if input.x\n")
	}))
	a, err := m.Reload(context.Background(), true)
	if err != nil || a.Result != bundles.ResultRefused || a.Stage != bundles.StageParse || !errors.Is(a.Err, bundles.ErrTooManyRules) {
		t.Fatalf("attempt %+v, %v", a, err)
	}
	if !strings.Contains(a.Err.Error(), "5 rules, more than the limit of 4") || compiled != 1 || s.Revision() != "small-1" {
		t.Fatalf("err %v; compiled %d times; serving %q", a.Err, compiled, s.Revision())
	}
}

// TestPrepareSurroundsEachAttempt: Prepare's done runs once per attempt
// that reaches parsing, whether it activates or is refused.
func TestPrepareSurroundsEachAttempt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bundle.tar.gz")
	writeAtomic(t, path, minimalTarball(t, "prep-1", nil))
	var s served
	var prepared, done int
	var inside bool
	m := newManager(t, &bundlesrc.FileSource{Path: path}, &s, func(c *bundles.Config) {
		c.Prepare = func() func() {
			prepared++
			inside = true
			return func() { done++; inside = false }
		}
		compile := c.Compile
		c.Compile = func(ctx context.Context, b *bundle.Bundle) (bundles.Compiled, error) {
			if !inside {
				t.Error("compiled outside Prepare")
			}
			return compile(ctx, b)
		}
	})
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	writeAtomic(t, path, []byte("not a bundle"))
	if a, _ := m.Reload(context.Background(), true); a.Result != bundles.ResultRefused {
		t.Fatalf("attempt %+v", a)
	}
	writeAtomic(t, path, editedMinimal(t, "prep-2", nil, func(d string) {
		writeFile(t, filepath.Join(d, "sendgate", "data.json"), `{"blocked_texts": []}`)
	}))
	if a, _ := m.Reload(context.Background(), true); a.Stage != bundles.StageTest {
		t.Fatalf("attempt %+v", a)
	}
	// The unreadable archive never reaches parsing.
	if prepared != 2 || done != 2 || inside {
		t.Fatalf("prepared %d, done %d, inside %v", prepared, done, inside)
	}
}
