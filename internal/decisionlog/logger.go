package decisionlog

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
)

// DefaultQueueSize is the number of entries buffered when Config.QueueSize is 0.
const DefaultQueueSize = 8192

// flushBytes is how much encoded output is batched before a write; batches
// always end on a line boundary so rotation never splits a line.
const flushBytes = 64 << 10

// Recorder is what the server calls for every decision.
type Recorder interface {
	// Log queues an entry without blocking.
	Log(Entry)
	// Dropped returns how many entries were dropped because the queue was full.
	Dropped() uint64
	// Close flushes queued entries and closes the sink.
	Close(ctx context.Context) error
}

var (
	_ Recorder = (*Logger)(nil)
	_ Recorder = Nop{}
)

// Nop is a Recorder that discards everything.
type Nop struct{}

// Log discards the entry.
func (Nop) Log(Entry) {}

// Dropped always returns 0.
func (Nop) Dropped() uint64 { return 0 }

// Close does nothing.
func (Nop) Close(context.Context) error { return nil }

// Config configures a Logger.
type Config struct {
	// Sink receives the JSON lines; if it is an io.Closer it is closed by Close.
	Sink io.Writer
	// QueueSize bounds the entries waiting to be written; 0 means DefaultQueueSize.
	QueueSize int
	// DenialsOnly drops allow decisions before they are queued.
	DenialsOnly bool
	// RecipientKey keys the recipient HMAC; empty means a random per-process key.
	RecipientKey []byte
	// OmitEvidence leaves reasons' evidence (masked excerpts of the message
	// text) out of the log.
	OmitEvidence bool
	// OnDrop, if set, is called once for each entry dropped on a full queue.
	OnDrop func()
	// OnWriteError, if set, is called once for each batch of lines the sink
	// failed to write.
	OnWriteError func()
	// Log receives operational messages; nil means slog.Default().
	Log *slog.Logger
}

// Logger writes decision entries to a sink from one background goroutine.
type Logger struct {
	queue        chan Entry
	stop         chan struct{}
	done         chan struct{}
	closeOnce    sync.Once
	closed       atomic.Bool
	dropped      atomic.Uint64
	writeErrs    atomic.Uint64
	denialsOnly  bool
	omitEvidence bool
	onDrop       func()
	onWriteErr   func()
	ephemeral    bool
	sink         io.Writer
	log          *slog.Logger
	key          []byte
}

// New starts a Logger. With no RecipientKey it generates a random one and
// warns that recipient hashes will not match across restarts.
func New(cfg Config) (*Logger, error) {
	if cfg.Sink == nil {
		return nil, errors.New("decisionlog: no sink")
	}
	size := cfg.QueueSize
	if size <= 0 {
		size = DefaultQueueSize
	}
	l := &Logger{
		queue:        make(chan Entry, size),
		stop:         make(chan struct{}),
		done:         make(chan struct{}),
		denialsOnly:  cfg.DenialsOnly,
		omitEvidence: cfg.OmitEvidence,
		onDrop:       cfg.OnDrop,
		onWriteErr:   cfg.OnWriteError,
		sink:         cfg.Sink,
		log:          cfg.Log,
		key:          cfg.RecipientKey,
	}
	if l.log == nil {
		l.log = slog.Default()
	}
	if len(l.key) == 0 {
		key, err := RandomKey()
		if err != nil {
			return nil, fmt.Errorf("decisionlog: %w", err)
		}
		l.key, l.ephemeral = key, true
		l.log.Warn("decision log: no recipient hash key configured; using a random per-process key, so recipient hashes will not match across restarts")
	}
	go l.run()
	return l, nil
}

// Log queues e for writing; it never blocks. When the queue is full, or the
// logger is closed, the entry is dropped and counted.
func (l *Logger) Log(e Entry) {
	if l.denialsOnly && !e.Denied() {
		return
	}
	if l.closed.Load() {
		l.drop()
		return
	}
	select {
	case l.queue <- e:
	default:
		l.drop()
	}
}

func (l *Logger) drop() {
	l.dropped.Add(1)
	if l.onDrop != nil {
		l.onDrop()
	}
}

// Dropped returns how many entries were dropped.
func (l *Logger) Dropped() uint64 { return l.dropped.Load() }

// WriteErrors returns how many batches the sink failed to write.
func (l *Logger) WriteErrors() uint64 { return l.writeErrs.Load() }

// EphemeralKey reports whether recipients are hashed with a random per-process key.
func (l *Logger) EphemeralKey() bool { return l.ephemeral }

// Close stops accepting entries, writes everything queued and closes the
// sink. Call it after the gRPC server has stopped so no Log races it. If ctx
// ends first, Close returns its error and leaves the sink open.
func (l *Logger) Close(ctx context.Context) error {
	l.closeOnce.Do(func() {
		l.closed.Store(true)
		close(l.stop)
	})
	select {
	case <-l.done:
	case <-ctx.Done():
		return fmt.Errorf("decisionlog: flush on close: %w", ctx.Err())
	}
	if c, ok := l.sink.(io.Closer); ok {
		if err := c.Close(); err != nil {
			return fmt.Errorf("decisionlog: close sink: %w", err)
		}
	}
	return nil
}

// run is the writer goroutine: it hashes, masks, encodes and writes entries,
// batching while more are queued.
func (l *Logger) run() {
	defer close(l.done)
	mac := hmac.New(sha256.New, l.key)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	add := func(e *Entry) {
		if err := enc.Encode(record(e, mac, l.omitEvidence)); err != nil {
			l.log.Error("decision log: encode entry", "decision_id", e.DecisionID, "error", err)
		}
		if buf.Len() >= flushBytes {
			l.write(&buf)
		}
	}
	for {
		select {
		case e := <-l.queue:
			add(&e)
			if len(l.queue) == 0 {
				l.write(&buf)
			}
		case <-l.stop:
			for {
				select {
				case e := <-l.queue:
					add(&e)
				default:
					l.write(&buf)
					return
				}
			}
		}
	}
}

// write hands the buffered lines to the sink and empties the buffer.
func (l *Logger) write(buf *bytes.Buffer) {
	if buf.Len() == 0 {
		return
	}
	if _, err := l.sink.Write(buf.Bytes()); err != nil {
		if l.onWriteErr != nil {
			l.onWriteErr()
		}
		// Logging every failure would flood the process log while a disk is full.
		if n := l.writeErrs.Add(1); n&(n-1) == 0 {
			l.log.Error("decision log: write failed", "failures", n, "error", err)
		}
	}
	buf.Reset()
}
