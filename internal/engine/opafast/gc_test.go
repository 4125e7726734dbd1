package opafast

import (
	"math"
	"runtime/debug"
	"testing"
)

func TestRaiseMemoryLimit(t *testing.T) {
	orig := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(orig)

	debug.SetMemoryLimit(100 << 20)
	restore := RaiseMemoryLimit(CompileHeadroom)
	if got := debug.SetMemoryLimit(-1); got != 100<<20+CompileHeadroom {
		t.Fatalf("raised limit %d, want %d", got, 100<<20+CompileHeadroom)
	}
	restore()
	if got := debug.SetMemoryLimit(-1); got != 100<<20 {
		t.Fatalf("restored limit %d, want %d", got, 100<<20)
	}

	debug.SetMemoryLimit(math.MaxInt64) // no limit: nothing to raise
	RaiseMemoryLimit(CompileHeadroom)()
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Fatalf("limit %d, want none", got)
	}
}
