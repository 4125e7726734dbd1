package opafast

import (
	"fmt"
	"log/slog"
	"math"
	"os"
	"runtime/debug"
)

// Garbage-collector settings of a serving process when GOGC and GOMEMLIMIT
// are not set. A decision allocates tens of kilobytes of OPA terms that are
// garbage a few microseconds later, so with Go's default GOGC=100 the
// collector took a third of the CPU under load. GOGC=400 collects a quarter
// as often; the memory limit makes it collect earlier whenever the heap
// grows towards it, which keeps the resident size under load within about
// 150 MiB.
const (
	DefaultGCPercent   = 400
	DefaultMemoryLimit = 100 << 20
)

// CompileHeadroom is how far RaiseMemoryLimit lifts the memory limit while
// a bundle is parsed, compiled and tested: a 10,000-rule bundle (the most
// serve's --bundle-max-rules admits by default) peaks at about 60 MiB of
// heap in compiling, a 50,000-rule one at 280 MiB. Under the 100 MiB
// default limit the collector ran back to back meanwhile, taking the
// processors from the decisions in flight (see docs/PERFORMANCE.md,
// "Activation beside serving").
const CompileHeadroom = 256 << 20

// RaiseMemoryLimit lifts the soft memory limit by extra bytes, if one is
// set, until restore is called. Restore first collects the garbage that
// piled up meanwhile and returns the memory to the system, on the calling
// goroutine: lowered over memory far above it, the limit made the
// decisions' allocations hand it back themselves, stalling them for half a
// second and more.
func RaiseMemoryLimit(extra int64) (restore func()) {
	prev := debug.SetMemoryLimit(-1)
	if prev == math.MaxInt64 || prev > math.MaxInt64-extra {
		return func() {}
	}
	debug.SetMemoryLimit(prev + extra)
	return func() {
		debug.FreeOSMemory()
		debug.SetMemoryLimit(prev)
	}
}

// TuneGC applies the defaults above where the environment does not say
// otherwise, and logs what the collector runs with.
func TuneGC(log *slog.Logger) {
	gogc, limit := "GOGC from the environment", "GOMEMLIMIT from the environment"
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(DefaultGCPercent)
		gogc = fmt.Sprint(DefaultGCPercent)
	}
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(DefaultMemoryLimit)
		limit = fmt.Sprintf("%d MiB", DefaultMemoryLimit>>20)
	}
	log.Debug("garbage collector", "gogc", gogc, "memory_limit", limit)
}
