package lowprio

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestRun(t *testing.T) {
	if !supported {
		t.Skip("no thread priorities here")
	}
	before := runtime.GOMAXPROCS(0)
	var tid, procs, nice int
	want := errors.New("f's error")
	v, err := Run(func() (string, error) {
		tid, procs = unix.Gettid(), runtime.GOMAXPROCS(0)
		// The raw system call answers 20 - nice.
		p, perr := unix.Getpriority(unix.PRIO_PROCESS, tid)
		if perr != nil {
			return "", perr
		}
		nice = 20 - p
		return "done", want
	})
	if v != "done" || !errors.Is(err, want) {
		t.Fatalf("Run = %q, %v", v, err)
	}
	if nice != 19 || procs != before+1 {
		t.Fatalf("f ran at nice %d with GOMAXPROCS %d (before %d)", nice, procs, before)
	}
	if after := runtime.GOMAXPROCS(0); after != before {
		t.Fatalf("GOMAXPROCS %d after Run, was %d", after, before)
	}
	// The thread ends with f, so no other goroutine runs at its priority;
	// Go parks the main thread for good instead.
	if tid == os.Getpid() {
		return
	}
	task := fmt.Sprintf("/proc/self/task/%d", tid)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(task); errors.Is(err, os.ErrNotExist) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("thread %d still exists after Run", tid)
		}
	}
}

func TestRunPassesPanicsOn(t *testing.T) {
	defer func() {
		if r := recover(); r != "boom" {
			t.Fatalf("recovered %v, want boom", r)
		}
	}()
	_, _ = Run(func() (int, error) { panic("boom") })
	t.Fatal("no panic")
}
