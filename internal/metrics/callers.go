package metrics

import (
	"context"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sendgate/sendgate/internal/auth"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// MaxCallers bounds the distinct caller label values beyond the token
// file's names: certificates name callers the configuration does not
// list, so further ones count as auth.Other.
const MaxCallers = 64

// callerMetrics is sendgate_calls_total by caller, method and code.
type callerMetrics struct {
	calls *prometheus.CounterVec
	cache sync.Map // callKey → prometheus.Counter, for callers with their own label
	mu    sync.Mutex
	known map[string]bool // caller label values in use
	extra int             // of which not pre-registered
}

type callKey struct {
	caller, method string
	code           codes.Code
}

// inc counts one call; a caller seen before costs a map look-up.
func (c *callerMetrics) inc(caller, method string, code codes.Code) {
	k := callKey{caller, method, code}
	if ctr, ok := c.cache.Load(k); ok {
		ctr.(prometheus.Counter).Inc()
		return
	}
	label := c.label(caller)
	ctr := c.calls.WithLabelValues(label, method, code.String())
	if label == caller {
		c.cache.Store(k, ctr)
	}
	ctr.Inc()
}

func newCallerMetrics() *callerMetrics {
	return &callerMetrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sendgate_calls_total",
			Help: "Finished unary calls (gRPC and HTTP/JSON) but health checks, by caller (a token's name, a client certificate's name, anonymous without authentication, unauthenticated when refused), method and gRPC code.",
		}, []string{"caller", "method", "code"}),
		known: map[string]bool{auth.Anonymous: true, auth.Unauthenticated: true, auth.Other: true},
	}
}

// label is the caller's label value: its own while under the bound.
func (c *callerMetrics) label(name string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.known[name] {
		return name
	}
	if c.extra >= MaxCallers {
		return auth.Other
	}
	c.known[name] = true
	c.extra++
	return name
}

// PreRegisterCallers lets the named callers (the token file's) have their
// own label value whatever the bound, as auth.Other does.
func (m *Metrics) PreRegisterCallers(names ...string) {
	m.callers.mu.Lock()
	defer m.callers.mu.Unlock()
	for _, n := range names {
		m.callers.known[n] = true
	}
}

// CallerInterceptor counts each finished unary call but health checks in
// sendgate_calls_total under auth.Label of its context: install it after
// the interceptor that names callers.
func (m *Metrics) CallerInterceptor() grpc.UnaryServerInterceptor {
	healthPrefix := "/" + healthpb.Health_ServiceDesc.ServiceName + "/"
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		resp, err := handler(ctx, req)
		if !strings.HasPrefix(info.FullMethod, healthPrefix) {
			method := info.FullMethod[strings.LastIndexByte(info.FullMethod, '/')+1:]
			m.callers.inc(auth.Label(ctx), method, status.Code(err))
		}
		return resp, err
	}
}
