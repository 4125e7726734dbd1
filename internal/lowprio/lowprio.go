// Package lowprio runs heavy background work, such as compiling a new
// policy bundle, so that it takes processor time from the decisions in
// flight only when they leave some.
package lowprio

import (
	"runtime"
	"sync"
)

// mu serialises Run, which changes GOMAXPROCS for its duration.
var mu sync.Mutex

// Run calls f on an operating-system thread of its own, at the lowest
// scheduling priority the system grants (nice 19 on Linux), and returns
// what f returns. For f's duration the Go scheduler gets one more
// processor, so that f does not hold one of those the decisions run on:
// they keep as many as before, and the kernel gives f's thread the CPU
// time they leave. Goroutines f starts run at normal priority; the
// thread ends with f (or, if it is the main thread, Go parks it for good),
// so its priority is never handed to other work.
// Where priorities cannot be set, f runs on the calling goroutine.
func Run[T any](f func() (T, error)) (T, error) {
	if !supported {
		return f()
	}
	mu.Lock()
	defer mu.Unlock()
	prev := runtime.GOMAXPROCS(0)
	runtime.GOMAXPROCS(prev + 1)
	defer runtime.GOMAXPROCS(prev)

	type result struct {
		v        T
		err      error
		panicked any
	}
	done := make(chan result, 1)
	go func() {
		// Never unlocked: the thread exits with this goroutine.
		runtime.LockOSThread()
		lower()
		var r result
		defer func() {
			r.panicked = recover()
			done <- r
		}()
		r.v, r.err = f()
	}()
	r := <-done
	if r.panicked != nil {
		// On the caller's goroutine, where it can be recovered.
		panic(r.panicked)
	}
	return r.v, r.err
}
