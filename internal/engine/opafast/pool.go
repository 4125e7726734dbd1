package opafast

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
)

// ErrOverloaded is returned when the pool's queue is full: the caller is
// refused at once rather than left waiting behind work it cannot overtake.
var ErrOverloaded = errors.New("too many decisions waiting; try again shortly")

// Pool bounds how many evaluations run at once and how many wait.
//
// A decision is pure CPU work, so running more at once than there are
// processors only interleaves them: each takes longer, and more grown stacks
// and more garbage are alive at once. An evaluation runs on its caller's
// goroutine once one of the pool's places is free: handing it to another
// goroutine and back costs two wake-ups, tens of microseconds on a machine
// whose other processor sleeps, as much as a quarter of a decision. The
// caller's stack is grown first, in one step, to what OPA's recursion needs
// (assumption 4). Callers beyond the places wait in a queue of bounded
// length, in order of arrival; past it, work is refused with ErrOverloaded.
type Pool struct {
	workers  int
	maxQueue int64
	// places holds a token for each evaluation running.
	places   chan struct{}
	waiting  atomic.Int64
	inFlight atomic.Int64
}

// PoolOptions size a pool.
type PoolOptions struct {
	// Workers is how many evaluations run at once; zero means GOMAXPROCS.
	Workers int
	// MaxQueue is how many calls may wait for a place; zero means
	// QueuePerWorker for each worker.
	MaxQueue int
}

// QueuePerWorker sizes a pool's queue by default: at 100 to 200 µs a
// decision, a full queue is drained in a few milliseconds, so a call that
// is admitted waits little longer than at capacity, and the rest are
// refused at once.
const QueuePerWorker = 16

// NewPool returns a pool.
func NewPool(o PoolOptions) *Pool {
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.MaxQueue <= 0 {
		o.MaxQueue = QueuePerWorker * o.Workers
	}
	return &Pool{workers: o.Workers, maxQueue: int64(o.MaxQueue), places: make(chan struct{}, o.Workers)}
}

// Workers is how many evaluations the pool runs at once.
func (p *Pool) Workers() int { return p.workers }

// Waiting is how many calls wait for a place now.
func (p *Pool) Waiting() int { return int(p.waiting.Load()) }

// MaxQueue is how many calls may wait for a place.
func (p *Pool) MaxQueue() int { return int(p.maxQueue) }

// Full reports whether the queue is full now, so that work submitted now
// would be refused.
func (p *Pool) Full() bool { return p.waiting.Load() >= p.maxQueue }

// Busy is how many calls are queued or running now.
func (p *Pool) Busy() int { return int(p.inFlight.Load()) }

// take takes a place, at once when one is free, else after waiting in the
// queue. A place given back goes to the call that has waited longest: Go
// hands a buffered channel's freed slot to its first blocked sender.
func (p *Pool) take(ctx context.Context) error {
	if p.tryTake() {
		return nil
	}
	if p.waiting.Add(1) > p.maxQueue {
		p.waiting.Add(-1)
		return ErrOverloaded
	}
	defer p.waiting.Add(-1)
	select {
	case p.places <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// tryTake takes a place only if one is free now.
func (p *Pool) tryTake() bool {
	select {
	case p.places <- struct{}{}:
		return true
	default:
		return false
	}
}

func (p *Pool) give() { <-p.places }

// Do runs fn on the calling goroutine once a place is free, and returns
// once it has run. It returns ErrOverloaded at once when the queue is full,
// and ctx's error when ctx ends while the call waits (fn has not run then).
// Once started, fn runs to its end: it must stop by itself when ctx ends.
// A panic in fn reaches the caller.
func (p *Pool) Do(ctx context.Context, fn func()) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p.inFlight.Add(1)
	defer p.inFlight.Add(-1)
	if err := p.take(ctx); err != nil {
		return err
	}
	defer p.give()
	growStack()
	fn()
	return nil
}

// Each runs fn(0), …, fn(n-1) spread over up to every place: the caller
// takes one (waiting in the queue if need be) and runs items itself, and
// each other place free now gets a goroutine of its own. It returns
// ErrOverloaded when no place is free and the queue is full. When ctx ends
// the items not started are skipped and ctx's error returned; fn must stop
// by itself when ctx ends. A panic in fn is raised again in the caller
// once the others have stopped.
func (p *Pool) Each(ctx context.Context, n int, fn func(i int)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	p.inFlight.Add(1)
	defer p.inFlight.Add(-1)
	if err := p.take(ctx); err != nil {
		return err
	}
	var next atomic.Int64
	var failed atomic.Bool
	var panicked atomic.Value
	loop := func() {
		defer func() {
			if r := recover(); r != nil {
				failed.Store(true)
				panicked.CompareAndSwap(nil, panicBox{r})
			}
		}()
		growStack()
		for !failed.Load() && ctx.Err() == nil {
			i := int(next.Add(1) - 1)
			if i >= n {
				return
			}
			fn(i)
		}
	}
	var wg sync.WaitGroup
	for extra := min(p.workers, n) - 1; extra > 0 && p.tryTake(); extra-- {
		p.inFlight.Add(1)
		wg.Go(func() {
			defer p.inFlight.Add(-1)
			defer p.give()
			loop()
		})
	}
	loop()
	p.give()
	wg.Wait()
	if r, ok := panicked.Load().(panicBox); ok {
		panic(r.v)
	}
	// Items are left only when ctx has ended.
	return ctx.Err()
}

// panicBox holds a recovered value for atomic.Value, which takes only one
// concrete type.
type panicBox struct{ v any }
