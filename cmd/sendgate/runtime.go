package main

import (
	"net/http"
	"net/http/pprof"
	"time"
)

// pprofServer serves Go's profiling endpoints under /debug/pprof/ on addr,
// for profiles of a server under load. It is off unless --pprof-addr is
// given, and has its own listener: the profiles reveal the program's inner
// workings, and a 30-second CPU profile outlasts the metrics listener's
// write timeout.
func pprofServer() *http.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
}
