package main

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime/debug"
	"time"
)

// Garbage-collector settings of "sendgate serve" when GOGC and GOMEMLIMIT
// are not set. A decision allocates tens of kilobytes that are garbage a
// few microseconds later, so with Go's default GOGC=100 the collector took a
// third of the CPU under load. GOGC=400 collects a quarter as often; the
// memory limit makes it collect earlier whenever the heap grows towards it,
// which keeps the resident size under load within about 150 MiB.
const (
	defaultGCPercent   = 400
	defaultMemoryLimit = 100 << 20
)

// tuneGC applies the defaults above where the environment does not say
// otherwise, and logs what the collector runs with.
func tuneGC(log *slog.Logger) {
	gogc, limit := "GOGC from the environment", "GOMEMLIMIT from the environment"
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(defaultGCPercent)
		gogc = fmt.Sprint(defaultGCPercent)
	}
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(defaultMemoryLimit)
		limit = fmt.Sprintf("%d MiB", defaultMemoryLimit>>20)
	}
	log.Debug("garbage collector", "gogc", gogc, "memory_limit", limit)
}

// servePprof serves Go's profiling endpoints under /debug/pprof/ on addr,
// for profiles of a server under load. It is off unless --pprof-addr is
// given, and has its own listener: the profiles reveal the program's inner
// workings, and a 30-second CPU profile outlasts the metrics listener's
// write timeout.
func servePprof(addr string) (*http.Server, net.Listener, error) {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}, lis, nil
}
