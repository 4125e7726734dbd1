package auth

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

const (
	billingToken   = "billing-0123456789abcdef"
	campaignsToken = "campaigns-0123456789abcdef"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func TestParseTokens(t *testing.T) {
	set, err := parseTokens([]byte("# callers of the decision port\n\nbilling:" + billingToken + "\n  campaigns : " + campaignsToken + "  \n# end\n"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range set.entries {
		names = append(names, e.name)
	}
	if !slices.Equal(names, []string{"billing", "campaigns"}) {
		t.Fatalf("names %v", names)
	}

	for _, tc := range []struct{ name, file, want string }{
		{"no_colon", "billing " + billingToken, "line 1: want name:token"},
		{"empty_name", ":" + billingToken, "line 1: the name must be"},
		{"name_with_space", "bill ing:" + billingToken, "line 1: the name must be"},
		{"reserved_name", "anonymous:" + billingToken, `"anonymous" is reserved`},
		{"short_token", "billing:short", "billing's token is shorter than 16"},
		{"empty_token", "billing:", "shorter than 16"},
		{"token_with_space", "billing:0123456789 abcdef0123", "holds a space"},
		{"name_twice", "billing:" + billingToken + "\nbilling:" + campaignsToken, "line 2: billing is named twice"},
		{"token_twice", "billing:" + billingToken + "\n\ncampaigns:" + billingToken, "line 3: campaigns has the same token as billing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseTokens([]byte(tc.file))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("parse: %v, want %q", err, tc.want)
			}
			for _, secret := range []string{billingToken, campaignsToken, "0123456789 abcdef0123", ":short"} {
				if strings.Contains(err.Error(), secret) {
					t.Fatalf("the error shows a token: %v", err)
				}
			}
		})
	}
}

func TestLookup(t *testing.T) {
	file := filepath.Join(t.TempDir(), "tokens")
	writeFile(t, file, "billing:"+billingToken+"\ncampaigns:"+campaignsToken+"\n")
	tok, err := LoadTokens(file, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		token, name string
		ok          bool
	}{
		{billingToken, "billing", true},
		{campaignsToken, "campaigns", true},
		{"", "", false},
		{billingToken[:len(billingToken)-1], "", false},
		{billingToken + "x", "", false},
		{strings.ToUpper(billingToken), "", false},
	} {
		if name, ok := tok.Lookup(tc.token); name != tc.name || ok != tc.ok {
			t.Errorf("Lookup(%q) = %q, %v; want %q, %v", tc.token, name, ok, tc.name, tc.ok)
		}
	}
	if got := tok.Names(); !slices.Equal(got, []string{"billing", "campaigns"}) {
		t.Errorf("Names() = %v", got)
	}
}

func TestLoadTokensRefuses(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	writeFile(t, empty, "# nobody yet\n")
	bad := filepath.Join(dir, "bad")
	writeFile(t, bad, "billing\n")
	for file, want := range map[string]string{
		filepath.Join(dir, "missing"): "auth token file: open",
		empty:                         "holds no token",
		bad:                           "line 1: want name:token",
	} {
		if _, err := LoadTokens(file, nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("LoadTokens(%s): %v, want %q", filepath.Base(file), err, want)
		}
	}
}

func TestReloadTokens(t *testing.T) {
	file := filepath.Join(t.TempDir(), "tokens")
	writeFile(t, file, "billing:"+billingToken+"\n")
	var logs bytes.Buffer
	tok, err := LoadTokens(file, slog.New(slog.NewJSONHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if changed, err := tok.Reload(); changed || err != nil {
		t.Fatalf("Reload of the same file: %v, %v", changed, err)
	}

	// Rotation: a new token for billing, campaigns added.
	const rotated = "billing-rotated-0123456789"
	writeFile(t, file, "billing:"+rotated+"\ncampaigns:"+campaignsToken+"\n")
	if changed, err := tok.Reload(); !changed || err != nil {
		t.Fatalf("Reload: %v, %v", changed, err)
	}
	if _, ok := tok.Lookup(billingToken); ok {
		t.Error("the replaced token still admits")
	}
	if name, ok := tok.Lookup(rotated); !ok || name != "billing" {
		t.Errorf("the new token: %q, %v", name, ok)
	}

	// A bad line keeps the tokens in use, logged once.
	logs.Reset()
	writeFile(t, file, "billing "+rotated+"\n")
	for range 2 {
		if changed, err := tok.Reload(); changed || err == nil {
			t.Fatalf("Reload of a bad file: %v, %v", changed, err)
		}
	}
	if name, _ := tok.Lookup(rotated); name != "billing" {
		t.Error("a bad file dropped the tokens in use")
	}
	if n := strings.Count(logs.String(), `"level":"ERROR"`); n != 1 {
		t.Errorf("%d error lines, want 1:\n%s", n, logs.String())
	}
	if strings.Contains(logs.String(), rotated) || strings.Contains(logs.String(), campaignsToken) {
		t.Errorf("a token reached the log:\n%s", logs.String())
	}

	// Emptying the file revokes every token.
	writeFile(t, file, "# all revoked\n")
	if changed, err := tok.Reload(); !changed || err != nil {
		t.Fatalf("Reload of an empty file: %v, %v", changed, err)
	}
	if _, ok := tok.Lookup(rotated); ok {
		t.Error("an emptied file still admits")
	}
}

func TestWatchTokens(t *testing.T) {
	file := filepath.Join(t.TempDir(), "tokens")
	writeFile(t, file, "billing:"+billingToken+"\n")
	tok, err := LoadTokens(file, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tok.Watch(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	time.Sleep(50 * time.Millisecond) // the watcher sets up
	writeFile(t, file, "campaigns:"+campaignsToken+"\n")
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if _, ok := tok.Lookup(campaignsToken); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the changed file was not read within 10 s")
		}
	}
	if _, ok := tok.Lookup(billingToken); ok {
		t.Error("the removed token still admits")
	}
}
