package server

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/sendgate/sendgate/internal/engine"
)

func TestDecisionsWaitForAFreeSlot(t *testing.T) {
	s := NewDecisionService(engine.New(), nil, slog.Default())
	s.SetMaxConcurrent(1)
	if err := s.acquire(context.Background()); err != nil {
		t.Fatal(err)
	}

	// The only slot is taken: a caller whose deadline passes gives up.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := s.acquire(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("acquire with the slot taken = %v, want the deadline", err)
	}

	// A waiting caller gets the slot once it is released.
	got := make(chan error, 1)
	go func() { got <- s.acquire(context.Background()) }()
	select {
	case err := <-got:
		t.Fatalf("acquire returned %v while the slot was taken", err)
	case <-time.After(20 * time.Millisecond):
	}
	s.release()
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	s.release()
}
