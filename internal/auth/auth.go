// Package auth names the caller of each call to sendgate's decision port —
// by a bearer token from a token file, or by a client certificate the
// port's client CAs verified — so that calls can be refused, logged and
// counted per caller. It reads what the transport gives (gRPC metadata and
// peer); turning a refusal into a status code is the server's business.
package auth

import (
	"context"
	"crypto/x509"
	"errors"
	"strings"
	"unicode"

	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
)

// Names that stand for callers without one, in logs and metrics.
const (
	// Anonymous is every caller of a port without authentication.
	Anonymous = "anonymous"
	// Unauthenticated is a caller that presented no valid credentials.
	Unauthenticated = "unauthenticated"
	// Other stands for names past a metric's bound on distinct callers.
	Other = "other"
)

// Ways a caller is named.
const (
	ByToken       = "token"
	ByCertificate = "certificate"
)

// Caller is who made a call.
type Caller struct {
	// Name is the token's name in the token file, or the client
	// certificate's subject common name (else its first DNS, URI or email
	// subject alternative name).
	Name string
	// By is how the caller was named: ByToken or ByCertificate.
	By string
}

// Refusals; callers learn only that they were not authenticated.
var (
	ErrNoCredentials = errors.New("no bearer token and no verified client certificate")
	ErrUnknownToken  = errors.New("unknown bearer token")
)

// Config says what names callers.
type Config struct {
	// Tokens admit callers presenting one of them as a bearer token.
	Tokens *Tokens
	// ClientCertificates admits callers whose client certificate the TLS
	// handshake verified against the port's client CAs.
	ClientCertificates bool
}

// Authenticator names callers by Config.
type Authenticator struct {
	cfg Config
}

// New returns an Authenticator; with neither tokens nor client
// certificates it names no one.
func New(cfg Config) *Authenticator { return &Authenticator{cfg: cfg} }

// Identify names the caller of the call in ctx. A bearer token, when
// tokens are configured, must be known: a wrong one is refused even with a
// verified certificate, so a misconfigured client learns at once. The
// token's name wins over the certificate's.
func (a *Authenticator) Identify(ctx context.Context) (Caller, error) {
	if a.cfg.Tokens != nil {
		if tok := BearerToken(ctx); tok != "" {
			name, ok := a.cfg.Tokens.Lookup(tok)
			if !ok {
				return Caller{}, ErrUnknownToken
			}
			return Caller{Name: name, By: ByToken}, nil
		}
	}
	if a.cfg.ClientCertificates {
		if cert := VerifiedCertificate(ctx); cert != nil {
			return Caller{Name: CertificateName(cert), By: ByCertificate}, nil
		}
	}
	return Caller{}, ErrNoCredentials
}

// BearerToken is the token of the call's "authorization: Bearer …"
// metadata (the HTTP/JSON gateway passes the Authorization header as it).
func BearerToken(ctx context.Context) string {
	// ValueFromIncomingContext reads the one key without copying the rest.
	for _, v := range metadata.ValueFromIncomingContext(ctx, "authorization") {
		scheme, tok, ok := strings.Cut(strings.TrimSpace(v), " ")
		if ok && strings.EqualFold(scheme, "bearer") {
			return strings.TrimSpace(tok)
		}
	}
	return ""
}

// VerifiedCertificate is the client certificate the call's TLS handshake
// verified, or nil.
func VerifiedCertificate(ctx context.Context) *x509.Certificate {
	p, ok := peer.FromContext(ctx)
	if !ok {
		return nil
	}
	ti, ok := p.AuthInfo.(credentials.TLSInfo)
	if !ok || len(ti.State.VerifiedChains) == 0 || len(ti.State.VerifiedChains[0]) == 0 {
		return nil
	}
	return ti.State.VerifiedChains[0][0]
}

// maxNameLen bounds a certificate's name in logs and labels.
const maxNameLen = 128

// CertificateName names a certificate's holder: the subject's common name,
// else its first DNS, URI or email subject alternative name, else its
// serial number. Control characters are dropped.
func CertificateName(c *x509.Certificate) string {
	name := c.Subject.CommonName
	switch {
	case name != "":
	case len(c.DNSNames) > 0:
		name = c.DNSNames[0]
	case len(c.URIs) > 0:
		name = c.URIs[0].String()
	case len(c.EmailAddresses) > 0:
		name = c.EmailAddresses[0]
	default:
		name = "serial:" + c.SerialNumber.String()
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, name)
	if len(name) > maxNameLen {
		name = strings.ToValidUTF8(name[:maxNameLen], "")
	}
	return name
}

type identityKey struct{}

// Identity is what Identify found for a call: its caller, or why none
// could be named.
type Identity struct {
	Caller Caller
	Err    error
}

// WithIdentity records the call's identity in ctx.
func WithIdentity(ctx context.Context, id Identity) context.Context {
	return context.WithValue(ctx, identityKey{}, id)
}

// FromContext returns the identity recorded in ctx. ok is false when
// nothing was recorded: the port has no authentication, or the call (a
// health check) needs none.
func FromContext(ctx context.Context) (id Identity, ok bool) {
	id, ok = ctx.Value(identityKey{}).(Identity)
	return id, ok
}

// Label names the caller of ctx's call for logs and metrics: its name,
// Unauthenticated, or Anonymous when nothing was recorded.
func Label(ctx context.Context) string {
	id, ok := FromContext(ctx)
	switch {
	case !ok:
		return Anonymous
	case id.Err != nil:
		return Unauthenticated
	}
	return id.Caller.Name
}
