package memory_test

import (
	"testing"

	"github.com/sendgate/sendgate/internal/ledger"
	"github.com/sendgate/sendgate/internal/ledger/ledgertest"
	"github.com/sendgate/sendgate/internal/ledger/memory"
)

func TestConformance(t *testing.T) {
	ledgertest.Run(t, ledgertest.Harness{
		Open: func(*testing.T) ledger.Store { return memory.New() },
	})
}
