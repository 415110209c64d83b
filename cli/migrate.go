package cli

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"

	"github.com/pressly/goose/v3"
	"github.com/spf13/cobra"

	"github.com/flextime/flextime/migrations"
)

// dbSettings are what a command that talks to Postgres reads.
var dbSettings = []string{"DATABASE_URL", "DB_POOL_MIN", "DB_POOL_MAX", "DB_TIMEOUT"}

// databaseURL returns DATABASE_URL; without one it is a usage error.
func databaseURL(cfg *config) (string, error) {
	u := cfg.str("DATABASE_URL")
	if u == "" {
		return "", usagef("DATABASE_URL is not set (give it in the environment or as --database-url)")
	}
	return u, nil
}

// requireDB reads the Postgres settings of a command that cannot run
// without DATABASE_URL.
func requireDB(cfg *config) (dbConn, error) {
	c, err := readDBConn(cfg)
	if err == nil && c.dsn == "" {
		_, err = databaseURL(cfg)
	}
	return c, err
}

// redactDSN hides the password of a Postgres URL for messages.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		return "DATABASE_URL"
	}
	return u.Redacted()
}

func (a *app) migrateCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply, roll back or list the Postgres schema migrations (DATABASE_URL)",
		RunE:  groupRun,
	}
	sub := func(use, short string, run func(ctx context.Context, cmd *cobra.Command, db *sql.DB) error) *cobra.Command {
		c := &cobra.Command{
			Use:   use,
			Short: short,
			Args:  exactArgs(),
			RunE: func(cmd *cobra.Command, _ []string) error {
				conn, err := requireDB(newConfig(cmd))
				if err != nil {
					return err
				}
				ctx, cancel := conn.context(cmd.Context())
				defer cancel()
				db, err := migrations.Open(ctx, conn.dsn)
				if err != nil {
					return fmt.Errorf("connecting to Postgres at %s: %w", redactDSN(conn.dsn), err)
				}
				defer db.Close()
				return run(ctx, cmd, db)
			},
		}
		addSettings(c, "DATABASE_URL", "DB_TIMEOUT")
		return c
	}
	cmd.AddCommand(
		sub("up", "Apply every migration not applied yet, printing one line per migration applied",
			func(ctx context.Context, _ *cobra.Command, db *sql.DB) error {
				done, err := migrations.Up(ctx, db)
				for _, line := range done {
					fmt.Fprintln(a.stdout, line)
				}
				if err == nil && len(done) == 0 {
					_, err = fmt.Fprintln(a.stdout, "up to date")
				}
				return err
			}),
		sub("down", "Roll back the newest applied migration",
			func(ctx context.Context, _ *cobra.Command, db *sql.DB) error {
				done, err := migrations.Down(ctx, db)
				if errors.Is(err, goose.ErrNoNextVersion) {
					_, err = fmt.Fprintln(a.stdout, "no migration to roll back")
					return err
				}
				for _, line := range done {
					fmt.Fprintln(a.stdout, line)
				}
				return err
			}),
		sub("status", "List the migrations: VERSION  FILE  applied TIME, or pending",
			func(ctx context.Context, _ *cobra.Command, db *sql.DB) error {
				return migrations.Status(ctx, db, a.stdout)
			}),
	)
	return cmd
}
