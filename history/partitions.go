package history

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// DB is what partition upkeep needs: a *pgxpool.Pool, *pgx.Conn or pgx.Tx.
type DB interface {
	Querier
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

const (
	table           = "evaluation_history"
	partitionLayout = "20060102"
	partitionPrefix = table + "_p"
	day             = 24 * time.Hour
)

// PartitionName returns the name of the daily partition holding t: its
// UTC day, as evaluation_history_pYYYYMMDD.
func PartitionName(t time.Time) string {
	return partitionPrefix + t.UTC().Format(partitionLayout)
}

// utcDay returns the start of t's UTC day.
func utcDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// EnsurePartitions creates the daily partitions of every UTC day from
// from's to to's, both included, that does not exist yet. It is safe to
// call again and from many processes at once: losing a race to create
// the same partition counts as success.
func EnsurePartitions(ctx context.Context, db DB, from, to time.Time) error {
	for d := utcDay(from); !d.After(utcDay(to)); d = d.Add(day) {
		if err := ensureDay(ctx, db, d); err != nil {
			return err
		}
	}
	return nil
}

func ensureDay(ctx context.Context, db DB, d time.Time) error {
	name := PartitionName(d)
	sql := fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s PARTITION OF %s FOR VALUES FROM ('%s') TO ('%s')`,
		pgx.Identifier{name}.Sanitize(), table,
		d.Format(time.RFC3339), d.Add(day).Format(time.RFC3339))
	_, err := db.Exec(ctx, sql)
	if err == nil {
		return nil
	}
	// IF NOT EXISTS looks before it locks the parent: a concurrent
	// creator that commits in between makes this one fail with a
	// duplicate name (42P07, or 23505 on the catalog's index) or an
	// overlapping range (42P17). The partition is there all the same.
	var pe *pgconn.PgError
	if errors.As(err, &pe) && (pe.Code == "42P07" || pe.Code == "23505" || pe.Code == "42P17") {
		var exists bool
		if qerr := queryRow(ctx, db, `SELECT to_regclass($1) IS NOT NULL`, []any{name}, &exists); qerr == nil && exists {
			return nil
		}
	}
	return fmt.Errorf("history: creating partition %s: %w", name, err)
}

// Partitions returns the names of the daily partitions of
// evaluation_history, oldest first.
func Partitions(ctx context.Context, db DB) ([]string, error) {
	rows, err := db.Query(ctx, `SELECT c.relname FROM pg_inherits i
		JOIN pg_class c ON c.oid = i.inhrelid
		WHERE i.inhparent = $1::regclass`, table)
	if err != nil {
		return nil, err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	var out []string
	for _, n := range names {
		if _, ok := partitionDay(n); ok {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out, nil
}

// partitionDay parses the day out of a daily partition's name.
func partitionDay(name string) (time.Time, bool) {
	if len(name) != len(partitionPrefix)+len(partitionLayout) || name[:len(partitionPrefix)] != partitionPrefix {
		return time.Time{}, false
	}
	d, err := time.Parse(partitionLayout, name[len(partitionPrefix):])
	return d, err == nil
}

// DropBefore drops every daily partition whose range ends at or before
// cutoff, rows and all, and returns the names it dropped. Tables that do
// not follow the daily naming are left alone.
func DropBefore(ctx context.Context, db DB, cutoff time.Time) ([]string, error) {
	names, err := Partitions(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("history: listing partitions: %w", err)
	}
	var dropped []string
	for _, n := range names {
		d, _ := partitionDay(n)
		if d.Add(day).After(cutoff) {
			continue
		}
		if _, err := db.Exec(ctx, "DROP TABLE IF EXISTS "+pgx.Identifier{n}.Sanitize()); err != nil {
			return dropped, fmt.Errorf("history: dropping partition %s: %w", n, err)
		}
		dropped = append(dropped, n)
	}
	return dropped, nil
}

// Maintain is one round of partition upkeep at now: it ensures the
// partitions of yesterday through a week ahead, then drops those that
// ended retention or more ago (none when retention is 0). The Writer
// runs it when it starts and every hour.
func Maintain(ctx context.Context, db DB, retention time.Duration, now time.Time) (dropped []string, err error) {
	if err := EnsurePartitions(ctx, db, now.Add(-day), now.Add(7*day)); err != nil {
		return nil, err
	}
	if retention <= 0 {
		return nil, nil
	}
	return DropBefore(ctx, db, now.Add(-retention))
}

func queryRow(ctx context.Context, q Querier, sql string, args []any, dest ...any) error {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	_, err = pgx.ForEachRow(rows, dest, func() error { return nil })
	return err
}
