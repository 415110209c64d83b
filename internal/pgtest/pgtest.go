// Package pgtest gives each test its own schema in the machine's
// Postgres (TEST_DATABASE_URL, default postgres://127.0.0.1:5432/test),
// dropped when the test ends. Without a reachable server the test skips,
// and under CI=true it fails.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/flextime/flextime/internal/testenv"
	"github.com/flextime/flextime/migrations"
)

// BaseURL is the server the tests use.
func BaseURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://127.0.0.1:5432/test?sslmode=disable"
}

// Schema creates a fresh schema and returns a connection URL whose
// search_path is that schema alone, and the schema's name.
func Schema(t testing.TB) (dsn, schema string) {
	t.Helper()
	return SchemaAt(t, BaseURL())
}

// SchemaAt is Schema on the server at base.
func SchemaAt(t testing.TB, base string) (dsn, schema string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		testenv.Missing(t, "Postgres at "+redact(base)+" is unreachable: "+err.Error())
		return "", ""
	}
	defer conn.Close(context.Background())
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema = "t_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		_, _ = c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
	})
	return WithSearchPath(base, schema), schema
}

// WithSearchPath returns base with the search_path set to schema.
func WithSearchPath(base, schema string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// Migrated is Schema with every migration of package migrations applied:
// the tables flextime uses, empty, in a schema of the test's own.
func Migrated(t testing.TB) string {
	t.Helper()
	dsn, _ := Schema(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := migrations.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	defer db.Close()
	if _, err := migrations.Up(ctx, db); err != nil {
		t.Fatalf("pgtest: migrating: %v", err)
	}
	return dsn
}
