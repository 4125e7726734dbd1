package load

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/sendgate/sendgate/internal/workload"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// Loop modes and RPCs understood by Config.
const (
	ModeClosed = "closed"
	ModeOpen   = "open"
	RPCCheck   = "check"
	RPCBatch   = "batch"
)

// maxMessageSize bounds the client's messages; a 1,000-item batch of
// 4,096-character texts fits comfortably.
const maxMessageSize = 64 << 20

// Config describes one load run.
type Config struct {
	// Addr is the server's HOST:PORT.
	Addr string
	// AllowRemote permits an Addr that is not a loopback address.
	AllowRemote bool
	// Mode is ModeClosed (Concurrency callers back to back) or ModeOpen
	// (calls started on a fixed timetable at Rate decisions/s).
	Mode string
	// Concurrency is the number of closed-loop callers.
	Concurrency int
	// Rate is the open-loop target in decisions per second.
	Rate float64
	// MaxInFlight is the number of open-loop callers, which bounds the
	// calls in flight; a send whose turn comes while all are busy waits,
	// and the wait counts as latency.
	MaxInFlight int
	// Warmup is run first and not measured.
	Warmup time.Duration
	// Duration is the measured time.
	Duration time.Duration
	// Timeout is how long calls still in flight after Duration may take
	// before they are cancelled; it bounds the whole run.
	Timeout time.Duration
	// ConnectTimeout bounds the wait for the connection to become ready.
	ConnectTimeout time.Duration
	// RPC is RPCCheck or RPCBatch.
	RPC string
	// BatchSize is the number of requests per CheckBatch call.
	BatchSize int
	// Mix holds the requests to send, used in turn.
	Mix []workload.MixItem
	// UniqueText appends a per-call number to every text so that no cache
	// keyed by the text can answer.
	UniqueText bool
	// ServerPID, when non-zero, is the server process whose CPU time and
	// resident memory are reported.
	ServerPID int
}

func (c *Config) validate() error {
	if !c.AllowRemote {
		if err := CheckLoopback(c.Addr); err != nil {
			return err
		}
	}
	switch {
	case c.Mode != ModeClosed && c.Mode != ModeOpen:
		return fmt.Errorf("mode %q: want %s or %s", c.Mode, ModeClosed, ModeOpen)
	case c.RPC != RPCCheck && c.RPC != RPCBatch:
		return fmt.Errorf("rpc %q: want %s or %s", c.RPC, RPCCheck, RPCBatch)
	case c.Mode == ModeClosed && c.Concurrency < 1:
		return errors.New("concurrency must be at least 1")
	case c.Mode == ModeOpen && c.Rate <= 0:
		return errors.New("open loop needs a rate above 0")
	case c.Mode == ModeOpen && c.MaxInFlight < 1:
		return errors.New("max in-flight must be at least 1")
	case c.RPC == RPCBatch && c.BatchSize < 1:
		return errors.New("batch size must be at least 1")
	case c.Duration <= 0:
		return errors.New("duration must be positive")
	case c.Warmup < 0 || c.Timeout <= 0:
		return errors.New("warmup must not be negative and timeout must be positive")
	case len(c.Mix) == 0:
		return errors.New("empty mix")
	}
	if c.RPC == RPCCheck {
		c.BatchSize = 1
	}
	return nil
}

// Run performs one load run and reports what it measured. It returns after
// Warmup + Duration, plus at most Timeout for calls still in flight, or
// sooner when ctx ends.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	conn, err := grpc.NewClient(cfg.Addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMessageSize), grpc.MaxCallSendMsgSize(maxMessageSize)))
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	client := sendgatev1.NewDecisionServiceClient(conn)
	if err := waitReady(ctx, conn, client, cfg.Mix[0].Request, cfg.ConnectTimeout); err != nil {
		return nil, fmt.Errorf("connect to %s: %w", cfg.Addr, err)
	}

	n := cfg.Concurrency
	if cfg.Mode == ModeOpen {
		n = cfg.MaxInFlight
	}
	workers := make([]*worker, n)
	for i := range workers {
		workers[i] = newWorker(i, client, &cfg)
	}

	start := time.Now()
	measureFrom := start.Add(cfg.Warmup)
	end := measureFrom.Add(cfg.Duration)
	stop := end.Add(cfg.Timeout)
	runCtx, cancel := context.WithDeadline(ctx, stop)
	defer cancel()

	var wg sync.WaitGroup
	var dispatcher *dispatcher
	if cfg.Mode == ModeOpen {
		dispatcher = newDispatcher(start, end, measureFrom, float64(cfg.BatchSize)/cfg.Rate)
		go dispatcher.run(runCtx)
	}
	for _, w := range workers {
		wg.Go(func() {
			if dispatcher != nil {
				w.runOpen(runCtx, dispatcher.jobs, measureFrom, stop)
			} else {
				w.runClosed(runCtx, measureFrom, end)
			}
		})
	}

	var before, after cpuSample
	select {
	case <-time.After(time.Until(measureFrom)):
	case <-ctx.Done():
	}
	before = sampleCPU(cfg.ServerPID)
	wg.Wait()
	after = sampleCPU(cfg.ServerPID)
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	res := newResult(&cfg)
	var unsent int64
	if dispatcher != nil {
		unsent = dispatcher.unsent
	}
	res.collect(workers, unsent)
	res.finish(cfg.Duration, before, after)
	if cfg.ServerPID != 0 {
		if m, err := ProcessMemory(cfg.ServerPID); err == nil {
			res.ServerMemory = &m
		}
	}
	res.GOMAXPROCS = runtime.GOMAXPROCS(0)
	return res, nil
}

// waitReady waits until the connection is up and the server answers req
// with anything but UNAVAILABLE (a server still loading its policies).
func waitReady(ctx context.Context, conn *grpc.ClientConn, client sendgatev1.DecisionServiceClient, req *sendgatev1.CheckRequest, timeout time.Duration) error {
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn.Connect()
	for s := conn.GetState(); s != connectivity.Ready; s = conn.GetState() {
		if !conn.WaitForStateChange(ctx, s) {
			return ctx.Err()
		}
	}
	for {
		_, err := client.Check(ctx, req)
		if status.Code(err) != codes.Unavailable {
			return ctx.Err()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("server still unavailable: %w", err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// dispatcher hands out intended send times on a fixed timetable: the i-th
// call is due at start + i·interval, whatever happened to earlier calls.
type dispatcher struct {
	jobs                    chan time.Time
	start, end, measureFrom time.Time
	interval                float64 // seconds between calls
	unsent                  int64   // measured sends never handed out; read after jobs closes
}

func newDispatcher(start, end, measureFrom time.Time, interval float64) *dispatcher {
	return &dispatcher{
		jobs: make(chan time.Time, 4096), start: start, end: end,
		measureFrom: measureFrom, interval: interval,
	}
}

func (d *dispatcher) run(ctx context.Context) {
	defer close(d.jobs)
	// Go's timers wake an idle process up to a millisecond late, which
	// would count as latency; a thread of its own sleeping in nanosleep
	// keeps to the timetable within tens of microseconds.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for i := 0; ; i++ {
		t := d.start.Add(time.Duration(float64(i) * d.interval * float64(time.Second)))
		if !t.Before(d.end) {
			return
		}
		if wait := time.Until(t); wait > 0 {
			sleep(min(wait, maxSleep))
			if time.Now().Before(t) && ctx.Err() == nil {
				i-- // woke early to check ctx: same send again
				continue
			}
		}
		select {
		case d.jobs <- t:
		case <-ctx.Done():
			d.unsent += d.remaining(t)
			return
		}
	}
}

// remaining counts the measured sends due from t (included) to the end.
func (d *dispatcher) remaining(t time.Time) int64 {
	from := t
	if from.Before(d.measureFrom) {
		from = d.measureFrom
	}
	if !from.Before(d.end) {
		return 0
	}
	return int64(math.Ceil(d.end.Sub(from).Seconds() / d.interval))
}

// maxSleep bounds one nanosleep, so that a cancelled run is noticed soon.
const maxSleep = 50 * time.Millisecond

// sleep blocks the calling thread for d.
func sleep(d time.Duration) {
	ts := syscall.NsecToTimespec(int64(d))
	for syscall.Nanosleep(&ts, &ts) == syscall.EINTR {
	}
}
