package bundles

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"

	"github.com/open-policy-agent/opa/v1/bundle"
)

// ErrSignature reports a bundle whose signature is missing, made with
// another key, or does not cover its files as they are.
var ErrSignature = errors.New("bundle signature verification failed")

const signaturesFile = ".signatures.json"

// Verify checks an archive against OPA's bundle signature scheme: one JWT in
// .signatures.json, signed by a configured key, whose payload lists the
// SHA-256 digest of every file in the archive and no other file.
func Verify(a *Archive, vc *bundle.VerificationConfig) error {
	if vc == nil {
		return fmt.Errorf("%w: no verification key configured", ErrSignature)
	}
	var sigData []byte
	for _, f := range a.Files {
		if f.Path == signaturesFile {
			sigData = f.Data
		}
	}
	if sigData == nil {
		return fmt.Errorf("%w: bundle is not signed (no %s) but a verification key is configured", ErrSignature, signaturesFile)
	}
	var sc bundle.SignaturesConfig
	if err := json.Unmarshal(sigData, &sc); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrSignature, signaturesFile, err)
	}
	signed, err := bundle.VerifyBundleSignature(sc, vc)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrSignature, err)
	}
	for _, f := range a.Files {
		if f.Path == signaturesFile || excluded(vc, f.Path) {
			delete(signed, f.Path)
			continue
		}
		if err := bundle.VerifyBundleFile(f.Path, *bytes.NewBuffer(f.Data), signed); err != nil {
			return fmt.Errorf("%w: %w", ErrSignature, err)
		}
	}
	if len(signed) > 0 {
		missing := make([]string, 0, len(signed))
		for name := range signed {
			missing = append(missing, name)
		}
		slices.Sort(missing)
		return fmt.Errorf("%w: signed file(s) %v missing from the bundle", ErrSignature, missing)
	}
	return nil
}

func excluded(vc *bundle.VerificationConfig, name string) bool {
	for _, pattern := range vc.Exclude {
		if ok, _ := filepath.Match(pattern, name); ok {
			return true
		}
	}
	return false
}

// Signed reports whether the archive carries a .signatures.json file.
func (a *Archive) Signed() bool {
	for _, f := range a.Files {
		if f.Path == signaturesFile {
			return true
		}
	}
	return false
}
