package embedded_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/sendgate/sendgate/internal/ledger"
	"github.com/sendgate/sendgate/internal/ledger/embedded"
	"github.com/sendgate/sendgate/internal/ledger/ledgertest"
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
			return dumpDir(t, filepath.Dir(s.(*embedded.Store).Path()))
		},
	})
}

// dumpDir concatenates every file in dir.
func dumpDir(t *testing.T, dir string) []byte {
	t.Helper()
	var all bytes.Buffer
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		all.Write(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return all.Bytes()
}
