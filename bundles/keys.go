package bundles

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"strings"

	"github.com/open-policy-agent/opa/v1/bundle"
	"github.com/open-policy-agent/opa/v1/keys"
)

// DefaultKeyID is the key id `opa build` and `opa run` give a single
// signing or verification key.
const DefaultKeyID = "default"

// Key names a signing or verification key: a PEM file (or an HMAC secret
// file for the HS algorithms), the JWS algorithm, and the key id carried in
// the signature.
type Key struct {
	// ID is the key id; empty means DefaultKeyID.
	ID string
	// File is the path of the PEM file (or HMAC secret).
	File string
	// Algorithm is a JWS algorithm such as RS256, PS256, ES256 or HS256;
	// empty means inferred from the key (RSA: RS256, EC: ES256/384/512 by
	// curve, Ed25519: EdDSA).
	Algorithm string
}

// ParseKeySpec parses a key flag: "FILE" or "ID=FILE".
func ParseKeySpec(spec string) Key {
	if id, file, ok := strings.Cut(spec, "="); ok && id != "" && !strings.ContainsAny(id, `/\`) {
		return Key{ID: id, File: file}
	}
	return Key{File: spec}
}

// NewVerificationConfig builds OPA's verification configuration from public
// keys. With one key every signature is checked against it, whatever key id
// it names (as `opa run --verification-key` does); with several, the key id
// in the signature picks the key, which is how keys are rotated.
func NewVerificationConfig(ks ...Key) (*bundle.VerificationConfig, error) {
	if len(ks) == 0 {
		return nil, nil
	}
	pub := make(map[string]*keys.Config, len(ks))
	for _, k := range ks {
		data, alg, err := readKey(k)
		if err != nil {
			return nil, err
		}
		id := k.ID
		if id == "" {
			id = DefaultKeyID
		}
		if _, dup := pub[id]; dup {
			return nil, fmt.Errorf("verification key id %q given twice", id)
		}
		pub[id] = &keys.Config{Key: data, Algorithm: alg}
	}
	keyID := ""
	if len(ks) == 1 {
		for id := range pub {
			keyID = id
		}
	}
	return bundle.NewVerificationConfig(pub, keyID, "", nil), nil
}

// NewSigningConfig builds OPA's signing configuration from a private key.
func NewSigningConfig(k Key) (*bundle.SigningConfig, string, error) {
	data, alg, err := readKey(k)
	if err != nil {
		return nil, "", err
	}
	id := k.ID
	if id == "" {
		id = DefaultKeyID
	}
	return bundle.NewSigningConfig(data, alg, ""), id, nil
}

func readKey(k Key) (data, alg string, err error) {
	raw, err := os.ReadFile(k.File)
	if err != nil {
		return "", "", fmt.Errorf("read key: %w", err)
	}
	alg = k.Algorithm
	if alg == "" {
		alg, err = inferAlgorithm(raw)
		if err != nil {
			return "", "", fmt.Errorf("key %s: %w", k.File, err)
		}
	}
	if !keys.IsSupportedAlgorithm(alg) {
		return "", "", fmt.Errorf("key %s: unsupported signing algorithm %q", k.File, alg)
	}
	return string(raw), alg, nil
}

// inferAlgorithm picks the usual JWS algorithm for a PEM key; a file that
// is not PEM is taken as an HMAC secret.
func inferAlgorithm(raw []byte) (string, error) {
	block, _ := pem.Decode(raw)
	if block == nil {
		return "HS256", nil
	}
	var key any
	var err error
	switch block.Type {
	case "RSA PUBLIC KEY":
		key, err = x509.ParsePKCS1PublicKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	case "PUBLIC KEY":
		key, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "CERTIFICATE":
		var cert *x509.Certificate
		if cert, err = x509.ParseCertificate(block.Bytes); err == nil {
			key = cert.PublicKey
		}
	default:
		return "", fmt.Errorf("unsupported PEM block %q", block.Type)
	}
	if err != nil {
		return "", fmt.Errorf("parse PEM key: %w", err)
	}
	switch k := key.(type) {
	case *rsa.PublicKey, *rsa.PrivateKey:
		return "RS256", nil
	case *ecdsa.PublicKey:
		return ecAlgorithm(k.Curve)
	case *ecdsa.PrivateKey:
		return ecAlgorithm(k.Curve)
	case ed25519.PublicKey, ed25519.PrivateKey:
		return "EdDSA", nil
	default:
		return "", fmt.Errorf("unsupported key type %T", key)
	}
}

func ecAlgorithm(c elliptic.Curve) (string, error) {
	switch c {
	case elliptic.P256():
		return "ES256", nil
	case elliptic.P384():
		return "ES384", nil
	case elliptic.P521():
		return "ES512", nil
	}
	return "", fmt.Errorf("unsupported elliptic curve %s", c.Params().Name)
}
