package main

import (
	"net/http"

	"github.com/sendgate/sendgate/internal/gateway"
	"github.com/sendgate/sendgate/internal/tracing"
	"github.com/sendgate/sendgate/server"
)

// httpListening, when set (by tests), is told the HTTP/JSON API's address.
var httpListening func(addr string)

// httpAPI builds the HTTP/JSON API's server: the DecisionService in
// process, through the gRPC interceptors, traced like gRPC calls when
// tracing is on. serve gives it its listener.
func httpAPI(o serveOptions, srv *server.Server, traced bool) (*http.Server, error) {
	h, err := gateway.New(gateway.Config{Service: srv.InProcess("http"), MaxBodyBytes: int64(o.maxRecvBytes)})
	if err != nil {
		return nil, err
	}
	if traced {
		h = tracing.HTTPHandler(h)
	}
	return gateway.NewServer(h), nil
}
