package opafast

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestPoolRunsAtMostWorkersAtOnce(t *testing.T) {
	p := NewPool(PoolOptions{Workers: 2, MaxQueue: 64})
	var running, most atomic.Int32
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			err := p.Do(context.Background(), func() {
				n := running.Add(1)
				for {
					m := most.Load()
					if n <= m || most.CompareAndSwap(m, n) {
						break
					}
				}
				time.Sleep(time.Millisecond)
				running.Add(-1)
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if m := most.Load(); m < 1 || m > 2 {
		t.Fatalf("%d ran at once, want at most the 2 workers", m)
	}
}

// blocked fills a pool's workers and queue with work that waits for release.
func blocked(t *testing.T, p *Pool, queued int) (release func()) {
	t.Helper()
	gate := make(chan struct{})
	started := make(chan struct{}, p.workers)
	for range p.workers {
		go func() { _ = p.Do(context.Background(), func() { started <- struct{}{}; <-gate }) }()
	}
	for range p.workers {
		<-started
	}
	for range queued {
		go func() { _ = p.Do(context.Background(), func() {}) }()
	}
	deadline := time.Now().Add(10 * time.Second)
	for p.Waiting() < queued {
		if time.Now().After(deadline) {
			t.Fatalf("%d waiting, want %d", p.Waiting(), queued)
		}
		time.Sleep(time.Millisecond)
	}
	return func() { close(gate) }
}

func TestPoolRefusesAtOnceWhenTheQueueIsFull(t *testing.T) {
	p := NewPool(PoolOptions{Workers: 1, MaxQueue: 2})
	release := blocked(t, p, 2)
	defer release()
	start := time.Now()
	if err := p.Do(context.Background(), func() { t.Error("refused work ran") }); !errors.Is(err, ErrOverloaded) {
		t.Fatalf("Do with the queue full = %v, want ErrOverloaded", err)
	}
	if err := p.Each(context.Background(), 5, func(int) { t.Error("refused batch ran") }); !errors.Is(err, ErrOverloaded) {
		t.Fatalf("Each with the queue full = %v, want ErrOverloaded", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("refusals took %v", took)
	}
	if busy := p.Busy(); busy != 3 {
		t.Errorf("Busy = %d, want the running call and the 2 waiting", busy)
	}
}

func TestPoolCallerLeavesWhenItsContextEnds(t *testing.T) {
	p := NewPool(PoolOptions{Workers: 1, MaxQueue: 4})
	release := blocked(t, p, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	ran := make(chan struct{}, 1)
	if err := p.Do(ctx, func() { ran <- struct{}{} }); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Do = %v, want the deadline", err)
	}
	release()
	// The abandoned job is skipped once a worker reaches it.
	if err := p.Do(context.Background(), func() {}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ran:
		t.Error("work whose caller had gone ran anyway")
	default:
	}
}

func TestPoolRaisesAPanicInItsCaller(t *testing.T) {
	p := NewPool(PoolOptions{Workers: 1})
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want boom", r)
			}
		}()
		_ = p.Do(context.Background(), func() { panic("boom") })
		t.Error("Do returned after a panic")
	}()
	func() {
		defer func() {
			if r := recover(); r != "item 3" {
				t.Errorf("recovered %v, want item 3", r)
			}
		}()
		_ = p.Each(context.Background(), 10, func(i int) {
			if i == 3 {
				panic("item 3")
			}
		})
		t.Error("Each returned after a panic")
	}()
	// The workers survive.
	if err := p.Do(context.Background(), func() {}); err != nil {
		t.Fatal(err)
	}
}

func TestPoolEachRunsEveryItemOnceAndStopsWithItsContext(t *testing.T) {
	p := NewPool(PoolOptions{Workers: 3})
	seen := make([]atomic.Int32, 1000)
	if err := p.Each(context.Background(), len(seen), func(i int) { seen[i].Add(1) }); err != nil {
		t.Fatal(err)
	}
	for i := range seen {
		if n := seen[i].Load(); n != 1 {
			t.Fatalf("item %d ran %d times", i, n)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	var ran atomic.Int32
	err := p.Each(ctx, 1000, func(i int) {
		if ran.Add(1) == 10 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Each = %v, want context.Canceled", err)
	}
	if n := ran.Load(); n >= 1000 {
		t.Errorf("all %d items ran after the caller cancelled", n)
	}
}

// goroutineID reads the calling goroutine's number from its stack trace.
func goroutineID() string {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	id, _, _ := strings.Cut(strings.TrimPrefix(string(buf), "goroutine "), " ")
	return id
}

func TestPoolRunsWorkOnTheCallersGoroutine(t *testing.T) {
	p := NewPool(PoolOptions{Workers: 2})
	caller := goroutineID()
	var ran string
	if err := p.Do(context.Background(), func() { ran = goroutineID() }); err != nil {
		t.Fatal(err)
	}
	if ran != caller {
		t.Fatalf("work ran on goroutine %s, want the caller's %s", ran, caller)
	}
}

func TestPoolGivesAFreedPlaceToTheLongestWaiting(t *testing.T) {
	p := NewPool(PoolOptions{Workers: 1, MaxQueue: 8})
	release := blocked(t, p, 0)
	var order []int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			_ = p.Do(context.Background(), func() { mu.Lock(); order = append(order, i); mu.Unlock() })
		})
		// Each waits before the next arrives.
		deadline := time.Now().Add(10 * time.Second)
		for p.Waiting() < i+1 {
			if time.Now().After(deadline) {
				t.Fatalf("%d waiting, want %d", p.Waiting(), i+1)
			}
			time.Sleep(time.Millisecond)
		}
	}
	release()
	wg.Wait()
	for i, got := range order {
		if got != i {
			t.Fatalf("ran in order %v, want arrival order", order)
		}
	}
}
