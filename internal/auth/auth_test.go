package auth

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
)

// callContext is a call's context with the given authorization metadata
// and, when cert is set, a TLS peer whose handshake verified it.
func callContext(authorization string, cert *x509.Certificate) context.Context {
	ctx := context.Background()
	if authorization != "" {
		ctx = metadata.NewIncomingContext(ctx, metadata.Pairs("authorization", authorization))
	}
	state := tls.ConnectionState{}
	if cert != nil {
		state.VerifiedChains = [][]*x509.Certificate{{cert}}
	}
	return peer.NewContext(ctx, &peer.Peer{Addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}, AuthInfo: credentials.TLSInfo{State: state}})
}

func TestIdentify(t *testing.T) {
	file := filepath.Join(t.TempDir(), "tokens")
	writeFile(t, file, "billing:"+billingToken+"\n")
	tokens, err := LoadTokens(file, nil)
	if err != nil {
		t.Fatal(err)
	}
	cert := &x509.Certificate{Subject: pkix.Name{CommonName: "campaigns.internal"}}
	both := New(Config{Tokens: tokens, ClientCertificates: true})
	onlyTokens := New(Config{Tokens: tokens})
	onlyCerts := New(Config{ClientCertificates: true})

	for _, tc := range []struct {
		name    string
		a       *Authenticator
		ctx     context.Context
		want    Caller
		wantErr error
	}{
		{"token", both, callContext("Bearer "+billingToken, nil), Caller{"billing", ByToken}, nil},
		{"token_scheme_any_case", both, callContext("bearer "+billingToken, nil), Caller{"billing", ByToken}, nil},
		{"token_wins_over_certificate", both, callContext("Bearer "+billingToken, cert), Caller{"billing", ByToken}, nil},
		{"certificate", both, callContext("", cert), Caller{"campaigns.internal", ByCertificate}, nil},
		{"wrong_token_even_with_certificate", both, callContext("Bearer "+billingToken+"x", cert), Caller{}, ErrUnknownToken},
		{"nothing", both, callContext("", nil), Caller{}, ErrNoCredentials},
		{"basic_is_not_bearer", both, callContext("Basic "+billingToken, nil), Caller{}, ErrNoCredentials},
		{"bare_token", both, callContext(billingToken, nil), Caller{}, ErrNoCredentials},
		{"no_peer", both, metadata.NewIncomingContext(context.Background(), metadata.Pairs()), Caller{}, ErrNoCredentials},
		{"certificate_without_client_cas", onlyTokens, callContext("", cert), Caller{}, ErrNoCredentials},
		{"token_ignored_without_tokens", onlyCerts, callContext("Bearer whatever", cert), Caller{"campaigns.internal", ByCertificate}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.a.Identify(tc.ctx)
			if got != tc.want || !errors.Is(err, tc.wantErr) {
				t.Fatalf("Identify = %+v, %v; want %+v, %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestCertificateName(t *testing.T) {
	u, _ := url.Parse("spiffe://example.org/ns/messaging/sa/billing")
	for _, tc := range []struct {
		cert *x509.Certificate
		want string
	}{
		{&x509.Certificate{Subject: pkix.Name{CommonName: "billing"}, DNSNames: []string{"b.internal"}}, "billing"},
		{&x509.Certificate{DNSNames: []string{"b.internal"}}, "b.internal"},
		{&x509.Certificate{URIs: []*url.URL{u}}, "spiffe://example.org/ns/messaging/sa/billing"},
		{&x509.Certificate{EmailAddresses: []string{"ops@example.org"}}, "ops@example.org"},
		{&x509.Certificate{SerialNumber: big.NewInt(42)}, "serial:42"},
		{&x509.Certificate{Subject: pkix.Name{CommonName: "bad\nname\x00"}}, "badname"},
		{&x509.Certificate{Subject: pkix.Name{CommonName: strings.Repeat("x", 300)}}, strings.Repeat("x", maxNameLen)},
	} {
		if got := CertificateName(tc.cert); got != tc.want {
			t.Errorf("CertificateName = %q, want %q", got, tc.want)
		}
	}
}

func TestLabel(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		ctx  context.Context
		want string
	}{
		{ctx, Anonymous},
		{WithIdentity(ctx, Identity{Caller: Caller{Name: "billing", By: ByToken}}), "billing"},
		{WithIdentity(ctx, Identity{Err: ErrNoCredentials}), Unauthenticated},
	} {
		if got := Label(tc.ctx); got != tc.want {
			t.Errorf("Label = %q, want %q", got, tc.want)
		}
	}
}
