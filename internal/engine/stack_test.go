package engine

import (
	"context"
	"testing"
	"time"

	"github.com/sendgate/sendgate/internal/workload"
)

func TestDecideAfterGrowStack(t *testing.T) {
	ps, err := Compile(context.Background(), defaultBundle(t))
	if err != nil {
		t.Fatal(err)
	}
	req := workload.DefaultMix()[0].Request
	done := make(chan error)
	go func() {
		GrowStack()
		_, err := ps.Decide(context.Background(), req, time.Now())
		done <- err
	}()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
