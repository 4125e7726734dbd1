package bundles

import (
	"context"
	"errors"
	"time"
)

// ErrNotModified reports that a source still serves the bundle it served
// last (an HTTP 304).
var ErrNotModified = errors.New("bundle not modified")

// FetchRequest qualifies one fetch from a source.
type FetchRequest struct {
	// ETag of the bundle last seen from this source; an HTTP source sends it
	// as If-None-Match.
	ETag string
	// Poll marks a fetch from the polling loop, which may long-poll where
	// the server offers it. Reloads asked for by a person never wait.
	Poll bool
}

// Source is where bundles come from: a directory, a .tar.gz file or a
// bundle server.
type Source interface {
	// Fetch returns the bundle's files as they are now, or ErrNotModified.
	// Errors wrapping ErrTooLarge, ErrUnsafePath or ErrCorrupt mean the
	// source answered with a bad bundle; other errors mean it could not be
	// reached.
	Fetch(ctx context.Context, req FetchRequest) (*Archive, error)
	// String names the source for status and logs.
	String() string
}

// Watcher is a source that can report changes to its files as they happen.
type Watcher interface {
	// Watch calls changed after each change until ctx ends; the caller
	// debounces. It returns when ctx ends or watching is impossible.
	Watch(ctx context.Context, changed func()) error
}

// LongPoller is a source that is being offered long polling by its server,
// so the polling loop need not wait between fetches.
type LongPoller interface {
	LongPolling() bool
}

// Poller is a source that is polled when Config.PollInterval is zero, such
// as a bundle server: it says how often.
type Poller interface {
	DefaultPollInterval() time.Duration
}

// isBadBundle tells a source that answered with a bad bundle from one that
// could not be reached.
func isBadBundle(err error) bool {
	return errors.Is(err, ErrTooLarge) || errors.Is(err, ErrUnsafePath) || errors.Is(err, ErrCorrupt)
}
