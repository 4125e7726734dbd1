package ledger_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sendgate/sendgate/internal/ledger"
	"github.com/sendgate/sendgate/internal/ledger/memory"
)

func TestHasherIsKeyed(t *testing.T) {
	a, _ := ledger.NewHasher([]byte(strings.Repeat("a", 32)))
	b, _ := ledger.NewHasher([]byte(strings.Repeat("b", 32)))
	if a.Recipient("+31612345678") != a.Recipient("+31612345678") {
		t.Error("the same number hashed differently")
	}
	if a.Recipient("+31612345678") == b.Recipient("+31612345678") || a.Recipient("+31612345678") == a.Recipient("+31612345679") {
		t.Error("different keys or numbers hashed alike")
	}
	if strings.Contains(a.Recipient("+31612345678").String(), "612345678") || a.Fingerprint() == b.Fingerprint() {
		t.Error("hash or fingerprint reveals the input")
	}
	if _, err := ledger.NewHasher([]byte("short")); err == nil {
		t.Error("a short key was accepted")
	}
}

func TestKeyFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "ledger.key")
	made, err := ledger.GenerateKeyFile(path)
	if err != nil || !made {
		t.Fatalf("GenerateKeyFile = %v, %v", made, err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, %v", fi, err)
	}
	key, err := ledger.ReadKeyFile(path)
	if err != nil || len(key) != 64 {
		t.Fatalf("ReadKeyFile = %d bytes, %v", len(key), err)
	}
	if made, err := ledger.GenerateKeyFile(path); made || err != nil {
		t.Errorf("a second GenerateKeyFile = %v, %v; want the key kept", made, err)
	}
	short := filepath.Join(dir, "short")
	_ = os.WriteFile(short, []byte("too short\n"), 0o600)
	if _, err := ledger.ReadKeyFile(short); err == nil {
		t.Error("a short key file was accepted")
	}
}

func TestOpenRefusesAnotherKey(t *testing.T) {
	store := memory.New()
	a, _ := ledger.NewHasher([]byte(strings.Repeat("a", 32)))
	b, _ := ledger.NewHasher([]byte(strings.Repeat("b", 32)))
	if _, err := ledger.Open(context.Background(), store, a); err != nil {
		t.Fatal(err)
	}
	if _, err := ledger.Open(context.Background(), store, b); !errors.Is(err, ledger.ErrKeyMismatch) {
		t.Errorf("Open with another key: %v", err)
	}
}

func TestRunPurgeKeepsOptOuts(t *testing.T) {
	store := memory.New()
	h, _ := ledger.NewHasher([]byte(strings.Repeat("a", 32)))
	r := h.Recipient("+31612345678")
	now := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	old := now.Add(-ledger.DefaultRetention - time.Hour)
	_, err := store.Record(context.Background(), []ledger.Event{
		{ID: "in", BusinessID: "b", Recipient: r, Kind: ledger.KindOptIn, At: old},
		{ID: "out", BusinessID: "b", Recipient: r, Kind: ledger.KindOptOut, At: old},
		{ID: "msg", BusinessID: "b", Recipient: r, Kind: ledger.KindInbound, At: now.Add(-time.Hour)},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		ledger.RunPurge(ctx, store, ledger.DefaultRetention, time.Hour, func() time.Time { return now }, testLog())
		close(done)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		evs, _ := store.History(context.Background(), ledger.Subject{BusinessID: "b", Recipient: r})
		if len(evs) == 2 {
			if evs[0].ID != "out" || evs[1].ID != "msg" {
				t.Errorf("kept %+v", evs)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the purge did not run: %d events", len(evs))
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
}
