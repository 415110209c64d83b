// Package migrations holds flextime's Postgres schema as versioned SQL
// files embedded in the binary, applied with goose over pgx.
//
//	db, err := migrations.Open(ctx, databaseURL)
//	...
//	err = migrations.Up(ctx, db)
//
// Tables live in the connection's search_path, so tests can give each run
// its own schema (options=-c search_path=...).
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed sql/*.sql
var files embed.FS

var _ = stdlib.GetDefaultDriver

// Open opens a database/sql handle on url through pgx.
func Open(ctx context.Context, url string) (*sql.DB, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, err
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func provider(db *sql.DB) (*goose.Provider, error) {
	sub, err := fsSub()
	if err != nil {
		return nil, err
	}
	// Instances that start together take turns: a Postgres advisory lock
	// held for the run.
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(goose.DialectPostgres, db, sub, goose.WithSessionLocker(locker))
}

// Up applies every migration not applied yet.
func Up(ctx context.Context, db *sql.DB) ([]string, error) {
	p, err := provider(db)
	if err != nil {
		return nil, err
	}
	res, err := p.Up(ctx)
	return describe(res), err
}

// Down rolls back the newest applied migration.
func Down(ctx context.Context, db *sql.DB) ([]string, error) {
	p, err := provider(db)
	if err != nil {
		return nil, err
	}
	r, err := p.Down(ctx)
	if r == nil {
		return nil, err
	}
	return describe([]*goose.MigrationResult{r}), err
}

// Status writes one line per migration: its version, file and whether it
// is applied.
func Status(ctx context.Context, db *sql.DB, w io.Writer) error {
	p, err := provider(db)
	if err != nil {
		return err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return err
	}
	for _, s := range st {
		when := "pending"
		if s.State == goose.StateApplied {
			when = "applied " + s.AppliedAt.UTC().Format("2006-01-02 15:04:05Z")
		}
		if _, err := fmt.Fprintf(w, "%05d  %-32s  %s\n", s.Source.Version, s.Source.Path, when); err != nil {
			return err
		}
	}
	return nil
}

func describe(rs []*goose.MigrationResult) []string {
	var out []string
	for _, r := range rs {
		out = append(out, fmt.Sprintf("%s %05d %s (%s)", r.Direction, r.Source.Version, r.Source.Path, r.Duration.Round(1000)))
	}
	return out
}
