// Package listen opens the TCP listeners sendgate serves callers on, with
// the limits a server exposed to many clients needs: a bound on open
// connections kept below the process's descriptor limit, a deadline for a
// new connection to say anything at all, and a record of accept failures
// (running out of descriptors) that health checks report.
package listen

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Options bound a listener.
type Options struct {
	// MaxConns bounds the connections open at once; further connections
	// wait in the kernel's backlog until one closes. Zero means the
	// descriptor limit less Reserve; it is never more than that.
	MaxConns int
	// Reserve is how many descriptors are kept for everything else the
	// process opens (files, outgoing connections, other listeners); zero
	// means 64.
	Reserve int
	// FirstByteTimeout closes a connection that sends nothing for this long
	// after it is accepted, so idle sockets cannot hold every slot; zero
	// means 10 seconds, negative none (for servers with timeouts of their
	// own, such as net/http's ReadHeaderTimeout).
	FirstByteTimeout time.Duration
}

// Listener is a TCP listener with the limits of Options.
type Listener struct {
	net.Listener
	slots      chan struct{}
	firstByte  time.Duration
	open       atomic.Int64
	failedAt   atomic.Int64 // unix nanos of the last failed accept, 0 if none
	failures   atomic.Int64
	closeOnce  sync.Once
	closed     chan struct{}
	descriptor uint64
}

// Listen listens on addr with the limits of o.
func Listen(addr string, o Options) (*Listener, error) {
	inner, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return Wrap(inner, o), nil
}

// Wrap puts the limits of o on an open listener.
func Wrap(inner net.Listener, o Options) *Listener {
	if o.Reserve <= 0 {
		o.Reserve = 64
	}
	if o.FirstByteTimeout == 0 {
		o.FirstByteTimeout = 10 * time.Second
	}
	limit := DescriptorLimit()
	most := max(int(limit)-o.Reserve, 16)
	if o.MaxConns <= 0 || o.MaxConns > most {
		o.MaxConns = most
	}
	return &Listener{
		Listener:   inner,
		slots:      make(chan struct{}, o.MaxConns),
		firstByte:  o.FirstByteTimeout,
		closed:     make(chan struct{}),
		descriptor: limit,
	}
}

// DescriptorLimit is the process's limit on open descriptors (Go raises
// the soft limit to the hard one at start-up).
func DescriptorLimit() uint64 {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil || r.Cur == 0 {
		return 1024
	}
	return r.Cur
}

// Accept waits for a free slot, then for a connection.
func (l *Listener) Accept() (net.Conn, error) {
	select {
	case l.slots <- struct{}{}:
	case <-l.closed:
		return nil, net.ErrClosed
	}
	for {
		c, err := l.Listener.Accept()
		if err == nil {
			l.open.Add(1)
			l.failedAt.Store(0)
			lc := &conn{Conn: c, l: l}
			if l.firstByte > 0 {
				lc.firstBy = time.Now().Add(l.firstByte)
				lc.waiting.Store(true)
				_ = c.SetReadDeadline(lc.firstBy)
			}
			return lc, nil
		}
		if errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) {
			// Out of descriptors: health reports it until an accept
			// succeeds; the caller (gRPC, net/http) retries with a backoff.
			l.failedAt.Store(time.Now().UnixNano())
			l.failures.Add(1)
		}
		<-l.slots
		return nil, err
	}
}

// Close stops accepting.
func (l *Listener) Close() error {
	l.closeOnce.Do(func() { close(l.closed) })
	return l.Listener.Close()
}

// Open is how many accepted connections are open now.
func (l *Listener) Open() int { return int(l.open.Load()) }

// MaxConns is how many connections may be open at once.
func (l *Listener) MaxConns() int { return cap(l.slots) }

// AcceptFailures is how many accepts failed for want of descriptors.
func (l *Listener) AcceptFailures() int64 { return l.failures.Load() }

// Health reports why the listener cannot take new callers now, or nil:
// every connection slot is taken, or accepts failed for want of
// descriptors in the last window and none has succeeded since.
func (l *Listener) Health(window time.Duration) error {
	if at := l.failedAt.Load(); at != 0 && time.Since(time.Unix(0, at)) < window {
		return fmt.Errorf("accepting connections fails: out of file descriptors (limit %d)", l.descriptor)
	}
	if n := l.Open(); n >= l.MaxConns() {
		return fmt.Errorf("all %d connection slots are taken", n)
	}
	return nil
}

// conn gives its slot back when closed, and holds the first-byte deadline
// until the peer has sent something: a server that sets a later read
// deadline meanwhile (gRPC's handshake sets 120 s) gets it only once the
// peer has spoken.
type conn struct {
	net.Conn
	l         *Listener
	closeOnce sync.Once

	// waiting is set while the first-byte deadline holds, so that reads
	// after the first take no lock.
	waiting atomic.Bool
	mu      sync.Mutex
	// firstBy is the first-byte deadline; zero once the peer has spoken,
	// or when there is none.
	firstBy time.Time
	// want is the read deadline the server asked for meanwhile.
	want time.Time
}

func (c *conn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 && c.waiting.Load() {
		c.mu.Lock()
		c.waiting.Store(false)
		if !c.firstBy.IsZero() {
			c.firstBy = time.Time{}
			_ = c.Conn.SetReadDeadline(c.want)
		}
		c.mu.Unlock()
	}
	return n, err
}

// SetDeadline implements net.Conn, keeping the first-byte deadline.
func (c *conn) SetDeadline(t time.Time) error {
	if err := c.Conn.SetWriteDeadline(t); err != nil {
		return err
	}
	return c.SetReadDeadline(t)
}

// SetReadDeadline implements net.Conn: before the peer has spoken, a
// deadline later than the first-byte one (or none) waits for its first
// byte.
func (c *conn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.firstBy.IsZero() {
		c.want = t
		if t.IsZero() || t.After(c.firstBy) {
			return nil
		}
	}
	return c.Conn.SetReadDeadline(t)
}

func (c *conn) Close() error {
	err := c.Conn.Close()
	c.closeOnce.Do(func() {
		c.l.open.Add(-1)
		<-c.l.slots
	})
	return err
}
