package bundles

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/open-policy-agent/opa/v1/bundle"
)

// ErrNotReady reports that no bundle could be activated at start-up, from
// the source or from the data directory.
var ErrNotReady = errors.New("no bundle is active")

// Compiled is a policy set built from a bundle, ready to serve. The engine's
// policy set satisfies it.
type Compiled interface {
	Revision() string
}

// Hooks connect the activation pipeline to the decision core and to
// metrics, keeping this package free of both.
type Hooks struct {
	// Compile builds a policy set from a verified bundle. Required.
	Compile func(ctx context.Context, b *bundle.Bundle) (Compiled, error)
	// Test runs the bundle's own Rego tests; an error refuses the bundle.
	// Optional.
	Test func(ctx context.Context, b *bundle.Bundle) error
	// Prepare is called before a bundle is parsed, compiled and tested, and
	// the function it returns after, e.g. to give the garbage collector
	// room meanwhile. Optional.
	Prepare func() (done func())
	// Bench decides sample requests with the compiled policy set before it
	// serves; an error (say, a decision over the time limit) refuses the
	// bundle at StageBench. It runs even when SkipTests is set. Optional.
	Bench func(ctx context.Context, c Compiled) error
	// Activate swaps the policy set in; it must not block on Checks in
	// flight. Required.
	Activate func(c Compiled)
	// OnAttempt observes every attempt, e.g. to count results. Optional.
	OnAttempt func(a Attempt)
	// OnActivated observes each activation, e.g. to export the active
	// revision and the time it began to serve. Optional.
	OnActivated func(revision string, at time.Time)
}

// Config configures a Manager.
type Config struct {
	// Source is where bundles come from. Required.
	Source Source
	// Verification, when set, refuses bundles not signed by its keys.
	Verification *bundle.VerificationConfig
	// SizeLimit bounds each file of a bundle (<= 0 means DefaultSizeLimit);
	// sources bound whole archives with their own limit.
	SizeLimit int64
	// DataDir, when set, keeps the last good bundle for start-ups while the
	// source is unusable.
	DataDir string
	// SkipTests activates bundles without running their own tests.
	SkipTests bool
	// MaxRules refuses bundles with more rules than this, tests included
	// (<= 0: no limit): compiling takes time and memory in proportion.
	MaxRules int
	// PollInterval re-fetches the source this often; 0 means what a Poller
	// source says (30s for bundle servers and registries), and no polling
	// for watched directory and file sources.
	PollInterval time.Duration
	// SettleDelay waits for file-system changes to settle before reloading
	// (default 250ms).
	SettleDelay time.Duration
	// SettleMax bounds that wait while changes keep coming faster than
	// SettleDelay, so that they cannot hold activation off (default 8 ×
	// SettleDelay).
	SettleMax time.Duration
	// RetryMin and RetryMax bound the backoff between fetches while the
	// source fails or nothing serves (defaults 1s and 30s).
	RetryMin, RetryMax time.Duration
	// History is how many attempts Status keeps (default 20).
	History int
	// ActivationTimeout bounds compiling and testing a bundle (default 2m).
	ActivationTimeout time.Duration
	// Logger receives one line per recorded attempt (default slog.Default()).
	Logger *slog.Logger
	Hooks
}

// Manager runs the activation pipeline — fetch, size limit, signature
// verification, parse, compile, the bundle's own tests, a bench of sample
// decisions, atomic swap, persistence of the last good bundle — on start-up, file-system changes,
// polls, signals and admin requests, one attempt at a time. A failed attempt
// leaves the serving bundle in place.
type Manager struct {
	cfg  Config
	log  *slog.Logger
	kick chan Trigger
	wake chan struct{}
	// pipeline serialises the steps after fetching.
	pipeline sync.Mutex

	mu              sync.Mutex
	ready           bool
	activeRev       string
	activatedAt     time.Time
	fromPersistence bool
	activeDigest    string
	activeETag      string
	seenDigest      string
	seenETag        string
	fetchOK         bool
	// startupFetch is set when Start served the last good bundle without
	// asking the source, which poll then asks at once.
	startupFetch bool
	lastErr      string
	lastErrAt    time.Time
	lastAttempt  *Attempt
	hist         history
}

// NewManager checks cfg and fills in defaults.
func NewManager(cfg Config) (*Manager, error) {
	if cfg.Source == nil {
		return nil, errors.New("bundle manager: no source")
	}
	if cfg.Compile == nil || cfg.Activate == nil {
		return nil, errors.New("bundle manager: Compile and Activate hooks are required")
	}
	if p, ok := cfg.Source.(Poller); ok && cfg.PollInterval == 0 {
		cfg.PollInterval = p.DefaultPollInterval()
	}
	if cfg.SettleDelay <= 0 {
		cfg.SettleDelay = 250 * time.Millisecond
	}
	if cfg.SettleMax <= 0 {
		cfg.SettleMax = 8 * cfg.SettleDelay
	}
	if cfg.RetryMin <= 0 {
		cfg.RetryMin = time.Second
	}
	if cfg.RetryMax < cfg.RetryMin {
		cfg.RetryMax = max(30*time.Second, cfg.RetryMin)
	}
	if cfg.History <= 0 {
		cfg.History = 20
	}
	if cfg.ActivationTimeout <= 0 {
		cfg.ActivationTimeout = 2 * time.Minute
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Manager{
		cfg:  cfg,
		log:  log.With("source", cfg.Source.String()),
		kick: make(chan Trigger, 1),
		wake: make(chan struct{}, 1),
		hist: history{max: cfg.History},
	}, nil
}

// Start makes the first activation. With a last good bundle in the data
// directory it serves that one at once and leaves the source to Run, which
// fetches it right away in the background: a source that is slow or
// silent does not hold up start-up. Otherwise (no last good bundle, or one
// refused, say after a key rotation) it activates from the source. It
// returns an error wrapping ErrNotReady when nothing activates; Run then
// keeps retrying the source.
func (m *Manager) Start(ctx context.Context) error {
	m.removeStaleTemps()
	if m.hasPersisted() {
		if pt := m.activatePersisted(ctx); pt.Result == ResultActivated {
			m.mu.Lock()
			m.startupFetch = true
			m.mu.Unlock()
			return nil
		}
	}
	at := m.attempt(ctx, TriggerStartup)
	if at.Result == ResultActivated || m.Ready() {
		return nil
	}
	if at.Err != nil {
		return errors.Join(ErrNotReady, at.Err)
	}
	return ErrNotReady
}

// Run serves reload triggers until ctx ends: queued reloads, file-system
// changes of watched sources, and polling with backoff while the source
// fails or nothing serves.
func (m *Manager) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	if w, ok := m.cfg.Source.(Watcher); ok {
		wg.Go(func() { m.watch(ctx, w) })
	}
	wg.Go(func() { m.poll(ctx) })
	defer wg.Wait()
	for {
		select {
		case <-ctx.Done():
			return nil
		case t := <-m.kick:
			m.attempt(ctx, t)
		}
	}
}

// Trigger queues a reload for Run without waiting; reloads queued while
// one is pending are merged. The cmd layer calls it on SIGHUP with
// TriggerSignal.
func (m *Manager) Trigger(t Trigger) {
	select {
	case m.kick <- t:
	default:
	}
}

// Reload asks for an activation from the source, as an admin request. With
// wait it returns the attempt's outcome (a refused bundle is an outcome, not
// an error); the error is only ctx's if it ends first, in which case the
// attempt still completes. Without wait the reload is queued and an empty
// Attempt returned.
func (m *Manager) Reload(ctx context.Context, wait bool) (Attempt, error) {
	if !wait {
		m.Trigger(TriggerAdmin)
		return Attempt{Trigger: TriggerAdmin}, nil
	}
	done := make(chan Attempt, 1)
	go func() { done <- m.attempt(context.WithoutCancel(ctx), TriggerAdmin) }()
	select {
	case a := <-done:
		return a, nil
	case <-ctx.Done():
		return Attempt{}, ctx.Err()
	}
}

// Ready reports whether a bundle serves.
func (m *Manager) Ready() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.ready
}

// Status reports the active bundle and the recent attempts.
func (m *Manager) Status() Status {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := Status{
		Ready:           m.ready,
		Source:          m.cfg.Source.String(),
		ActiveRevision:  m.activeRev,
		ActivatedAt:     m.activatedAt,
		FromPersistence: m.fromPersistence,
		LastError:       m.lastErr,
		LastErrorAt:     m.lastErrAt,
		Attempts:        m.hist.list(),
	}
	if m.lastAttempt != nil {
		last := *m.lastAttempt
		s.LastAttempt = &last
	}
	return s
}

// watch turns file-system changes into reloads once they have settled (or
// SettleMax after the first of a run of changes that does not settle), and
// re-arms watching when it fails (say, the directory does not exist yet).
func (m *Manager) watch(ctx context.Context, w Watcher) {
	var (
		mu    sync.Mutex
		timer *time.Timer
		first time.Time // of the changes not yet reloaded; zero when none
	)
	fire := func() {
		mu.Lock()
		first = time.Time{}
		mu.Unlock()
		m.Trigger(TriggerWatch)
	}
	changed := func() {
		mu.Lock()
		defer mu.Unlock()
		now := time.Now()
		switch {
		case timer == nil:
			first = now
			timer = time.AfterFunc(m.cfg.SettleDelay, fire)
		case first.IsZero():
			first = now
			timer.Reset(m.cfg.SettleDelay)
		case now.Sub(first) < m.cfg.SettleMax:
			timer.Reset(m.cfg.SettleDelay)
		}
		// Past SettleMax the timer is left to fire.
	}
	defer func() {
		mu.Lock()
		if timer != nil {
			timer.Stop()
		}
		mu.Unlock()
	}()
	for ctx.Err() == nil {
		if err := w.Watch(ctx, changed); err != nil {
			m.log.Warn("cannot watch bundle source; relying on polling", "err", err)
		}
		if !sleep(ctx, m.cfg.RetryMax) {
			return
		}
		changed()
	}
}

// poll re-fetches the source: at once after Start served the last good
// bundle, right away while long polling, every PollInterval otherwise, and
// with exponential backoff while the source fails or nothing serves.
func (m *Manager) poll(ctx context.Context) {
	retry := 0
	var lastFetch time.Time
	for {
		m.mu.Lock()
		healthy := m.fetchOK && m.ready
		startup := m.startupFetch
		m.startupFetch = false
		m.mu.Unlock()
		lp, _ := m.cfg.Source.(LongPoller)
		var delay time.Duration
		switch {
		case startup:
			delay = 0
		case !healthy:
			delay = m.backoff(retry)
			retry++
		case lp != nil && lp.LongPolling():
			// The server holds the request until something changes; a
			// server that answers at once anyway is not polled in a tight loop.
			delay = m.cfg.RetryMin - time.Since(lastFetch)
			retry = 0
		case m.cfg.PollInterval > 0:
			delay = jitter(m.cfg.PollInterval)
			retry = 0
		default:
			retry = 0
			select {
			case <-ctx.Done():
				return
			case <-m.wake:
				continue
			}
		}
		if !sleep(ctx, delay) {
			return
		}
		m.mu.Lock()
		etag := m.seenETag
		m.mu.Unlock()
		lastFetch = time.Now()
		a, err := m.cfg.Source.Fetch(ctx, FetchRequest{ETag: etag, Poll: !startup})
		if ctx.Err() != nil {
			return
		}
		t := TriggerPoll
		if startup {
			t = TriggerStartup
		}
		m.process(ctx, t, a, err, false)
	}
}

func (m *Manager) backoff(retry int) time.Duration {
	d := m.cfg.RetryMin << min(retry, 20)
	if d <= 0 || d > m.cfg.RetryMax {
		d = m.cfg.RetryMax
	}
	return jitter(d)
}

// jitter spreads d by ±10% so that many servers do not poll in step.
func jitter(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.9 + 0.2*rand.Float64()))
}

func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
