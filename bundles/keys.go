package bundles

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/open-policy-agent/opa/v1/bundle"
	"github.com/open-policy-agent/opa/v1/keys"
)

// DefaultKeyID is the key id `opa build` and `opa run` give a single
// signing or verification key.
const DefaultKeyID = "default"

// Key names a signing or verification key: a PEM file, or a file holding an
// HMAC secret when marked so (hmac:FILE), the JWS algorithm, and the key id
// carried in the signature.
type Key struct {
	// ID is the key id; empty means DefaultKeyID.
	ID string
	// File is the path of the PEM file (or of the HMAC secret).
	File string
	// HMAC marks File as an HMAC secret for the HS algorithms. A key not
	// marked so must be a PEM key: a file that is not PEM is refused rather
	// than taken as a secret, so that a public key in the wrong format
	// cannot turn into a shared secret anyone holding it can sign with.
	HMAC bool
	// Algorithm is a JWS algorithm such as RS256, PS256, ES256 or HS256;
	// empty means inferred from the key (RSA: RS256, EC: ES256/384/512 by
	// curve, Ed25519: EdDSA, HMAC secret: HS256).
	Algorithm string
}

// hmacPrefix marks a key file as an HMAC secret.
const hmacPrefix = "hmac:"

// ParseKeySpec parses a key flag: "FILE", "hmac:FILE", "ID=FILE" or
// "ID=hmac:FILE".
func ParseKeySpec(spec string) Key {
	var k Key
	if id, file, ok := strings.Cut(spec, "="); ok && id != "" && !strings.ContainsAny(id, `/\`) {
		k.ID, spec = id, file
	}
	k.File, k.HMAC = strings.CutPrefix(spec, hmacPrefix)
	return k
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
		data, alg, err := readKey(k, false)
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
	data, alg, err := readKey(k, true)
	if err != nil {
		return nil, "", err
	}
	id := k.ID
	if id == "" {
		id = DefaultKeyID
	}
	if k.HMAC {
		// OPA takes a signing key that is not PEM for the name of a file
		// (and fails on a secret holding a NUL byte), so name the file.
		data = k.File
	}
	return bundle.NewSigningConfig(data, alg, ""), id, nil
}

// readKey reads a key file and settles its algorithm. A key not marked as an
// HMAC secret must be a PEM key of the kind asked for (a private key to sign,
// a public key or certificate to verify), and the algorithm must suit it.
func readKey(k Key, private bool) (data, alg string, err error) {
	raw, err := os.ReadFile(k.File)
	if err != nil {
		return "", "", fmt.Errorf("read key: %w", err)
	}
	alg = k.Algorithm
	if k.HMAC {
		if alg == "" {
			alg = "HS256"
		}
		if !strings.HasPrefix(alg, "HS") {
			return "", "", fmt.Errorf("key %s: an HMAC secret (hmac:) cannot be used with %s", k.File, alg)
		}
		if len(raw) == 0 {
			return "", "", fmt.Errorf("key %s: the HMAC secret is empty", k.File)
		}
		return string(raw), alg, nil
	}
	family, err := keyFamily(raw, private)
	if err != nil {
		return "", "", fmt.Errorf("key %s: %w", k.File, err)
	}
	if alg == "" {
		alg = family
	}
	if !keys.IsSupportedAlgorithm(alg) {
		return "", "", fmt.Errorf("key %s: unsupported signing algorithm %q", k.File, alg)
	}
	if !algorithmFits(alg, family) {
		return "", "", fmt.Errorf("key %s: a %s key cannot be used with %s", k.File, family, alg)
	}
	return string(raw), alg, nil
}

// algorithmFits reports whether alg is of the family of family, the
// algorithm inferred from the key: RS256 admits the RS and PS algorithms,
// ES256/384/512 only themselves (the curve fixes the hash), EdDSA itself.
func algorithmFits(alg, family string) bool {
	switch {
	case family == "RS256":
		return strings.HasPrefix(alg, "RS") || strings.HasPrefix(alg, "PS")
	default:
		return alg == family
	}
}

// keyFamily checks that raw is a PEM key of the wanted kind and returns the
// usual JWS algorithm for it. Anything else (DER, a private key where a
// public one is wanted, text) is refused: an HMAC secret must be marked
// with hmac:.
func keyFamily(raw []byte, private bool) (string, error) {
	block, _ := pem.Decode(raw)
	if block == nil {
		if private {
			return "", errors.New("not a PEM private key (an HMAC secret is given as hmac:FILE)")
		}
		return "", errors.New("not a PEM public key or certificate (an HMAC secret is given as hmac:FILE)")
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
	isPrivate := false
	var alg string
	switch k := key.(type) {
	case *rsa.PublicKey:
		alg = "RS256"
	case *rsa.PrivateKey:
		alg, isPrivate = "RS256", true
	case *ecdsa.PublicKey:
		alg, err = ecAlgorithm(k.Curve)
	case *ecdsa.PrivateKey:
		alg, err = ecAlgorithm(k.Curve)
		isPrivate = true
	case ed25519.PublicKey:
		alg = "EdDSA"
	case ed25519.PrivateKey:
		alg, isPrivate = "EdDSA", true
	default:
		return "", fmt.Errorf("unsupported key type %T", key)
	}
	switch {
	case err != nil:
		return "", err
	case private && !isPrivate:
		return "", fmt.Errorf("a %s is not a private key: signing needs the private key", block.Type)
	case !private && isPrivate:
		return "", fmt.Errorf("a %s is a private key: give the public key (openssl pkey -pubout) to verify with", block.Type)
	}
	return alg, nil
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
