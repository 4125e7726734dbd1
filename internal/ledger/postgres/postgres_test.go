package postgres_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"

	"github.com/sendgate/sendgate/internal/ledger"
	"github.com/sendgate/sendgate/internal/ledger/ledgertest"
	"github.com/sendgate/sendgate/internal/ledger/postgres"
	"github.com/sendgate/sendgate/internal/ledger/postgres/pgtest"
)

func TestConformance(t *testing.T) {
	schemas := map[ledger.Store]string{}
	open := func(t *testing.T, url string) ledger.Store {
		s, err := postgres.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	ledgertest.Run(t, ledgertest.Harness{
		Open: func(t *testing.T) ledger.Store {
			url, schema := pgtest.Schema(t)
			s := open(t, url)
			schemas[s] = schema
			return s
		},
		Reopen: func(t *testing.T, s ledger.Store) ledger.Store {
			schema := schemas[s]
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s = open(t, pgtest.URL(schema))
			schemas[s] = schema
			return s
		},
		Dump: func(t *testing.T, s ledger.Store) []byte {
			return pgtest.Dump(t, schemas[s])
		},
	})
}

func TestMigrationsAreIdempotent(t *testing.T) {
	url, schema := pgtest.Schema(t)
	for range 2 {
		s, err := postgres.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
	out, err := exec.Command("psql", "-h", pgtest.Host, "-U", "postgres", "-d", pgtest.Database, "-tAc",
		fmt.Sprintf("SELECT count(*) FROM %s.ledger_schema_version WHERE version_id > 0", schema)).CombinedOutput()
	if err != nil {
		t.Fatalf("psql: %v: %s", err, out)
	}
	if got, want := string(out), fmt.Sprintln(postgres.Migrations()); got != want {
		t.Errorf("%s migrations recorded, want %s", got, want)
	}
}

func TestOpenFailsWhenTheServerIsDown(t *testing.T) {
	// A port on which nothing listens.
	_, err := postgres.Open(context.Background(), "postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=2")
	if err == nil {
		t.Fatal("Open succeeded without a server")
	}
}

func TestMain(m *testing.M) { os.Exit(m.Run()) }
