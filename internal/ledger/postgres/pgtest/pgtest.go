// Package pgtest gives tests a schema of their own in the PostgreSQL
// server that CI starts (127.0.0.1:5432, user postgres, database test), so
// that parallel test runs never meet. A test that needs the server fails
// when it is not there; it is never skipped.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Host, Port and Database locate the server; SENDGATE_TEST_PG_HOST,
// SENDGATE_TEST_PG_PORT and SENDGATE_TEST_PG_DATABASE override them.
var (
	Host     = env("SENDGATE_TEST_PG_HOST", "127.0.0.1")
	Port     = env("SENDGATE_TEST_PG_PORT", "5432")
	Database = env("SENDGATE_TEST_PG_DATABASE", "test")
)

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// URL is the connection string of schema.
func URL(schema string) string {
	return fmt.Sprintf("postgres://postgres@%s:%s/%s?sslmode=disable&search_path=%s", Host, Port, Database, schema)
}

// Schema creates an empty schema, dropped when the test ends, and returns
// its connection string and name.
func Schema(tb testing.TB) (url, schema string) {
	tb.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema = "ledgertest_" + hex.EncodeToString(b[:])
	exec1(tb, "CREATE SCHEMA "+schema)
	tb.Cleanup(func() { exec1(tb, "DROP SCHEMA "+schema+" CASCADE") })
	return URL(schema), schema
}

func exec1(tb testing.TB, sql string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, fmt.Sprintf("postgres://postgres@%s:%s/%s?sslmode=disable", Host, Port, Database))
	if err != nil {
		tb.Fatalf("PostgreSQL at %s:%s is needed (CI starts it; see .ci/run): %v", Host, Port, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		tb.Fatalf("%s: %v", sql, err)
	}
}

// Dump returns pg_dump's plain-text dump of schema, data included.
func Dump(tb testing.TB, schema string) []byte {
	tb.Helper()
	out, err := exec.Command("pg_dump", "-h", Host, "-p", Port, "-U", "postgres", "--schema="+schema, Database).Output()
	if err != nil {
		tb.Fatalf("pg_dump: %v", err)
	}
	return out
}
