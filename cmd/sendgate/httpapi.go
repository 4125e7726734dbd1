package main

import (
	"fmt"
	"net"
	"net/http"
	"sync"

	"github.com/sendgate/sendgate/internal/gateway"
	"github.com/sendgate/sendgate/internal/tracing"
	"github.com/sendgate/sendgate/server"
)

// httpListening, when set (by tests), is told the HTTP/JSON API's address.
var httpListening func(addr string)

// serveHTTPAPI starts the HTTP/JSON API on --http-addr, unless it is
// empty: the DecisionService in process, through the gRPC interceptors,
// traced like gRPC calls when tracing is on. It returns the server to shut
// down and the address it bound.
func serveHTTPAPI(o serveOptions, srv *server.Server, traced bool, wg *sync.WaitGroup) (*http.Server, string, error) {
	if o.httpAddr == "" {
		return nil, "", nil
	}
	h, err := gateway.New(gateway.Config{Service: srv.InProcess("http"), MaxBodyBytes: int64(o.maxRecvBytes)})
	if err != nil {
		return nil, "", err
	}
	if traced {
		h = tracing.HTTPHandler(h)
	}
	lis, err := net.Listen("tcp", o.httpAddr)
	if err != nil {
		return nil, "", fmt.Errorf("listen on %s: %w", o.httpAddr, err)
	}
	hs := gateway.NewServer(h)
	wg.Go(func() { _ = hs.Serve(lis) })
	if httpListening != nil {
		httpListening(lis.Addr().String())
	}
	return hs, lis.Addr().String(), nil
}
