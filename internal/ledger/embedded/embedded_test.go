package embedded_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/sendgate/sendgate/internal/ledger"
	"github.com/sendgate/sendgate/internal/ledger/embedded"
	"github.com/sendgate/sendgate/internal/ledger/ledgertest"
	"github.com/sendgate/sendgate/internal/testkit"
)

func TestConformance(t *testing.T) {
	ledgertest.Run(t, ledgertest.Harness{
		Open: func(t *testing.T) ledger.Store {
			s, err := embedded.Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
		Reopen: func(t *testing.T, s ledger.Store) ledger.Store {
			dir := filepath.Dir(s.(*embedded.Store).Path())
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s, err := embedded.Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
		Dump: func(t *testing.T, s ledger.Store) []byte {
			return testkit.DumpDir(t, filepath.Dir(s.(*embedded.Store).Path()))
		},
	})
}

// TestClosedStoreAnswersErrors: every use of a closed store is an error,
// never a crash (an import that outlives its store, a Check racing a
// shutdown).
func TestClosedStoreAnswersErrors(t *testing.T) {
	s, err := embedded.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	r := ledgertest.Recipient("closed")
	sub := ledger.Subject{BusinessID: "biz", Recipient: r}
	small := []ledger.Event{ledgertest.OptIn("e1", "biz", r, 0)}
	large := make([]ledger.Event, 100)
	for i := range large {
		large[i] = ledgertest.OptIn(fmt.Sprint("e", i), "biz", r, 0)
	}
	for name, use := range map[string]func() error{
		"Record (batched)": func() error { _, err := s.Record(ctx, small); return err },
		"Record (alone)":   func() error { _, err := s.Record(ctx, large); return err },
		"States":           func() error { _, err := s.States(ctx, []ledger.Subject{sub}); return err },
		"History":          func() error { _, err := s.History(ctx, sub); return err },
		"Erase":            func() error { _, err := s.Erase(ctx, "biz", r, time.Now()); return err },
		"Purge":            func() error { _, err := s.Purge(ctx, time.Now()); return err },
		"Export":           func() error { return s.Export(ctx, "", func(ledger.Event) error { return nil }) },
		"BindKey":          func() error { return s.BindKey(ctx, "fingerprint") },
		"Close":            s.Close,
	} {
		if err := use(); err == nil {
			t.Errorf("%s on a closed store: no error", name)
		}
	}
}
