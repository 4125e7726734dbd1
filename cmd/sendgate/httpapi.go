package main

import (
	"net/http"

	"github.com/sendgate/sendgate/internal/auth"
	"github.com/sendgate/sendgate/internal/gateway"
	"github.com/sendgate/sendgate/internal/tracing"
	"github.com/sendgate/sendgate/server"
)

// httpListening, when set (by tests), is told the HTTP/JSON API's address.
var httpListening func(addr string)

// httpAPI builds the HTTP/JSON API's server: the DecisionService and,
// with a ledger, the LedgerService's unary methods in process, through the gRPC interceptors (which name and refuse callers
// as on the gRPC port: the Authorization header is the bearer token, a
// client certificate comes from the TLS handshake), traced like gRPC calls
// when tracing is on. serve gives it its listener and TLS.
func httpAPI(o serveOptions, srv *server.Server, a *auth.Authenticator, traced bool) (*http.Server, error) {
	h, err := gateway.New(gateway.Config{
		Service: srv.InProcess("http"), Ledger: srv.InProcessLedger("http"),
		MaxBodyBytes: int64(o.maxRecvBytes), Auth: a,
	})
	if err != nil {
		return nil, err
	}
	if traced {
		h = tracing.HTTPHandler(h)
	}
	return gateway.NewServer(h), nil
}
