package listen

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// listen opens a limited listener on 127.0.0.1, closed when the test ends.
func listen(t *testing.T, o Options) *Listener {
	t.Helper()
	l, err := Listen("127.0.0.1:0", o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after 5 s: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestSlotsBoundOpenConnections(t *testing.T) {
	l := listen(t, Options{MaxConns: 3, FirstByteTimeout: -1})
	accepted := make(chan net.Conn, 10)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	var clients []net.Conn
	for range 5 {
		c, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
	}
	t.Cleanup(func() {
		for _, c := range clients {
			c.Close()
		}
	})
	waitFor(t, "three connections accepted", func() bool { return len(accepted) == 3 })
	time.Sleep(50 * time.Millisecond)
	if n := len(accepted); n != 3 || l.Open() != 3 {
		t.Fatalf("%d accepted, %d open; want 3 and 3 (the slots)", n, l.Open())
	}
	if err := l.Health(time.Second); err == nil || !strings.Contains(err.Error(), "slots are taken") {
		t.Fatalf("health with every slot taken: %v", err)
	}
	// Closing one gives its slot to the next connection waiting.
	(<-accepted).Close()
	waitFor(t, "a fourth connection accepted", func() bool { return len(accepted) == 3 })
	if l.Open() != 3 {
		t.Fatalf("%d open, want 3", l.Open())
	}
}

func TestSilentConnectionsAreClosed(t *testing.T) {
	l := listen(t, Options{FirstByteTimeout: 100 * time.Millisecond})
	type outcome struct {
		data string
		err  error
		at   time.Duration
	}
	results := make(chan outcome, 2)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				start := time.Now()
				buf := make([]byte, 16)
				n, err := c.Read(buf)
				if err == nil {
					// It spoke: no deadline any more, however long it
					// waits before the next byte.
					var m int
					m, err = c.Read(buf[n:])
					n += m
				}
				results <- outcome{string(buf[:n]), err, time.Since(start)}
			}()
		}
	}()
	silent, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	r := <-results
	var nerr net.Error
	if !errors.As(r.err, &nerr) || !nerr.Timeout() {
		t.Fatalf("silent connection: read %q, %v; want a timeout", r.data, r.err)
	}
	if r.at > 2*time.Second {
		t.Fatalf("silent connection closed after %v, want about 100 ms", r.at)
	}

	speaker, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer speaker.Close()
	if _, err := speaker.Write([]byte("a")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // three first-byte timeouts
	if _, err := speaker.Write([]byte("b")); err != nil {
		t.Fatal(err)
	}
	r = <-results
	if r.err != nil || r.data != "ab" {
		t.Fatalf("speaking connection: read %q, %v; want \"ab\" and no error", r.data, r.err)
	}
}

// emfile is a listener whose accepts fail for want of descriptors until
// told otherwise.
type emfile struct {
	net.Listener
	fail chan bool
}

func (e emfile) Accept() (net.Conn, error) {
	if <-e.fail {
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: syscall.EMFILE}
	}
	return e.Listener.Accept()
}

func TestOutOfDescriptorsIsReported(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fail := make(chan bool, 1)
	l := Wrap(emfile{inner, fail}, Options{FirstByteTimeout: -1})
	defer l.Close()
	if err := l.Health(time.Minute); err != nil {
		t.Fatalf("health before any accept: %v", err)
	}
	fail <- true
	if _, err := l.Accept(); !errors.Is(err, syscall.EMFILE) {
		t.Fatalf("accept: %v, want EMFILE", err)
	}
	if err := l.Health(time.Minute); err == nil || !strings.Contains(err.Error(), "out of file descriptors") {
		t.Fatalf("health after EMFILE: %v", err)
	}
	if l.AcceptFailures() != 1 || l.Open() != 0 {
		t.Fatalf("%d failures, %d open; want 1 and 0 (the slot given back)", l.AcceptFailures(), l.Open())
	}
	// A successful accept clears it.
	c, err := net.Dial("tcp", inner.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fail <- false
	got, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	if err := l.Health(time.Minute); err != nil {
		t.Fatalf("health after a successful accept: %v", err)
	}
}

// TestIdleConnectionsCannotLockOutCallers: more idle TCP connections than
// the server has slots (before, 1,100 idle connections under a 1,024
// descriptor limit made every call fail) are closed after the first-byte
// timeout, and a gRPC caller gets its answer.
func TestIdleConnectionsCannotLockOutCallers(t *testing.T) {
	l := listen(t, Options{MaxConns: 8, FirstByteTimeout: 200 * time.Millisecond})
	srv := grpc.NewServer()
	healthpb.RegisterHealthServer(srv, health.NewServer())
	go func() { _ = srv.Serve(l) }()
	defer srv.Stop()

	var idle []net.Conn
	for range 40 {
		c, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		idle = append(idle, c)
	}
	defer func() {
		for _, c := range idle {
			c.Close()
		}
	}()
	waitFor(t, "every slot taken by an idle connection", func() bool { return l.Open() == 8 })

	cc, err := grpc.NewClient(l.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	resp, err := healthpb.NewHealthClient(cc).Check(ctx, &healthpb.HealthCheckRequest{})
	if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("call behind 40 idle connections: %v, %v", resp, err)
	}
	t.Logf("answered after %v with 40 idle connections and 8 slots", time.Since(start).Round(time.Millisecond))
	// The idle connections were closed by the server (after its
	// preface, which gRPC writes first).
	_ = idle[0].SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.Copy(io.Discard, idle[0]); err != nil {
		t.Fatalf("idle connection: %v, want closed by the server", err)
	}
}
