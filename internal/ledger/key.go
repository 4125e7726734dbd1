package ledger

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// MinKeyBytes is the shortest key accepted: an HMAC-SHA256 key shorter
// than the hash is weaker than the hash.
const MinKeyBytes = 32

// Hasher turns phone numbers into Recipients with HMAC-SHA256 under one key.
// It is safe for concurrent use.
type Hasher struct {
	pool sync.Pool
	key  []byte
}

// NewHasher returns a hasher keyed with key (at least MinKeyBytes).
func NewHasher(key []byte) (*Hasher, error) {
	if len(key) < MinKeyBytes {
		return nil, fmt.Errorf("the ledger key has %d bytes; at least %d are needed", len(key), MinKeyBytes)
	}
	h := &Hasher{key: bytes.Clone(key)}
	h.pool.New = func() any { return hmac.New(sha256.New, h.key) }
	return h, nil
}

// Recipient returns the keyed hash of phone, an E.164 number.
func (h *Hasher) Recipient(phone string) Recipient {
	mac := h.pool.Get().(hash.Hash)
	mac.Reset()
	mac.Write([]byte(phone))
	var r Recipient
	mac.Sum(r[:0])
	h.pool.Put(mac)
	return r
}

// Fingerprint identifies the key without revealing it, for Store.BindKey.
func (h *Hasher) Fingerprint() string {
	mac := hmac.New(sha256.New, h.key)
	mac.Write([]byte("sendgate ledger key fingerprint"))
	return hex.EncodeToString(mac.Sum(nil))[:32]
}

// ReadKeyFile reads a key file: its bytes, surrounding white space removed.
// A file of hex digits (as GenerateKeyFile writes) is used as those
// characters, so any secret of at least MinKeyBytes characters works.
func ReadKeyFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the ledger key: %w", err)
	}
	key := bytes.TrimSpace(b)
	if len(key) < MinKeyBytes {
		return nil, fmt.Errorf("the ledger key in %s has %d bytes; at least %d are needed", path, len(key), MinKeyBytes)
	}
	return key, nil
}

// GenerateKeyFile writes a new random key (hex) to path with mode 0600,
// unless the file exists. It reports whether it wrote one.
func GenerateKeyFile(path string) (bool, error) {
	if _, err := os.Stat(path); err == nil {
		return false, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("ledger key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return false, fmt.Errorf("ledger key: %w", err)
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return false, fmt.Errorf("ledger key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return false, fmt.Errorf("ledger key: %w", err)
	}
	_, err = f.WriteString(hex.EncodeToString(raw[:]) + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
		return false, fmt.Errorf("ledger key: %w", err)
	}
	return true, nil
}
