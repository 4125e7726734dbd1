package auth

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/sendgate/sendgate/internal/filewatch"
)

// MinTokenLength is the shortest token a token file may hold: a token is
// guessed by trying, and `head -c 32 /dev/urandom | base64` gives 44.
const MinTokenLength = 16

// namePattern is what a caller's name in a token file may look like: it
// becomes a metric label and a log field.
var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$`)

// reserved names stand for callers without a name in logs and metrics.
var reserved = []string{Anonymous, Unauthenticated, Other}

// Tokens are the bearer tokens of a token file, one "name:token" a line,
// kept current by Watch.
type Tokens struct {
	file   string
	log    *slog.Logger
	cur    atomic.Pointer[tokenSet]
	mu     sync.Mutex // serialises reloads
	failed [sha256.Size]byte
}

// tokenSet is one reading of the file.
type tokenSet struct {
	digest  [sha256.Size]byte
	entries []entry
}

// entry is a caller's name and the digest of its token: tokens are
// compared by digest, so neither their bytes nor their length leak
// through timing.
type entry struct {
	name string
	sum  [sha256.Size]byte
}

// LoadTokens reads file, refusing one that holds no token or a line that
// is not "name:token".
func LoadTokens(file string, log *slog.Logger) (*Tokens, error) {
	if log == nil {
		log = slog.Default()
	}
	t := &Tokens{file: file, log: log}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("auth token file: %w", err)
	}
	set, err := parseTokens(data)
	if err != nil {
		return nil, fmt.Errorf("auth token file %s: %w", file, err)
	}
	if len(set.entries) == 0 {
		return nil, fmt.Errorf("auth token file %s holds no token", file)
	}
	t.cur.Store(set)
	return t, nil
}

// parseTokens reads "name:token" lines; blank lines and lines starting
// with # are skipped. Errors name the line, never the token.
func parseTokens(data []byte) (*tokenSet, error) {
	set := &tokenSet{digest: sha256.Sum256(data)}
	names, sums := map[string]bool{}, map[[sha256.Size]byte]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, token, ok := strings.Cut(line, ":")
		name, token = strings.TrimSpace(name), strings.TrimSpace(token)
		switch {
		case !ok:
			return nil, fmt.Errorf("line %d: want name:token", n)
		case !namePattern.MatchString(name):
			return nil, fmt.Errorf("line %d: the name must be 1-64 letters, digits or . _ @ - (starting with a letter or digit)", n)
		case slices.Contains(reserved, name):
			return nil, fmt.Errorf("line %d: %q is reserved", n, name)
		case names[name]:
			return nil, fmt.Errorf("line %d: %s is named twice", n, name)
		case len(token) < MinTokenLength:
			return nil, fmt.Errorf("line %d: %s's token is shorter than %d characters", n, name, MinTokenLength)
		case strings.ContainsFunc(token, func(r rune) bool { return r <= ' ' || r == 0x7f }):
			return nil, fmt.Errorf("line %d: %s's token holds a space or control character", n, name)
		}
		sum := sha256.Sum256([]byte(token))
		if other, dup := sums[sum]; dup {
			return nil, fmt.Errorf("line %d: %s has the same token as %s", n, name, other)
		}
		names[name], sums[sum] = true, name
		set.entries = append(set.entries, entry{name: name, sum: sum})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return set, nil
}

// Lookup returns the name of the caller whose token this is. It compares
// the token with every entry, in constant time each.
func (t *Tokens) Lookup(token string) (name string, ok bool) {
	if token == "" {
		return "", false
	}
	got := sha256.Sum256([]byte(token))
	for _, e := range t.cur.Load().entries {
		if subtle.ConstantTimeCompare(got[:], e.sum[:]) == 1 {
			name, ok = e.name, true
		}
	}
	return name, ok
}

// Names are the callers the file names, in file order.
func (t *Tokens) Names() []string {
	entries := t.cur.Load().entries
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.name
	}
	return out
}

// Reload reads the file again. A file that cannot be read or has a bad
// line changes nothing (logged, once per content); a well-formed file is
// taken as it is, even with no token left, so emptying it revokes every
// token.
func (t *Tokens) Reload() (changed bool, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	data, err := os.ReadFile(t.file)
	var digest [sha256.Size]byte
	if err == nil {
		digest = sha256.Sum256(data)
		if digest == t.cur.Load().digest {
			return false, nil
		}
		var set *tokenSet
		if set, err = parseTokens(data); err == nil {
			t.cur.Store(set)
			t.failed = [sha256.Size]byte{}
			t.log.Info("auth token file reloaded", "file", t.file, "callers", t.Names())
			if len(set.entries) == 0 {
				t.log.Warn("the auth token file holds no token: only client certificates are admitted", "file", t.file)
			}
			return true, nil
		}
		err = fmt.Errorf("auth token file %s: %w", t.file, err)
	} else {
		err = fmt.Errorf("auth token file: %w", err)
		digest = sha256.Sum256([]byte(err.Error()))
	}
	if digest != t.failed {
		t.failed = digest
		t.log.Error("auth token file not reloaded; keeping the tokens in use", "error", err)
	}
	return false, err
}

// Watch reloads the file whenever it may have changed, until ctx ends.
func (t *Tokens) Watch(ctx context.Context) error {
	return filewatch.Watch(ctx, []string{t.file}, filewatch.Options{}, func() { _, _ = t.Reload() })
}
