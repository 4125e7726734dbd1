// Package gateway serves the DecisionService and the LedgerService over
// HTTP/JSON with grpc-gateway, in process: POST /v1/check, POST
// /v1/check:batch and the ledger's POST /v1/ledger/... take and give the
// protojson form of the gRPC messages, errors are google.rpc.Status in JSON
// with the matching HTTP status, and the OpenAPI document is at
// /openapi.json.
package gateway

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/sendgate/sendgate/internal/auth"
	"github.com/sendgate/sendgate/internal/gateway/checkjson"
	"github.com/sendgate/sendgate/proto/openapi"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// Config assembles the HTTP handler.
type Config struct {
	// Service answers the calls; server.Server.InProcess gives one that
	// runs the gRPC interceptors. Required.
	Service sendgatev1.DecisionServiceServer
	// Ledger answers the ledger's calls; server.Server.InProcessLedger
	// gives one. Nil (--ledger off) leaves its paths unrouted: they answer
	// 404 with a google.rpc.Status NOT_FOUND, as any unknown path.
	Ledger sendgatev1.LedgerServiceServer
	// MaxBodyBytes bounds a request body; larger ones get 413.
	MaxBodyBytes int64
	// Auth, when set, must name the caller of /openapi.json, as server
	// reflection needs a caller on the gRPC port. (The API's calls are
	// named and refused by Service's interceptors.)
	Auth *auth.Authenticator
}

// marshaler writes and reads bodies exactly as protojson does for gRPC
// clients (lowerCamelCase names, enums by name, RFC 3339 timestamps),
// with every field present in answers, as "sendgate check" prints them,
// and unknown fields refused, as gRPC's JSON tools refuse them.
var marshaler = &bodyMarshaler{JSONPb: runtime.JSONPb{
	MarshalOptions:   checkjson.Marshal,
	UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: false},
}}

// statusMarshaler writes error bodies, google.rpc.Status, with only the
// fields that are set, as gRPC's JSON tools print them.
var statusMarshaler = &runtime.JSONPb{}

// bodyMarshaler is runtime.JSONPb reading a request body in one pass:
// JSONPb's decoder scans the body with encoding/json before protojson
// parses it again, which cost a quarter of the HTTP path's CPU. The body
// is one message, already read whole by limitBody. The DecisionService's
// messages go through checkjson, which reads and writes them without
// reflection and hands protojson whatever it does not read exactly as
// protojson would.
type bodyMarshaler struct {
	runtime.JSONPb
}

// NewDecoder implements runtime.Marshaler.
func (m *bodyMarshaler) NewDecoder(r io.Reader) runtime.Decoder {
	return runtime.DecoderFunc(func(v any) error {
		var data []byte
		if b, ok := r.(*bufferedBody); ok {
			data = b.unread()
		} else {
			var err error
			if data, err = io.ReadAll(r); err != nil {
				return err
			}
		}
		msg, ok := v.(proto.Message)
		if !ok {
			return m.JSONPb.Unmarshal(data, v)
		}
		if len(bytes.TrimSpace(data)) == 0 {
			return io.EOF // an empty body is an empty message, as for JSONPb
		}
		switch msg := msg.(type) {
		case *sendgatev1.CheckRequest:
			if checkjson.DecodeCheckRequest(data, msg) {
				return nil
			}
		case *sendgatev1.CheckBatchRequest:
			if checkjson.DecodeCheckBatchRequest(data, msg) {
				return nil
			}
		}
		return m.UnmarshalOptions.Unmarshal(data, msg)
	})
}

// Marshal implements runtime.Marshaler.
func (m *bodyMarshaler) Marshal(v any) ([]byte, error) {
	switch v := v.(type) {
	case *sendgatev1.CheckResponse:
		if b, ok := checkjson.AppendCheckResponse(make([]byte, 0, checkjson.SizeHint(v)), v); ok {
			return b, nil
		}
	case *sendgatev1.CheckBatchResponse:
		n := 16
		for _, r := range v.GetResults() {
			n += checkjson.SizeHint(r.GetResponse()) + 16
		}
		if b, ok := checkjson.AppendCheckBatchResponse(make([]byte, 0, n), v); ok {
			return b, nil
		}
	}
	return m.JSONPb.Marshal(v)
}

// New returns the HTTP handler of the API.
func New(cfg Config) (http.Handler, error) {
	if cfg.Service == nil {
		return nil, errors.New("gateway: no service")
	}
	mux := runtime.NewServeMux(
		// Any content type is read as JSON: curl -d sends form encoding.
		runtime.WithMarshalerOption(runtime.MIMEWildcard, marshaler),
		// One Write with a Content-Length, never chunked.
		runtime.WithWriteContentLength(),
		runtime.WithErrorHandler(func(ctx context.Context, mux *runtime.ServeMux, _ runtime.Marshaler, w http.ResponseWriter, r *http.Request, err error) {
			if status.Code(err) == codes.Unauthenticated {
				// The default handler puts the status message there.
				w = challenging{w}
			}
			runtime.DefaultHTTPErrorHandler(ctx, mux, statusMarshaler, w, r, err)
		}),
	)
	if err := sendgatev1.RegisterDecisionServiceHandlerServer(context.Background(), mux, cfg.Service); err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	if cfg.Ledger != nil {
		if err := sendgatev1.RegisterLedgerServiceHandlerServer(context.Background(), mux, cfg.Ledger); err != nil {
			return nil, fmt.Errorf("gateway: %w", err)
		}
	}
	root := http.NewServeMux()
	root.Handle("GET /openapi.json", authenticated(cfg.Auth, http.HandlerFunc(serveOpenAPI)))
	root.Handle("/", limitBody(cfg.MaxBodyBytes, mux))
	return root, nil
}

// NewServer returns the HTTP server for --http-addr with timeouts bounding
// slow clients; the caller runs Serve and Shutdown.
func NewServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
}

func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openapi.JSON)
}

// limitBody reads the body up to limit bytes before the gateway decodes
// it, answering 413 with a google.rpc.Status past that, and tells the
// call log who called. The body is read into a pooled buffer, returned
// once the call is answered (the decoders copy what they keep).
func limitBody(limit int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if limit > 0 {
			if r.ContentLength > limit {
				tooLarge(w, limit)
				return
			}
			buf := bodies.Get().(*[]byte)
			defer func() {
				if cap(*buf) <= maxPooledBody {
					bodies.Put(buf)
				}
			}()
			body, err := readBody((*buf)[:0], http.MaxBytesReader(w, r.Body, limit), r.ContentLength)
			*buf = body
			var tooBig *http.MaxBytesError
			switch {
			case errors.As(err, &tooBig):
				tooLarge(w, limit)
				return
			case err != nil:
				writeStatus(w, http.StatusBadRequest, status.New(codes.InvalidArgument, "reading the request body: "+err.Error()))
				return
			}
			r.Body = &bufferedBody{b: body}
		}
		next.ServeHTTP(w, r.WithContext(withPeer(r)))
	})
}

// bodies are buffers for request bodies; one larger than maxPooledBody
// (a big batch) is left to the collector.
var bodies = sync.Pool{New: func() any { b := make([]byte, 0, 8<<10); return &b }}

const maxPooledBody = 256 << 10

// readBody appends r to buf, sized at once when the length is known.
func readBody(buf []byte, r io.Reader, length int64) ([]byte, error) {
	if length > 0 && int64(cap(buf)) < length+1 {
		buf = make([]byte, 0, length+1) // +1: EOF is seen without growing
	}
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// bufferedBody is a request body read whole, which NewDecoder takes as
// it is rather than copying it again.
type bufferedBody struct {
	b []byte
	i int
}

func (b *bufferedBody) Read(p []byte) (int, error) {
	if b.i >= len(b.b) {
		return 0, io.EOF
	}
	n := copy(p, b.b[b.i:])
	b.i += n
	return n, nil
}

func (b *bufferedBody) Close() error { return nil }

// unread returns what Read has not returned yet, and consumes it.
func (b *bufferedBody) unread() []byte {
	rest := b.b[b.i:]
	b.i = len(b.b)
	return rest
}

// withPeer tells the gRPC interceptors who called, as gRPC does: the
// address, and the TLS handshake when there was one, whose verified client
// certificate names the caller.
func withPeer(r *http.Request) context.Context {
	p := &peer.Peer{}
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		p.Addr = net.TCPAddrFromAddrPort(ap)
	}
	if r.TLS != nil {
		p.AuthInfo = credentials.TLSInfo{State: *r.TLS, CommonAuthInfo: credentials.CommonAuthInfo{SecurityLevel: credentials.PrivacyAndIntegrity}}
	}
	if p.Addr == nil && p.AuthInfo == nil {
		return r.Context()
	}
	return peer.NewContext(r.Context(), p)
}

// bearerChallenge answers a 401, as RFC 6750 asks.
const bearerChallenge = `Bearer realm="sendgate"`

// challenging is a ResponseWriter whose header carries bearerChallenge
// whatever was set before.
type challenging struct{ http.ResponseWriter }

func (c challenging) WriteHeader(code int) {
	c.Header().Set("WWW-Authenticate", bearerChallenge)
	c.ResponseWriter.WriteHeader(code)
}

// authenticated lets only callers a names reach next; a nil a lets all.
func authenticated(a *auth.Authenticator, next http.Handler) http.Handler {
	if a == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := withPeer(r)
		if h := r.Header.Get("Authorization"); h != "" {
			ctx = metadata.NewIncomingContext(ctx, metadata.Pairs("authorization", h))
		}
		if _, err := a.Identify(ctx); err != nil {
			w.Header().Set("WWW-Authenticate", bearerChallenge)
			writeStatus(w, http.StatusUnauthorized, status.New(codes.Unauthenticated,
				"this call needs a valid bearer token (Authorization: Bearer …) or client certificate"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func tooLarge(w http.ResponseWriter, limit int64) {
	writeStatus(w, http.StatusRequestEntityTooLarge,
		status.New(codes.ResourceExhausted, "request body larger than "+strconv.FormatInt(limit, 10)+" bytes; do not send"))
}

func writeStatus(w http.ResponseWriter, code int, st *status.Status) {
	body, err := statusMarshaler.Marshal(st.Proto())
	if err != nil {
		http.Error(w, st.Message(), code)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(body)
}
