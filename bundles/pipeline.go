package bundles

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/open-policy-agent/opa/v1/bundle"
)

// attempt fetches from the source and runs the pipeline. A person's reload
// asks for anything other than the serving bundle, so a bundle refused
// before is tried again; automatic triggers only look for something new.
func (m *Manager) attempt(ctx context.Context, t Trigger) Attempt {
	m.mu.Lock()
	etag := m.activeETag
	if t.automatic() {
		etag = m.seenETag
	}
	m.mu.Unlock()
	a, err := m.cfg.Source.Fetch(ctx, FetchRequest{ETag: etag})
	return m.process(ctx, t, a, err, false)
}

// hasPersisted reports whether the data directory holds a last good bundle.
func (m *Manager) hasPersisted() bool {
	if m.cfg.DataDir == "" {
		return false
	}
	_, err := os.Stat(PersistedPath(m.cfg.DataDir))
	return err == nil
}

// activatePersisted runs the pipeline on the last good bundle kept in the
// data directory. Its signature is checked again, so a rotated key refuses
// it as it would any other bundle.
func (m *Manager) activatePersisted(ctx context.Context) Attempt {
	a, err := ReadArchiveFile(PersistedPath(m.cfg.DataDir), m.cfg.SizeLimit)
	if err != nil && !isBadBundle(err) {
		err = fmt.Errorf("no last good bundle: %w", err)
	}
	return m.process(ctx, TriggerStartup, a, err, true)
}

// process runs the pipeline after the fetch: read errors, change detection,
// verification and parsing, compile, test, swap, persist.
func (m *Manager) process(ctx context.Context, t Trigger, a *Archive, fetchErr error, persisted bool) Attempt {
	m.pipeline.Lock()
	defer m.pipeline.Unlock()

	at := Attempt{Trigger: t, StartedAt: time.Now(), FromPersistence: persisted}
	refuse := func(stage Stage, err error) Attempt {
		at.Result, at.Stage, at.Err = ResultRefused, stage, err
		return m.finish(at, true)
	}

	switch {
	case errors.Is(fetchErr, ErrNotModified):
		m.setFetchOK(true)
		at.Result = ResultUnchanged
		return m.finish(at, !t.automatic())
	case fetchErr != nil && isBadBundle(fetchErr):
		if !persisted {
			m.setFetchOK(true)
		}
		return refuse(StageRead, fetchErr)
	case fetchErr != nil:
		if !persisted {
			m.setFetchOK(false)
		}
		at.Result, at.Stage, at.Err = ResultFetchFailed, StageFetch, fetchErr
		return m.finish(at, true)
	}

	digest := a.Digest()
	if !persisted {
		m.mu.Lock()
		m.fetchOK = true
		unchanged := m.ready && digest == m.activeDigest
		refusedBefore := t.automatic() && digest == m.seenDigest
		m.seenDigest = digest
		if a.ETag != "" {
			m.seenETag = a.ETag
		}
		if unchanged {
			// The source now confirms the bundle that serves.
			m.fromPersistence = false
			if a.ETag != "" {
				m.activeETag = a.ETag
			}
			at.Revision = m.activeRev
		}
		m.mu.Unlock()
		if unchanged || refusedBefore {
			at.Result = ResultUnchanged
			return m.finish(at, !t.automatic())
		}
	}

	ctx, cancel := context.WithTimeout(ctx, m.cfg.ActivationTimeout)
	defer cancel()

	if m.cfg.Prepare != nil {
		done := m.cfg.Prepare()
		defer done()
	}
	b, err := Load(a, LoadOptions{Verification: m.cfg.Verification, SizeLimit: m.cfg.SizeLimit, MaxRules: m.cfg.MaxRules})
	if err != nil {
		if errors.Is(err, ErrSignature) {
			return refuse(StageVerify, err)
		}
		return refuse(StageParse, err)
	}
	at.Revision = b.Manifest.Revision

	c, err := m.compile(ctx, b)
	if err != nil {
		return refuse(StageCompile, err)
	}
	if !m.cfg.SkipTests && m.cfg.Test != nil {
		if err := m.test(ctx, b); err != nil {
			return refuse(StageTest, err)
		}
	}
	if m.cfg.Bench != nil {
		if err := m.bench(ctx, c); err != nil {
			return refuse(StageBench, err)
		}
	}

	m.cfg.Activate(c)
	now := time.Now()
	m.mu.Lock()
	m.ready = true
	m.activeRev = c.Revision()
	m.activatedAt = now
	m.fromPersistence = persisted
	m.activeDigest = digest
	m.activeETag = a.ETag
	m.mu.Unlock()
	at.Revision = c.Revision()
	at.Result = ResultActivated
	if m.cfg.OnActivated != nil {
		m.cfg.OnActivated(c.Revision(), now)
	}

	if !persisted && m.cfg.DataDir != "" {
		if err := persist(m.cfg.DataDir, a); err != nil {
			at.Stage, at.Err = StagePersist, err
		}
	}
	return m.finish(at, true)
}

// compile calls the Compile hook, turning a panic on a hostile bundle into
// a refusal rather than a crash.
func (m *Manager) compile(ctx context.Context, b *bundle.Bundle) (c Compiled, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("compile panicked: %v", r)
		}
	}()
	c, err = m.cfg.Compile(ctx, b)
	if err == nil && c == nil {
		err = errors.New("compile returned no policy set")
	}
	return c, err
}

func (m *Manager) test(ctx context.Context, b *bundle.Bundle) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("tests panicked: %v", r)
		}
	}()
	return m.cfg.Test(ctx, b)
}

func (m *Manager) bench(ctx context.Context, c Compiled) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("bench panicked: %v", r)
		}
	}()
	return m.cfg.Bench(ctx, c)
}

func (m *Manager) setFetchOK(ok bool) {
	m.mu.Lock()
	m.fetchOK = ok
	m.mu.Unlock()
	if !ok {
		select {
		case m.wake <- struct{}{}:
		default:
		}
	}
}

// finish records an attempt (unless it is an automatic "unchanged", which
// would flood the history), logs it and tells the metrics hook.
func (m *Manager) finish(at Attempt, record bool) Attempt {
	at.FinishedAt = time.Now()
	if m.cfg.OnAttempt != nil {
		m.cfg.OnAttempt(at)
	}
	if !record {
		return at
	}
	m.mu.Lock()
	m.hist.add(at)
	last := at
	m.lastAttempt = &last
	if at.Err != nil {
		m.lastErr = fmt.Sprintf("%s: %v", at.Stage, at.Err)
		m.lastErrAt = at.FinishedAt
	}
	serving := m.activeRev
	m.mu.Unlock()

	attrs := []any{"trigger", at.Trigger, "result", at.Result, "revision", at.Revision,
		"from_persistence", at.FromPersistence, "duration", at.FinishedAt.Sub(at.StartedAt)}
	switch {
	case at.Result == ResultActivated && at.Err != nil:
		m.log.Warn("bundle activated but not persisted", append(attrs, "err", at.Err)...)
	case at.Result == ResultActivated:
		m.log.Info("bundle activated", attrs...)
	case at.Result == ResultUnchanged:
		m.log.Info("bundle unchanged", attrs...)
	case serving != "":
		m.log.Warn("bundle not activated; keeping the last valid bundle",
			append(attrs, "stage", at.Stage, "err", at.Err, "serving", serving)...)
	default:
		m.log.Error("bundle not activated; no bundle serves",
			append(attrs, "stage", at.Stage, "err", at.Err)...)
	}
	return at
}

// PersistedPath is where the last good bundle is kept in a data directory.
func PersistedPath(dataDir string) string {
	return filepath.Join(dataDir, "bundle.tar.gz")
}

// tempPattern names the temporary files persist writes before renaming.
const tempPattern = ".bundle-*.tmp"

// removeStaleTemps removes the temporary files a process killed while
// persisting left in the data directory. Start calls it before anything
// could persist.
func (m *Manager) removeStaleTemps() {
	if m.cfg.DataDir == "" {
		return
	}
	stale, _ := filepath.Glob(filepath.Join(m.cfg.DataDir, tempPattern))
	for _, p := range stale {
		if err := os.Remove(p); err != nil {
			m.log.Warn("cannot remove a stale temporary bundle file", "path", p, "err", err)
			continue
		}
		m.log.Info("removed a stale temporary bundle file", "path", p)
	}
}

// persist writes the archive exactly as it was verified, so that its
// signature still holds, replacing the previous one atomically.
func persist(dataDir string, a *Archive) (err error) {
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return fmt.Errorf("persist bundle: %w", err)
	}
	tmp, err := os.CreateTemp(dataDir, tempPattern)
	if err != nil {
		return fmt.Errorf("persist bundle: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err = a.WriteTo(tmp); err != nil {
		return fmt.Errorf("persist bundle: %w", err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("persist bundle: %w", err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("persist bundle: %w", err)
	}
	if err = os.Rename(tmp.Name(), PersistedPath(dataDir)); err != nil {
		return fmt.Errorf("persist bundle: %w", err)
	}
	if d, derr := os.Open(dataDir); derr == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}
