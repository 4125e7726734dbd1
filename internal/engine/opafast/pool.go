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

// Pool runs evaluations on a fixed set of long-lived worker goroutines.
//
// A decision is pure CPU work, so running more at once than there are
// processors only interleaves them: each takes longer, and more grown stacks
// and more garbage are alive at once. The workers' stacks stay grown to what
// OPA's recursion needs (assumption 4), where a goroutine per call would grow
// its stack anew each time. Work beyond the workers waits in a queue of
// bounded length; past it, work is refused with ErrOverloaded.
type Pool struct {
	workers  int
	queue    chan *job
	start    sync.Once
	onPanic  func(any)
	inFlight atomic.Int64
}

// PoolOptions size a pool.
type PoolOptions struct {
	// Workers is how many evaluations run at once; zero means GOMAXPROCS.
	Workers int
	// MaxQueue is how many calls may wait for a worker; zero means
	// QueuePerWorker for each worker.
	MaxQueue int
	// OnPanic is told of a panic in work whose caller had already gone;
	// a panic in work whose caller waits is raised again in the caller.
	OnPanic func(any)
}

// QueuePerWorker sizes a pool's queue by default: at 100 to 200 µs a
// decision, a full queue is drained in a few milliseconds, so a call that
// is admitted waits little longer than at capacity, and the rest are
// refused at once.
const QueuePerWorker = 16

// NewPool returns a pool; its workers start with the first work.
func NewPool(o PoolOptions) *Pool {
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.MaxQueue <= 0 {
		o.MaxQueue = QueuePerWorker * o.Workers
	}
	return &Pool{workers: o.Workers, queue: make(chan *job, o.MaxQueue), onPanic: o.OnPanic}
}

// Workers is how many evaluations the pool runs at once.
func (p *Pool) Workers() int { return p.workers }

// Waiting is how many calls wait for a worker now.
func (p *Pool) Waiting() int { return len(p.queue) }

// MaxQueue is how many calls may wait for a worker.
func (p *Pool) MaxQueue() int { return cap(p.queue) }

// Full reports whether the queue is full now, so that work submitted now
// would be refused.
func (p *Pool) Full() bool { return len(p.queue) >= cap(p.queue) }

// Busy is how many calls are queued or running now.
func (p *Pool) Busy() int { return int(p.inFlight.Load()) }

// job is one call's work as a worker sees it. A job whose caller waited for
// it to finish is reused; one whose caller left early is not, since its
// worker may still hold it.
type job struct {
	ctx   context.Context
	run   func()
	done  chan struct{}
	ran   bool
	panic any
}

var jobs = sync.Pool{New: func() any { return &job{done: make(chan struct{}, 1)} }}

func (p *Pool) work() {
	for j := range p.queue {
		j.ran, j.panic = false, nil
		if j.ctx.Err() == nil {
			j.ran = true
			p.runJob(j)
		}
		j.done <- struct{}{}
	}
}

func (p *Pool) runJob(j *job) {
	defer func() {
		if r := recover(); r != nil {
			j.panic = r
		}
	}()
	growStack()
	j.run()
}

// submit queues run, or returns nil when the queue is full.
func (p *Pool) submit(ctx context.Context, run func()) *job {
	p.start.Do(func() {
		for range p.workers {
			go p.work()
		}
	})
	j := jobs.Get().(*job)
	j.ctx, j.run = ctx, run
	select {
	case p.queue <- j:
		p.inFlight.Add(1)
		return j
	default:
		j.ctx, j.run = nil, nil
		jobs.Put(j)
		return nil
	}
}

// finish returns a job whose done signal its caller has received, raising
// again a panic of its work in the caller.
func (p *Pool) finish(j *job) (ran bool) {
	p.inFlight.Add(-1)
	ran, r := j.ran, j.panic
	j.ctx, j.run, j.panic = nil, nil, nil
	jobs.Put(j)
	if r != nil {
		panic(r)
	}
	return ran
}

// abandon leaves a job to its worker; its panic, if any, goes to OnPanic.
func (p *Pool) abandon(j *job) {
	go func() {
		<-j.done
		p.inFlight.Add(-1)
		if j.panic != nil && p.onPanic != nil {
			p.onPanic(j.panic)
		}
	}()
}

// Do runs fn on a worker and returns once it has run. It returns
// ErrOverloaded at once when the queue is full, and ctx's error when ctx
// ends first (fn may then still be running: it must stop by itself when
// ctx ends, and the caller must not read what it writes). A panic in fn is
// raised again in the caller.
func (p *Pool) Do(ctx context.Context, fn func()) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	j := p.submit(ctx, fn)
	if j == nil {
		return ErrOverloaded
	}
	select {
	case <-j.done:
		if !p.finish(j) {
			return ctx.Err()
		}
		return nil
	case <-ctx.Done():
		p.abandon(j)
		return ctx.Err()
	}
}

// Each runs fn(0), …, fn(n-1) spread over up to every worker, taking one
// place in the queue per worker it uses, and returns once all have run. It
// returns ErrOverloaded when the queue has no place at all. When ctx ends
// the items not started are skipped and ctx's error returned; fn must stop
// by itself when ctx ends. A panic in fn is raised again in the caller once
// the other workers have stopped.
func (p *Pool) Each(ctx context.Context, n int, fn func(i int)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	var next atomic.Int64
	var failed atomic.Bool
	loop := func() {
		defer func() {
			if r := recover(); r != nil {
				failed.Store(true)
				panic(r)
			}
		}()
		for !failed.Load() && ctx.Err() == nil {
			i := int(next.Add(1) - 1)
			if i >= n {
				return
			}
			fn(i)
		}
	}
	queued := make([]*job, 0, min(p.workers, n))
	for range cap(queued) {
		j := p.submit(ctx, loop)
		if j == nil {
			break
		}
		queued = append(queued, j)
	}
	if len(queued) == 0 {
		return ErrOverloaded
	}
	var panicked any
	for _, j := range queued {
		<-j.done
		func() {
			defer func() {
				if r := recover(); r != nil && panicked == nil {
					panicked = r
				}
			}()
			p.finish(j)
		}()
	}
	if panicked != nil {
		panic(panicked)
	}
	// Items are left only when ctx has ended.
	return ctx.Err()
}
