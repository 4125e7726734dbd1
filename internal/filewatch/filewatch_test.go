package filewatch

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// watch runs Watch on paths and returns a channel told of every call.
func watch(t *testing.T, paths []string, o Options) <-chan struct{} {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	calls := make(chan struct{}, 100)
	done := make(chan error, 1)
	go func() { done <- Watch(ctx, paths, o, func() { calls <- struct{}{} }) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Watch: %v", err)
		}
	})
	// Let the watcher set up before the test changes anything.
	time.Sleep(50 * time.Millisecond)
	return calls
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// called waits for a call (up to 10 s).
func called(t *testing.T, calls <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-calls:
	case <-time.After(10 * time.Second):
		t.Fatalf("no call after %s", what)
	}
}

// quiet checks no call comes for a while.
func quiet(t *testing.T, calls <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-calls:
		t.Fatalf("called after %s", what)
	case <-time.After(300 * time.Millisecond):
	}
}

func TestWatch(t *testing.T) {
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	write(t, cert, "a")
	write(t, key, "a")
	calls := watch(t, []string{cert, key}, Options{Settle: 20 * time.Millisecond, Interval: -1})

	t.Run("write_in_place", func(t *testing.T) {
		write(t, cert, "b")
		called(t, calls, "writing the certificate")
	})
	t.Run("rename_over", func(t *testing.T) {
		tmp := filepath.Join(dir, "tls.key.new")
		write(t, tmp, "c")
		if err := os.Rename(tmp, key); err != nil {
			t.Fatal(err)
		}
		called(t, calls, "renaming a new key over the old")
	})
	t.Run("other_files_ignored", func(t *testing.T) {
		quiet(t, calls, "nothing")
		write(t, filepath.Join(dir, "unrelated"), "x")
		quiet(t, calls, "writing an unrelated file")
	})
}

// TestWatchKubernetesSecret swaps files the way the kubelet updates a
// mounted Secret: the names are symlinks through "..data", itself a
// symlink replaced by a rename.
func TestWatchKubernetesSecret(t *testing.T) {
	dir := t.TempDir()
	v1 := filepath.Join(dir, "..2024_01_01")
	if err := os.Mkdir(v1, 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(v1, "tls.crt"), "v1")
	if err := os.Symlink("..2024_01_01", filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join("..data", "tls.crt"), filepath.Join(dir, "tls.crt")); err != nil {
		t.Fatal(err)
	}
	calls := watch(t, []string{filepath.Join(dir, "tls.crt")}, Options{Settle: 20 * time.Millisecond, Interval: -1})

	v2 := filepath.Join(dir, "..2024_02_01")
	if err := os.Mkdir(v2, 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(v2, "tls.crt"), "v2")
	if err := os.Symlink("..2024_02_01", filepath.Join(dir, "..data_tmp")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, "..data_tmp"), filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	called(t, calls, "swapping ..data")
	if got, err := os.ReadFile(filepath.Join(dir, "tls.crt")); err != nil || string(got) != "v2" {
		t.Fatalf("after the swap the file reads %q, %v", got, err)
	}
}

func TestWatchInterval(t *testing.T) {
	dir := t.TempDir()
	// A directory that does not exist cannot be watched; the interval
	// still looks.
	calls := watch(t, []string{filepath.Join(dir, "missing", "tls.crt")}, Options{Interval: 20 * time.Millisecond})
	called(t, calls, "an interval")
	called(t, calls, "a second interval")
}
